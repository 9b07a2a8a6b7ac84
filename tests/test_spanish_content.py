"""The Spanish words as data: same topics as English, safe SMS keywords, short texts, plain language."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from ivr.content.loader import load_line
from ivr.content.model import MAIN_MENU, Language, Line
from ivr.content.readability import EASY_ENOUGH, fernandez_huerta
from ivr.matching import NEAR_SPELLING, exact_form, score, tolerant_form
from ivr.text_rules.compliance import HELP_WORDS
from ivr.text_rules.encoding import MAX_SEGMENTS, cost
from tests.shipped import PROJECT

# Words the SMS line keeps for itself (Twilio's opt-out, opt-in and help words, and the Spanish ones
# the SMS side answers): no topic keyword may equal one or be a near spelling of one. (MENU is the
# main menu's own keyword in both languages, so it is not in this list.)
RESERVED_WORDS = ("HELP", "INFO", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
                  "START", "YES", "UNSTOP", "MORE", "AYUDA", "MAS", "PARAR", "CANCELAR")
NOT_GSM_PUNCTUATION = "“”‘’–—…\u00a0"  # look-alikes that would force UCS-2 for nothing
REVIEW_NOTE = "traductor médico calificado"
ENGLISH_TOPICS = [path.stem for path in (PROJECT / "content" / "en" / "topics").glob("*.txt")]


@pytest.fixture(scope="module")
def line() -> Line:
    return load_line(PROJECT / "content", PROJECT / "prompts")


@pytest.fixture(scope="module")
def spanish(line: Line) -> Language:
    return line.languages["es"]


def _keywords(language: Language) -> list[tuple[str, str]]:
    return [(topic.id, keyword) for topic in language.topics.values() for keyword in topic.keywords]


def _alike(a: str, b: str) -> bool:
    """Would the line's own tolerant matcher take one word for the other?"""
    a, b = tolerant_form(a), tolerant_form(b)
    return max(score(a, b), score(b, a)) >= NEAR_SPELLING


def test_spanish_has_every_english_topic_file_and_prompt(line: Line, spanish: Language) -> None:
    english = line.languages["en"]
    assert set(spanish.topics) == set(english.topics)
    assert set(spanish.prompts) == set(english.prompts)
    assert set(spanish.nav_speech) == set(english.nav_speech)
    assert set(spanish.key_names) == set(english.key_names)
    assert set(spanish.topics["about"].extra) == {"source", "reviewed"}


def test_spanish_is_offered_and_heard_as_us_spanish(spanish: Language) -> None:
    assert (spanish.name, spanish.choice_key, spanish.speech_language) == ("Español", "2", "es-US")
    assert spanish.voice.startswith("Polly.") and spanish.tts_language == "es" and spanish.tts_tld == "com.mx"
    assert spanish.prompt("language-choice", key="2") == ("Para español, oprima 2.",)
    assert spanish.prompt("option", label="x", key="1") == ("Para x, oprima 1.",)


def test_every_spanish_file_carries_the_review_note() -> None:
    files = [PROJECT / "prompts" / "es.txt", *sorted((PROJECT / "content" / "es" / "topics").glob("*.txt"))]
    for path in files:
        assert REVIEW_NOTE in path.read_text(encoding="utf-8").splitlines()[0], path
    assert REVIEW_NOTE in (PROJECT / "content" / "es" / "README.txt").read_text(encoding="utf-8")


def test_every_spanish_topic_has_keywords_even_the_menu(spanish: Language) -> None:
    """The Spanish prompts say "Mande MENU": without a Spanish keyword, MENU answered the English menu."""
    assert [topic.id for topic in spanish.topics.values() if not topic.keywords] == []
    assert {"MENU", "MENÚ"} <= set(spanish.topics[MAIN_MENU].keywords)


def test_spanish_keywords_do_not_match_another_topics_keywords_in_any_language(line: Line) -> None:
    everyone = [(code, topic, keyword)
                for code, language in line.languages.items() for topic, keyword in _keywords(language)]
    clashes = [(a, b) for a, b in combinations(everyone, 2)
               if "es" in (a[0], b[0]) and a[1] != b[1] and _alike(a[2], b[2])]
    assert clashes == []


