"""What a text asks for: a compliance word (exact, or a request to stop in any words), MORE, or a topic
(tolerant, via ivr.matching).

Pure functions over the content model. A topic with keywords can be texted for: its keywords, its
spoken phrases and its title are what a text may match; a keyword owns its word, so another topic's
phrase never ties with it.
Languages are tried in the number's preferred order, so a Spanish keyword answers in Spanish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ivr.content.model import Language, Line
from ivr.matching import best_match, exact_form, tolerant_form
from ivr.text_rules.compliance import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS
from ivr.text_rules.revocation import OptOutWords, is_opt_out_request, written_in

MATCHED_CHARS = 160  # only the start of a long text is matched: a 1,600-character body costs no more
MORE = "more"


@dataclass(frozen=True)
class AskedFor:
    """A topic (or MORE, when topic is MORE) in the language whose words matched."""

    language: Language
    topic: str


@dataclass(frozen=True)
class Compliance:
    """'stop', 'start' or 'help', and the language whose own word it was (None for Twilio's words)."""

    kind: str
    language: Language | None = None
    by_twilio: bool = False  # Twilio's own exact keyword (or its OptOutType): Twilio confirms it itself
    written_in: Language | None = None  # a request to stop in other words: the language its words are


def compliance_word(line: Line, body: str, opt_out_type: str = "") -> Compliance | None:
    """Twilio's reserved words (or its own OptOutType), a language's own (PARAR, AYUDA), or a request to stop
    in other words ("STOP please"); else None."""
    if opt_out_type.upper() in ("STOP", "START", "HELP"):
        return Compliance(opt_out_type.lower(), by_twilio=True)
    word = exact_form(body[:MATCHED_CHARS])
    for kind, words in (("stop", OPT_OUT_WORDS), ("start", OPT_IN_WORDS), ("help", HELP_WORDS)):
        if word in words:
            return Compliance(kind, by_twilio=True)
    for language in line.languages.values():
        for kind, own_words in language.compliance_words.items():
            if word in {exact_form(own) for own in own_words}:
                return Compliance(kind, language)
    if is_opt_out_request(body, OptOutWords.of(line.languages.values())):
        code = written_in(body, line.languages)
        return Compliance("stop", written_in=line.languages[code] if code else None)
    return None


def language_named(line: Line, body: str) -> Language | None:
    """The language a text names on its own ("ESPANOL", "English"): exactly, to switch the replies."""
    word = exact_form(body[:MATCHED_CHARS])
    return next((language for language in line.languages.values()
                 if word in {exact_form(name) for name in language.choice_words}), None)


def asked_for(line: Line, body: str, preferred: str | None) -> AskedFor | None:
    """The topic or MORE a text asks for, trying the preferred language first; None if unclear."""
    for language in _in_order(line, preferred):
        target = best_match(body[:MATCHED_CHARS], _candidates(language))
        if target is not None:
            return AskedFor(language, target)
    return None


def _in_order(line: Line, preferred: str | None) -> Iterator[Language]:
    first = line.language(preferred)
    yield first
    yield from (language for language in line.languages.values() if language.code != first.code)


def _candidates(language: Language) -> list[tuple[str, tuple[str, ...]]]:
    """MORE, and each topic that has keywords (a topic without is not offered by text)."""
    textable = [topic for topic in language.topics.values() if topic.keywords]
    owned = {_compact(keyword): topic.id for topic in textable for keyword in topic.keywords}
    candidates = [(MORE, language.more_words)]
    for topic in textable:
        phrases = [phrase for phrase in (topic.title, *topic.speech)
                   if owned.get(_compact(phrase), topic.id) == topic.id]
        candidates.append((topic.id, (*topic.keywords, *phrases)))
    return candidates


def _compact(phrase: str) -> str:
    return tolerant_form(phrase).replace(" ", "")
