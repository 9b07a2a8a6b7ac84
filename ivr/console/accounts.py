"""Staff accounts: roles, passwords (argon2), sign-in with throttling and lockout, and who is signed in.

An account lives in the store (table staff_accounts), so every instance knows it and a disabled account stops
working at once on all of them: each console request reads its account again. Failed sign-ins are counted per
account and per client address (table sign_in_failures, keyed by a keyed hash): the same count and the same
message whether or not the account exists, so the form never tells a stranger which emails have accounts.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Callable, ParamSpec, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Request, current_app, g, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

from ivr.publishing.store import Refused
from ivr.services import services
from ivr.store.database import Database, Transaction

# Each role may do what the roles before it may: editor (drafts, Try it, Usage, Audio), reviewer (+ approve,
# publish, rollback, retry audio), admin (+ manage staff).
ROLES = ("editor", "reviewer", "admin")
ACCOUNTS = "otline.console.accounts"  # app.extensions key of the StaffAccounts
CONSOLE_ORIGIN = "console"  # the audit trail's origin for what staff do in the console
# NIST SP 800-63B asks for at least 8; staff pick their own after the one-time one, so ask a little more.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; a megabyte "password" is only a way to spend our CPU
ONE_TIME_PASSWORD_HOURS = 72  # long enough to reach someone over a weekend, short enough not to linger in an inbox
ACCOUNT_FAILURES = 5  # failed sign-ins in a row, within the window, that lock an account
ADDRESS_FAILURES = 20  # ... that lock a client address (someone trying many emails)
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
_ACCOUNTS_LOCK = 7_052_026  # PostgreSQL advisory lock: any constant other than the migration and publishing ones
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # argon2id, RFC 9106's second recommended cost (64 MiB, 3 passes)

P = ParamSpec("P")
R = TypeVar("R")


class AccountError(Refused):
    """A staff change that cannot be made; its message is the one line staff read (the CLI's PublishingCommand
    shows it as one, like a refused publishing step)."""


@dataclass(frozen=True)
class Staff:
    """Who is signed in, as every console page sees them."""

    email: str
    role: str


@dataclass(frozen=True)
class Account:
    email: str
    role: str
    password_hash: str
    one_time: bool  # the password was made by `staff add` (or a reset): it must be changed at first sign-in
    password_set_at: int
    disabled: bool
    session_epoch: int  # bumped at sign-out and when disabled: a cookie from an older epoch no longer signs in
    created_at: int

    def password_expired(self, now: float) -> bool:
        return self.one_time and now - self.password_set_at > ONE_TIME_PASSWORD_HOURS * 3600


NO_PASSWORD = "!"  # a password_hash no password matches (argon2 cannot read it): single sign-on only
UNKNOWN_ACTOR = "(no such account)"  # the audit's actor for a failed sign-in as no account: never what was typed


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: an account, or why not (`outcome` is what the audit trail records)."""

    account: Account | None
    outcome: str
    actor: str  # who the audit trail names: the account tried, or UNKNOWN_ACTOR (a password typed as the email
    #             must not land in the audit trail)
    locked: bool = False
    expired: bool = False
    action: str = "sign-in"  # the audit trail's action: "lockout" for the failure that locked the account


def may(held: str, needed: str) -> bool:
    """Whether a role includes another (admin includes reviewer includes editor)."""
    return ROLES.index(held) >= ROLES.index(needed)


def normal_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str) -> bool:
    return len(email) <= 254 and bool(_EMAIL.match(email))


