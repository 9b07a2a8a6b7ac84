"""The console's own pages in a real browser: sign in, wrong password, lockout, sign out, staff; axe on each."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from playwright.sync_api import Page, expect

from tests.browser import ConsoleServer

SignIn = Callable[[Page, ConsoleServer, str], str]
Check = Callable[[Page], None]
Shoot = Callable[[Page, str], Path]


def test_the_sign_in_page(page: Page, console_server: ConsoleServer, check_accessibility: Check,
                          screenshot: Shoot) -> None:
    page.goto(f"{console_server.url}/console/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "sign-in")


def test_sign_in_and_out(page: Page, console_server: ConsoleServer, sign_in: SignIn) -> None:
    email = sign_in(page, console_server, "admin")
    expect(page.get_by_text(f"{email} (admin)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    page.goto(f"{console_server.url}/console/staff")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
