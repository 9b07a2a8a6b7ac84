"""A simulated call and a simulated text conversation: what the console keeps between two presses.

The state travels in the page (hidden form fields, as JSON), so any worker answers the next press and
nothing about a trial is stored. Only the heard words of the last few turns travel: the TwiML of a turn
is shown when it is answered, and kept by the browser's page when JavaScript appends turns.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

from ivr.console.simulation import SPEECH_CONFIDENCE, Page, answer_to, goes_on, playable, pretty, read_twiml
from ivr.console.simulator import Simulator, audio_texts, new_sid
from ivr.content.model import MAIN_MENU
from ivr.services import Services
from ivr.voice import urls

CALL, HANG_UP = "call", "hang-up"
KEPT_TURNS = 8  # the turns a page carries back (a request stays far below MAX_REQUEST_BYTES)
KEPT_MESSAGES = 20
MAX_PAGES_A_TURN = 10  # pages followed without the caller (redirects, dials) before the simulator stops
ASK_LANGUAGE = ""  # the language choice of a new caller: the line asks
NO_REPLY = ""  # the line answered a text with nothing (a STOP Twilio confirms itself, a limit reached)


@dataclass(frozen=True)
class Part:
    """One thing the caller hears: its words, and the audio URL the browser can play (if it has audio)."""

    text: str
    audio: str = ""


@dataclass(frozen=True)
class HeardPage:
    """One page of a turn as the console shows it."""

    parts: tuple[Part, ...] = ()
    texted: tuple[tuple[str, str], ...] = ()  # (to, body) a call would have texted, recorded instead
    dialled: str = ""  # the number the line would ring
    ended: bool = False
    twiml: str = ""  # shown once, never carried back


@dataclass(frozen=True)
class Turn:
    """What the caller did (a key, words, silence, a new call or hanging up) and every page it led to."""

    did: str
    words: str = ""
    pages: tuple[HeardPage, ...] = ()

    @property
    def stopped(self) -> bool:
        """The simulator stopped following pages that go on by themselves (a loop in the words)."""
        return len(self.pages) >= MAX_PAGES_A_TURN and not self.pages[-1].ended


@dataclass(frozen=True)
class CallState:
    """Where a simulated call waits: the revision it hears, the caller, and the Gather's two ways on."""

    revision: int
    caller: str
    call_sid: str = ""
    listens_at: str = ""
    then: str = ""
    turns: tuple[Turn, ...] = ()
    wait_seconds: int | None = None  # how long the line waits for the caller before silence counts

    @property
    def in_call(self) -> bool:
        return bool(self.listens_at or self.then)

    @property
    def shortened(self) -> bool:
        """True once the call is longer than the turns a page carries: its first turns are no longer shown."""
        return len(self.turns) > KEPT_TURNS

    def carried(self) -> str:
        """The transcript that travels back with the next press: the last turns, without their TwiML."""
        turns = [replace(turn, pages=tuple(replace(page, twiml="") for page in turn.pages))
                 for turn in self.turns[-KEPT_TURNS:]]
        return json.dumps([asdict(turn) for turn in turns], ensure_ascii=False)


def turns_from(carried: str) -> tuple[Turn, ...]:
    """The transcript a page sent back; a damaged one (edited by hand) is dropped, never an error."""
    try:
        return tuple(Turn(turn["did"], turn["words"], tuple(
            HeardPage(tuple(Part(**part) for part in page["parts"]), tuple(map(tuple, page["texted"])),
                  page["dialled"], page["ended"]) for page in turn["pages"])) for turn in json.loads(carried or "[]"))
    except (ValueError, TypeError, KeyError):
        return ()


def act(simulator: Simulator, services: Services, state: CallState, pressed: str, speech: str = "",
        language: str = "") -> CallState:
    """One thing the staff member did on the phone simulator."""
    if pressed == CALL:  # a new call; one in progress is left as it is (only the simulator's records hold it)
        return start_call(simulator, services, state.caller, language)
    if pressed == HANG_UP:  # ends the call, and the line hears of it as from Twilio's status callback
        return hang_up(simulator, services, state)
    return press(simulator, services, state, pressed, speech)  # a key, words or silence; anything else changes nothing


