"""The console in a real browser (fixtures; a plugin of conftest.py): Playwright for Python driving Debian's chromium.

- `console_server`: the app with the console on, served over HTTP on 127.0.0.1 in a thread (a temp database and a
  copy of the words), with `.url`, `.app` and `.words` (the folder holding content/ and prompts/).
- `browser` (one per run), `page` (a new context and page per test).
- `sign_in(page, server, role) -> email`: a new account of that role, signed in through the form.
- `check_accessibility(page)`: axe-core in the page; fails on any serious or critical violation, listing them.
- `screenshot(page, name)`: tests/output/screenshots/<name>.png (the note describes them; git ignores them).

Nothing leaves the machine: chromium resolves no name but 127.0.0.1, and every request the page makes to anywhere
else is aborted and fails the test. The page must also keep the console's CSP: a refused inline script or style,
and any uncaught script error, fail the test that caused it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright
from werkzeug.serving import make_server

from tests.app_factory import build_app
from tests.console_client import STAFF_PASSWORD, console_environ, new_staff
from tests.shipped import PROJECT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  # No name resolves but the test server's: a stray URL fails at once instead of reaching out.
                  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
AXE = PROJECT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT / "tests" / "output" / "screenshots"
LOCAL_HOST = "127.0.0.1"
SERIOUS = ("serious", "critical")

SignIn = Callable[[Page, "ConsoleServer", str], str]  # what the sign_in fixture gives
Check = Callable[[Page], None]  # check_accessibility
Shoot = Callable[[Page, str], Path]  # screenshot


@dataclass
class ConsoleServer:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    app: Flask
    words: Path  # a copy of content/ and prompts/ this test may change


@dataclass
class PageWatch:
    """What a page did that a console page must never do: reach off the machine, break its CSP, throw."""

    off_machine: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOCAL_HOST or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.off_machine.append(route.request.url)
            route.abort("blockedbyclient")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught script error: {error}")


@pytest.fixture
def console_settings() -> dict[str, str]:
    """More environment for console_server's app: a test module overrides this fixture (e.g. to poll revisions)."""
    return {}


@pytest.fixture
def console_server(tmp_path: Path, words: Path, console_settings: dict[str, str]) -> Iterator[ConsoleServer]:
    """The console served for real on 127.0.0.1 (a free port), stopped after the test."""
    app = build_app(tmp_path, **console_environ(CONTENT_DIR=str(words / "content"),
                                                PROMPTS_DIR=str(words / "prompts"),
                                                **{"AUDIO_DIR": str(words / "audio"),  # never the repository's audio
                                                   **console_settings}))
    server = make_server(LOCAL_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="console-server", daemon=True)
    thread.start()
    try:
        yield ConsoleServer(url=f"http://{LOCAL_HOST}:{server.server_port}", app=app, words=words)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        if "otline.live" in app.extensions:  # the revision poller, when console_settings turned it on
            app.extensions["otline.live"].stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context (no cookies) and page; fails the test if the page reached off the machine, broke the
    console's CSP or threw."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    watch = PageWatch()
    context.route("**/*", watch.route)
    opened = context.new_page()
    opened.on("console", watch.console)
    opened.on("pageerror", watch.page_error)
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
    assert not watch.off_machine, f"the page tried to reach beyond 127.0.0.1: {watch.off_machine}"
    assert not watch.problems, "\n".join(watch.problems)


def sign_in_through_form(page: Page, server: ConsoleServer, role: str) -> str:
    """A new account of this role (the test password, not a one-time one), signed in as a person would."""
    email = new_staff(server.app, role)
    page.goto(f"{server.url}/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/console/sign-in" not in url)
    return email


@pytest.fixture
def sign_in() -> SignIn:
    """sign_in(page, console_server, "reviewer") -> the new account's email, signed in on that page."""
    return sign_in_through_form


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules).

    Evaluated through the DevTools protocol, not a <script> tag: the console's CSP rightly refuses inline script.
    Waits for the page's load event first: a heading can be visible before the stylesheets arrive, and axe then
    measures an unstyled page (CI once failed the nav's touch targets so).
    """
    page.wait_for_load_state("load")
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    results = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
        resultTypes: ['violations'],
    })""")
    return [violation for violation in results["violations"] if violation["impact"] in SERIOUS]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    described = [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
                  "where": [node["target"] for node in v["nodes"]][:5]} for v in violations]
    assert not violations, f"axe on {page.url}:\n{json.dumps(described, indent=2)}"


@pytest.fixture
def check_accessibility() -> Check:
    """check_accessibility(page): 0 serious or critical axe-core violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run npm ci --prefix .ci/node")
    return assert_accessible


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state("load")  # the page as styled, not mid-way through its stylesheets
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Shoot:
    """screenshot(page, "words-draft") saves tests/output/screenshots/words-draft.png (the whole page)."""
    return save_screenshot
