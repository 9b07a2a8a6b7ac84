"""Walks the voice line the way Twilio would: every key, silence, words, redirects and dial results.

Each TwiML answer is checked against the verbs and attributes Twilio accepts, so a page the crawler
reaches is a page a real call could reach. Below the crawler: a caller's own walk (post, answer, call_in,
walk_menus), for tests that follow one path and read what it says.
"""

from __future__ import annotations

import heapq
import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.twilio_requests import twilio_post

# What Twilio accepts on each verb we may use (docs: voice/twiml/*).
ALLOWED: dict[str, set[str]] = {
    "Response": set(),
    "Gather": {"action", "method", "input", "numDigits", "timeout", "speechTimeout", "language", "hints",
               "finishOnKey", "actionOnEmptyResult", "speechModel", "enhanced", "profanityFilter",
               "partialResultCallback"},
    "Say": {"voice", "language", "loop"},
    "Play": {"loop", "digits"},
    "Pause": {"length"},
    "Redirect": {"method"},
    "Dial": {"action", "method", "timeout", "callerId", "hangupOnStar", "timeLimit", "record", "answerOnBridge"},
    "Number": set(),
    "Hangup": set(),
}
GATHER_CHILDREN = {"Say", "Play", "Pause"}
KEYS = list("0123456789*#")


@dataclass
class Step:
    """A request the crawler makes: where, with what, and how many key presses led here."""

    url: str
    params: dict[str, str]
    presses: int


@dataclass
class CrawlResult:
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    said: dict[str, int] = field(default_factory=dict)  # text -> fewest key presses to hear it
    played: set[str] = field(default_factory=set)  # every <Play> URL
    urls: dict[str, None] = field(default_factory=dict)  # every URL requested, in the order first reached
    hangups: int = 0


