"""GET /healthz for load balancers and the operator.

A load balancer should keep an instance whose voice line works, and the voice line needs only the
content, which an app cannot start without. So the answer is always 200: a database fault makes the
status "degraded" with its kind as the reason (menus and sections work, texting answers without memory),
and missing audio is reported as coverage, since every prompt falls back to <Say>.

The database is checked by a read and a write (a heartbeat row): a read alone says "ok" about a read-only
database or a full disk, where every opt-out would be lost. Both run off the request's thread with a
deadline, so a hung database never holds the check for longer than HEALTH_DEADLINE_SECONDS.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ivr.audio.catalog import AudioCatalog
from ivr.content.model import Line
from ivr.services import services
from ivr.store.database import Database, StoreUnavailable
from ivr.store.offload import Offload
from ivr.voice.utterances import utterances

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
HEALTH_DEADLINE_SECONDS = 0.8


def audio_coverage(line: Line, audio: AudioCatalog) -> dict[str, dict[str, float | int]]:
    """Per language: how many of the sentences the line can say have generated audio."""
    coverage: dict[str, dict[str, float | int]] = {}
    for code, language in line.languages.items():
        texts = {said.text for said in utterances(line, language)}
        covered = sum(1 for text in texts if audio.url_for(text, language))
        coverage[code] = {"covered": covered, "total": len(texts),
                          "percent": round(100 * covered / max(len(texts), 1), 1)}
    return coverage


class StoreCheck:
    """Can the store read and write? The one question health asks of the database, built by create_app."""

    def __init__(self, database: Database, offload: Offload):
        self._database = database
        self._offload = offload  # the store's reader thread: a hung database costs the check its deadline, no more

    def __call__(self) -> dict[str, str]:
        """{"read": ..., "write": ...}: "ok" or the kind of fault; the details go to the log."""
        try:
            checks = self._offload.read(self._database.probe, HEALTH_DEADLINE_SECONDS)
        except StoreUnavailable as error:
            checks = {"read": error.kind, "write": error.kind}
        if set(checks.values()) != {"ok"}:
            log.warning("health check: the database is not fully available: %s", checks)
        return checks


@bp.route("/healthz", methods=["GET"])
def healthz() -> ResponseReturnValue:
    line = services().line
    database = services().store_check()
    faults = [kind for kind in database.values() if kind != "ok"]
    report = {
        "status": "degraded" if faults else "ok",
        "content": {code: len(language.topics) for code, language in line.languages.items()},
        "languages": list(line.languages),
        "audio": audio_coverage(line, services().pages.audio),
        "database": database,
        "revision": services().revision,  # the live revision this worker serves (null: the files, store down)
    }
    if faults:
        report["reason"] = faults[0]
    return jsonify(report), 200
