"""Single sign-on with the hospital's OpenID Connect provider: a real provider on 127.0.0.1
(tests/identity_provider.py), Authlib's real client, and the console's own accounts deciding who may come in."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr.config import ConfigurationError
from ivr.console import single_sign_on
from ivr.console.accounts import StaffAccounts, add_staff, staff_accounts
from ivr.console.single_sign_on import verdict
from tests.app_factory import build_app
from tests.console_client import console_environ, new_staff, sign_in_client
from tests.identity_provider import CLIENT_ID, CLIENT_SECRET, FAULTS, SETTINGS_FAULTS, IdentityProvider
from tests.servers import free_port

ROWS = [(line.split("\t") + [""])[:4] for line in (Path(__file__).parent / "cases" / "single_sign_on.tsv")
        .read_text().splitlines() if line and not line.startswith("#")]
START = "/console/sign-in/single-sign-on"


@pytest.fixture(scope="module")
def table_accounts(tmp_path_factory: pytest.TempPathFactory) -> StaffAccounts:
    """The accounts the table names, in a real store (find() normalises emails as sign-in does)."""
    app = build_app(tmp_path_factory.mktemp("accounts"), **console_environ())
    for email in ("ana@hospital.org", "kate@hospital.org", "old@hospital.org", "admin@hospital.org"):
        add_staff(app, email, "admin" if email.startswith("admin") else "editor", actor="test", password="x" * 12)
    staff_accounts(app).disable("old@hospital.org")
    return staff_accounts(app)


@pytest.mark.parametrize("claims, signs_in, told, linked", ROWS, ids=[row[0] for row in ROWS])
def test_who_signs_in_is_what_the_table_says(table_accounts: StaffAccounts, claims: str, signs_in: str,
                                             told: str, linked: str) -> None:
    said = json.loads(claims)
    email = said.get("email")
    issuer, _, subject = linked.partition(" ")
    decided = verdict(said, table_accounts.find(email) if isinstance(email, str) else None,  # as the route does
                      (issuer, subject) if linked else None)
    assert decided.email == (signs_in or None)
    assert told in (decided.audit if signs_in else decided.refusal or "")
    assert (decided.refusal is None) == bool(signs_in)


@pytest.fixture
def sso_app(tmp_path: Path, identity_provider: IdentityProvider) -> Flask:
    return build_app(tmp_path, **console_environ(**identity_provider.environ()))


def through_provider(client: FlaskClient, start: str = START) -> TestResponse:
    """Follow the console to the provider and back, as a browser would; the console's answer to the return."""
    to_provider = client.get(start)
    assert to_provider.status_code == 302, to_provider.get_data(as_text=True)
    back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    returned = urlsplit(back.headers["Location"])
    assert returned.path == "/console/sign-in/single-sign-on/return"
    return client.get(f"{returned.path}?{returned.query}")


def signed_in(client: FlaskClient) -> bool:
    return client.get("/console/words").status_code == 200


def audit(app: Flask) -> list[tuple[str, str, str]]:
    return [(entry.actor, entry.action, entry.outcome) for entry in app.extensions["otline"].revisions.audit()]


def test_a_staff_member_signs_in_with_the_hospital_s_provider_and_lands_where_they_were_going(
        sso_app: Flask, identity_provider: IdentityProvider) -> None:
    email = new_staff(sso_app, "reviewer")
    identity_provider.person = {"email": email.upper(), "email_verified": True}
    client = sso_app.test_client()
    assert "Sign in with Hospital sign-in" in client.get("/console/sign-in").get_data(as_text=True)
    answer = through_provider(client, f"{START}?next=/console/usage")
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/usage"
    assert signed_in(client)
    assert client.get("/console/revisions").status_code == 200  # with the role the console gave, not the provider
    assert (email, "sign-in", "signed in with single sign-on") in audit(sso_app)


def test_the_role_is_the_console_s_own(sso_app: Flask, identity_provider: IdentityProvider) -> None:
    identity_provider.person = {"email": new_staff(sso_app, "editor"), "email_verified": True, "roles": ["admin"]}
    client = sso_app.test_client()
    through_provider(client)
    assert signed_in(client)
    assert client.get("/console/staff").status_code == 403