def test_spanish_keywords_are_not_near_reserved_words(spanish: Language) -> None:
    near = [(keyword, word) for _, keyword in _keywords(spanish) for word in RESERVED_WORDS if _alike(keyword, word)]
    assert near == []


def test_spanish_texts_stay_within_three_segments(spanish: Language) -> None:
    """201 characters with an á, í, ó or ú (UCS-2), 320 without (GSM-7): three segments either way."""
    for topic in spanish.topics.values():
        for message in topic.text_messages:
            assert cost(message).segments <= MAX_SEGMENTS, (topic.id, message)
            assert not set(message) & set(NOT_GSM_PUNCTUATION), (topic.id, message)


@pytest.mark.parametrize("topic_id", sorted(ENGLISH_TOPICS))
def test_a_spanish_section_takes_at_most_one_text_more_than_the_english(line: Line, topic_id: str) -> None:
    english, spanish = (len(line.languages[code].topics[topic_id].text_messages) for code in ("en", "es"))
    assert spanish <= english + 1, f"{topic_id}: {spanish} Spanish texts against {english} English"


def test_spanish_reads_fairly_easy_overall(spanish: Language) -> None:
    spoken = "\n".join(part for topic in spanish.topics.values() for part in topic.voice_parts)
    texted = "\n".join(message for topic in spanish.topics.values() for message in topic.text_messages)
    prompts = "\n".join(part for parts in spanish.prompts.values() for part in parts)
    assert min(fernandez_huerta(spoken), fernandez_huerta(texted), fernandez_huerta(prompts)) >= EASY_ENOUGH


def _menu_offers(language: Language) -> dict[str, str]:
    """Each word the texted menu offers ("FIND - how to find a therapist"), and the topic or HELP it gets."""
    meanings = {exact_form(keyword): topic for topic, keyword in _keywords(language)}
    meanings |= {exact_form(word): "help" for word in (*HELP_WORDS, *language.compliance_words["help"])}
    menu = language.topics[MAIN_MENU].text_messages[0].splitlines()
    offered = [entry.split(" - ")[0] for entry in menu if " - " in entry]
    return {word: meanings.get(exact_form(word), "nothing") for word in offered}


@pytest.mark.parametrize("code", ["en", "es"])
def test_the_texted_menu_names_real_keywords(line: Line, code: str) -> None:
    offers = _menu_offers(line.languages[code])
    assert offers and "nothing" not in offers.values(), offers


def test_every_keyword_on_one_menu_has_its_equivalent_on_the_other(line: Line) -> None:
    english, spanish = (set(_menu_offers(line.languages[code]).values()) for code in ("en", "es"))
    assert english == spanish, f"only in English: {english - spanish}; only in Spanish: {spanish - english}"


def test_the_readme_is_outside_the_topics_folder() -> None:
    assert not list(Path(PROJECT / "content" / "es" / "topics").glob("README*"))


@pytest.mark.parametrize(("code", "words"), [("en", "developmental milestones"), ("es", "hitos del desarrollo")])
def test_the_key_points_text_keeps_developmental_milestones(line: Line, code: str, words: str) -> None:
    """The guide's words: "milestones" alone, or "metas" (goals), is not what the guide says."""
    assert words in "\n".join(line.languages[code].topics["key-points"].text_messages)


@pytest.mark.parametrize("draft_words", ["metas del desarrollo", "motricidad fina", "tomar turnos", " casas",
                                         "título de la universidad", "datos gratis", "Equipo que ayuda"])
def test_spanish_texts_leave_out_the_draft_words(spanish: Language, draft_words: str) -> None:
    texts = [part for topic in spanish.topics.values() for part in topic.text_messages]
    texts += [part for name, parts in spanish.prompts.items() if name.startswith("sms.") for part in parts]
    assert [text for text in texts if draft_words in text] == []
