"""Staff accounts in the store: lockout per account and per address, one-time passwords, the last admin."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from ivr.console import accounts
from ivr.console.accounts import (ACCOUNT_FAILURES, FAILURE_WINDOW_SECONDS, LOCK_SECONDS, ONE_TIME_PASSWORD_HOURS,
                                  UNKNOWN_ACTOR, AccountError, StaffAccounts, after_failure, may)
from ivr.store.database import Database

NOW = 1_800_000_000
PASSWORD = "a long test password"
ADDRESS = "192.0.2.10"


class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else []))
def staff(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[StaffAccounts]:
    """On SQLite, and on the throwaway PostgreSQL of TEST_DATABASE_URL when it is set (its staff tables emptied)."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'staff.db'}")
    else:
        database = Database(os.environ["TEST_DATABASE_URL"])
    database.migrate()
    if request.param != "sqlite":
        with database.transaction() as tx:
            for table in ("staff_accounts", "sign_in_failures", "staff_single_sign_on"):
                tx.execute(f"DELETE FROM {table}")
    yield StaffAccounts(database, b"test-key", clock)
    database.close()


@pytest.mark.parametrize("failures, first_at, now, limit, expected", [
    (0, NOW, NOW, 5, (1, NOW, None)),  # the first failure starts the count
    (3, NOW, NOW + 60, 5, (4, NOW, None)),  # under the limit: counted, not locked
    (4, NOW, NOW + 60, 5, (5, NOW, NOW + 60 + LOCK_SECONDS)),  # the fifth within the window locks
    (4, NOW, NOW + FAILURE_WINDOW_SECONDS + 1, 5, (1, NOW + FAILURE_WINDOW_SECONDS + 1, None)),  # old ones expire
    (19, NOW, NOW + 1, 20, (20, NOW, NOW + 1 + LOCK_SECONDS)),  # an address's higher limit
])
def test_after_failure(failures: int, first_at: int, now: int, limit: int,
                       expected: tuple[int, int, int | None]) -> None:
    assert after_failure(failures, first_at, now, limit) == expected


@pytest.mark.parametrize("held, needed, allowed", [
    ("editor", "editor", True), ("editor", "reviewer", False), ("reviewer", "editor", True),
    ("reviewer", "admin", False), ("admin", "reviewer", True), ("admin", "admin", True)])
def test_each_role_includes_the_ones_before_it(held: str, needed: str, allowed: bool) -> None:
    assert may(held, needed) is allowed


