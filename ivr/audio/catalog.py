"""How the line finds generated audio for a sentence, if any exists for exactly that text."""

from __future__ import annotations

from typing import Protocol

from ivr.content.model import Language


class AudioCatalog(Protocol):
    def url_for(self, text: str, language: Language) -> str | None:
        """The URL of audio for exactly this text in this language, or None to speak it with <Say>."""


class NoAudio:
    """A catalog with nothing in it: every prompt is spoken with <Say>."""

    def url_for(self, text: str, language: Language) -> str | None:
        return None
