"""The browser harness can fail: axe finds a real violation, a request off the machine and a CSP breach are caught."""

from __future__ import annotations

import threading
import time

import pytest
from flask import request
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from tests.browser import ConsoleServer, PageWatch, SignIn, assert_accessible


def test_axe_reports_a_serious_violation(browser: Browser, console_server: ConsoleServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{console_server.url}/console/sign-in")
    page.evaluate("document.querySelector('label[for=email]').remove()")  # an input without a label
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page)
    context.close()


def test_requests_off_the_machine_and_csp_breaches_are_caught(browser: Browser,
                                                              console_server: ConsoleServer) -> None:
    context = browser.new_context()
    watch = PageWatch()
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.console)
    page.goto(f"{console_server.url}/console/sign-in")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate("""() => {
            const script = document.createElement('script'); script.textContent = 'window.ran = 1';
            document.body.append(script);
        }""")
    assert page.evaluate("window.ran") is None  # the console's CSP refused the inline script...
    assert any("Content Security Policy" in problem for problem in watch.problems)  # ...and the harness saw it
    elsewhere = context.new_page()  # (its error page must not race the console page's navigation)
    with pytest.raises(PlaywrightError):
        elsewhere.goto("https://example.org/")
    assert watch.off_machine == ["https://example.org/"]
    context.close()


def test_axe_waits_for_the_page_s_stylesheets(page: Page, console_server: ConsoleServer, sign_in: SignIn) -> None:
    """CI once failed a page for touch targets axe measured before console.css arrived: the link that led there
    was followed, the heading was in the DOM, the styles were not. A slow stylesheet must not fail a sound page."""
    slow = threading.Event()

    @console_server.app.before_request
    def slow_stylesheet() -> None:
        if slow.is_set() and request.path.endswith("/console.css"):
            time.sleep(1.5)

    sign_in(page, console_server, "editor")
    slow.set()
    page.goto(f"{console_server.url}/console/words", wait_until="commit")
    assert_accessible(page)
    assert page.evaluate("getComputedStyle(document.querySelector('.nav-list')).display") == "flex"
