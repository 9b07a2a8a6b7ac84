"""What the console's simulators show: a TwiML answer read the way Twilio acts on it. Pure: no HTTP, no store.

A page is what one webhook answered: the words the caller hears (<Say>, and <Play> read back as the words
its audio says), where a key or words go (<Gather action>), where silence goes (the <Redirect> after the
<Gather>, which Twilio follows when the Gather times out), a <Dial>, a <Hangup>, or a text's <Message>s.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Mapping

from ivr.voice.choosing import CONFIRM_BELOW
from ivr.voice.transcript import Heard, heard_in

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")  # a phone's keypad, row by row
SILENCE, SPEECH, UNCLEAR_SPEECH = "silence", "speech", "unclear-speech"
# Typed words are exactly what the caller said: heard as surely as Twilio hears a clear answer, or (to try the
# line's "did you say...?") as unsure as a mumble on a bad line, below the confidence the line asks back under.
SPEECH_CONFIDENCE = {SPEECH: "0.9", UNCLEAR_SPEECH: f"{CONFIRM_BELOW / 2:.2f}"}
# A simulated <Dial> rings nobody: the call goes on as when the staff member does not answer.
UNANSWERED_DIAL = "no-answer"
CALL_PATH = "/voice"  # the only place a simulated call may be sent (URLs come back from the page's form)


@dataclass(frozen=True)
class Page:
    """One TwiML answer as the caller meets it."""

    heard: tuple[Heard, ...] = ()
    listens_at: str = ""  # <Gather action>: where a key or the caller's words go; "" when the page does not listen
    wait_seconds: int | None = None  # how long the <Gather> waits before it counts as silence
    then: str = ""  # <Redirect>: where the call goes after the page (after silence, when it listens)
    dials: str = ""  # the number a <Dial> rings
    dial_action: str = ""  # where the call goes when the <Dial> ends
    hangs_up: bool = False
    texts: tuple[str, ...] = ()  # a text answer's <Message> bodies

    @property
    def waits(self) -> bool:
        """True when the caller is asked for something (a key, words, or silence)."""
        return bool(self.listens_at) and not self.hangs_up


def read_twiml(xml: str, audio_texts: Mapping[str, str] | None = None) -> Page:
    """Read one answer; `audio_texts` gives the words of each <Play> URL (its manifest entry's text)."""
    root = ET.fromstring(xml)
    gather, redirect, dial = root.find("Gather"), root.find("Redirect"), root.find("Dial")
    timeout = gather.get("timeout", "") if gather is not None else ""
    return Page(
        heard=tuple(heard_in(root, audio_texts)),
        listens_at=gather.get("action", "") if gather is not None else "",
        wait_seconds=int(timeout) if timeout.isdigit() else None,
        then=(redirect.text or "").strip() if redirect is not None else "",
        dials=(dial.findtext("Number") or "").strip() if dial is not None else "",
        dial_action=dial.get("action", "") if dial is not None else "",
        hangs_up=root.find("Hangup") is not None,
        texts=tuple(message.text or "" for message in root.iter("Message")),
    )


def goes_on(page: Page) -> tuple[str, dict[str, str]] | None:
    """Where the call goes by itself after a page that asks nothing; None when it waits for the caller or ended."""
    if page.hangs_up:  # the call is over
        return None
    if page.dial_action:  # the simulator rings nobody: Twilio posts the Dial's action as for an unanswered call
        return page.dial_action, {"DialCallStatus": UNANSWERED_DIAL}
    if page.listens_at:  # a Gather: the caller's turn
        return None
    if page.then:  # said its words and redirects (an apology, a notice)
        return page.then, {}
    return None  # a page that neither listens nor goes on ends the call


def answer_to(listens_at: str, then: str, press: str, speech: str = "") -> tuple[str, dict[str, str]] | None:
    """The request Twilio makes when the caller, at a Gather, presses a key, says words or stays silent.

    None when there is nothing to send (a key not on a keypad, empty words, a URL that is not the call's).
    """
    if press == SILENCE:  # the Gather timed out: Twilio moves on to the verb after it, the Redirect
        return (then, {}) if _is_call_url(then) else None
    if not _is_call_url(listens_at):  # the call is over, or a URL that did not come from the line
        return None
    if press in SPEECH_CONFIDENCE:  # what the caller says goes to the action as Twilio's speech result
        words = " ".join(speech.split())
        return (listens_at, {"SpeechResult": words, "Confidence": SPEECH_CONFIDENCE[press]}) if words else None
    if press in KEYS:  # one key: every Gather of this line takes one digit
        return listens_at, {"Digits": press}
    return None  # anything else is not a key a phone has


def _is_call_url(url: str) -> bool:
    return url == CALL_PATH or url.startswith(CALL_PATH + "/")


def pretty(xml: str) -> str:
    """TwiML indented one element a line, for staff to read."""
    root = ET.fromstring(xml)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def playable(url: str, public_base_url: str | None) -> str:
    """The URL a staff member's browser plays: this app's own /audio/ path when <Play> names the public base."""
    if public_base_url and url.startswith(public_base_url + "/"):
        return url[len(public_base_url):]
    return url
