"""A request to stop texting, in any reasonable words, opts the number out; a question about OT does not.

The phrasings are in tests/cases/opt_out_texts.tsv, both directions. Decisions go through `answer`, the text
line's pure decision, so the table tests what a family actually gets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.sms.replies import Incoming, Policy, answer
from ivr.store.numbers import NumberState

POLICY = Policy(help_contact="call 555-0100")
ROWS = [line.split("\t") for line in (Path(__file__).parent / "cases" / "opt_out_texts.tsv").read_text().splitlines()
        if line and not line.startswith("#")]


@pytest.fixture
def english(line):
    return line.language("en")


@pytest.mark.parametrize("text,expected", ROWS, ids=[repr(text) for text, _ in ROWS])
def test_a_text_opts_out_exactly_when_the_table_says(line, text: str, expected: str) -> None:
    result = answer(line, NumberState(language="en"), Incoming(text), POLICY)
    assert result.state.opted_out == (expected == "stop")


def test_the_table_holds_enough_phrasings_in_both_directions() -> None:
    expected = [row[1] for row in ROWS]
    assert set(expected) == {"stop", "keep"} and len(ROWS) >= 60 and expected.count("keep") >= 20


def test_twilios_exact_words_get_no_reply_because_twilio_confirms_them_itself(line) -> None:
    for text in ("STOP", "stop", " Unsubscribe ", "OPTOUT"):
        result = answer(line, NumberState(), Incoming(text), POLICY)
        assert result.state.opted_out and result.reply is None and not result.limited
    flagged = answer(line, NumberState(), Incoming("PARAR", opt_out_type="STOP"), POLICY)
    assert flagged.state.opted_out and flagged.reply is None


def test_other_phrasings_get_one_confirmation_saying_how_to_opt_back_in(line, english) -> None:
    result = answer(line, NumberState(language="en"), Incoming("STOP please"), POLICY)
    assert result.state.opted_out and not result.limited and result.understood == "stop"
    assert result.reply == english.prompt("sms.stopped")[0] and "START" in result.reply
    again = answer(line, result.state, Incoming("please stop"), POLICY)
    assert again.state.opted_out and again.reply is None


def test_the_lines_own_spanish_words_are_confirmed_in_spanish(line) -> None:
    result = answer(line, NumberState(), Incoming("PARAR"), POLICY)
    assert result.state == NumberState(language="es", opted_out=True)
    assert result.reply == line.language("es").prompt("sms.stopped")[0]


@pytest.mark.parametrize("text, known, confirmed_in", [
    ("no me manden mensajes", None, "es"),  # a new number writing Spanish is answered in Spanish
    ("¡Basta ya!", None, "es"),
    ("STOP por favor", None, "es"),
    ("dejen de escribirme", None, "es"),
    ("STOP please", None, "en"),
    ("leave me alone", None, "en"),
    ("stop", None, "en"),  # Twilio's own word, nothing else to go by: the line's first language
    ("no me manden mensajes", "en", "en"),  # a number whose language the line knows keeps it
    ("leave me alone", "es", "es"),
])
def test_a_request_to_stop_in_other_words_is_confirmed_in_the_language_it_was_written_in(
        line, text: str, known: str | None, confirmed_in: str) -> None:
    result = answer(line, NumberState(language=known), Incoming(text), POLICY)
    assert result.state.opted_out
    if result.reply is not None:  # (Twilio confirms its own exact words itself)
        assert result.reply == line.language(confirmed_in).prompt("sms.stopped")[0]
    assert result.state.language == (known or (confirmed_in if text != "stop" else None))


def test_start_undoes_an_opt_out_in_any_words(line, english) -> None:
    stopped = answer(line, NumberState(), Incoming("no more texts please"), POLICY).state
    assert answer(line, stopped, Incoming("FIND"), POLICY).reply is None
    started = answer(line, stopped, Incoming("START"), POLICY)
    assert not started.state.opted_out and started.reply == english.prompt("sms.start")[0]


CYRILLIC = str.maketrans("AEOPCTXaeopcxy", "АЕОРСТХаеорсху")


def _disguises(text: str) -> dict[str, str]:
    """The same text as it may arrive: fullwidth, Cyrillic look-alikes, invisible characters between letters."""
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)
    return {"fullwidth": fullwidth, "cyrillic": text.translate(CYRILLIC), "zero-width": "\u200b".join(text)}


@pytest.mark.parametrize("text,expected", ROWS, ids=[repr(text) for text, _ in ROWS])
def test_disguised_letters_change_nothing_in_either_direction(line, text: str, expected: str) -> None:
    for how, disguised in _disguises(text).items():
        result = answer(line, NumberState(language="en"), Incoming(disguised), POLICY)
        assert result.state.opted_out == (expected == "stop"), how


def test_no_topic_keyword_title_or_spoken_phrase_reads_as_a_request_to_stop(line) -> None:
    for language in line.languages.values():
        for topic in language.topics.values():
            for phrase in (*topic.keywords, topic.title, *topic.speech):
                assert not answer(line, NumberState(), Incoming(phrase), POLICY).state.opted_out, phrase


def test_a_request_at_the_end_of_a_long_text_counts(line) -> None:
    long = "my son bites other kids at daycare and I wanted to ask about that, " * 20 + "but please stop"
    assert len(long) > 1000 and answer(line, NumberState(), Incoming(long), POLICY).state.opted_out