def test_someone_with_a_hospital_login_but_no_console_account_is_told_to_ask_an_admin(
        sso_app: Flask, identity_provider: IdentityProvider) -> None:
    client = sso_app.test_client()
    answer = through_provider(client)
    assert answer.status_code == 403
    assert "no console account for nurse@hospital.example.org" in answer.get_data(as_text=True)
    assert not signed_in(client)
    assert ("(no such account)", "sign-in failed",
            "single sign-on refused: no account for nurse@hospital.example.org") in audit(sso_app)


def test_a_disabled_account_stays_out(sso_app: Flask, identity_provider: IdentityProvider) -> None:
    email = new_staff(sso_app, "editor")
    new_staff(sso_app, "admin")
    staff_accounts(sso_app).disable(email)
    identity_provider.person = {"email": email, "email_verified": True}
    client = sso_app.test_client()
    answer = through_provider(client)
    assert answer.status_code == 403 and "disabled" in answer.get_data(as_text=True)
    assert not signed_in(client)


def test_an_account_with_a_one_time_password_is_not_asked_to_choose_one_after_single_sign_on(
        sso_app: Flask, identity_provider: IdentityProvider) -> None:
    add_staff(sso_app, "new@hospital.example.org", "editor", actor="test")  # a one-time password, never typed
    identity_provider.person = {"email": "new@hospital.example.org", "email_verified": True}
    client = sso_app.test_client()
    through_provider(client)
    assert client.get("/console/words").status_code == 200  # not sent to choose a password


# What the console's audit trail says of each fault: each is caught by the check meant for it.
CAUGHT_BY = {"deny": "access_denied", "other-state": "mismatching_state",
             "other-audience": "invalid_claim (Invalid claim: 'aud')",
             "other-issuer": "invalid_claim (Invalid claim: 'iss')", "expired": "expired_token",
             "other-nonce": "invalid_claim (Invalid claim: 'nonce')", "other-key": "bad_signature",
             "no-id-token": "no ID token", "alg-none": "Algorithm of 'none' is not allowed",
             "hs256-public-key": "Algorithm of 'HS256' is not allowed"}


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_a_provider_answer_that_is_refused_forged_or_for_someone_else_signs_nobody_in(
        sso_app: Flask, identity_provider: IdentityProvider, fault: str) -> None:
    identity_provider.person = {"email": new_staff(sso_app, "admin"), "email_verified": True}
    identity_provider.faults = {fault}
    client = sso_app.test_client()
    answer = through_provider(client)
    assert answer.status_code == 401, answer.get_data(as_text=True)
    page = answer.get_data(as_text=True)
    assert "did not complete" in page and "sign in with your password" in page
    assert not signed_in(client)
    failures = [entry for entry in audit(sso_app) if entry[1] == "sign-in failed"]
    assert failures and failures[-1][0] == "(no such account)"
    assert CAUGHT_BY[fault] in failures[-1][2]


def test_every_fault_of_the_provider_is_tried() -> None:
    assert set(CAUGHT_BY) | {"hang-token"} == set(FAULTS)


