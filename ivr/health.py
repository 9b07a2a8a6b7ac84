"""GET /healthz for load balancers and the operator.

A load balancer should keep an instance whose voice line works, and the voice line needs only the
content, which an app cannot start without. So the answer is always 200: a database that cannot be
reached makes the status "degraded" (menus and sections work, texting answers without memory), and
missing audio is reported as coverage, since every prompt falls back to <Say>.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ivr.audio.catalog import AudioCatalog
from ivr.content.model import Line
from ivr.services import services
from ivr.store.database import Database, StoreUnavailable
from ivr.voice.utterances import utterances

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def audio_coverage(line: Line, audio: AudioCatalog) -> dict[str, dict[str, float | int]]:
    """Per language: how many of the sentences the line can say have generated audio."""
    coverage: dict[str, dict[str, float | int]] = {}
    for code, language in line.languages.items():
        texts = {said.text for said in utterances(line, language)}
        covered = sum(1 for text in texts if audio.url_for(text, language))
        coverage[code] = {"covered": covered, "total": len(texts), "percent": round(100 * covered / max(len(texts), 1), 1)}
    return coverage


def database_state(database: Database) -> str:
    try:
        database.ping()
    except StoreUnavailable as error:  # the reason goes to the log, the load balancer needs only the state
        log.warning("health check: the database is unavailable (%s)", error)
        return "unavailable"
    return "ok"


@bp.route("/healthz", methods=["GET"])
def healthz() -> ResponseReturnValue:
    line = services().line
    database = database_state(services().store.database)
    report = {
        "status": "degraded" if database == "unavailable" else "ok",
        "content": {code: len(language.topics) for code, language in line.languages.items()},
        "languages": list(line.languages),
        "audio": audio_coverage(line, services().pages.audio),
        "database": database,
        "revision": services().revision,  # the live revision this worker serves (null: the files, store down)
    }
    return jsonify(report), 200
