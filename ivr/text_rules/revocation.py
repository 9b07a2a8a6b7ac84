"""Whether a text asks the line to stop texting, in any reasonable words.

Since the FCC's 2024 consent-revocation order (in force April 2025) a request to stop made in any reasonable
way must be honoured, not only Twilio's exact keywords. The rule, decided here as a pure function:

- the opt-out words are Twilio's (STOP, CANCEL, END, QUIT, ...) and each language's keywords.stop (PARAR, ...);
  STOPALL, UNSUBSCRIBE, REVOKE, OPTOUT and the stop sign are never ordinary words, so anywhere they opt out;
- STOP, END, CANCEL, ALTO... are ordinary words too ("does OT help kids stop biting", "when does early
  intervention end"), so they opt out only in the shape of a request: a sentence of nothing but opt-out words
  and the words around them (opt-out.after / opt-out.before: "STOP please", "por favor parar"); the text's
  first word when the text is no question ("Stop texting me", "Cancel my subscription"); followed by one of
  opt-out.after ("can you stop texting me"); or ending the text after one of opt-out.before ("I said stop");
- a phrase of opt-out.phrases opts out on its own ("leave me alone", "wrong number");
- a word of opt-out.alone ("BASTA") and a raised hand or no-entry sign opt out only alone (with the words around
  an opt-out word: "¡Basta ya!"): in a sentence they are an ordinary word ("basta con 15 minutos"), a greeting or
  a question.
Letters are compared after folding what makes one word look like another: case, accents, fullwidth and
styled letters, Cyrillic and Greek look-alikes ("ЅТОР"), digits for letters ("ST0P"), invisible characters,
spaced or repeated letters ("S T O P", "stooop"). When unsure the line opts out: START undoes it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby, pairwise
from typing import Iterable, Mapping, Protocol

from ivr.text_rules.compliance import OPT_OUT_WORDS, UNMISTAKABLE_OPT_OUT_WORDS

# The whole text, up to Twilio's 1,600 characters: "... I never signed up for this. STOP" ends a long text.
# About 3 ms for the longest; a typical text takes 0.1 ms.
MATCHED_CHARS = 1600
STOP_SIGN = "\U0001F6D1"  # 🛑: nobody writes it in a question about OT
HAND_SIGNS = frozenset("\u270B\U0001F91A\u26D4\U0001F6AB\U0001F645")  # ✋ 🤚 ⛔ 🚫 🙅
SIGNS = "".join((STOP_SIGN, *sorted(HAND_SIGNS)))
LOOK_ALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУԚԜ" "аеѕіјкорстухԛԝвмн" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ" "οκνρτυι" "’‘`",  # Cyrillic, Greek, apostrophes
    "ABESIJKMHOPCTXYQW" "AESIJKOPCTYXQWBMH" "ABEZHIKMNOPTYX" "OKVPTUI" "'''",
)
REGIONAL_LETTERS = {0x1F1E6 + index: chr(ord("A") + index) for index in range(26)}  # 🇸🇹🇴🇵
DIGIT_LOOK_ALIKES = str.maketrans("013457", "OIEAST")
SENTENCE_BREAK = re.compile(r"[.!?¿¡;,:\n]+")
TOKEN = re.compile(rf"[A-Z0-9]+|[{SIGNS}]")


class LanguageWords(Protocol):
    """What a language of the line (ivr/content/model.py Language) gives this rule: its own words."""

    @property
    def compliance_words(self) -> Mapping[str, tuple[str, ...]]: ...

    @property
    def opt_out_context(self) -> Mapping[str, tuple[str, ...]]: ...


@dataclass(frozen=True)
class OptOutWords:
    """The line's opt-out words and the words around them, folded as texts are (see `fold`)."""

    ordinary: frozenset[str]  # also ordinary words: a request only in a request's shape
    unmistakable: frozenset[str]
    alone: frozenset[str]  # a request only as a sentence of their own (opt-out.alone, and the hand signs)
    after: frozenset[str]
    before: frozenset[str]
    phrases: tuple[str, ...]  # each as its words with a space either side: " LEAVE ME ALONE "

    @classmethod
    def of(cls, languages: Iterable[LanguageWords]) -> "OptOutWords":
        """Every language's words at once: a text may mix them ("STOP por favor")."""
        languages = tuple(languages)

        def each(field: str) -> tuple[str, ...]:
            return tuple(word for language in languages for word in language.opt_out_context.get(field, ()))

        own = tuple(word for language in languages for word in language.compliance_words.get("stop", ()))
        return cls.from_words(own, each("opt-out.after"), each("opt-out.before"), each("opt-out.phrases"),
                              each("opt-out.alone"))

    @classmethod
    @lru_cache(maxsize=16)  # folding every word took most of a millisecond a text; the words change only on reload
    def from_words(cls, own_stop_words: tuple[str, ...], after: tuple[str, ...], before: tuple[str, ...],
                   phrases: tuple[str, ...], alone: tuple[str, ...]) -> "OptOutWords":
        def folded(words: Iterable[str]) -> frozenset[str]:
            return frozenset(token for word in words for token in _tokens(fold(word)))

        return cls(
            ordinary=folded([*OPT_OUT_WORDS, *own_stop_words]) - folded(UNMISTAKABLE_OPT_OUT_WORDS),
            unmistakable=folded(UNMISTAKABLE_OPT_OUT_WORDS) | {STOP_SIGN},
            alone=folded(alone) | HAND_SIGNS,
            after=folded(after),
            before=folded(before),
            phrases=tuple(f" {' '.join(_tokens(fold(phrase)))} " for phrase in phrases if phrase.strip()),
        )

    def asking(self, token: str) -> bool:
        """An opt-out word, or a hand held up."""
        return token in self.ordinary or token in self.unmistakable or token in self.alone

    def around(self, token: str) -> bool:
        return token in self.after or token in self.before


