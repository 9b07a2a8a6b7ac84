"""Offline reading levels, so staff see when a text got hard to follow: one scale per language.

English: Flesch-Kincaid grade, computed as textstat 0.7.4 did (pyphen's en_US hyphenation counts
syllables, averages rounded to one decimal), so grades match those staff saw before. textstat itself
is gone: 0.7.4 imports pkg_resources, which current setuptools and Python 3.12+ no longer ship, and
later versions download a dictionary at first use. Aim for grade 6 or below.

    grade = 0.39 * (words per sentence) + 11.8 * (syllables per word) - 15.59

Spanish:
Fernández Huerta (1959) adapted Flesch's reading ease to Spanish:

    L = 206.84 - 0.60 * (syllables per 100 words) - 1.02 * (words per sentence)

The 1959 paper wrote the last term as "sentences per 100 words", which would make shorter sentences
score harder; the corrected form above (Law, 2011) is the one textstat and legible.es use. 100 is
very easy; 70 to 80 is "fairly easy" (about 6th grade), the level a health line should aim for.

Syllables are counted with Spanish rules (a strong vowel pair a/e/o, or an accented í/ú, splits a
syllable; other vowel runs are one diphthong), so no dictionary download is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import math
from functools import lru_cache
from typing import Callable

import pyphen

from ivr.content.model import Language, Line, Topic

TARGET_GRADE = 6.0  # plain-language guidance for health texts: grade 6 or below
_LINE_END = re.compile(r"(?<![.!?])\n")  # a menu line ("FIND - how to find an OT") is its own sentence

EASY_ENOUGH = 70.0  # "fairly easy" and up on the Fernández Huerta scale
MIN_WORDS = 30  # fewer words (a menu's heading) give a score that means little
_VOWELS = set("aeiouáéíóúü")
_OPEN = set("aeoáéóíú")  # two of these side by side are two syllables (hiatus)
_WORD = re.compile(r"[^\W_]+")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?]+|\n")  # a list item on its own line reads as one sentence


def spanish_syllables(word: str) -> int:
    """Syllables in one Spanish word; a word with no vowel (a digit, "T") counts as one."""
    letters = word.lower()
    count, previous = 0, ""
    for index, char in enumerate(letters):
        following = letters[index + 1] if index + 1 < len(letters) else ""
        is_vowel = char in _VOWELS or (char == "y" and following not in _VOWELS)  # "muy", "y"
        if not is_vowel:
            previous = ""
            continue
        if not previous or (previous in _OPEN and char in _OPEN):
            count += 1
        previous = char
    return max(count, 1)


def fernandez_huerta(text: str) -> float:
    """Reading ease of Spanish text: higher is easier; 70 and up is fairly easy."""
    words = _WORD.findall(text)
    if not words:
        return 100.0
    sentences = sum(1 for piece in _SENTENCE_END.split(text) if _LETTER.search(piece))  # a list number "1." is no sentence
    syllables = sum(spanish_syllables(word) for word in words)
    return 206.84 - 60 * syllables / len(words) - 1.02 * len(words) / sentences


def spanish_reading_notes(line: Line, texts_as_sent: Callable[[Language, Topic], list[str]],
                          floor: float = EASY_ENOUGH) -> list[str]:
    """One note per Spanish topic whose spoken or texted words score below the floor: advice, not an error.

    Texts are scored as sent (with the "(1/2) Responda MAS ..." ending), like every figure `content check` shows.
    """
    notes = []
    for language in line.languages.values():
        if language.tts_language != "es":
            continue
        for topic in language.topics.values():
            for channel, parts in (("voice", topic.voice_parts), ("text", texts_as_sent(language, topic))):
                text = "\n".join(parts)
                if len(_WORD.findall(text)) < MIN_WORDS:
                    continue
                score = fernandez_huerta(text)
                if score < floor:
                    notes.append(f"content/{language.code}/topics/{topic.id}.txt: [{channel}], all {len(parts)} "
                                 f"part(s) together, reads at {score:.0f} on the Fernández Huerta scale; aim for "
                                 f"{floor:.0f} or more (shorter sentences, shorter words)")
    return notes


_PUNCTUATION = re.compile(r"[^\w\s]")  # apostrophes and hyphens too: "don't" is one word, "dont"
_ENGLISH_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")
_MIN_SENTENCE_WORDS = 3  # a piece of one or two words ("Yes.", "1.") is not counted as a sentence


@lru_cache(maxsize=1)
def _english_hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def _textstat_round(number: float, points: int = 1) -> float:
    """textstat 0.7.4's rounding (half up for positive numbers; not Python's half-to-even), kept so grades match."""
    scale = 10**points
    return math.floor(number * scale + math.copysign(0.5, number)) / scale


def english_syllables(word: str) -> int:
    """Syllables in one English word: pyphen's hyphenation points plus one."""
    return len(_english_hyphenator().positions(word.lower())) + 1


def _english_sentences(text: str) -> int:
    pieces = _ENGLISH_SENTENCE.findall(text)
    short = sum(1 for piece in pieces if len(_PUNCTUATION.sub("", piece).split()) < _MIN_SENTENCE_WORDS)
    return max(1, len(pieces) - short)


def flesch_kincaid_grade(text: str) -> float:
    """Flesch-Kincaid grade of English text, as textstat 0.7.4 computed it (see the module docstring)."""
    words = _PUNCTUATION.sub("", text).split()
    words_per_sentence = _textstat_round(len(words) / _english_sentences(text))
    syllables_per_word = _textstat_round(sum(english_syllables(word) for word in words) / max(len(words), 1))
    return _textstat_round(0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59)


def reading_grade(text: str) -> float:
    """The US school grade needed to read English text (Flesch-Kincaid)."""
    return flesch_kincaid_grade(_LINE_END.sub(".\n", text.strip()))


@dataclass(frozen=True)
class Reading:
    """A text's reading level on its language's scale, and whether it misses that scale's target."""

    scale: str
    score: float
    too_hard: bool

    def __str__(self) -> str:
        return f"{self.scale} {self.score:.1f}"


def voice_reading(line: Line, language: Language, topic: Topic) -> Reading | None:
    """A section's spoken words as one text, the level `content check` warns about; None for a menu's own
    words (a two-word heading: no formula means anything there) or where no formula applies."""
    if line.flow.is_menu(topic.id):
        return None
    return reading_level("\n".join(topic.voice_parts), language.tts_language)


def reading_level(text: str, tts_language: str) -> Reading | None:
    """The level of one text in a language (by its tts-language), or None where no formula applies."""
    if not text.strip():
        return None
    if tts_language.startswith("en"):
        grade = reading_grade(text)
        return Reading("grade", grade, grade > TARGET_GRADE)
    if tts_language.startswith("es"):
        ease = fernandez_huerta(text)
        return Reading("ease", ease, ease < EASY_ENOUGH and len(_WORD.findall(text)) >= MIN_WORDS)
    return None
