"""The checks a part of the line's words gets in whichever staff file it is written (prompts or topics).

A spoken part is one breath of listening; a text is what a phone will receive, folded to plain
punctuation, within its encoding's length, and using OT for the therapy (never the therapist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ivr.content.staff_file import StaffFile, Value
from ivr.text_rules.encoding import (
    MAX_SEGMENTS,
    MAX_TEXT_MESSAGE_CHARS,
    UCS2_PART,
    non_gsm_characters,
    plain_punctuation,
)

MAX_VOICE_PART_CHARS = 500  # one part is one breath of listening; Polly's hard limit is 3,000
VALID_KEYS = set("0123456789*#")
TEXT_PROMPT_PREFIX = "sms."  # prompts sent as text messages rather than spoken
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # a menu's or a topic's name
# OT means occupational therapy, the therapy (as in the guide); the person is an occupational therapist.
# Per language: words that use OT for the person or leave it unexplained, written ("an OT") or as a voice
# spells it ("an O T"); "the OT Info Line" is the line's name. And what to write instead.
THERAPY_WORDS = {
    "en": (re.compile(r"\b(?:[Aa]n|[Tt]he|[Yy]our)\s+O\.?\s?T\b(?!\s+Info)|\bO\.?\s?T'?s\b"),
           "'occupational therapist' or 'therapist'"),
    "es": (re.compile(r"\bT\.?\s?O\b"), "'terapia ocupacional' in full (TO is not explained), 'terapeuta ocupacional'"),
}


def therapy_word_finding(text: str, language: str) -> str | None:
    """What to write instead, when a text or a spoken line uses OT for the therapist (one rule, both channels)."""
    rule = THERAPY_WORDS.get(language)
    found = rule[0].search(text) if rule else None
    if rule is None or found is None:
        return None
    return f"OT means occupational therapy, the therapy: instead of {found.group()!r} write {rule[1]}"


@dataclass(frozen=True)
class TextRules:
    """What every text message of a language must respect."""

    gsm_only: bool
    part_line_room: int = 0  # characters kept free in each part of a section sent in several texts
    language: str = ""  # its code, for the words it must not use (THERAPY_WORDS)


def text_message(staff: StaffFile, message: Value, rules: TextRules, several: bool = False) -> str:
    """A text as it will be sent: look-alike punctuation folded, then checked for encoding and length."""
    text = plain_punctuation(message.text)
    finding = therapy_word_finding(text, rules.language)  # "an OT" or "OTs" for the therapist
    if finding:
        staff.report(message.line, finding)
    if rules.gsm_only and non_gsm_characters(text):
        shown = " ".join(repr(ch) for ch in non_gsm_characters(text))
        staff.report(message.line, f"this text has characters outside GSM-7 ({shown}); they make every part of it "
                                   "cost more than twice as much. Use plain letters, or set text-encoding: UCS-2 "
                                   "for this language")
    needs_ucs2 = bool(non_gsm_characters(text))
    longest = MAX_SEGMENTS * UCS2_PART if needs_ucs2 else MAX_TEXT_MESSAGE_CHARS
    room = longest - (rules.part_line_room if several else 0)
    if len(text) > room:
        why = " (the rest is kept for the part line, like '(1/3) Reply MORE')" if several else ""
        if needs_ucs2:
            why += (f" (its accented letters make it UCS-2: {UCS2_PART} characters a segment,"
                    f" {MAX_SEGMENTS} segments at most)")
        staff.report(message.line, f"this text is {len(text)} characters; split it (blank line) so each is at most "
                                   f"{room}{why}")
    return text


def check_voice_part(staff: StaffFile, part: Value) -> None:
    if len(part.text) > MAX_VOICE_PART_CHARS:
        staff.report(part.line, f"this part is {len(part.text)} characters; split it (blank line) so each part is "
                                f"at most {MAX_VOICE_PART_CHARS}")


def spoken(part: Value) -> str:
    return " ".join(part.text.split())
