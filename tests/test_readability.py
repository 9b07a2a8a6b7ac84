"""The offline Spanish reading-ease score: Spanish syllable rules and the corrected Fernández Huerta formula."""

from __future__ import annotations

import pytest

from ivr.content.loader import load_line
from ivr.content.readability import fernandez_huerta, spanish_reading_notes, spanish_syllables
from tests.conftest import PROJECT


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
    assert spanish_reading_notes(line, floor=0) == []
    notes = spanish_reading_notes(line, floor=200)
    assert notes and all(note.startswith("content/es/topics/") for note in notes)
