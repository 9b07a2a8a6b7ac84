"""Console sessions: checked against the account on every request, idle expiry, rotation, sign-out everywhere;
the staff commands and page; the audit trail; and the wall between the console and Twilio's webhooks."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.console import accounts
from ivr.console.guard import NAV
from tests.app_factory import DATABASE_DOWN_URL, build_app
from tests.twilio_requests import TEST_BASE, sign, twilio_post
from tests.console_client import STAFF_PASSWORD, StaffClient, csrf_from, new_staff, sign_in_client

COOKIE = "otline_console"


def signed_in(client: FlaskClient) -> bool:
    return client.get("/console/staff").status_code in (200, 403)


def staff_post(client: FlaskClient, **form: str):
    return client.post("/console/staff", data={"csrf_token": csrf_from(client, "/console/password"), **form})


def audit_rows(app: Flask) -> list[tuple[str, str, str, str]]:
    return [(row.actor, row.action, row.outcome, row.origin) for row in app.extensions["otline"].revisions.audit()]


def test_a_disabled_account_is_signed_out_at_its_next_request(console_app: Flask, staff_client: StaffClient) -> None:
    admin, editor = staff_client("admin"), staff_client("editor")
    assert signed_in(editor)
    assert staff_post(admin, action="disable", email=editor.email).status_code == 200  # type: ignore[attr-defined]
    assert not signed_in(editor)
    assert sign_in_client(console_app.test_client(), editor.email).status_code == 401  # type: ignore[attr-defined]


def test_a_role_change_counts_at_the_next_request(console_app: Flask, staff_client: StaffClient) -> None:
    first, second = staff_client("admin"), staff_client("admin")
    assert second.get("/console/staff").status_code == 200
    result = console_app.test_cli_runner().invoke(args=["staff", "role", second.email, "editor"])  # type: ignore
    assert result.exit_code == 0, result.output
    assert second.get("/console/staff").status_code == 403
    assert first.get("/console/staff").status_code == 200


def test_a_session_idle_too_long_ends(staff_client: StaffClient) -> None:
    client = staff_client("editor")
    with client.session_transaction("/console/") as session:
        session["seen"] = int(time.time()) - 31 * 60  # CONSOLE_IDLE_MINUTES defaults to 30
    asked = client.get("/console/staff")
    assert asked.status_code == 302 and asked.location.startswith("/console/sign-in")
    assert "signed out after a while without activity" in client.get(asked.location).get_data(as_text=True)


def test_the_idle_time_is_a_setting(tmp_path: Path) -> None:
    app = build_app(tmp_path, CONSOLE_ENABLED="1", SECRET_KEY="s" * 32, CONSOLE_IDLE_MINUTES="5")
    client = app.test_client()
    response = sign_in_client(client, new_staff(app, "editor"))
    assert app.permanent_session_lifetime.total_seconds() == 300
    with client.session_transaction("/console/") as session:
        session["seen"] = int(time.time()) - 6 * 60
    assert not signed_in(client)
    assert response.status_code == 302


def test_signing_out_ends_every_copy_of_the_cookie(console_app: Flask, staff_client: StaffClient) -> None:
    client = staff_client("editor")
    copy = console_app.test_client()
    cookie = client.get_cookie(COOKIE, path="/console")
    assert cookie is not None
    copy.set_cookie(COOKIE, cookie.value, path="/console")
    assert signed_in(copy)
    client.post("/console/sign-out", data={"csrf_token": csrf_from(client, "/console/password")})
    assert not signed_in(client) and not signed_in(copy)


def test_signing_in_starts_a_new_session(console_app: Flask) -> None:
    """A cookie planted before sign-in (session fixation) is not the signed-in one, nor is its CSRF token."""
    client = console_app.test_client()
    before_token = csrf_from(client)
    planted = client.get_cookie(COOKIE, path="/console").value  # type: ignore[union-attr]
    sign_in_client(client, new_staff(console_app, "editor"))
    assert client.get_cookie(COOKIE, path="/console").value != planted  # type: ignore[union-attr]
    assert csrf_from(client, "/console/password") != before_token
    attacker = console_app.test_client()
    attacker.set_cookie(COOKIE, planted, path="/console")
    assert not signed_in(attacker)


def test_staff_add_prints_a_one_time_password_that_must_be_replaced(console_app: Flask) -> None:
    added = console_app.test_cli_runner().invoke(args=["staff", "add", "Nurse@Hospital.example.org",
                                                       "--role", "reviewer"])
    assert added.exit_code == 0, added.output
    one_time = re.search(r"One-time password: (\S+)", added.output).group(1)  # type: ignore[union-attr]
    client = console_app.test_client()
    response = sign_in_client(client, "nurse@hospital.example.org", one_time)
    assert response.status_code == 302 and response.location.startswith("/console/password")
    assert client.get("/console/staff").location == "/console/password"  # nothing else until it is replaced
    token = csrf_from(client, "/console/password")
    mismatch = client.post("/console/password", data={"csrf_token": token, "password": "my own long password",
                                                      "again": "my own long passwort"})
    assert mismatch.status_code == 400 and "not the same" in mismatch.get_data(as_text=True)
    chosen = client.post("/console/password", data={"csrf_token": token, "password": "my own long password",
                                                    "again": "my own long password"})
    assert chosen.status_code == 302
    assert client.get("/console/staff").status_code == 403  # a reviewer, signed in for real now
    assert sign_in_client(console_app.test_client(), "nurse@hospital.example.org", one_time).status_code == 401


def test_the_staff_commands(console_app: Flask) -> None:
    runner = console_app.test_cli_runner()
    runner.invoke(args=["staff", "add", "boss@hospital.example.org", "--role", "admin"])
    runner.invoke(args=["staff", "add", "nurse@hospital.example.org", "--role", "editor"])
    assert runner.invoke(args=["staff", "role", "nurse@hospital.example.org", "reviewer"]).output == \
        "Nurse@hospital.example.org is now reviewer.\n"
    assert runner.invoke(args=["staff", "disable", "nurse@hospital.example.org"]).exit_code == 0
    assert runner.invoke(args=["staff", "list"]).output == (
        "boss@hospital.example.org\tadmin\tfirst sign-in pending\n"
        "nurse@hospital.example.org\treviewer\tdisabled\n")
    refused = runner.invoke(args=["staff", "disable", "boss@hospital.example.org"])
    assert refused.exit_code == 1 and "no admin who can sign in" in refused.output
    assert runner.invoke(args=["staff", "add", "x", "--role", "editor"]).output == \
        "Error: 'x' is not an email address\n"
    by_command = [(action, origin) for _, action, _, origin in audit_rows(console_app) if action != "start"]
    assert [action for action, _ in by_command] == ["staff add", "staff add", "staff role", "staff disable"]
    assert all(origin.startswith("cli ") for _, origin in by_command)  # who ran them, from where


def test_the_staff_commands_say_when_the_console_is_off(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["staff", "add", "boss@hospital.example.org", "--role", "admin"])
    assert result.exit_code == 1 and "the console is off: set CONSOLE_ENABLED=1 and SECRET_KEY" in result.output


def test_an_admin_adds_resets_and_disables_staff_on_the_page(staff_client: StaffClient) -> None:
    admin = staff_client("admin")
    added = staff_post(admin, action="add", email="new@hospital.example.org", role="editor")
    page = added.get_data(as_text=True)
    assert added.status_code == 200 and "Added new@hospital.example.org as editor." in page
    assert re.search(r'<code class="password">\S+</code>', page)
    assert "new@hospital.example.org has a new one-time password" in \
        staff_post(admin, action="reset", email="new@hospital.example.org").get_data(as_text=True)
    assert "New@hospital.example.org disabled." in \
        staff_post(admin, action="disable", email="new@hospital.example.org").get_data(as_text=True)
    refused = staff_post(admin, action="add", email="new@hospital.example.org", role="editor")
    assert refused.status_code == 400 and "already has an account" in refused.get_data(as_text=True)
    assert "Waiting for first sign-in" not in admin.get("/console/staff").get_data(as_text=True)


def test_sign_ins_lockouts_sign_outs_and_staff_changes_are_audited_without_passwords(
        console_app: Flask, staff_client: StaffClient) -> None:
    admin = staff_client("admin")
    client = console_app.test_client()
    email = new_staff(console_app, "editor")
    for _ in range(5):
        sign_in_client(client, email, "wrong password 123")
    sign_in_client(client, "nobody@hospital.example.org", STAFF_PASSWORD)
    staff_post(admin, action="role", email=email, role="reviewer")
    admin.post("/console/sign-out", data={"csrf_token": csrf_from(admin, "/console/password")})
    rows = audit_rows(console_app)
    assert (email, "sign-in", "refused: wrong email or password", "console") in rows
    assert (email, "lockout", "refused: locked after repeated failures", "console") in rows
    assert ("(no such account)", "sign-in", "refused: wrong email or password", "console") in rows
    assert (admin.email, "sign-in", "signed in", "console") in rows  # type: ignore[attr-defined]
    assert (admin.email, "staff role", f"{email} is now reviewer", "console") in rows  # type: ignore[attr-defined]
    assert (admin.email, "sign-out", "signed out", "console") in rows  # type: ignore[attr-defined]
    assert ("test", "staff add", f"{email} as editor", "console") in rows
    assert not [row for row in rows if STAFF_PASSWORD in str(row) or "wrong password" in str(row)]


def test_a_locked_account_is_told_so_without_saying_whether_it_exists(console_app: Flask) -> None:
    email = new_staff(console_app, "editor")
    answers = {}
    for who in (email, "nobody@hospital.example.org"):
        client = console_app.test_client()
        for _ in range(5):
            answer = sign_in_client(client, who, "wrong password 123")
        answers[who] = (answer.status_code, "Too many failed sign-ins" in answer.get_data(as_text=True))
    assert answers[email] == answers["nobody@hospital.example.org"] == (429, True)
    assert sign_in_client(console_app.test_client(), email).status_code == 429


def test_behind_a_trusted_proxy_failures_count_per_forwarded_address(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "ADDRESS_FAILURES", 2)
    app = build_app(tmp_path, CONSOLE_ENABLED="1", SECRET_KEY="s" * 32, TRUST_PROXY="1")
    email = new_staff(app, "editor")

    def sign_in_from(address: str, who: str, password: str) -> int:
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address
        return sign_in_client(client, who, password).status_code

    assert [sign_in_from("203.0.113.1", f"guess{n}@hospital.example.org", "wrong") for n in range(2)] == [401, 429]
    assert sign_in_from("203.0.113.1", email, STAFF_PASSWORD) == 429  # that address is paused
    assert sign_in_from("203.0.113.2", email, STAFF_PASSWORD) == 302  # the proxy's other clients are not


def test_a_console_session_opens_no_webhook(staff_client: StaffClient) -> None:
    client = staff_client("admin")
    for webhook in ("/voice", "/sms", "/voice/status"):
        assert client.post(webhook, data={"CallSid": "CA" + "0" * 32, "Body": "HELP"}).status_code == 403


def test_a_twilio_signature_opens_nothing_in_the_console(console_app: Flask) -> None:
    client = console_app.test_client()
    new_staff(console_app, "admin")
    for path in ("/console/", "/console/staff", "/console/password"):
        signature = sign(TEST_BASE + path, {})
        assert client.get(path, headers={"X-Twilio-Signature": signature}).status_code == 302
    form = {"action": "add", "email": "intruder@example.org", "role": "admin"}
    signature = sign(TEST_BASE + "/console/staff", form)
    assert client.post("/console/staff", data=form, headers={"X-Twilio-Signature": signature}).status_code == 400
    assert twilio_post(client, "/voice").status_code == 200  # the same signing does open the webhook
    assert console_app.extensions["otline"].revisions.database  # (the store is the same)
    assert [row for row in audit_rows(console_app) if "intruder" in str(row)] == []


def test_every_page_in_the_nav_requires_a_role() -> None:
    assert {link.role for link in NAV} <= {"editor", "reviewer", "admin"}


def test_with_the_database_down_the_console_says_so_and_callers_are_not_affected(tmp_path: Path) -> None:
    app = build_app(tmp_path, CONSOLE_ENABLED="1", SECRET_KEY="s" * 32, DATABASE_URL=DATABASE_DOWN_URL)
    client = app.test_client()
    answer = sign_in_client(client, "nurse@hospital.example.org", STAFF_PASSWORD)
    assert answer.status_code == 503
    assert "The console cannot reach its database" in answer.get_data(as_text=True)
    assert "Callers are not affected" in answer.get_data(as_text=True)
    assert twilio_post(client, "/voice").status_code == 200
