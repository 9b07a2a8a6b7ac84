"""What a text costs on a phone: GSM-7 or UCS-2, how many segments, and look-alike punctuation folded.

One character outside GSM-7 (a curly quote from a word processor) switches a whole message to UCS-2,
which more than doubles its segments, so staff text gets plain punctuation when it is loaded.
Sources: Twilio's GSM-7 glossary and TwilioDevEd/message-segment-calculator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")  # each costs two septets (escape + character)
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
MAX_SEGMENTS = 3  # a budget per text in every language: 320 GSM-7 characters, or 201 in UCS-2
MAX_TEXT_MESSAGE_CHARS = 320  # Twilio's recommended maximum for one message

_LOOK_ALIKES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\t": " ",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
})


def plain_punctuation(text: str) -> str:
    """Fold typographic quotes, dashes, ellipses and odd spaces into their plain GSM-7 forms."""
    return text.translate(_LOOK_ALIKES)


def non_gsm_characters(text: str) -> list[str]:
    """The characters that would force UCS-2, each once, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED))


@dataclass(frozen=True)
class Cost:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def cost(text: str) -> Cost:
    """How Twilio will encode and split this message body."""
    if not non_gsm_characters(text):
        units = len(text) + sum(ch in GSM7_EXTENDED for ch in text)
        return Cost("GSM-7", units, 1 if units <= GSM7_SINGLE else math.ceil(units / GSM7_PART))
    units = len(text.encode("utf-16-le")) // 2
    return Cost("UCS-2", units, 1 if units <= UCS2_SINGLE else math.ceil(units / UCS2_PART))
