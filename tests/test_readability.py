"""Offline reading levels: English Flesch-Kincaid as textstat 0.7.4 scored it, and Spanish Fernández Huerta."""

from __future__ import annotations

import pytest

from ivr.content.loader import load_line
from ivr.content.readability import (english_syllables, fernandez_huerta, flesch_kincaid_grade, reading_grade,
                                    spanish_reading_notes, spanish_syllables)
from ivr.sms.measure import texts_as_sent
from tests.shipped import PROJECT


@pytest.mark.parametrize(("word", "syllables"), [
    ("terapia", 3), ("ocupacional", 5), ("niños", 2), ("día", 2), ("ciudad", 2), ("muy", 1), ("y", 1),
    ("ayuda", 3), ("que", 1), ("leer", 2), ("aeropuerto", 5), ("ahí", 2), ("guía", 2), ("buey", 1),
    ("coordinación", 5), ("independientes", 5), ("oído", 3), ("T", 1), ("3", 1),
])
def test_spanish_syllables(word: str, syllables: int) -> None:
    assert spanish_syllables(word) == syllables


def test_the_formula_uses_words_per_sentence() -> None:
    # 4 words, 7 syllables, 1 sentence: 206.84 - 60 * 7/4 - 1.02 * 4
    assert fernandez_huerta("Mi casa es bonita.") == pytest.approx(206.84 - 105 - 4.08)
    # the same words in shorter sentences read easier, not harder (the 1959 misprint)
    assert fernandez_huerta("Mi casa. Es bonita.") > fernandez_huerta("Mi casa es bonita.")


def test_plain_words_score_higher_than_long_ones() -> None:
    plain = "El niño juega. Su mamá lo ayuda a comer."
    dense = "La intervención interdisciplinaria multidimensional optimiza habilidades psicomotrices."
    assert fernandez_huerta(plain) > 90 > 0 > fernandez_huerta(dense)


def test_notes_name_only_spanish_files_below_the_floor() -> None:
    line = load_line(PROJECT / "content", PROJECT / "prompts")
    assert spanish_reading_notes(line, texts_as_sent, floor=0) == []
    notes = spanish_reading_notes(line, texts_as_sent, floor=200)
    assert notes and all(note.startswith("content/es/topics/") for note in notes)


# Grades textstat 0.7.4 gave these texts (computed with it before it was replaced): staff keep seeing the same
# grades, and the 6-grade warning falls on the same texts.
TEXTSTAT_0_7_4_GRADES = [
    ("The cat sat on the mat. It was happy.", -1.0),
    ("Occupational therapists are licensed health professionals with a college degree in occupational therapy.",
     17.8),
    ("OT helps your child do the things they need and want to do every day: play, eat, dress, and go to school.",
     4.8),
    ("Ask your child's care team, don't wait! Yes. No. Maybe it's fine... We'll see?", -1.2),
    ("Occupational therapy (OT) helps people do the everyday tasks that are important to them. For children, these "
     'are the "jobs" of childhood, like playing and learning to do things for themselves. Text WHAT or CHILDREN to '
     "learn more.", 5.9),
    ('This info is from a guide called "Occupational Therapy". It is from Together. Together is for anyone affected '
     "by cancer in a child. That means patients, parents, family, and friends. The guide was reviewed in March 2024.",
     5.0),
    ("OT may be available through an early intervention program. This is a program for children from birth to 3 "
     "years old.", 5.0),
    ("One two three four. Five six.", -1.5),
    ("Hello world", 2.9),
    ("...", -15.7),
]


@pytest.mark.parametrize(("text", "grade"), TEXTSTAT_0_7_4_GRADES)
def test_english_grade_matches_textstat_0_7_4(text: str, grade: float) -> None:
    assert flesch_kincaid_grade(text) == grade


def test_menu_lines_read_as_sentences() -> None:
    # textstat 0.7.4 gave -2.1 once each menu line ended a sentence, as reading_grade makes it
    menu = "Text a word:\nWHAT - what OT is\nFIND - how to find an OT\nABOUT - where this is from"
    assert reading_grade(menu) == -2.1


@pytest.mark.parametrize(("word", "syllables"), [("cat", 1), ("happy", 2), ("occupational", 5), ("OT", 1)])
def test_english_syllables(word: str, syllables: int) -> None:
    assert english_syllables(word) == syllables