def test_an_answer_used_twice_signs_in_once(sso_app: Flask, identity_provider: IdentityProvider) -> None:
    identity_provider.person = {"email": new_staff(sso_app, "editor"), "email_verified": True}
    client = sso_app.test_client()
    to_provider = client.get(START)
    back = urlsplit(requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
                    .headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    replay = sso_app.test_client()  # someone else's browser replaying the same return address
    assert replay.get(f"{back.path}?{back.query}").status_code == 401
    assert not signed_in(replay)


def test_a_provider_that_hangs_costs_a_bounded_wait_and_the_password_still_works(
        tmp_path: Path, identity_provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(single_sign_on, "PROVIDER_TIMEOUT_SECONDS", 0.5)
    app = build_app(tmp_path, **console_environ(**identity_provider.environ()))
    email = new_staff(app, "editor")
    identity_provider.person = {"email": email, "email_verified": True}
    identity_provider.faults = {"hang-token"}
    identity_provider.hang_seconds = 3.0
    client = app.test_client()
    answer = through_provider(client)
    assert answer.status_code == 503
    assert "Hospital sign-in cannot be reached just now" in answer.get_data(as_text=True)
    assert identity_provider.token_requests == 1
    assert ("(no such account)", "sign-in failed", "single sign-on unavailable: ReadTimeout") in audit(app)
    assert sign_in_client(app.test_client(), email).status_code == 302


def test_a_provider_that_is_down_gets_a_clear_answer(tmp_path: Path) -> None:
    down = {"OIDC_ISSUER": f"http://127.0.0.1:{free_port()}", "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET}
    app = build_app(tmp_path, **console_environ(**down))
    answer = app.test_client().get(START)
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert "cannot be reached just now" in page and "sign in with your email and password" in page
    assert ("(no such account)", "sign-in failed", "single sign-on unavailable: ConnectionError") in audit(app)


def test_off_without_its_settings(console_app: Flask) -> None:
    client = console_app.test_client()
    assert client.get(START).status_code == 404
    assert client.get(f"{START}/return?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/console/sign-in").get_data(as_text=True)


def test_the_way_back_is_the_public_address_when_one_is_set(tmp_path: Path,
                                                            identity_provider: IdentityProvider) -> None:
    app = build_app(tmp_path, **console_environ(PUBLIC_BASE_URL="https://line.hospital.example.org",
                                                **identity_provider.environ()))
    to_provider = urlsplit(app.test_client().get(START).headers["Location"])
    assert "redirect_uri=https%3A%2F%2Fline.hospital.example.org%2Fconsole%2Fsign-in%2Fsingle-sign-on%2Freturn" \
        in to_provider.query


def test_the_next_page_is_a_console_page_only(sso_app: Flask, identity_provider: IdentityProvider) -> None:
    identity_provider.person = {"email": new_staff(sso_app, "editor"), "email_verified": True}
    answer = through_provider(sso_app.test_client(), f"{START}?next=https://evil.example/console")
    assert answer.headers["Location"] == "/console/"


@pytest.mark.parametrize("settings, problem", [
    ({"OIDC_ISSUER": "https://login.hospital.org"}, "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET not set"),
    ({"OIDC_CLIENT_ID": "x", "OIDC_CLIENT_SECRET": "y"}, "OIDC_ISSUER not set"),
    ({"OIDC_ISSUER": "http://login.hospital.org", "OIDC_CLIENT_ID": "x", "OIDC_CLIENT_SECRET": "y"},
     "must be an https:// address"),
    ({"OIDC_ISSUER": "http://127.0.0.1:9/", "OIDC_CLIENT_ID": "x", "OIDC_CLIENT_SECRET": "y",
      "LINE_ENV": "production", "TWILIO_AUTH_TOKEN": "t", "NUMBER_HASH_SECRET": "s"}, "not in production"),
])
def test_half_a_configuration_or_an_issuer_over_plain_http_refuses_to_start(
        tmp_path: Path, settings: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        build_app(tmp_path, **console_environ(**settings))


def test_without_the_console_the_oidc_settings_start_nothing(tmp_path: Path) -> None:
    app = build_app(tmp_path, OIDC_ISSUER="https://login.hospital.org")
    assert app.test_client().get(START).status_code == 404


# What the sign-in page says when the provider's settings can't be used: mended by whoever runs the line, or waited out.
SETTINGS_ANSWER = {"issuer-slash": "not set up correctly", "no-jwks-uri": "not set up correctly",
                   "only-shared-secret-algorithms": "not set up correctly",
                   "settings-not-an-object": "cannot be reached just now",
                   "settings-error": "cannot be reached just now"}
SETTINGS_AUDIT = {"issuer-slash": "but the provider names itself", "no-jwks-uri": "name no jwks_uri",
                  "only-shared-secret-algorithms": "no algorithm the console accepts",
                  "settings-not-an-object": "TypeError", "settings-error": "HTTPError"}


@pytest.mark.parametrize("fault", sorted(SETTINGS_FAULTS))
def test_a_provider_whose_settings_cannot_be_trusted_is_not_used(
        sso_app: Flask, identity_provider: IdentityProvider, fault: str) -> None:
    identity_provider.faults = {fault}
    answer = sso_app.test_client().get(START)
    assert answer.status_code == 503
    assert SETTINGS_ANSWER[fault] in answer.get_data(as_text=True)
    assert identity_provider.codes == {} and identity_provider.token_requests == 0  # nobody was sent there
    [unavailable] = [entry for entry in audit(sso_app) if "unavailable" in entry[2]]
    assert SETTINGS_AUDIT[fault] in unavailable[2]
    assert set(SETTINGS_ANSWER) == set(SETTINGS_FAULTS) == set(SETTINGS_AUDIT)


def test_a_failing_provider_is_not_asked_again_for_a_while(
        sso_app: Flask, identity_provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(single_sign_on, "RETRY_AFTER_SECONDS", 1.0)
    identity_provider.faults = {"settings-error"}
    client = sso_app.test_client()
    assert [client.get(START).status_code for _ in range(5)] == [503] * 5
    assert identity_provider.settings_requests == 1  # four clicks answered at once, holding no thread
    identity_provider.faults = set()
    time.sleep(1.2)
    assert client.get(START).status_code == 302  # mended: used again, its settings read afresh
    assert identity_provider.settings_requests == 2


def test_a_mended_issuer_setting_is_read_afresh(sso_app: Flask, identity_provider: IdentityProvider,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(single_sign_on, "RETRY_AFTER_SECONDS", 0.0)
    identity_provider.faults = {"issuer-slash"}
    assert sso_app.test_client().get(START).status_code == 503
    identity_provider.faults = set()
    assert sso_app.test_client().get(START).status_code == 302


def test_text_in_the_return_address_is_never_repeated(sso_app: Flask) -> None:
    answer = sso_app.test_client().get(f"{START}/return", query_string={
        "error": "call_IT_on_555_0100_with_your_password", "error_description": "A" * 20_000, "state": "x"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 401 and "555" not in page and "AAAA" not in page
    assert "did not complete (provider error)" in page
    failures = [entry for entry in audit(sso_app) if entry[1] == "sign-in failed"]
    assert failures[-1][2] == "single sign-on: provider_error"


def test_a_known_provider_error_is_said_in_words(sso_app: Flask) -> None:
    answer = sso_app.test_client().get(f"{START}/return", query_string={"error": "access_denied", "state": "x"})
    assert "did not complete (access denied)" in answer.get_data(as_text=True)


def test_clicking_sign_in_again_and_again_does_not_grow_the_cookie(sso_app: Flask) -> None:
    client = sso_app.test_client()
    sizes = []
    for _ in range(12):
        assert client.get(START).status_code == 302
        cookie = client.get_cookie("otline_console", path="/console")
        assert cookie is not None
        sizes.append(len(cookie.value))
    assert max(sizes) - min(sizes) < 40, sizes  # one click's state at a time (a browser drops cookies over 4 KB)


def test_the_one_time_password_stops_working_once_single_sign_on_was_used(
        sso_app: Flask, identity_provider: IdentityProvider) -> None:
    one_time = add_staff(sso_app, "new@hospital.example.org", "editor", actor="test")
    identity_provider.person = {"email": "new@hospital.example.org", "email_verified": True}
    through_provider(sso_app.test_client())
    assert sign_in_client(sso_app.test_client(), "new@hospital.example.org", one_time).status_code == 401
    account = staff_accounts(sso_app).find("new@hospital.example.org")
    assert account is not None and not account.one_time  # "active", not "waiting for first sign-in"


def test_a_reused_email_is_not_the_account_until_an_admin_resets_it(
        sso_app: Flask, identity_provider: IdentityProvider) -> None:
    email = new_staff(sso_app, "reviewer")
    identity_provider.person = {"email": email, "email_verified": True, "sub": "leaver-0001"}
    assert through_provider(sso_app.test_client()).status_code == 302  # the first person: the account is linked
    identity_provider.person = {"email": email, "email_verified": True, "sub": "newcomer-0002"}
    newcomer = sso_app.test_client()
    answer = through_provider(newcomer)
    assert answer.status_code == 403 and "belongs to another person" in answer.get_data(as_text=True)
    assert not signed_in(newcomer)
    assert ("(no such account)", "sign-in failed",
            f"single sign-on refused: {email} is linked to another person at the provider") in audit(sso_app)
    staff_accounts(sso_app).reset_password(email)  # the admin's decision: this account is the newcomer's now
    assert through_provider(newcomer).status_code == 302 and signed_in(newcomer)
