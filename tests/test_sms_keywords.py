"""What people really text, from the table in cases/sms_texts.txt, resolved to the topic that answers."""

from __future__ import annotations

import pytest

from ivr.sms.keywords import Compliance, asked_for, compliance_word
from tests.shipped import PROJECT, shipped_line

LINE = shipped_line()  # loaded once per run; needed while pytest collects


def _cases() -> list[tuple[str, str]]:
    cases = []
    for raw in (PROJECT / "tests" / "cases" / "sms_texts.txt").read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            text, expected = raw.rsplit(" => ", 1)
            cases.append((text, expected.strip()))
    return cases


@pytest.mark.parametrize(("text", "expected"), _cases())
def test_text_finds_its_topic(text: str, expected: str) -> None:
    found = asked_for(LINE, text, None)
    assert (found.topic if found else "menu") == expected


def test_every_keyword_answers_its_own_topic() -> None:
    english = LINE.language("en")
    for topic in english.topics.values():
        for keyword in topic.keywords:
            assert asked_for(LINE, keyword, "en").topic == topic.id, keyword


@pytest.mark.parametrize(("text", "word"), [
    ("STOP", "stop"), ("stop", "stop"), (" Stop. ", "stop"), ("UNSUBSCRIBE", "stop"), ("end", "stop"),
    ("optout", "stop"), ("START", "start"), ("yes", "start"), ("Unstop", "start"), ("HELP", "help"),
    ("info", "help"), ("help!", "help"),
])
def test_compliance_words_are_exact_single_words(text: str, word: str) -> None:
    found = compliance_word(LINE, text)
    assert found is not None and found.kind == word and found.language is None


@pytest.mark.parametrize(("text", "word"), [("PARAR", "stop"), ("cancelar", "stop"), ("Ayuda", "help"),
                                            ("COMENZAR", "start")])
def test_a_languages_own_compliance_words_count_and_name_their_language(text: str, word: str) -> None:
    found = compliance_word(LINE, text)
    assert found is not None and found.kind == word and found.language.code == "es"


@pytest.mark.parametrize("text", ["shop", "helpful", "yes please", "the end of it", "", "ayudas"])
def test_near_compliance_words_are_not_taken_as_them(text: str) -> None:
    """A near spelling of HELP or START is not one; a request to stop is (tests/test_revocation.py)."""
    assert compliance_word(LINE, text) is None


@pytest.mark.parametrize("text, written_in", [("STOP please", "en"), ("stopp", None), ("parar por favor", "es")])
def test_a_request_to_stop_in_other_words_is_one_that_twilio_does_not_confirm(text: str,
                                                                             written_in: str | None) -> None:
    found = compliance_word(LINE, text)
    assert found == Compliance("stop", by_twilio=False, written_in=LINE.languages.get(written_in or ""))


def test_twilio_advanced_opt_out_type_wins() -> None:
    assert compliance_word(LINE, "ARRET", opt_out_type="STOP") == Compliance("stop", by_twilio=True)
