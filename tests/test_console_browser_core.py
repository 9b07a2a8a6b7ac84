"""The console's own pages in a real browser: sign in (also by keyboard alone), wrong password, lockout, sign out,
choosing a password, the staff page for an admin and its 403 for an editor; axe and a screenshot of each page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ivr.console.accounts import ACCOUNT_FAILURES, add_staff
from tests.browser import Check, ConsoleServer, Shoot, SignIn
from tests.console_client import STAFF_PASSWORD, new_staff


def fill_sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_sign_in_page(page: Page, console_server: ConsoleServer, check_accessibility: Check,
                          screenshot: Shoot) -> None:
    page.goto(f"{console_server.url}/console/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "sign-in")


def test_sign_in_by_keyboard_alone(page: Page, console_server: ConsoleServer) -> None:
    email = new_staff(console_server.app, "editor")
    page.goto(f"{console_server.url}/console/sign-in")
    expect(page.get_by_label("Email")).to_be_focused()  # the page's one purpose: it starts in the form
    page.keyboard.press("Shift+Tab")  # before it, only the skip link
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{email} (editor)")).to_be_visible()


def test_a_wrong_password(page: Page, console_server: ConsoleServer, check_accessibility: Check,
                          screenshot: Shoot) -> None:
    email = new_staff(console_server.app, "editor")
    page.goto(f"{console_server.url}/console/sign-in")
    fill_sign_in(page, email, "not the password")
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an account that can sign in. Check them and try again.")
    expect(page.get_by_label("Email")).to_have_value(email)  # kept: only the password is typed again
    check_accessibility(page)
    screenshot(page, "sign-in-wrong-password")


def test_lockout_after_repeated_failures(page: Page, console_server: ConsoleServer, check_accessibility: Check,
                                         screenshot: Shoot) -> None:
    email = new_staff(console_server.app, "editor")
    page.goto(f"{console_server.url}/console/sign-in")
    for _ in range(ACCOUNT_FAILURES):
        fill_sign_in(page, email, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins. Sign-in is paused for 15 minutes")
    fill_sign_in(page, email, STAFF_PASSWORD)  # the right password does not help while locked
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    check_accessibility(page)
    screenshot(page, "sign-in-locked")


def test_sign_out(page: Page, console_server: ConsoleServer, sign_in: SignIn) -> None:
    email = sign_in(page, console_server, "admin")
    expect(page.get_by_text(f"{email} (admin)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").first).to_contain_text("You are signed out.")
    page.goto(f"{console_server.url}/console/staff")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_an_admin_adds_an_account_on_the_staff_page(page: Page, console_server: ConsoleServer, sign_in: SignIn,
                                                    check_accessibility: Check, screenshot: Shoot) -> None:
    sign_in(page, console_server, "admin")
    page.goto(f"{console_server.url}/console/staff")
    expect(page.get_by_role("link", name="Staff")).to_have_attribute("aria-current", "page")
    check_accessibility(page)
    screenshot(page, "staff")
    page.get_by_label("Email").fill("new.nurse@hospital.example.org")
    page.get_by_label("Role", exact=True).select_option("reviewer")
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_text("Added new.nurse@hospital.example.org as reviewer.")).to_be_visible()
    expect(page.get_by_role("row", name="new.nurse@hospital.example.org")).to_contain_text("Waiting for first sign-in")
    check_accessibility(page)
    screenshot(page, "staff-added")


def test_an_editor_gets_the_403_page_for_staff(page: Page, console_server: ConsoleServer, sign_in: SignIn,
                                               check_accessibility: Check, screenshot: Shoot) -> None:
    sign_in(page, console_server, "editor")
    response = page.goto(f"{console_server.url}/console/staff")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="This page needs the admin role")).to_be_visible()
    expect(page.get_by_role("link", name="Staff")).to_have_count(0)  # the nav offers no page that would say 403
    check_accessibility(page)
    screenshot(page, "forbidden")


def test_a_first_sign_in_chooses_a_password(page: Page, console_server: ConsoleServer, check_accessibility: Check,
                                            screenshot: Shoot) -> None:
    one_time = add_staff(console_server.app, "first@hospital.example.org", "admin", actor="test")
    page.goto(f"{console_server.url}/console/staff")
    fill_sign_in(page, "first@hospital.example.org", one_time)
    expect(page.get_by_role("heading", name="Choose a password")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "choose-password")
    page.get_by_label("New password").fill("a password of my own")
    page.get_by_label("The same password again").fill("a password of my own")
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()  # back where they were going
    expect(page.get_by_text("Your new password is saved.")).to_be_visible()
