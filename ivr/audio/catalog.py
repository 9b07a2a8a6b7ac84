"""How the line finds generated audio for a sentence, if any exists for exactly that text."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from ivr.audio.store import AudioStore, Entry, ManifestError, lookup_key
from ivr.content.model import Language

log = logging.getLogger(__name__)


class AudioCatalog(Protocol):
    def url_for(self, text: str, language: Language) -> str | None:
        """The URL of audio for exactly this text in this language, or None to speak it with <Say>."""

    def generation(self) -> object:
        """A value that changes whenever url_for may answer differently (pages rendered before are stale)."""


class NoAudio:
    """A catalog with nothing in it: every prompt is spoken with <Say>."""

    def url_for(self, text: str, language: Language) -> str | None:
        return None

    def generation(self) -> object:
        return None


class ManifestCatalog:
    """The store's manifest, re-read when a build replaces it, so new audio plays without a restart.

    Only entries whose file is present count, so a half-copied store falls back to <Say>, not silence.
    """

    def __init__(self, store: AudioStore, url_prefix: str) -> None:
        """`url_prefix` is what a file name is appended to: the app's /audio/ or a CDN's folder."""
        self.store = store
        self.url_prefix = url_prefix
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._state: tuple[dict[str, Entry], frozenset[str]] = ({}, frozenset())

    def url_for(self, text: str, language: Language) -> str | None:
        entry = self.entries().get(lookup_key(text, language))
        return f"{self.url_prefix}{entry.file}" if entry else None

    def generation(self) -> object:
        """The manifest's file stamp: a build that replaces the manifest changes it."""
        self.entries()
        return self._stamp

    def serves(self, name: str) -> bool:
        """True only for a file the manifest lists: nothing else in the folder is ever served."""
        self.entries()
        return name in self._state[1]

    def entries(self) -> dict[str, Entry]:
        """The current entries; one stat per call notices a newer manifest (written by os.replace)."""
        try:
            status = self.store.manifest_path.stat()
            stamp = (status.st_mtime_ns, status.st_ino)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            with self._lock:
                self._reload(stamp)
        return self._state[0]

    def _reload(self, stamp: tuple[int, int] | None) -> None:
        try:
            entries = self.store.read_manifest()
        except (ManifestError, OSError) as error:
            log.error("cannot read the audio manifest %s (%s); prompts are spoken with <Say>",
                      self.store.manifest_path, error)
            entries = {}
        present = {key: entry for key, entry in entries.items() if self.store.path_of(entry.file)}
        development = sum(entry.development_only for entry in present.values())
        if development:
            log.warning("%d prompt(s) play development audio (espeak-ng), not the line's real voice", development)
        self._state = (present, frozenset(entry.file for entry in present.values()))
        self._stamp = stamp
