"""Single sign-on in a real browser: the sign-in page offers the hospital's sign-in, chromium goes to the provider
(on 127.0.0.1) and back, and lands in the console; someone without an account is told what to do."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import Check, ConsoleServer, Shoot
from tests.console_client import new_staff
from tests.identity_provider import IdentityProvider


@pytest.fixture
def console_settings(identity_provider: IdentityProvider) -> dict[str, str]:
    # No PUBLIC_BASE_URL: the provider sends the browser back to the address it came from (the test server's).
    return {**identity_provider.environ(), "PUBLIC_BASE_URL": ""}


def test_signing_in_with_the_hospital_s_sign_in(page: Page, console_server: ConsoleServer,
                                                identity_provider: IdentityProvider, check_accessibility: Check,
                                                screenshot: Shoot) -> None:
    email = new_staff(console_server.app, "editor")
    identity_provider.person = {"email": email, "email_verified": True}
    page.goto(f"{console_server.url}/console/usage")
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    check_accessibility(page)
    screenshot(page, "sign-in-single-sign-on")
    page.get_by_role("link", name="Sign in with Hospital sign-in").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{console_server.url}/console/usage")
    expect(page.get_by_role("heading", name="Usage", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_no_account_is_told_to_ask_an_admin(page: Page, console_server: ConsoleServer,
                                            identity_provider: IdentityProvider, check_accessibility: Check,
                                            screenshot: Shoot) -> None:
    page.goto(f"{console_server.url}/console/sign-in")
    page.get_by_role("link", name="Sign in with Hospital sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "There is no console account for nurse@hospital.example.org. Ask an admin of the console to add you.")
    check_accessibility(page)
    screenshot(page, "sign-in-single-sign-on-no-account")