def start_call(simulator: Simulator, services: Services, caller: str, language: str) -> CallState:
    """A new call: the language question, or (a caller whose language the line remembers) the welcome."""
    code = language if language in services.line.languages else ASK_LANGUAGE
    start = urls.in_revision(urls.choices(code, MAIN_MENU, welcome=True), services.revision) if code else "/voice"
    state = CallState(services.revision or 0, caller, new_sid("CA"))
    spoken = services.line.languages[code].name if code else ""
    return _follow(simulator, services, state, Turn(CALL, spoken), start, {})


def press(simulator: Simulator, services: Services, state: CallState, pressed: str, speech: str = "") -> CallState:
    """A key, words or silence at the page the call waits on; unchanged when there is nothing to send."""
    request = answer_to(state.listens_at, state.then, pressed, speech)
    if request is None:
        return state
    return _follow(simulator, services, state,
                   Turn(pressed, " ".join(speech.split()) if pressed in SPEECH_CONFIDENCE else ""),
                   *request)


def hang_up(simulator: Simulator, services: Services, state: CallState) -> CallState:
    """The caller hangs up: Twilio's status callback tells the line (it counts where, in its own usage)."""
    if state.in_call:
        simulator.call(services, "/voice/status", {"CallStatus": "completed"}, state.caller, state.call_sid)
    return replace(state, listens_at="", then="", turns=(*state.turns, Turn(HANG_UP, pages=(HeardPage(ended=True),))))


def _follow(simulator: Simulator, services: Services, state: CallState, turn: Turn, url: str,
            params: dict[str, str]) -> CallState:
    """Send the caller's request, then follow what goes on by itself (redirects, an unanswered dial)."""
    texts = audio_texts(services.audio)
    base = simulator.public_base_url
    pages: list[HeardPage] = []
    page = Page()
    request: tuple[str, dict[str, str]] | None = (url, params)
    while request is not None and len(pages) < MAX_PAGES_A_TURN:
        answered = simulator.call(services, *request, state.caller, state.call_sid)
        page = read_twiml(answered.twiml, texts)
        pages.append(HeardPage(tuple(Part(part.text, playable(part.audio, base) if part.audio else "")
                                 for part in page.heard),
                           tuple((sent.to, sent.body) for sent in answered.texted), page.dials,
                           page.hangs_up or not (page.waits or goes_on(page)), pretty(answered.twiml)))
        request = goes_on(page)
    waiting = page.waits and request is None
    return replace(state, listens_at=page.listens_at if waiting else "", then=page.then if waiting else "",
                   wait_seconds=page.wait_seconds if waiting else None,
                   turns=(*state.turns, replace(turn, pages=tuple(pages))))


@dataclass(frozen=True)
class Message:
    """One text in the chat: from the staff member (as the number they chose) or from the line (NO_REPLY: none)."""

    from_line: bool
    text: str = NO_REPLY


@dataclass(frozen=True)
class Chat:
    """A simulated text conversation: the revision texted, the number texting it, and the texts so far."""

    revision: int
    number: str
    messages: tuple[Message, ...] = field(default_factory=tuple)

    def carried(self) -> str:
        return json.dumps([asdict(message) for message in self.messages[-KEPT_MESSAGES:]], ensure_ascii=False)


def messages_from(carried: str) -> tuple[Message, ...]:
    try:
        return tuple(Message(bool(message["from_line"]), str(message["text"]))
                     for message in json.loads(carried or "[]"))
    except (ValueError, TypeError, KeyError):
        return ()


def text(simulator: Simulator, services: Services, chat: Chat, body: str) -> Chat:
    """Text the line as the chat's number; the line's replies join the chat, or NO_REPLY when it sends none."""
    if not body.strip():
        return chat
    answered = simulator.text(services, chat.number, body)
    replies = tuple(Message(True, reply) for reply in read_twiml(answered.twiml).texts) or (Message(from_line=True),)
    return replace(chat, messages=(*chat.messages, Message(False, body), *replies))
