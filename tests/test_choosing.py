"""What keys and words mean in each place of the call, from a table next to this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.matching import best_match, tolerant_form
from ivr.voice.choosing import from_meaning, interpret, offered_actions, speech_hints

ROWS = [line.split("\t") for line in (Path(__file__).parent / "cases" / "voice_choices.tsv").read_text().splitlines()
        if line and not line.startswith("#")]


@pytest.mark.parametrize("where,digits,speech,confidence,confirming,expected", ROWS,
                         ids=["|".join(row) for row in ROWS])
def test_input_means_what_the_table_says(line, where, digits, speech, confidence, confirming, expected):
    language = line.language("en")
    options = line.flow.menus.get(where, ())
    unsure = from_meaning(language, confirming) if confirming else None
    assert bool(unsure) == bool(confirming), f"the table names an unknown choice: {confirming}"
    choice = interpret(line, language, options, digits, speech, confidence or None, unsure)
    meaning = f"confirm:{choice.unsure.meaning}" if choice.unsure else choice.meaning
    assert meaning == expected


@pytest.mark.parametrize("meaning", ["topic:main", "topic:nowhere", "banana", "back:extra", ""])
def test_a_confirmation_url_naming_nothing_real_is_ignored(line, meaning):
    assert from_meaning(line.language("en"), meaning) is None


@pytest.mark.parametrize(("staff", "texting", "expected"), [
    (None, False, ("repeat", "back", "main", "language")),
    ("+15005550100", False, ("repeat", "back", "main", "person", "language")),
    (None, True, ("repeat", "back", "main", "text", "language")),
])
def test_only_keys_that_work_are_offered(line, staff, texting, expected):
    assert offered_actions(line, staff, texting) == expected


def test_normalise_folds_case_accents_punctuation_spelled_letters_and_plurals():
    assert tolerant_form("  KEY-Points!! ") == "key point"
    assert tolerant_form("O.T. at school") == "ot at school"
    assert tolerant_form("Español") == "espanol"
    assert tolerant_form("class") == "class"


def test_a_tie_between_targets_is_no_match():
    assert best_match("school", [("a", ["school"]), ("b", ["school"])]) is None
    assert best_match("school", [("a", ["school"]), ("b", ["schools"])]) is None  # same after plural folding


def test_hints_carry_the_options_words_and_the_navigation_words_within_twilio_limits(line):
    hints = speech_hints(line.language("en"), line.flow.menus["find-ot"]).split(", ")
    assert "early intervention" in hints and "go back" in hints and "person" in hints
    assert len(hints) <= 500 and all(0 < len(hint) <= 100 for hint in hints)
    assert len(hints) == len(set(hints))
