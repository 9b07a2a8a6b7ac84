"""What the text line answers, as pure functions: the number's state and a text in, a reply out.

No HTTP and no database here: routes.py loads the state, asks `answer`, stores what changed and
returns the TwiML. Every reply is one message of at most 320 characters; a longer section goes
out one numbered part per reply, and MORE continues where that number left off.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from twilio.twiml.messaging_response import MessagingResponse

from ivr.content.model import MAIN_MENU, Language, Line
from ivr.sms.keywords import MORE, Compliance, asked_for, compliance_word, language_named
from ivr.store.numbers import NumberState


@dataclass(frozen=True)
class Incoming:
    body: str  # empty for a picture without words: it gets the menu like any text not understood
    opt_out_type: str = ""  # STOP, START or HELP when Twilio's Advanced Opt-Out recognised the text


@dataclass(frozen=True)
class Answer:
    reply: str | None  # None: send nothing (an empty <Response/>)
    state: NumberState  # what to remember for the number afterwards
    limited: bool = True  # counts against the number's limits (STOP, START, HELP never do: compliance)
    understood: str = ""  # what the text was taken for, for usage counts: a topic id, "help", "stop", ...


@dataclass(frozen=True)
class Policy:
    """Settings that change who answers what."""

    help_contact: str | None = None  # HELP_CONTACT; [sms.contact] words when not set
    twilio_answers_help: bool = False  # Advanced Opt-Out sends HELP and START replies itself


def part_message(language: Language, topic_id: str, index: int) -> str:
    """Part `index` of a topic's texts, numbered with how to get the next when there are several."""
    parts = language.topics[topic_id].text_messages
    if len(parts) == 1:
        return parts[0]
    if index + 1 < len(parts):
        line = language.prompt("sms.more", part=str(index + 1), parts=str(len(parts)), next=str(index + 2))
    else:
        line = language.prompt("sms.last", part=str(index + 1), parts=str(len(parts)))
    return "\n".join((parts[index], *line))


def speaking(state: NumberState, code: str) -> NumberState:
    """The number's state in language `code`; where MORE went on was in the old language's parts, so it goes."""
    if state.language == code:
        return state
    return replace(state, language=code, topic=None, next_part=None)


def next_part(language: Language, state: NumberState) -> int | None:
    """Where MORE goes on, if the stored place is a part of this language's section (never past either end)."""
    topic = language.topics.get(state.topic or "")
    if topic is None or state.next_part is None or not 0 <= state.next_part < len(topic.text_messages):
        return None
    return state.next_part


def part_answer(language: Language, topic_id: str, index: int, state: NumberState) -> Answer:
    """Send one part and remember where MORE goes on (nowhere after the last part)."""
    following = index + 1 if index + 1 < len(language.topics[topic_id].text_messages) else None
    return Answer(part_message(language, topic_id, index), state.paging(language.code, topic_id, following),
                  understood=topic_id)


def answer(line: Line, state: NumberState, incoming: Incoming, policy: Policy) -> Answer:
    """Decide the reply to one incoming text for a number in `state`."""
    compliance = compliance_word(line, incoming.body, incoming.opt_out_type)
    if compliance and compliance.language:  # PARAR, AYUDA: the number speaks that language
        state = speaking(state, compliance.language.code)
    elif compliance and compliance.written_in and state.language is None:  # "no me manden": a new number's too
        state = speaking(state, compliance.written_in.code)
    language = line.language(state.language)
    word = compliance.kind if compliance else None
    # Twilio confirms its own words; once is enough
    if compliance and word == "stop" and (compliance.by_twilio or state.opted_out):
        return Answer(None, replace(state, opted_out=True), limited=False, understood="stop")
    if word == "stop":  # other words (or PARAR): Twilio neither blocks nor confirms, so the line says how to undo it
        stopped = replace(state, opted_out=True)
        return Answer(language.prompt("sms.stopped")[0], stopped, limited=False, understood="stop")
    if state.opted_out and word not in ("start", "help"):  # HELP is always answered, opted out or not
        return Answer(None, state, limited=False, understood="while-opted-out")
    if compliance and word in ("start", "help"):  # START opts back in; HELP changes nothing; neither is limited
        new_state = replace(state, opted_out=False) if word == "start" else state
        reply = None if twilio_answers(policy, incoming, compliance) else compliance_reply(language, word, policy)
        return Answer(reply, new_state, limited=False, understood=word)
    named = language_named(line, incoming.body)
    if named is not None:  # ESPANOL / ENGLISH: replies from now on in that language, starting with its menu
        return Answer(part_message(named, MAIN_MENU, 0), speaking(state, named.code), understood="language")
    found = asked_for(line, incoming.body, state.language)
    if found is None:  # never silence: the menu of keywords, and MORE still goes on where it was
        return Answer(part_message(language, MAIN_MENU, 0), state, understood="not-understood")
    if found.topic != MORE:
        return part_answer(found.language, found.topic, 0, state)
    state = speaking(state, found.language.code)  # MAS: this number reads Spanish now
    index = next_part(found.language, state)
    if index is not None and state.topic is not None:  # next_part found a part, so there is a topic
        return replace(part_answer(found.language, state.topic, index, state), understood="more")
    return Answer(found.language.prompt("sms.no-more")[0], state, understood="more")


def compliance_reply(language: Language, word: str, policy: Policy) -> str:
    if word == "start":
        return language.prompt("sms.start")[0]
    contact = policy.help_contact or language.prompt("sms.contact")[0]
    return language.prompt("sms.help", contact=contact)[0]


def twilio_answers(policy: Policy, incoming: Incoming, compliance: Compliance) -> bool:
    """Twilio's Advanced Opt-Out answers its own English words itself; nobody gets two replies."""
    return bool(policy.twilio_answers_help or incoming.opt_out_type) and compliance.language is None


def messaging_twiml(reply: str | None) -> str:
    """The TwiML for an answer: one <Message>, or an empty <Response/> that sends nothing."""
    response = MessagingResponse()
    if reply is not None:
        response.message(reply)
    return str(response)
