"""The console under Flask's test client (fixtures; a plugin of conftest.py): an app with the console on, and
clients signed in as a role through the real sign-in form."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Callable

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from ivr.console import accounts
from ivr.console.accounts import add_staff
from tests.app_factory import build_app

CONSOLE_SECRET_KEY = "console-test-secret-key-0123456789abcdef"
STAFF_PASSWORD = "a long test password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
_staff_numbers = itertools.count(1)

StaffClient = Callable[[str], FlaskClient]  # what the staff_client fixture gives


def console_environ(**overrides: str) -> dict[str, str]:
    return {"CONSOLE_ENABLED": "1", "SECRET_KEY": CONSOLE_SECRET_KEY, **overrides}


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at the line's cost takes about 0.35 s a hash on CI's busy cores; tests hash cheaply (the cost
    itself is checked once, in test_console_accounts.py)."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def console_app(tmp_path: Path) -> Flask:
    """The line with the console on (a temp database, the shipped words, webhooks signed as in production)."""
    return build_app(tmp_path, **console_environ())


def new_staff(app: Flask, role: str) -> str:
    """A fresh account of this role with the test password (not a one-time one); its email."""
    email = f"{role}{next(_staff_numbers)}@hospital.example.org"
    add_staff(app, email, role, actor="test", password=STAFF_PASSWORD)
    return email


def csrf_from(client: FlaskClient, path: str = "/console/sign-in") -> str:
    """The CSRF token a page of the console puts in its forms."""
    found = CSRF_INPUT.search(client.get(path).get_data(as_text=True))
    assert found, f"no csrf_token in {path}"
    return found.group(1)


def sign_in_client(client: FlaskClient, email: str, password: str = STAFF_PASSWORD):
    """Sign in through the form, as a person would; the response to the form's POST."""
    return client.post("/console/sign-in", data={"csrf_token": csrf_from(client), "email": email,
                                                  "password": password})


@pytest.fixture
def staff_client(console_app: Flask) -> StaffClient:
    """staff_client("reviewer"): a test client signed in as a new account of that role (`.email` on it)."""

    def signed_in(role: str) -> FlaskClient:
        client = console_app.test_client()
        email = new_staff(console_app, role)
        assert sign_in_client(client, email).status_code == 302
        client.email = email  # type: ignore[attr-defined]
        return client

    return signed_in
