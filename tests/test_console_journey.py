"""The daily flow of a change, end to end in a real browser (issue 15): an editor changes a sentence on the Words
page (checked as they type) into a draft, reads the diff and submits it; a second account approves and publishes
it; the line picks it up by itself and the phone simulator (Try it) hears the new words; a rollback brings the old
words back, and the simulator hears them again. Screenshots journey-*.png along the way."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser import Check, ConsoleServer, Shoot, SignIn

KEY_POINTS = "en / topics/key-points.txt"
OLD = "Here are the key points about occupational therapy."  # the first part the English key points say
NEW = "Here are the main things to know about occupational therapy."
POLL_SECONDS = 0.5


@pytest.fixture
def console_settings() -> dict[str, str]:
    """The line polls for a newly live revision, as in production (the tests' default turns polling off)."""
    return {"REVISION_POLL_SECONDS": str(POLL_SECONDS)}


def served_revision(app: Flask, number: int, within: float = 10 * POLL_SECONDS) -> None:
    """Wait until the line itself (not the console) serves revision `number`, as every instance does by polling."""
    deadline = time.monotonic() + within
    while app.extensions["otline"].revision != number:
        assert time.monotonic() < deadline, f"the line still serves {app.extensions['otline'].revision}, not {number}"
        time.sleep(0.05)


def key_points_heard(page: Page, server: ConsoleServer) -> str:
    """Call the live revision in the phone simulator, in English, press 3 (key points): what the line says."""
    page.goto(f"{server.url}/console/try")
    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Call the line").click()
    page.get_by_role("button", name="3", exact=True).click()
    latest = page.locator(".turn.latest")
    expect(latest).to_contain_text("You press 3.")
    return latest.inner_text()


def test_edit_check_draft_diff_submit_approve_publish_hear_roll_back_hear(
        page: Page, console_server: ConsoleServer, sign_in: SignIn, check_accessibility: Check,
        screenshot: Shoot) -> None:
    app = console_server.app
    revisions = app.extensions["otline"].revisions
    author = sign_in(page, console_server, "editor")
    assert OLD in key_points_heard(page, console_server)  # before: the shipped words

    # Edit on the Words page, with the live checks answering as the editor types.
    page.goto(f"{console_server.url}/console/words/key-points")
    box = page.get_by_label(f"Words of {KEY_POINTS}")
    checks = page.locator(f"#{box.get_attribute('aria-describedby')}")
    expect(checks).to_contain_text(f"{len(OLD)} characters")
    with page.expect_response(re.compile(r"/console/words/checks\.json")):
        box.fill(box.input_value().replace(OLD, NEW, 1))
    expect(checks).to_contain_text(f"{len(NEW)} characters")
    expect(checks).to_contain_text("No errors")
    screenshot(page, "journey-words")
    page.get_by_role("button", name="Save to a new draft").first.click()
    saved = page.locator(".messages")
    expect(saved).to_contain_text(f"Saved {KEY_POINTS} in revision")
    number = int(re.search(r"in revision (\d+)", saved.inner_text()).group(1))
    assert revisions.get(number).state == "draft" and revisions.get(number).author == author

    # Read the diff and submit, as the author.
    page.goto(f"{console_server.url}/console/revisions")
    page.get_by_role("link", name=f"Revision {number}", exact=True).click()
    expect(page.locator("del")).to_contain_text(OLD)
    expect(page.locator("ins")).to_contain_text(NEW)
    check_accessibility(page)
    screenshot(page, "journey-diff")
    page.get_by_role("button", name=f"Submit revision {number} for review").click()
    expect(page.get_by_role("status")).to_contain_text(f"Revision {number} is in review.")
    page.get_by_role("button", name="Sign out").click()

    # A second account approves and publishes it (no audio is built in this test: spoken fallback).
    reviewer = sign_in(page, console_server, "reviewer")
    page.goto(f"{console_server.url}/console/revisions/{number}")
    page.get_by_role("button", name=f"Approve revision {number}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Revision {number} is approved.")
    page.get_by_role("link", name=f"Publish revision {number}").click()
    expect(page.get_by_text(f"within about {POLL_SECONDS:g} seconds (REVISION_POLL_SECONDS)")).to_be_visible()
    page.get_by_label("Publish with spoken fallback").check()
    page.get_by_role("button", name=f"Publish revision {number}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Revision {number} is live.")
    screenshot(page, "journey-published")
    assert revisions.get(number).approved_by == reviewer != author

    # The line picks it up by itself; the simulator hears the new words.
    served_revision(app, number)
    heard = key_points_heard(page, console_server)
    assert NEW in heard and OLD not in heard
    screenshot(page, "journey-try-new")

    # Roll back: the old words again, on the line and in the simulator.
    page.goto(f"{console_server.url}/console/revisions")
    page.get_by_role("link", name="Roll back to revision 1").first.click()
    expect(page.get_by_role("heading", name="Roll back to revision 1?")).to_be_visible()
    page.get_by_role("button", name="Roll back to revision 1").click()
    expect(page.get_by_role("status")).to_contain_text("a copy of revision 1")
    restored = revisions.live_number()
    assert revisions.get(restored).restores == 1
    served_revision(app, restored)
    heard = key_points_heard(page, console_server)
    assert OLD in heard and NEW not in heard
    screenshot(page, "journey-try-old")
    trail = [(row.actor, row.action, row.revision, row.origin) for row in revisions.audit()]
    assert [(author, "import", number, "console"), (author, "submit", number, "console"),
            (reviewer, "approve", number, "console"), (reviewer, "publish", number, "console"),
            (reviewer, "rollback", restored, "console")] == [step for step in trail if step[2] in (number, restored)]
