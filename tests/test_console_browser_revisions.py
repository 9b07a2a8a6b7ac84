"""The Revisions page in a real browser: axe and screenshots of the list, the diff and the confirmations; a change
submitted, approved by a second account, published and rolled back with the keyboard only."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser import Check, ConsoleServer, Shoot, SignIn

KEY_POINTS = "content/en/topics/key-points.txt"


def draft(server: ConsoleServer, author: str) -> int:
    """A draft of the live words with the English key points' first 'Occupational therapy' in capitals."""
    revisions = server.app.extensions["otline"].revisions
    files = dict(revisions.files(revisions.live_number()))
    files[KEY_POINTS] = files[KEY_POINTS].replace("Occupational therapy", "OCCUPATIONAL THERAPY", 1)
    return revisions.import_draft(files, author, "key points louder", "test")


def press(target: Locator, key: str = "Enter") -> None:
    """Focus a control and use it from the keyboard, as someone without a mouse does."""
    target.focus()
    expect(target).to_be_focused()
    target.press(key)


def test_the_revisions_page_and_a_diff(page: Page, console_server: ConsoleServer, sign_in: SignIn,
                                       check_accessibility: Check, screenshot: Shoot) -> None:
    email = sign_in(page, console_server, "editor")
    number = draft(console_server, email)
    page.goto(f"{console_server.url}/console/revisions")
    expect(page.get_by_role("heading", name="Revisions", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Revisions")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("table", name="Drafts, revisions in review and approved ones")).to_contain_text(
        "key points louder")
    check_accessibility(page)
    screenshot(page, "revisions")
    press(page.get_by_role("link", name=f"Revision {number}", exact=True))
    expect(page.get_by_role("heading", name=f"Revision {number} (draft)")).to_be_visible()
    expect(page.locator("del").first).to_contain_text("Occupational therapy")
    expect(page.locator("ins").first).to_contain_text("OCCUPATIONAL THERAPY")
    check_accessibility(page)
    screenshot(page, "diff")


def test_submit_approve_by_a_second_account_publish_and_roll_back_with_the_keyboard(
        page: Page, console_server: ConsoleServer, sign_in: SignIn, check_accessibility: Check,
        screenshot: Shoot) -> None:
    revisions = console_server.app.extensions["otline"].revisions
    author = sign_in(page, console_server, "editor")
    number = draft(console_server, author)
    page.goto(f"{console_server.url}/console/revisions/{number}")
    press(page.get_by_role("button", name=f"Submit revision {number} for review"))
    expect(page.get_by_role("status")).to_contain_text(f"Revision {number} is in review.")
    press(page.get_by_role("button", name="Sign out"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")

    reviewer = sign_in(page, console_server, "reviewer")
    page.goto(f"{console_server.url}/console/revisions/{number}")
    press(page.get_by_role("button", name=f"Approve revision {number}"))
    expect(page.get_by_role("status")).to_contain_text(f"Revision {number} is approved.")
    press(page.get_by_role("link", name=f"Publish revision {number}"))
    expect(page.get_by_role("heading", name=f"Publish revision {number}?")).to_be_visible()
    expect(page.get_by_text("Revision 1, live now, is retired.")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "revisions-publish")
    press(page.get_by_role("button", name=f"Publish revision {number}"))  # audio missing, fallback not chosen
    expect(page.get_by_role("status")).to_contain_text("Not published:")
    expect(page.get_by_role("status")).to_contain_text("to speak them with <Say>")
    assert revisions.live_number() == 1
    screenshot(page, "revisions-refused")
    press(page.get_by_role("link", name=f"Publish revision {number}"))
    press(page.get_by_role("checkbox", name="Publish with spoken fallback"), " ")
    expect(page.get_by_role("checkbox", name="Publish with spoken fallback")).to_be_checked()
    press(page.get_by_role("button", name=f"Publish revision {number}"))
    expect(page.get_by_role("status")).to_contain_text(f"Revision {number} is live.")
    assert revisions.live_number() == number and revisions.get(number).approved_by == reviewer

    page.goto(f"{console_server.url}/console/revisions")
    press(page.get_by_role("link", name="Roll back to revision 1").first)
    expect(page.get_by_role("heading", name="Roll back to revision 1?")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "revisions-rollback")
    press(page.get_by_role("button", name="Roll back to revision 1"))
    expect(page.get_by_role("status")).to_contain_text("a copy of revision 1")
    live = revisions.get(revisions.live_number())
    assert (live.restores, live.approved_by) == (1, reviewer) and revisions.files(live.number) == revisions.files(1)
    page.goto(f"{console_server.url}/console/revisions")
    trail = page.get_by_role("table", name="Every action on the line's words")
    expect(trail.get_by_role("row").nth(1)).to_contain_text("rollback")
    expect(trail).to_contain_text(f"{author}")
    check_accessibility(page)
    screenshot(page, "revisions-history")
