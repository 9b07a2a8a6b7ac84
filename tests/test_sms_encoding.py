"""GSM-7 detection, look-alike folding, segment counting and reading level, without the app."""

from __future__ import annotations

import pytest

from ivr.text_rules.encoding import cost, non_gsm_characters, plain_punctuation
from ivr.content.readability import reading_grade, reading_level


def test_look_alike_punctuation_folds_to_gsm7() -> None:
    typed = "\u201cJobs\u201d of childhood \u2013 it\u2019s OT\u2026\u00a0ok"
    assert plain_punctuation(typed) == '"Jobs" of childhood - it\'s OT... ok'
    assert non_gsm_characters(plain_punctuation(typed)) == []


@pytest.mark.parametrize(("text", "encoding", "segments"), [
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("[" * 80, "GSM-7", 1),  # extension characters cost two septets
    ("[" * 81, "GSM-7", 2),
    ("ñé¿¡ü" * 10, "GSM-7", 1),  # Spanish letters GSM-7 has
    ("á" * 70, "UCS-2", 1),  # ... and one it does not
    ("á" * 71, "UCS-2", 2),
    ("a" * 134 + "\u2019", "UCS-2", 3),  # one curly quote turns the whole text into 67-character parts
])
def test_segments(text: str, encoding: str, segments: int) -> None:
    assert (cost(text).encoding, cost(text).segments) == (encoding, segments)


def test_reading_grade_counts_menu_lines_as_sentences() -> None:
    menu = "Text a word:\nWHAT - what OT is\nFIND - how to find an OT\nABOUT - where this is from"
    assert reading_grade(menu) < 3
    hard = "Occupational therapists are licensed health professionals with a college degree in occupational therapy."
    assert reading_grade(hard) > 12
    assert reading_level(hard, "en").too_hard and reading_level(hard, "xx") is None
