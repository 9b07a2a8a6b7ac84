"""Any sequence of texts from several numbers, through the /sms webhook: a stateful property test.

Hypothesis sends keywords, MORE/MAS, language names, STOP/START/HELP in both languages, text nobody
understands and Twilio's retries of an earlier MessageSid, from two numbers, and checks each answer
against a small model of what the number should see: never a 5xx, every reply in the number's
language (it is one of that language's texts), MORE never past the end of a section, and nothing but
HELP and START answered while a number is opted out.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from flask import Response

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from ivr.matching import exact_form
from ivr.content.model import MAIN_MENU, Language
from ivr.text_rules.compliance import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS
from ivr.sms.replies import Policy, compliance_reply, part_message
from tests.app_factory import build_app
from tests.shipped import shipped_line
from tests.twilio_requests import replies, sms_post

LINE = shipped_line()  # loaded once per run; needed while pytest collects
DEFAULT = LINE.default_language.code
HELP_CONTACT = "555-0100"
NOT_UNDERSTOOD = ("hello", "", "thank you!!", "\U0001F600", "12345", "zzzz qqqq")
_numbers = itertools.count(1)


def _keywords() -> list[tuple[str, str, str]]:
    """(language, topic, word) for every keyword and MORE word ("more" as the topic)."""
    found = [(language.code, topic.id, word) for language in LINE.languages.values()
             for topic in language.topics.values() for word in topic.keywords]
    found += [(language.code, "more", word) for language in LINE.languages.values() for word in language.more_words]
    return found


KEYWORDS = _keywords()
OWNERS: dict[str, set[str]] = {}
for _code, _topic, _word in KEYWORDS:
    OWNERS.setdefault(exact_form(_word), set()).add(_code)


def _compliance_words(kind: str, twilio_words: frozenset[str]) -> list[tuple[str | None, str]]:
    """(language or None for Twilio's own words, word) for STOP, START or HELP."""
    own = [(language.code, word) for language in LINE.languages.values() for word in language.compliance_words[kind]]
    return [(None, word) for word in sorted(twilio_words)] + own


def _texts_of(language: Language) -> set[str]:
    """Every text the line can send in a language: each part of each section, and the text-line prompts."""
    parts = {part_message(language, topic.id, index)
             for topic in language.topics.values() for index in range(len(topic.text_messages))}
    answers = {compliance_reply(language, word, Policy(HELP_CONTACT)) for word in ("help", "start")}
    return parts | answers | {language.prompt(name)[0] for name in ("sms.no-more", "sms.stopped")}


TEXTS = {code: _texts_of(language) for code, language in LINE.languages.items()}
OPTED_OUT_MAY_GET = {text for language in LINE.languages.values() for text in
                     (compliance_reply(language, "help", Policy(HELP_CONTACT)), language.prompt("sms.stopped")[0])}


@dataclass
class Expected:
    """What a number should see: its language, whether it opted out, and the last part of a section it got."""

    language: str = DEFAULT
    opted_out: bool = False
    place: tuple[str, int] | None = None  # (topic, 0-based part) when MORE has a next part to send
    phone: str = field(default_factory=lambda: f"+1500555{next(_numbers):04d}")

    def speak(self, code: str) -> None:
        """Like the line: a change of language forgets the place in the old language's parts."""
        if code != self.language:
            self.language, self.place = code, None

    def read(self, topic: str, part: int) -> None:
        self.place = (topic, part) if part + 1 < len(LINE.language(self.language).topics[topic].text_messages) else None


class TextingStateMachine(RuleBasedStateMachine):
    client = None  # set by the test to one app for all runs: each run texts from numbers of its own

    def __init__(self) -> None:
        super().__init__()
        self.numbers = [Expected(), Expected()]
        self.sent: list[tuple[str, str, str, bytes]] = []  # (MessageSid, phone, body, TwiML answered)

    def _text(self, number: Expected, body: str) -> list[str]:
        message_sid = f"SM{uuid.uuid4().hex}"
        response = sms_post(self.client, body, {"From": number.phone, "MessageSid": message_sid})
        assert response.status_code < 500
        found = replies(response)
        self.sent.append((message_sid, number.phone, body, response.data))
        assert len(found) <= 1
        for reply in found:
            assert reply in TEXTS[number.language], f"not a {number.language} text: {reply!r}"
        return found

    def _expect_nothing_while_opted_out(self, number: Expected, body: str) -> bool:
        if number.opted_out:
            assert self._text(number, body) == []
        return number.opted_out

    @rule(who=st.integers(0, 1), keyword=st.sampled_from(KEYWORDS))
    def text_a_keyword(self, who: int, keyword: tuple[str, str, str]) -> None:
        number = self.numbers[who]
        code, topic, word = keyword
        if self._expect_nothing_while_opted_out(number, word):
            return
        owners = OWNERS[exact_form(word)]
        number.speak(number.language if number.language in owners else code)
        language = LINE.language(number.language)
        if topic != "more":
            assert self._text(number, word) == [part_message(language, topic, 0)]
            number.read(topic, 0)
        elif number.place is None:
            assert self._text(number, word) == [language.prompt("sms.no-more")[0]]
        else:
            reading, part = number.place
            assert self._text(number, word) == [part_message(language, reading, part + 1)]
            number.read(reading, part + 1)

    @rule(who=st.integers(0, 1), language=st.sampled_from(list(LINE.languages.values())), pick=st.integers(0, 10))
    def name_a_language(self, who: int, language: Language, pick: int) -> None:
        number = self.numbers[who]
        word = language.choice_words[pick % len(language.choice_words)]
        if self._expect_nothing_while_opted_out(number, word):
            return
        number.speak(language.code)
        assert self._text(number, word) == [part_message(language, MAIN_MENU, 0)]

    @rule(who=st.integers(0, 1), body=st.sampled_from(NOT_UNDERSTOOD))
    def text_something_not_understood(self, who: int, body: str) -> None:
        number = self.numbers[who]
        if not self._expect_nothing_while_opted_out(number, body):
            assert self._text(number, body) == [part_message(LINE.language(number.language), MAIN_MENU, 0)]

    @rule(who=st.integers(0, 1), word=st.sampled_from(_compliance_words("stop", OPT_OUT_WORDS)))
    def stop(self, who: int, word: tuple[str | None, str]) -> None:
        number = self.numbers[who]
        number.speak(word[0] or number.language)
        # Twilio confirms its own words; a language's own word (PARAR) is confirmed once by the line
        confirmed = word[0] is not None and not number.opted_out
        expected = [LINE.language(number.language).prompt("sms.stopped")[0]] if confirmed else []
        assert self._text(number, word[1]) == expected
        number.opted_out = True

    @rule(who=st.integers(0, 1), word=st.sampled_from(_compliance_words("start", OPT_IN_WORDS)))
    def start(self, who: int, word: tuple[str | None, str]) -> None:
        number = self.numbers[who]
        number.speak(word[0] or number.language)
        assert self._text(number, word[1]) == [LINE.language(number.language).prompt("sms.start")[0]]
        number.opted_out = False

    @rule(who=st.integers(0, 1), word=st.sampled_from(_compliance_words("help", HELP_WORDS)))
    def help(self, who: int, word: tuple[str | None, str]) -> None:
        number = self.numbers[who]
        number.speak(word[0] or number.language)
        expected = compliance_reply(LINE.language(number.language), "help", Policy(HELP_CONTACT))
        assert self._text(number, word[1]) == [expected]

    @precondition(lambda self: self.sent)
    @rule(pick=st.integers(0, 10_000))
    def twilio_retries_a_webhook(self, pick: int) -> None:
        """The same MessageSid again gets the very same answer and changes nothing for the number.

        Once the number opted out, only what an opted-out number may get is given again: HELP, a STOP's confirmation.
        """
        message_sid, phone, body, answered = self.sent[pick % len(self.sent)]
        again = sms_post(self.client, body, {"From": phone, "MessageSid": message_sid})
        [number] = [number for number in self.numbers if number.phone == phone]
        first = replies(Response(answered, mimetype="text/xml"))
        if number.opted_out and not set(first) <= OPTED_OUT_MAY_GET:
            assert replies(again) == []
        else:
            assert again.status_code == 200 and again.data == answered


@pytest.fixture
def fast_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder in /dev/shm when there is one: each text commits to SQLite, and disk syncs made this test slow."""
    if not Path("/dev/shm").is_dir():
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(dir="/dev/shm"))
    yield folder
    shutil.rmtree(folder)


def test_any_sequence_of_texts_is_answered_in_the_numbers_language_and_never_past_the_end(fast_folder: Path) -> None:
    app = build_app(fast_folder, HELP_CONTACT=HELP_CONTACT, SMS_LIMIT_PER_MINUTE="100000", SMS_LIMIT_PER_DAY="100000")
    TextingStateMachine.client = app.test_client()
    run_state_machine_as_test(TextingStateMachine, settings=settings(
        max_examples=50, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]))
