"""Drive the voice line as a caller would, through signed requests, and read the TwiML it answers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from flask.testing import FlaskClient

from tests.conftest import twilio_post

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
            queue += [answer(client, page, digits=str(key)) for key in range(1, len(options_of.get(menu.group(1), ())) + 1)]
        elif _PART_ACTION.match(page.action):
            queue.append(answer(client, page))  # silence: the next part, or the end-of-section choices
    return walk
