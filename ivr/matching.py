"""Tolerant matching of what people say or text against the phrases the content offers.

One matcher serves speech ("I want the key points please") and texts ("keypoint!", "SCHOOL",
"shcool"): fold case, accents and punctuation, join spelled-out letters ("o t" is "ot"), drop plural
"s", then prefer an exact phrase, then a phrase inside the words, then a near spelling.
A tie between two different targets is no match: better to ask again than to guess.
Exact words (a keyword staff wrote, Twilio's STOP) compare in exact_form instead, in content's
checks and in the text line alike.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from difflib import SequenceMatcher
from typing import Hashable, Iterable, TypeVar

Target = TypeVar("Target", bound=Hashable)

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SPELLED_LETTERS = re.compile(r"\b(?:[a-z] )+[a-z]\b")
NEAR_SPELLING = 0.8


def tolerant_form(text: str) -> str:
    """What said or texted words are matched in: lower-case words with accents, punctuation and plural endings
    removed, spelled-out letters joined ("O.T." is "ot")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = _NOT_WORD.sub(" ", folded).split()
    joined = _SPELLED_LETTERS.sub(lambda m: m.group(0).replace(" ", ""), " ".join(words))
    return " ".join(_singular(word) for word in joined.split())


def exact_form(keyword: str) -> str:
    """What a word matched exactly compares as (a staff keyword, Twilio's STOP): without case, accents, spaces or
    punctuation, plurals kept: 'Key points!' is KEYPOINTS, 'Más' is MAS."""
    folded = unicodedata.normalize("NFKD", keyword).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.upper() if ch.isalnum())


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _within_one_edit(a: str, b: str) -> bool:
    """True for one letter wrong, missing, extra or swapped with its neighbour."""
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) != 2:
            return len(diffs) <= 1  # one letter wrong (or none)
        first, second = diffs
        return second == first + 1 and a[first] == b[second] and a[second] == b[first]  # neighbours swapped
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def score(said: str, phrase: str) -> float:
    """How well an utterance matches a phrase, both in tolerant_form, from 0 to about 1."""
    if not said or not phrase:
        return 0.0
    said_compact, phrase_compact = said.replace(" ", ""), phrase.replace(" ", "")
    if said_compact == phrase_compact:
        return 1.0
    if f" {phrase} " in f" {said} ":
        return 0.9 + min(len(phrase), 50) / 1000  # a longer phrase found inside is more specific
    if _within_one_edit(said_compact, phrase_compact):
        return 0.85
    return near_spelling(said_compact, phrase_compact)


def near_spelling(said: str, phrase: str) -> float:
    """difflib's similarity ratio when it reaches NEAR_SPELLING, else 0.

    ratio() was the top line of a profile of speech requests; its two cheap upper bounds rule out
    most pairs first, without changing any answer.
    """
    matcher = SequenceMatcher(None, said, phrase)
    if matcher.real_quick_ratio() < NEAR_SPELLING or matcher.quick_ratio() < NEAR_SPELLING:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= NEAR_SPELLING else 0.0


@functools.lru_cache(maxsize=8192)
def _tolerant_phrase(phrase: str) -> str:
    """The content's phrases are few and fixed: fold each once, not on every request."""
    return tolerant_form(phrase)


def best_match(said: str, candidates: Iterable[tuple[Target, Iterable[str]]]) -> Target | None:
    """The target whose phrase best matches what was said, or None if nothing (or a tie) fits."""
    utterance = tolerant_form(said)
    best: dict[Target, float] = {}
    for target, phrases in candidates:
        for phrase in phrases:
            value = score(utterance, _tolerant_phrase(phrase))
            if value > best.get(target, 0.0):
                best[target] = value
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] == 0.0:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]