def is_opt_out_request(text: str, words: OptOutWords) -> bool:
    """True when the text asks to stop texting (see the module's docstring for the rule and why)."""
    folded = fold(text[:MATCHED_CHARS])
    parts = (_joined(_tokens(part), words) for part in SENTENCE_BREAK.split(folded))
    sentences = [tokens for tokens in parts if tokens]
    tokens = [token for sentence in sentences for token in sentence]
    if not tokens:  # an empty text or only symbols: nothing asked
        return False
    # a question ending in STOP or starting with END asks about stopping
    question = any(mark in folded for mark in "?¿")
    if any(token in words.unmistakable for token in tokens):  # UNSUBSCRIBE, 🛑: never an ordinary word
        return True
    spaced = f" {' '.join(tokens)} "
    if any(phrase in spaced for phrase in words.phrases):  # "leave me alone", "no me manden"
        return True
    for sentence in sentences:
        if all(words.asking(t) or words.around(t) for t in sentence) and any(map(words.asking, sentence)):
            return True  # nothing but asking: "STOP please", "OPT OUT PLEASE", "✋", "stop. Sent from my iPhone"
        if any(token in words.ordinary and after in words.after for token, after in pairwise(sentence)):
            return True  # "can you stop texting me", "alto por favor": the stop is about the texts
    if tokens[0] in words.ordinary and not question:  # "Stop sending these", "Cancel my subscription": an order
        return True
    # "I said stop", "denme de baja"; but "when does early intervention end" is a question without its mark
    return len(tokens) > 1 and tokens[-1] in words.ordinary and tokens[-2] in words.before and not question


def written_in(text: str, languages: Mapping[str, LanguageWords]) -> str | None:
    """The language whose own words for asking to stop a text uses most ("no me manden mensajes": es), so the
    confirmation is in words the texter reads; None when no language's words are in it more than another's
    (STOP alone is Twilio's, every language's)."""
    tokens = _tokens(fold(text[:MATCHED_CHARS]))
    spaced = f" {' '.join(tokens)} "
    twilios = OptOutWords.of([]).ordinary
    counts: dict[str, int] = {}
    for code, language in languages.items():
        own = OptOutWords.of([language])
        words = own.after | own.before | (own.alone - HAND_SIGNS) | (own.ordinary - twilios)
        counts[code] = sum(token in words for token in tokens) + sum(
            len(phrase.split()) for phrase in own.phrases if phrase in spaced)
    most = max(counts.values(), default=0)
    leaders = [code for code, count in counts.items() if count == most]
    return leaders[0] if most and len(leaders) == 1 else None


def fold(text: str) -> str:
    """Upper-case ASCII letters for whatever looks like them; accents, emoji modifiers, invisible characters gone."""
    text = unicodedata.normalize("NFKC", text.translate(REGIONAL_LETTERS)).translate(LOOK_ALIKES)
    kept = (ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) not in ("Mn", "Cf", "Sk"))
    return "".join(kept).upper().translate(LOOK_ALIKES).replace("'", "")


def _tokens(folded: str) -> list[str]:
    """Words, with digits read as the letters they imitate ("ST0P") and repeated letters once ("STOOOP")."""
    words = [token.translate(DIGIT_LOOK_ALIKES) if re.search("[A-Z]", token) else token
             for token in TOKEN.findall(folded)]
    return [_squeezed(word) for word in words]


def _squeezed(word: str) -> str:
    return "".join(letter for letter, _ in groupby(word))


def _joined(tokens: list[str], words: OptOutWords) -> list[str]:
    """Spelled-out letters as one word ("S T O P"), and a split opt-out word whole ("OPT OUT", "STOP ALL")."""
    spelled: list[str] = []
    for is_letter, group in groupby(tokens, key=lambda token: len(token) == 1 and token.isalpha()):
        run = list(group)
        spelled.extend([_squeezed("".join(run))] if is_letter and len(run) > 1 else run)
    joined: list[str] = []
    for token in spelled:
        whole = _squeezed(joined[-1] + token) if joined else ""
        if whole in words.ordinary or whole in words.unmistakable:
            joined[-1] = whole
        else:
            joined.append(token)
    return joined


STOP_FIELDS = ("keywords.stop", "opt-out.after", "opt-out.before", "opt-out.phrases", "opt-out.alone")


def stop_words_of(language: LanguageWords) -> dict[str, frozenset[str]]:
    """A language's own words for asking to stop, by the prompts-file field that holds them (case folded)."""
    fields = {"keywords.stop": language.compliance_words.get("stop", ()),
              **{name: language.opt_out_context.get(name, ()) for name in STOP_FIELDS[1:]}}
    return {name: frozenset(" ".join(word.split()).casefold() for word in words) for name, words in fields.items()}


def stop_words_taken_away(live: Mapping[str, LanguageWords], new: Mapping[str, LanguageWords]) -> list[str]:
    """The ways of asking to stop the live words understand and new words would not (by language code), each as
    "es keywords.stop: parar". A family that stopped with a word must be able to stop with it tomorrow: words may be
    added, never taken away by a publish."""
    gone = []
    for code, language in live.items():
        kept = stop_words_of(new[code]) if code in new else {}
        for name, words in stop_words_of(language).items():
            gone += [f"{code} {name}: {word}" for word in sorted(words - kept.get(name, frozenset()))]
    return gone