def check_twiml(body: str, where: str) -> tuple[ET.Element | None, list[str]]:
    """Parse and check one answer; return the root and every problem with it."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        return None, [f"{where}: not XML ({error})"]
    problems = []
    if root.tag != "Response":
        problems.append(f"{where}: root is <{root.tag}>")
    for element in root.iter():
        if element.tag not in ALLOWED:
            problems.append(f"{where}: <{element.tag}> is not a verb this line should use")
            continue
        for attribute in element.attrib:
            if attribute not in ALLOWED[element.tag]:
                problems.append(f"{where}: <{element.tag} {attribute}=...> is not a Twilio attribute")
    verbs = list(root)
    for index, verb in enumerate(verbs):
        if verb.tag == "Gather":
            if not verb.get("action"):
                problems.append(f"{where}: <Gather> without an action")
            if verb.get("input") not in ("dtmf speech", "speech dtmf"):
                problems.append(f"{where}: <Gather> does not accept both keys and speech")
            if any(child.tag not in GATHER_CHILDREN for child in verb):
                problems.append(f"{where}: <Gather> nests a verb Twilio does not allow there")
            if index + 1 >= len(verbs):
                problems.append(f"{where}: nothing after <Gather>, so silence would hang up")
        if verb.tag == "Hangup" and (index == 0 or verbs[index - 1].tag not in ("Say", "Play")):
            problems.append(f"{where}: hangs up without saying goodbye")
    if verbs and verbs[-1].tag not in ("Redirect", "Hangup", "Dial"):
        problems.append(f"{where}: ends with <{verbs[-1].tag}>: the call would end silently")
    return root, problems


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: FlaskClient, speech: tuple[str, ...] = ("repeat", "go back", "mumble mumble"),
          dial_results: tuple[str, ...] = ("no-answer", "completed"), limit: int = 20000) -> CrawlResult:
    """Every branch from POST /voice, fewest key presses first; stops at `limit` requests."""
    result = CrawlResult()
    order = itertools.count()
    queue: list[tuple[int, int, Step]] = []

    def visit(step: Step) -> None:
        heapq.heappush(queue, (step.presses, next(order), step))

    visit(Step("/voice", {}, 0))
    seen: set[tuple[str, tuple]] = set()
    while queue and result.pages < limit:
        step = heapq.heappop(queue)[2]
        marker = (step.url, tuple(sorted(step.params.items())))
        if marker in seen:
            continue
        seen.add(marker)
        response = twilio_post(client, step.url, step.params)
        result.pages += 1
        result.urls[step.url] = None
        where = f"POST {step.url} {step.params}"
        if response.status_code != 200:
            result.problems.append(f"{where}: HTTP {response.status_code}")
            continue
        root, problems = check_twiml(response.get_data(as_text=True), where)
        result.problems.extend(problems)
        if root is None:
            continue
        for element in root.iter("Say"):
            text = element.text or ""
            result.said[text] = min(result.said.get(text, step.presses), step.presses)
        result.played.update(element.text or "" for element in root.iter("Play"))
        for verb in root:
            if verb.tag == "Gather":
                action = path_of(verb.get("action", ""))
                for key in KEYS:
                    visit(Step(action, {"Digits": key}, step.presses + 1))
                for words in speech:
                    visit(Step(action, {"SpeechResult": words, "Confidence": "0.9"}, step.presses + 1))
            elif verb.tag == "Redirect":
                visit(Step(path_of(verb.text or ""), {}, step.presses))
            elif verb.tag == "Dial" and verb.get("action"):
                for status in dial_results:
                    visit(Step(path_of(verb.get("action", "")), {"DialCallStatus": status}, step.presses))
            elif verb.tag == "Hangup":
                result.hangups += 1
    if queue:
        result.problems.append(f"crawl stopped after {limit} requests with {len(queue)} still queued")
    return result


# A caller's walk: signed requests along one path, each answer parsed into a Page.
_MENU_ACTION = re.compile(r"^/voice/[^/]+/choices/([^/?]+)/choose")
_PART_ACTION = re.compile(r"^/voice/[^/]+/topic/[^/]+/part/\d+/choose")


@dataclass(frozen=True)
class Page:
    """One TwiML answer, parsed."""

    root: ET.Element

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def says(self) -> list[ET.Element]:
        return list(self.root.iter("Say"))

    @property
    def said(self) -> list[str]:
        return [say.text or "" for say in self.says]

    @property
    def action(self) -> str:
        return self.gather.get("action", "") if self.gather is not None else ""


def post(client: FlaskClient, path: str, **params: str) -> Page:
    response = twilio_post(client, path, params)
    assert response.status_code == 200, (path, response.status_code)
    return Page(ET.fromstring(response.data))


def answer(client: FlaskClient, page: Page, digits: str = "", speech: str = "") -> Page:
    """Press keys or say words at this page's Gather; nothing at all is what silence would send."""
    params = {"Digits": digits} if digits else {}
    if speech:
        params.update(SpeechResult=speech, Confidence="0.9")
    return post(client, page.action, **params)


def call_in(client: FlaskClient, language_key: str) -> Page:
    """Call the line and pick a language by its key: the welcome and main menu page."""
    return answer(client, post(client, "/voice"), digits=language_key)


@dataclass
class Walk:
    """Every page a caller can reach by choosing each menu option and listening to each section."""

    pages: list[Page] = field(default_factory=list)

    @property
    def said(self) -> list[str]:
        return [text for page in self.pages for text in page.said]


def walk_menus(client: FlaskClient, start: Page, options_of: dict[str, tuple[str, ...]]) -> Walk:
    """From a menu page, press every option key and let every section play part by part to its end."""
    walk, seen, queue = Walk(), set(), [start]
    while queue:
        page = queue.pop()
        walk.pages.append(page)
        if not page.action or page.action in seen:
            continue
        seen.add(page.action)
        menu = _MENU_ACTION.match(page.action)
        if menu:
            options = options_of.get(menu.group(1), ())
            queue += [answer(client, page, digits=str(key)) for key in range(1, len(options) + 1)]
        elif _PART_ACTION.match(page.action):
            queue.append(answer(client, page))  # silence: the next part, or the end-of-section choices
    return walk