def test_passwords_are_hashed_with_argon2id_at_the_recommended_cost(staff: StaffAccounts,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the line's own hasher, not the tests' cheap one
    staff.add("nurse@hospital.example.org", "editor", PASSWORD)
    stored = staff.find("nurse@hospital.example.org")
    assert stored is not None and PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106's second choice


def test_five_failures_lock_the_account_even_against_the_right_password(staff: StaffAccounts,
                                                                         clock: Clock) -> None:
    staff.add("nurse@hospital.example.org", "editor", PASSWORD)
    outcomes = [staff.sign_in("nurse@hospital.example.org", "wrong", ADDRESS) for _ in range(ACCOUNT_FAILURES)]
    assert [attempt.locked for attempt in outcomes] == [False] * (ACCOUNT_FAILURES - 1) + [True]
    assert outcomes[-1].action == "lockout" and outcomes[-1].actor == "nurse@hospital.example.org"
    assert staff.sign_in("nurse@hospital.example.org", PASSWORD, "198.51.100.7").locked  # another address too
    clock.now += LOCK_SECONDS + 1
    assert staff.sign_in("nurse@hospital.example.org", PASSWORD, ADDRESS).account is not None


def test_an_email_without_an_account_locks_the_same_way(staff: StaffAccounts) -> None:
    attempts = [staff.sign_in("nobody@hospital.example.org", "wrong", ADDRESS) for _ in range(ACCOUNT_FAILURES)]
    assert [attempt.locked for attempt in attempts] == [False] * (ACCOUNT_FAILURES - 1) + [True]
    assert {attempt.actor for attempt in attempts} == {UNKNOWN_ACTOR}  # what was typed never reaches the audit


def test_one_address_trying_many_emails_is_locked(staff: StaffAccounts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "ADDRESS_FAILURES", 3)
    staff.add("nurse@hospital.example.org", "editor", PASSWORD)
    for number in range(3):
        staff.sign_in(f"guess{number}@hospital.example.org", "wrong", ADDRESS)
    assert staff.sign_in("nurse@hospital.example.org", PASSWORD, ADDRESS).locked
    assert staff.sign_in("nurse@hospital.example.org", PASSWORD, "198.51.100.7").account is not None


def test_a_success_forgets_the_accounts_failures(staff: StaffAccounts) -> None:
    staff.add("nurse@hospital.example.org", "editor", PASSWORD)
    for _ in range(ACCOUNT_FAILURES - 1):
        staff.sign_in("nurse@hospital.example.org", "wrong", ADDRESS)
    assert staff.sign_in("nurse@hospital.example.org", PASSWORD, ADDRESS).account is not None
    assert not staff.sign_in("nurse@hospital.example.org", "wrong", ADDRESS).locked


def test_a_disabled_account_cannot_sign_in_and_is_told_nothing_more(staff: StaffAccounts) -> None:
    staff.add("admin@hospital.example.org", "admin", PASSWORD)
    staff.add("nurse@hospital.example.org", "editor", PASSWORD)
    staff.disable("nurse@hospital.example.org")
    attempt = staff.sign_in("nurse@hospital.example.org", PASSWORD, ADDRESS)
    assert attempt.account is None and attempt.outcome == "refused: wrong email or password"


def test_a_one_time_password_works_until_it_expires(staff: StaffAccounts, clock: Clock) -> None:
    one_time = staff.add("Nurse@Hospital.example.org ", "reviewer")
    signed_in = staff.sign_in("nurse@hospital.example.org", one_time, ADDRESS).account
    assert signed_in is not None and signed_in.one_time
    clock.now += ONE_TIME_PASSWORD_HOURS * 3600 + 1
    assert staff.sign_in("nurse@hospital.example.org", one_time, ADDRESS).expired
    new = staff.reset_password("nurse@hospital.example.org")
    assert staff.sign_in("nurse@hospital.example.org", one_time, ADDRESS).account is None
    chosen = staff.choose_password("nurse@hospital.example.org", "my own long password")
    assert not chosen.one_time
    assert staff.sign_in("nurse@hospital.example.org", new, ADDRESS).account is None
    clock.now += ONE_TIME_PASSWORD_HOURS * 3600 + 1  # a chosen password does not expire
    assert staff.sign_in("nurse@hospital.example.org", "my own long password", ADDRESS).account is not None


@pytest.mark.parametrize("password, problem", [("short", "at least 12"), ("x" * 300, "at most 256")])
def test_a_chosen_password_must_be_long_enough(staff: StaffAccounts, password: str, problem: str) -> None:
    staff.add("nurse@hospital.example.org", "editor")
    with pytest.raises(AccountError, match=problem):
        staff.choose_password("nurse@hospital.example.org", password)


def test_the_last_admin_cannot_be_disabled_or_demoted(staff: StaffAccounts) -> None:
    staff.add("admin@hospital.example.org", "admin", PASSWORD)
    with pytest.raises(AccountError, match="no admin"):
        staff.disable("admin@hospital.example.org")
    with pytest.raises(AccountError, match="no admin"):
        staff.set_role("admin@hospital.example.org", "reviewer")
    assert staff.find("admin@hospital.example.org") == staff.listing()[0]
    assert not staff.listing()[0].disabled and staff.listing()[0].role == "admin"  # the refused change rolled back
    staff.add("second@hospital.example.org", "admin", PASSWORD)
    assert staff.disable("admin@hospital.example.org").disabled


@pytest.mark.parametrize("email, role, problem", [
    ("not-an-email", "editor", "not an email address"),
    ("nurse@hospital.example.org", "owner", "not a role"),
    ("taken@hospital.example.org", "editor", "already has an account"),
])
def test_an_account_that_cannot_be_added(staff: StaffAccounts, email: str, role: str, problem: str) -> None:
    staff.add("taken@hospital.example.org", "editor")
    with pytest.raises(AccountError, match=problem):
        staff.add(email, role)


def test_changing_an_account_that_does_not_exist(staff: StaffAccounts) -> None:
    with pytest.raises(AccountError, match="has no account"):
        staff.set_role("nobody@hospital.example.org", "editor")


def test_parallel_guesses_get_no_more_tries_than_the_limit(staff: StaffAccounts) -> None:
    """Twenty guesses at once (threads, each its own connection) must not all be checked before the lock counts."""
    staff.add("nurse@hospital.example.org", "editor", PASSWORD)
    start = threading.Barrier(20)

    def guess(number: int) -> str:
        start.wait()
        return staff.sign_in("nurse@hospital.example.org", f"guess {number}", f"198.51.100.{number}").outcome

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(guess, range(20)))
    checked = [outcome for outcome in outcomes if outcome != "refused: locked"]
    assert len(checked) == ACCOUNT_FAILURES, outcomes
    assert staff.sign_in("nurse@hospital.example.org", PASSWORD, ADDRESS).locked