def password_problem(password: str) -> str | None:
    """Why a chosen password will not do, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters."
    return None


def after_failure(failures: int, first_at: int, now: int, limit: int) -> tuple[int, int, int | None]:
    """The failure count, its window's start and the lock after one more failure.

    A failure outside the window starts a new count: five typos over a week lock nobody out.
    """
    if now - first_at > FAILURE_WINDOW_SECONDS:
        failures, first_at = 0, now  # the old failures are too old to count
    failures += 1
    return failures, first_at, (now + LOCK_SECONDS if failures >= limit else None)


class StaffAccounts:
    """The staff_accounts and sign_in_failures tables."""

    def __init__(self, database: Database, key_secret: bytes, clock: Callable[[], float] = time.time):
        self.database = database
        self._key_secret = key_secret
        self._clock = clock

    def add(self, email: str, role: str, password: str | None = None) -> str:
        """Create an account; returns its password: a one-time one unless `password` is given (tests, imports)."""
        email = normal_email(email)
        if not valid_email(email):
            raise AccountError(f"{email!r} is not an email address")
        _known_role(role)
        chosen = password if password is not None else secrets.token_urlsafe(15)
        now = int(self._clock())
        with self.database.transaction() as tx:
            self._serialise(tx)
            if tx.one("SELECT 1 FROM staff_accounts WHERE email = ?", (email,)):
                raise AccountError(f"{email} already has an account")
            tx.execute("INSERT INTO staff_accounts (email, role, password_hash, password_one_time, password_set_at,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (email, role, _hasher.hash(chosen), int(password is None), now, now))
        return chosen

    def find(self, email: str) -> Account | None:
        with self.database.transaction() as tx:
            row = tx.one(f"SELECT {_ACCOUNT} FROM staff_accounts WHERE email = ?", (normal_email(email),))
        return _account(row) if row else None

    def listing(self) -> list[Account]:
        with self.database.transaction() as tx:
            return [_account(row) for row in tx.execute(f"SELECT {_ACCOUNT} FROM staff_accounts ORDER BY email")]

    def set_role(self, email: str, role: str) -> Account:
        _known_role(role)
        return self._change(email, "role = ?", (role,), keeps_an_admin=role == "admin")

    def disable(self, email: str) -> Account:
        return self._change(email, "disabled = 1, session_epoch = session_epoch + 1", (), keeps_an_admin=False)

    def enable(self, email: str) -> Account:
        return self._change(email, "disabled = 0", (), keeps_an_admin=True)

    def reset_password(self, email: str) -> str:
        """A new one-time password (the old one stops working, and so do the account's sessions); the account is
        unlinked from the provider's person, so the next sign-in through single sign-on links it afresh."""
        password = secrets.token_urlsafe(15)
        self._change(email, "password_hash = ?, password_one_time = 1, password_set_at = ?,"
                     " session_epoch = session_epoch + 1", (_hasher.hash(password), int(self._clock())),
                     keeps_an_admin=True)
        with self.database.transaction() as tx:
            tx.execute("DELETE FROM staff_single_sign_on WHERE email = ?", (normal_email(email),))
        return password

    def choose_password(self, email: str, password: str) -> Account:
        problem = password_problem(password)
        if problem:
            raise AccountError(problem)
        return self._change(email, "password_hash = ?, password_one_time = 0, password_set_at = ?",
                            (_hasher.hash(password), int(self._clock())), keeps_an_admin=True)

    def link_person(self, email: str, issuer: str, subject: str) -> tuple[str, str]:
        """Link the account to the provider's person at its first sign-in through single sign-on; the person it is
        linked to (someone else's, if another first sign-in came first).

        Linked, the one-time password `staff add` printed is of no more use; left working, whoever else saw it
        could still set a password of their own, outside the hospital's leaver process. The account then has no
        password (an admin's reset gives one, and unlinks the account)."""
        email = normal_email(email)
        with self.database.transaction() as tx:
            self._serialise(tx)
            tx.execute("INSERT INTO staff_single_sign_on (email, issuer, subject, linked_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (email) DO NOTHING", (email, issuer, subject, int(self._clock())))
            linked = tx.row("SELECT issuer, subject FROM staff_single_sign_on WHERE email = ?", (email,))
            if (linked[0], linked[1]) == (issuer, subject):
                tx.execute("UPDATE staff_accounts SET password_hash = ?, password_one_time = 0"
                           " WHERE email = ? AND password_one_time = 1", (NO_PASSWORD, email))
        return linked[0], linked[1]

    def end_sessions(self, email: str) -> None:
        """Every cookie of this account stops working (sign-out): a copied cookie is no way back in."""
        self._change(email, "session_epoch = session_epoch + 1", (), keeps_an_admin=True)

    def sign_in(self, email: str, password: str, address: str) -> SignIn:
        """Check a sign-in, counting failures per account and per address; the same answer for unknown emails.

        The attempt is counted before the password is checked, in one locked transaction, and taken back if it
        was right: twenty guesses sent at once get no more checks than the limit.
        """
        email = normal_email(email)[:254]
        keys = (self._key("account", email), self._key("address", address))
        account = self.find(email) if valid_email(email) else None
        actor = account.email if account else UNKNOWN_ACTOR
        reaches_a_limit = self._take_attempt(keys, int(self._clock()))
        if reaches_a_limit is None:
            return SignIn(None, "refused: locked", actor, locked=True)
        password = password[:MAX_PASSWORD_LENGTH]
        if account is None:
            _verified(_no_account_hash(), password)  # as long as checking a real account's password takes
        elif _verified(account.password_hash, password) and not account.disabled:
            self._give_attempt_back(keys)
            if account.password_expired(self._clock()):
                return SignIn(None, "refused: one-time password expired", actor, expired=True)
            return SignIn(account, "signed in", actor)
        if reaches_a_limit:
            return SignIn(None, "refused: locked after repeated failures", actor, locked=True, action="lockout")
        return SignIn(None, "refused: wrong email or password", actor)

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._key_secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _serialise(self, tx: Transaction) -> None:
        """One account change or sign-in count at a time (SQLite's BEGIN IMMEDIATE already is one)."""
        if self.database.postgres:
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_ACCOUNTS_LOCK,))

    def _take_attempt(self, keys: tuple[str, str], now: int) -> bool | None:
        """Count an attempt against the account and the address: None if either is locked (nothing counted),
        else whether this attempt, if it fails, locks one of them."""
        with self.database.transaction() as tx:
            self._serialise(tx)
            rows = [tx.one("SELECT failures, first_at, locked_until FROM sign_in_failures WHERE key = ?", (key,))
                    for key in keys]
            if any(row and row[2] is not None and row[2] > now for row in rows):
                return None
            reaches = False
            for key, row, limit in zip(keys, rows, (ACCOUNT_FAILURES, ADDRESS_FAILURES), strict=True):
                before, since = (row[0], row[1]) if row else (0, now)
                failures, first_at, locked_until = after_failure(before, since, now, limit)
                tx.execute("INSERT INTO sign_in_failures (key, failures, first_at, locked_until) VALUES (?, ?, ?, ?)"
                           " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
                           " first_at = excluded.first_at, locked_until = excluded.locked_until",
                           (key, failures, first_at, locked_until))
                reaches = reaches or locked_until is not None
        return reaches

    def _give_attempt_back(self, keys: tuple[str, str]) -> None:
        """The attempt was right: the account's failures are forgiven, the address's count loses this one."""
        account_key, address_key = keys
        with self.database.transaction() as tx:
            self._serialise(tx)
            tx.execute("DELETE FROM sign_in_failures WHERE key = ?", (account_key,))
            tx.execute("UPDATE sign_in_failures SET failures = failures - 1, locked_until = NULL"
                       " WHERE key = ? AND failures > 0", (address_key,))

    def _change(self, email: str, assignments: str, params: tuple[object, ...], keeps_an_admin: bool) -> Account:
        """Change one account; never leave the console without an enabled admin to manage staff."""
        email = normal_email(email)
        with self.database.transaction() as tx:
            self._serialise(tx)  # two admins disabling each other at once: one of them is refused
            if tx.one("SELECT 1 FROM staff_accounts WHERE email = ?", (email,)) is None:
                raise AccountError(f"{email} has no account")
            tx.execute(f"UPDATE staff_accounts SET {assignments} WHERE email = ?", (*params, email))
            if not keeps_an_admin and not _an_admin_remains(tx):
                raise AccountError("that would leave no admin who can sign in; make another admin first")
            row = tx.row(f"SELECT {_ACCOUNT} FROM staff_accounts WHERE email = ?", (email,))
        return _account(row)


