"""Every text the line can send, measured as it will go out: characters, encoding, segments, reading level.

`flask --app app content check` prints these; encoding and length problems fail the check, a reading
level harder than the language's target is a warning (see ivr.content.readability).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

from ivr.config import ConfigurationError
from ivr.content.model import Language, Line, Topic
from ivr.content.readability import Reading, reading_level
from ivr.sms.replies import Policy, compliance_reply, part_message
from ivr.text_rules.encoding import MAX_SEGMENTS, MAX_TEXT_MESSAGE_CHARS, Cost, cost


@dataclass(frozen=True)
class Measured:
    where: str
    text: str
    cost: Cost
    reading: Reading | None
    problems: tuple[str, ...]

    def summary(self) -> str:
        level = str(self.reading) if self.reading else "reading level n/a"
        return f"{self.where}: {len(self.text)} chars, {self.cost.encoding}, {self.cost.segments} segment(s), {level}"


def measure(where: str, text: str, language: Language) -> Measured:
    spent = cost(text)
    problems = []
    if language.gsm_only and spent.encoding != "GSM-7":
        problems.append("not GSM-7: a character in it makes the whole text UCS-2")
    if len(text) > MAX_TEXT_MESSAGE_CHARS:
        problems.append(f"longer than {MAX_TEXT_MESSAGE_CHARS} characters")
    if spent.segments > MAX_SEGMENTS:
        problems.append(f"{spent.segments} segments in {spent.encoding}; at most {MAX_SEGMENTS}")
    return Measured(where, text, spent, reading_level(text, language.tts_language), tuple(problems))


def measure_help(language: Language, policy: Policy) -> Measured:
    """The HELP reply with HELP_CONTACT in it; when the contact makes it too long, the problem names HELP_CONTACT."""
    measured = measure(f"prompts/{language.code}.txt [sms.help]", compliance_reply(language, "help", policy), language)
    if measured.problems and policy.help_contact:
        blame = (f"HELP_CONTACT ({len(policy.help_contact)} characters) makes the {language.name} HELP reply "
                 f"{' and '.join(measured.problems)}: shorten HELP_CONTACT (a phone number, email or web address)")
        return replace(measured, problems=(blame,))
    return measured


def words_in_contact(contact: str | None) -> list[str]:
    """Words in HELP_CONTACT ("call"): it is written inside each language's sentence, so only a number, email or URL."""
    return [token for token in (contact or "").split() if token.isalpha()]


def refuse_long_help(line: Line, policy: Policy) -> None:
    """The line must not start with a HELP reply carriers would see cut or costing more than its budget."""
    problems = [problem for language in line.languages.values() for problem in measure_help(language, policy).problems]
    if problems:
        raise ConfigurationError(f"HELP reply over its limit: {'; '.join(problems)}. The line did not start.")


def texts_as_sent(language: Language, topic: Topic) -> list[str]:
    """A topic's texts as they go out: a section of several ends each with "(1/3) Reply MORE ..."."""
    return [part_message(language, topic.id, index) for index in range(len(topic.text_messages))]


def every_text(line: Line, policy: Policy) -> Iterator[Measured]:
    """Each part of each topic's texts, and each text-line prompt, with HELP_CONTACT filled in."""
    for language in line.languages.values():
        for topic in language.topics.values():
            texts = texts_as_sent(language, topic)
            for index, text in enumerate(texts):
                yield measure(f"content/{language.code}/topics/{topic.id}.txt [text] {index + 1}/{len(texts)}", text,
                              language)
        yield measure_help(language, policy)
        yield measure(f"prompts/{language.code}.txt [sms.start]", compliance_reply(language, "start", policy), language)
        for name in ("sms.no-more", "sms.stopped"):
            yield measure(f"prompts/{language.code}.txt [{name}]", language.prompt(name)[0], language)