def test_two_admins_disabling_each_other_at_once_leave_one(staff: StaffAccounts) -> None:
    staff.add("first@hospital.example.org", "admin", PASSWORD)
    staff.add("second@hospital.example.org", "admin", PASSWORD)
    start = threading.Barrier(2)

    def disable(email: str) -> str:
        start.wait()
        try:
            staff.disable(email)
            return "disabled"
        except AccountError:
            return "refused"

    for _ in range(5):
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(pool.map(disable, ["first@hospital.example.org", "second@hospital.example.org"]))
        assert outcomes == ["disabled", "refused"]
        assert [account.disabled for account in staff.listing()].count(False) == 1
        staff.enable("first@hospital.example.org")
        staff.enable("second@hospital.example.org")


def test_right_passwords_do_not_count_against_an_address(staff: StaffAccounts,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A ward computer many staff sign in from is never paused by their successes."""
    monkeypatch.setattr(accounts, "ADDRESS_FAILURES", 3)
    staff.add("nurse@hospital.example.org", "editor", PASSWORD)
    assert all(staff.sign_in("nurse@hospital.example.org", PASSWORD, ADDRESS).account for _ in range(6))
    staff.sign_in("nurse@hospital.example.org", "wrong", ADDRESS)
    assert staff.sign_in("nurse@hospital.example.org", PASSWORD, ADDRESS).account is not None


ISSUER = "https://login.hospital.example.org"


def test_an_account_is_the_person_who_first_signed_in_through_the_provider(staff: StaffAccounts) -> None:
    """A hospital reuses an email (a leaver's j.smith@ for a new J Smith): the account stays the first person's
    until an admin resets it."""
    staff.add("j.smith@hospital.example.org", "reviewer", PASSWORD)
    assert staff.link_person("J.Smith@hospital.example.org", ISSUER, "person-1") == (ISSUER, "person-1")
    assert staff.link_person("j.smith@hospital.example.org", ISSUER, "person-2") == (ISSUER, "person-1")
    assert staff.link_person("j.smith@hospital.example.org", "https://other.example.org", "person-1") \
        == (ISSUER, "person-1")
    staff.reset_password("j.smith@hospital.example.org")
    assert staff.link_person("j.smith@hospital.example.org", ISSUER, "person-2") == (ISSUER, "person-2")


def test_linking_retires_the_one_time_password(staff: StaffAccounts) -> None:
    one_time = staff.add("new@hospital.example.org", "editor")
    staff.link_person("new@hospital.example.org", ISSUER, "person-1")
    account = staff.find("new@hospital.example.org")
    assert account is not None and not account.one_time
    assert staff.sign_in("new@hospital.example.org", one_time, ADDRESS).account is None


def test_first_sign_ins_of_two_people_at_once_link_the_account_to_one(staff: StaffAccounts) -> None:
    staff.add("shared@hospital.example.org", "editor", PASSWORD)
    start = threading.Barrier(12)

    def link(number: int) -> tuple[str, str]:
        start.wait()
        return staff.link_person("shared@hospital.example.org", ISSUER, f"person-{number}")

    with ThreadPoolExecutor(max_workers=12) as pool:
        linked = list(pool.map(link, range(12)))
    assert len(set(linked)) == 1, linked  # every one of them was told the same person
