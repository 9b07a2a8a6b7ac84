"""Texting a section to a caller during a call: the seam between the voice line and SMS sending."""

from __future__ import annotations

from typing import Protocol

from ivr.content.model import Language


class TopicTexter(Protocol):
    def send_topic(self, language: Language, topic_id: str, caller: str, line_number: str) -> str:
        """Text a topic to the caller; return the name of the prompt that tells the caller how it went."""