_ACCOUNT = "email, role, password_hash, password_one_time, password_set_at, disabled, session_epoch, created_at"


def _account(row: tuple) -> Account:
    email, role, password_hash, one_time, set_at, disabled, epoch, created_at = row
    return Account(email, role, password_hash, bool(one_time), set_at, bool(disabled), epoch, created_at)


def _an_admin_remains(tx: Transaction) -> bool:
    return tx.one("SELECT 1 FROM staff_accounts WHERE role = 'admin' AND disabled = 0") is not None


def _known_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"{role!r} is not a role; the roles are {', '.join(ROLES)}")


@functools.cache
def _no_account_hash() -> str:
    """Verified against when no account matches, so a wrong email costs the same time as a wrong password.

    Made at first need, not at import: every `flask` command and worker start would pay for it.
    """
    return _hasher.hash(secrets.token_urlsafe(16))


def _verified(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def staff_accounts(app: Flask | None = None) -> StaffAccounts:
    """The app's staff accounts (the console's, the `staff` commands' and the tests')."""
    return (app or current_app).extensions[ACCOUNTS]


def record(actor: str, action: str, outcome: str, origin: str = CONSOLE_ORIGIN) -> None:
    """An account action (a sign-in, a staff change) in the publishing audit trail; never a password."""
    services().revisions.record(actor, action, None, outcome, origin=origin)


def add_staff(app: Flask, email: str, role: str, actor: str, origin: str = CONSOLE_ORIGIN,
              password: str | None = None) -> str:
    """Create an account and say so in the audit trail; returns the (one-time, unless given) password.

    The one way accounts are made: `flask --app app staff add`, the staff page and the tests all call it.
    """
    chosen = staff_accounts(app).add(email, role, password)
    app.extensions["otline"].revisions.record(actor, "staff add", None, f"{normal_email(email)} as {role}",
                                              origin=origin)
    return chosen


def change_staff(action: str, email: str, role: str, actor: str, origin: str = CONSOLE_ORIGIN) -> str:
    """Change an existing account (role, disable, enable) and record it; the one line saying what was done.

    The staff page and the `staff` commands both call it.
    """
    accounts, email = staff_accounts(), normal_email(email)
    if action == "role":
        accounts.set_role(email, role)
        outcome = f"{email} is now {role}"
    elif action == "disable":
        accounts.disable(email)
        outcome = f"{email} disabled"
    elif action == "enable":
        accounts.enable(email)
        outcome = f"{email} enabled"
    else:
        raise AccountError(f"unknown action {action!r}")
    record(actor, f"staff {action}", outcome, origin)
    return f"{outcome[0].upper()}{outcome[1:]}."


def current_staff() -> Staff:
    """Who is signed in; only views behind `requires` may ask (anywhere else it raises)."""
    staff = g.get("console_staff")
    if staff is None:
        raise LookupError("current_staff() outside a view guarded by requires()")
    return staff


def requires(role: str) -> Callable[[Callable[P, R]], Callable[P, R | Response | tuple[str, int]]]:
    """A view decorator: no session sends to the sign-in form (and back after); a role too low gets a 403 page."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response | tuple[str, int]]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | Response | tuple[str, int]:
            staff = g.get("console_staff")
            if staff is None:
                return redirect(url_for("console.sign_in", next=_here(request)))
            if g.get("console_must_choose_password"):
                return redirect(url_for("console.password"))
            if not may(staff.role, role):
                return render_template("console/forbidden.html", needed=role), 403
            return view(*args, **kwargs)
        return guarded
    return decorate


def _here(req: Request) -> str | None:
    """Where to come back to after signing in: the page asked for (a GET only; a form post is not repeated)."""
    return req.full_path.rstrip("?") if req.method == "GET" else None


class ConsoleCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure in production and over https, so a development run works on http://."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SETTINGS"].production or request.is_secure)
