"""Reading grade of a text (Flesch-Kincaid), measured offline with textstat 0.7.4 (pyphen syllables).

Lines of a menu ("FIND - how to find an OT") have no full stop; each line is counted as a sentence,
or a whole menu would score as one very long sentence.
"""

from __future__ import annotations

import re

import textstat

_LINE_END = re.compile(r"(?<![.!?])\n")


def reading_grade(text: str, language_code: str) -> float | None:
    """The US school grade needed to read this text, or None where the formula does not apply."""
    if not language_code.startswith("en") or not text.strip():
        return None
    return float(textstat.flesch_kincaid_grade(_LINE_END.sub(".\n", text.strip())))
