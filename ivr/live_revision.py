"""A newly published revision reaches every worker of every instance within seconds, without a restart.

Each worker runs one background thread (started at its first request, so it exists in every forked
gunicorn worker) that asks the store for the live revision's number every few seconds: one cheap
indexed query. When the number changes it loads the revision and swaps the app's Services, one
reference, at once. Requests never wait on the database for this; a request already running keeps
the Services it started with (services() pins them per request). A call's URLs name the revision it
is hearing (`rev`): a call on the revision live just before goes on in it, so no caller hears half of
one revision and half of another; an older one is answered from the new revision, where every place
the new words no longer have falls back to the main menu.

The same thread fetches the audio other instances shared (ivr/audio/shared.py) into this one's folder.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask

from ivr.audio.folder import ManifestError
from ivr.audio.shared import SharedAudio
from ivr.config import ConfigurationError
from ivr.content.staff_file import ContentError
from ivr.publishing.document import load_document
from ivr.services import PREVIOUS, Services, serving
from ivr.sms.measure import refuse_long_help
from ivr.store.database import StoreUnavailable

log = logging.getLogger(__name__)


class LiveRevision:
    """Keeps one app's line on the live revision, checking every `poll_seconds`."""

    def __init__(self, app: Flask, poll_seconds: float):
        self._app = app
        self._poll_seconds = poll_seconds
        self._started_in: int | None = None  # the process whose thread polls: a forked worker starts its own
        self._start_lock = threading.Lock()
        self._stopped = threading.Event()
        self._unservable: int | None = None  # the live revision found unservable here, not loaded again
        self._audio_version: tuple[int, int] | None = None  # of the shared audio last fetched

    def ensure_polling(self) -> None:
        """Start this process's polling thread if it has none (cheap: one comparison per request)."""
        if self._started_in == os.getpid():
            return
        with self._start_lock:
            if self._started_in != os.getpid():
                threading.Thread(target=self._poll, name="live-revision", daemon=True).start()
                self._started_in = os.getpid()

    def stop(self) -> None:
        self._stopped.set()

    def _poll(self) -> None:
        """Check at once (a worker forked from a preloaded master may hold an older revision), then regularly."""
        while not self._stopped.is_set():
            self.sync_audio()  # first: a revision swapped in then finds its audio already here
            self.refresh()
            self._stopped.wait(self._poll_seconds)

    def sync_audio(self) -> int:
        """Fetch the audio other instances shared since the last check; return how many parts arrived."""
        current: Services = self._app.extensions["otline"]
        shared = SharedAudio(current.revisions.database)
        try:
            version = shared.version()
            if version == self._audio_version:
                return 0
            added = shared.fetch(current.audio.folder)
        except StoreUnavailable as error:  # the audio this instance has keeps playing; the next check tries again
            log.debug("cannot fetch shared audio (%s)", error)
            return 0
        except (ManifestError, OSError) as error:  # a damaged manifest or a full disk here: say so, keep polling
            log.error("cannot store the shared audio in %s: %s", current.audio.folder.root, error)
            return 0
        self._audio_version = version
        if added:
            log.info("%d shared audio part(s) arrived", added)
        return added

    def refresh(self) -> int | None:
        """Swap in the live revision if it changed; return the revision now served."""
        current: Services = self._app.extensions["otline"]
        try:
            number = current.revisions.live_number()
            if number in (None, current.revision, self._unservable):
                return current.revision
            live = current.revisions.live()
        except StoreUnavailable as error:  # keep serving what we have; the next check tries again
            log.debug("cannot check the live revision (%s)", error)
            return current.revision
        if live is None:  # rolled back or retired between the two questions: the next check sees which
            return current.revision
        revision, files = live
        try:
            line = load_document(files)
            refuse_long_help(line, current.texts.policy)
        except (ContentError, ConfigurationError) as error:  # never swap in a line this instance cannot serve
            log.error("live revision %d cannot be served here, still serving %s: %s", revision.number,
                      current.revision, error)
            self._unservable = revision.number  # said once, not at every check
            return current.revision
        self._app.extensions[PREVIOUS] = current  # calls in progress finish their sections in it
        self._app.extensions["otline"] = serving(current, line, revision.number)
        log.info("now serving revision %d (was %s)", revision.number, current.revision)
        return revision.number


def install_live_revision(app: Flask, poll_seconds: float) -> LiveRevision | None:
    """Poll for a new live revision in every worker; poll_seconds 0 turns it off (a restart is then needed)."""
    if poll_seconds <= 0:
        return None
    live = LiveRevision(app, poll_seconds)
    app.before_request(live.ensure_polling)
    app.extensions["otline.live"] = live
    return live
