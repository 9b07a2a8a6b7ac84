"""The text line's decisions as pure functions: state and text in, reply and new state out. No HTTP."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from ivr.sms.replies import Incoming, Policy, answer, messaging_twiml, part_message
from ivr.store.numbers import NumberState

POLICY = Policy(help_contact="call 555-0100")


@pytest.fixture
def english(line):
    return line.language("en")


def test_a_one_part_topic_is_sent_as_it_is(english) -> None:
    assert part_message(english, "school-iep", 0) == english.topics["school-iep"].text_messages[0]


def test_parts_are_numbered_and_say_how_to_get_the_next(english) -> None:
    parts = english.topics["how-ot-helps"].text_messages
    assert part_message(english, "how-ot-helps", 0) == parts[0] + "\n(1/4) Reply MORE for part 2 of 4."
    assert part_message(english, "how-ot-helps", 3) == parts[3] + "\n(4/4) Text MENU for more topics."


def test_a_keyword_starts_a_section_and_remembers_where_more_goes_on(line, english) -> None:
    result = answer(line, NumberState(), Incoming("children"), POLICY)
    assert result.reply == part_message(english, "how-ot-helps", 0)
    assert result.state == NumberState(language="en", topic="how-ot-helps", next_part=1) and result.limited


def test_more_after_the_last_part_says_so(line, english) -> None:
    result = answer(line, NumberState(language="en", topic="find-ot", next_part=None), Incoming("MORE"), POLICY)
    assert result.reply == english.prompt("sms.no-more")[0]


def test_stop_sends_nothing_is_never_limited_and_start_undoes_it(line, english) -> None:
    stopped = answer(line, NumberState(), Incoming("Stop"), POLICY)
    assert stopped.reply is None and stopped.state.opted_out and not stopped.limited
    ignored = answer(line, stopped.state, Incoming("FIND"), POLICY)
    assert ignored.reply is None and ignored.state == stopped.state
    started = answer(line, stopped.state, Incoming("START"), POLICY)
    assert started.reply == english.prompt("sms.start")[0] and not started.state.opted_out
    assert not started.limited and not answer(line, NumberState(), Incoming("HELP"), POLICY).limited  # compliance


def test_twilio_advanced_opt_out_answers_start_and_help_itself(line) -> None:
    started = answer(line, NumberState(opted_out=True), Incoming("START", opt_out_type="START"), POLICY)
    assert started.reply is None and not started.state.opted_out
    assert answer(line, NumberState(), Incoming("HELP"), Policy(twilio_answers_help=True)).reply is None


def test_twiml_has_one_message_or_none() -> None:
    assert ElementTree.fromstring(messaging_twiml(None)).findall("Message") == []
    [message] = ElementTree.fromstring(messaging_twiml('Tom & "Jerry" <3')).findall("Message")
    assert message.text == 'Tom & "Jerry" <3'


def test_more_after_switching_language_never_reads_past_the_end(line, english) -> None:
    """ESPANOL, PUNTOS, MAS x3, english, MORE was an IndexError: Spanish paging read in English parts."""
    state = NumberState()
    for body in ("ESPANOL", "PUNTOS", "MAS", "MAS", "MAS", "ENGLISH"):
        state = answer(line, state, Incoming(body), POLICY).state
    result = answer(line, state, Incoming("MORE"), POLICY)
    assert result.reply == english.prompt("sms.no-more")[0] and result.state.language == "en"


def test_a_language_switch_forgets_where_more_went_on(line) -> None:
    reading = NumberState(language="en", topic="how-ot-helps", next_part=1)
    switched = answer(line, reading, Incoming("ESPANOL"), POLICY).state
    assert switched.language == "es" and switched.next_part is None


@pytest.mark.parametrize("next_part", [-1, 99])
def test_a_stored_place_past_either_end_is_the_end(line, english, next_part: int) -> None:
    """A place stored by an older version of the words (a section that since got shorter) is not trusted."""
    state = NumberState(language="en", topic="how-ot-helps", next_part=next_part)
    assert answer(line, state, Incoming("MORE"), POLICY).reply == english.prompt("sms.no-more")[0]


@pytest.mark.parametrize(("code", "body"),
                         [("es", "MENU"), ("es", "Menú"), ("es", "menu"), ("en", "MENU"), ("en", "menú")])
def test_menu_answers_the_menu_in_the_numbers_language(line, code: str, body: str) -> None:
    result = answer(line, NumberState(language=code), Incoming(body), POLICY)
    assert result.reply == part_message(line.language(code), "main", 0) and result.state.language == code
