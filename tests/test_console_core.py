"""The console's skeleton: off by default, the key it needs, sign-in, roles, CSRF and its headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, url_for

from ivr.config import ConfigurationError
from ivr.console.accounts import may
from ivr.console.guard import NAV
from ivr.security import CONSOLE_CONTENT_SECURITY_POLICY
from tests.app_factory import build_app
from tests.console_client import CONSOLE_SECRET_KEY, StaffClient, csrf_from, new_staff, sign_in_client


def test_the_console_is_not_there_unless_turned_on(tmp_path: Path) -> None:
    client = build_app(tmp_path).test_client()
    for path in ("/console/", "/console/sign-in", "/console/staff", "/console/static/console.css"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("key, problem", [(None, "SECRET_KEY is not set"),
                                          ("too-short-0123456789", "at least 32 characters")])
def test_the_console_will_not_start_without_a_strong_secret_key(tmp_path: Path, key: str | None,
                                                                 problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        build_app(tmp_path, CONSOLE_ENABLED="1", SECRET_KEY=key)  # type: ignore[arg-type]


def test_a_page_asks_to_sign_in_and_comes_back_after(console_app: Flask) -> None:
    client = console_app.test_client()
    asked = client.get("/console/staff")
    assert asked.status_code == 302 and asked.location == "/console/sign-in?next=/console/staff"
    email = new_staff(console_app, "admin")
    response = client.post("/console/sign-in", data={"csrf_token": csrf_from(client), "email": email.upper(),
                                                      "password": "a long test password", "next": "/console/staff"})
    assert response.status_code == 302 and response.location == "/console/staff"
    assert client.get("/console/staff").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example.org/", "//evil.example.org/console", "/voice",
                                    "/console\\..\\x"])
def test_sign_in_never_sends_anyone_off_the_console(console_app: Flask, target: str) -> None:
    client = console_app.test_client()
    email = new_staff(console_app, "editor")
    response = client.post("/console/sign-in", data={"csrf_token": csrf_from(client), "email": email,
                                                      "password": "a long test password", "next": target})
    assert response.status_code == 302 and response.location == "/console/"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(console_app: Flask) -> None:
    email = new_staff(console_app, "editor")
    wrong = sign_in_client(console_app.test_client(), email, "not the password")
    unknown = sign_in_client(console_app.test_client(), "nobody@hospital.example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = "That email and password do not match an account that can sign in."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_an_editor_is_told_which_role_the_staff_page_needs(staff_client: StaffClient) -> None:
    response = staff_client("editor").get("/console/staff")
    assert response.status_code == 403
    assert "This page needs the admin role" in response.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(staff_client: StaffClient) -> None:
    client = staff_client("admin")
    refused = client.post("/console/staff", data={"action": "add", "email": "new@hospital.example.org",
                                                  "role": "editor"})
    assert refused.status_code == 400 and "This form has expired" in refused.get_data(as_text=True)
    forged = client.post("/console/sign-out", data={"csrf_token": "guessed"})
    assert forged.status_code == 400
    assert client.get("/console/staff").status_code == 200  # still signed in: the forged sign-out did nothing


def test_a_script_sends_the_token_in_a_header(staff_client: StaffClient) -> None:
    client = staff_client("editor")
    token = csrf_from(client, "/console/password")
    assert client.post("/console/sign-out", headers={"X-CSRF-Token": token}).status_code == 302
    assert client.get("/console/staff").status_code == 302  # signed out


def test_console_pages_carry_the_security_headers(staff_client: StaffClient) -> None:
    client = staff_client("admin")
    page = client.get("/console/staff")
    assert page.headers["Content-Security-Policy"] == CONSOLE_CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONSOLE_CONTENT_SECURITY_POLICY
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/console/static/console.css").headers.get("Cache-Control", "")
    assert client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"  # the whole app's, not only ours
    assert "Content-Security-Policy" not in client.get("/healthz").headers


def test_the_session_cookie_is_httponly_lax_and_only_for_the_console(console_app: Flask) -> None:
    client = console_app.test_client()
    response = sign_in_client(client, new_staff(console_app, "editor"))
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("otline_console=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # development over http: a Secure cookie would never come back


def test_the_session_cookie_is_secure_over_https_and_in_production(tmp_path: Path) -> None:
    production = build_app(tmp_path, CONSOLE_ENABLED="1", SECRET_KEY=CONSOLE_SECRET_KEY, LINE_ENV="production")
    client = production.test_client()
    response = sign_in_client(client, new_staff(production, "editor"))
    assert "; Secure" in response.headers["Set-Cookie"]


def test_the_nav_lists_only_pages_that_exist_and_marks_the_current_one(staff_client: StaffClient) -> None:
    page = staff_client("admin").get("/console/staff").get_data(as_text=True)
    assert '<a href="/console/staff" aria-current="page">Staff</a>' in page
    assert '<meta name="csrf-token" content="' in page and 'href="#main"' in page
    editors_page = staff_client("editor").get("/console/password").get_data(as_text=True)
    assert 'href="/console/words"' in editors_page and 'href="/console/staff"' not in editors_page  # no 403 link


def test_home_opens_the_first_page_the_role_may_open(console_app: Flask, staff_client: StaffClient) -> None:
    pages = [link for link in NAV if link.endpoint in console_app.view_functions]  # the pages merged so far
    for role in ("admin", "editor"):
        first = next(link for link in pages if may(role, link.role))
        with console_app.test_request_context():
            assert staff_client(role).get("/console/").location == url_for(first.endpoint)
    assert staff_client("editor").get("/console/").location != "/console/staff"  # never straight into a 403
