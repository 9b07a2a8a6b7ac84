"""Revisions and their audit trail in the store (tables `revisions` and `revision_audit`).

Every change of state runs in one transaction that holds the publishing lock (PostgreSQL: an advisory
lock; SQLite: BEGIN IMMEDIATE already lets one writer in), so two staff acting at once cannot both
publish; the database itself also refuses a second live revision (a partial unique index).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ivr.publishing.document import Files, decode, digest, encode
from ivr.publishing.rules import (APPROVE, APPROVED, DRAFT, EDIT, IN_REVIEW, LIVE, PUBLISH, RETIRED, ROLLBACK, SUBMIT,
                                   Step, decide)
from ivr.store.database import Database, Transaction

_PUBLISHING_LOCK = 7_052_025  # any constant, other than the migration lock: one publishing change at a time
FIRST_AUTHOR = "the repository's files"
_SUMMARY = "number, author, note, created_at, state, approved_by, approved_at, published_at, restores, digest"


class Refused(Exception):
    """A staff action the rules do not allow; its message is the one line staff read."""


@dataclass(frozen=True)
class Revision:
    number: int
    author: str
    note: str
    created_at: int
    state: str
    approved_by: str | None
    approved_at: int | None
    published_at: int | None
    restores: int | None
    digest: str


@dataclass(frozen=True)
class AuditRow:
    at: int
    actor: str
    action: str
    revision: int | None
    outcome: str
    origin: str


class Revisions:
    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self._clock = clock

    def live_number(self) -> int | None:
        """The live revision's number: the one cheap query a worker repeats to notice a publish."""
        with self.database.transaction() as tx:
            return _live_number(tx)

    def get(self, number: int) -> Revision:
        with self.database.transaction() as tx:
            return self._summary(tx, number)

    def files(self, number: int) -> dict[str, str]:
        with self.database.transaction() as tx:
            row = tx.one("SELECT document FROM revisions WHERE number = ?", (number,))
        if row is None:
            raise Refused(f"there is no revision {number}")
        return decode(row[0])

    def live(self) -> tuple[Revision, dict[str, str]] | None:
        with self.database.transaction() as tx:
            row = tx.one(f"SELECT {_SUMMARY}, document FROM revisions WHERE state = ?", (LIVE,))
        return (Revision(*row[:-1]), decode(row[-1])) if row else None

    def listing(self, states: tuple[str, ...] | None = None) -> list[Revision]:
        with self.database.transaction() as tx:
            rows = tx.execute(f"SELECT {_SUMMARY} FROM revisions ORDER BY number")
        return [Revision(*row) for row in rows if states is None or row[4] in states]

    def audit(self) -> list[AuditRow]:
        with self.database.transaction() as tx:
            rows = tx.execute("SELECT at, actor, action, revision, outcome, origin FROM revision_audit ORDER BY id")
        return [AuditRow(*row) for row in rows]

    def recent_audit(self, limit: int, offset: int = 0) -> tuple[list[AuditRow], int]:
        """One page of the audit trail, newest first, and how many rows it has in all (for paging)."""
        with self.database.transaction() as tx:
            total = tx.row("SELECT COUNT(*) FROM revision_audit")[0]
            rows = tx.execute("SELECT at, actor, action, revision, outcome, origin FROM revision_audit"
                              " ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [AuditRow(*row) for row in rows], total

    def previous(self) -> Revision | None:
        """The revision a rollback with no number restores: the one live most recently before the live one."""
        with self.database.transaction() as tx:
            number = self._previous(tx)
            return None if number is None else self._summary(tx, number)

    def start(self, files: Files, origin: str) -> int:
        """The live revision's number; a new database first gets the repository's files as revision 1, live."""
        with self.database.transaction() as tx:
            self._lock(tx)
            row = tx.one("SELECT number FROM revisions WHERE state = ?", (LIVE,))
            if row:
                return row[0]
            number = self._insert(tx, files, FIRST_AUTHOR, "the files the line first started with", FIRST_AUTHOR)
            self._audit(tx, FIRST_AUTHOR, "start", number, "live: the line's first revision", origin)
            return number

    def import_draft(self, files: Files, author: str, note: str, origin: str) -> int:
        """A new draft of these files, unless the same words are live or already waiting as a draft."""
        with self.database.transaction() as tx:
            self._lock(tx)
            same = tx.one("SELECT number, state FROM revisions WHERE digest = ? AND state IN (?, ?, ?, ?)",
                          (digest(files), DRAFT, IN_REVIEW, APPROVED, LIVE))
            if same is None:
                number = self._insert(tx, files, author, note)
                self._audit(tx, author, "import", number, f"draft: {note}" if note else "draft", origin)
                return number
            refusal = f"nothing to import: these files are the same words as revision {same[0]} ({_said(same[1])})"
            self._audit(tx, author, "import", same[0], f"refused: {refusal}", origin)
        raise Refused(refusal)

    def edit_draft(self, number: int, name: str, text: str, actor: str, origin: str) -> Revision:
        """Replace one staff file of draft `number` with `text`, as its author; every attempt is an audit row.

        The words are stored even when the loader would refuse them (a draft is never served, and publishing
        checks again), so staff never lose what they typed; only a file the revision has can be edited.
        """
        with self.database.transaction() as tx:
            self._lock(tx)
            revision = self._summary(tx, number)
            step = decide(revision.state, EDIT, actor, revision.author)
            files = decode(tx.row("SELECT document FROM revisions WHERE number = ?", (number,))[0])
            if step.state is not None and name in files:
                files[name] = text
                tx.execute("UPDATE revisions SET document = ?, digest = ? WHERE number = ?",
                           (encode(files), digest(files), number))
                self._audit(tx, actor, EDIT, number, f"{name}: {step.reason}", origin)
                return self._summary(tx, number)
            reason = step.reason if step.state is None else f"it has no file {name}"
            refusal = f"revision {number} cannot be edited: {reason}"
            self._audit(tx, actor, EDIT, number, f"refused: {name}: {reason}", origin)
        raise Refused(refusal)

    def act(self, number: int, action: str, actor: str, origin: str, self_approve: bool = False,
            missing_audio: int = 0, allow_missing_audio: bool = False, checked_against: int | None = None) -> Revision:
        """Submit, approve or publish a revision as the rules allow; every attempt is an audit row.

        `checked_against`: the live revision a publish's checks compared this one with; if another went live
        since, the checks no longer hold, and the publish is refused.
        """
        with self.database.transaction() as tx:
            self._lock(tx)
            revision = self._summary(tx, number)
            step = decide(revision.state, action, actor, revision.author, self_approve, missing_audio,
                          allow_missing_audio)
            if step.state is not None:  # allowed by the rules: do the publish's checks still hold?
                step = _still_live(tx, checked_against, action) or step
            if step.state is not None:
                now = int(self._clock())
                if step.state == LIVE:
                    tx.execute("UPDATE revisions SET state = ? WHERE state = ?", (RETIRED, LIVE))
                    tx.execute("UPDATE revisions SET published_at = ? WHERE number = ?", (now, number))
                if step.state == APPROVED:
                    tx.execute("UPDATE revisions SET approved_by = ?, approved_at = ? WHERE number = ?",
                               (actor, now, number))
                tx.execute("UPDATE revisions SET state = ? WHERE number = ?", (step.state, number))
                self._audit(tx, actor, action, number, step.reason, origin)
                return self._summary(tx, number)
            refusal = f"revision {number} cannot be {_PAST[action]}: {step.reason}"
            self._audit(tx, actor, action, number, f"refused: {step.reason}", origin)
        raise Refused(refusal)

    def rollback(self, actor: str, origin: str, number: int | None = None,
                 checked_against: int | None = None) -> Revision:
        """A new live revision equal to an old one (by default the one live before), approved by this rollback;
        `checked_against` as for `act`."""
        with self.database.transaction() as tx:
            self._lock(tx)
            if number is None:
                number = self._previous(tx)
            if number is None:
                refusal = "nothing to roll back to: no revision was live before this one"
            else:
                step = decide(self._summary(tx, number).state, ROLLBACK, actor, author="")
                if step.state is not None:  # allowed by the rules: do the rollback's checks still hold?
                    step = _still_live(tx, checked_against, ROLLBACK) or step
                if step.state is not None:
                    document = tx.row("SELECT document FROM revisions WHERE number = ?", (number,))[0]
                    tx.execute("UPDATE revisions SET state = ? WHERE state = ?", (RETIRED, LIVE))
                    new = self._insert(tx, decode(document), actor, f"rollback to revision {number}", actor, number)
                    self._audit(tx, actor, ROLLBACK, new, f"live: a copy of revision {number}", origin)
                    return self._summary(tx, new)
                refusal = f"cannot roll back to revision {number}: {step.reason}"
            self._audit(tx, actor, ROLLBACK, number, f"refused: {refusal}", origin)
        raise Refused(refusal)

    def record(self, actor: str, action: str, revision: int | None, outcome: str, origin: str) -> None:
        """An audit row for an action that changes no revision (an export)."""
        with self.database.transaction() as tx:
            self._lock(tx)
            self._audit(tx, actor, action, revision, outcome, origin)

    def _lock(self, tx: Transaction) -> None:
        if self.database.postgres:
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_PUBLISHING_LOCK,))

    def _previous(self, tx: Transaction) -> int | None:
        row = tx.one("SELECT number FROM revisions WHERE state = ? ORDER BY published_at DESC, number DESC",
                     (RETIRED,))
        return row[0] if row else None

    def _summary(self, tx: Transaction, number: int) -> Revision:
        row = tx.one(f"SELECT {_SUMMARY} FROM revisions WHERE number = ?", (number,))
        if row is None:
            raise Refused(f"there is no revision {number}")
        return Revision(*row)

    def _insert(self, tx: Transaction, files: Files, author: str, note: str, approved_by: str | None = None,
                restores: int | None = None) -> int:
        """A new draft; or, when approved_by is given, a new live revision (the first one, or a rollback)."""
        number = (tx.row("SELECT MAX(number) FROM revisions")[0] or 0) + 1
        now = int(self._clock())
        live_since = now if approved_by else None
        tx.execute("INSERT INTO revisions (number, document, digest, author, note, created_at, state, approved_by,"
                   " approved_at, published_at, restores) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (number, encode(files), digest(files), author, note, now, LIVE if approved_by else DRAFT,
                    approved_by, live_since, live_since, restores))
        return number

    def _audit(self, tx: Transaction, actor: str, action: str, revision: int | None, outcome: str,
               origin: str) -> None:
        row_id = (tx.row("SELECT MAX(id) FROM revision_audit")[0] or 0) + 1
        tx.execute("INSERT INTO revision_audit (id, at, actor, action, revision, outcome, origin)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)", (row_id, int(self._clock()), actor, action, revision, outcome,
                                                     origin))


_PAST = {SUBMIT: "submitted", APPROVE: "approved", PUBLISH: "published"}


def _live_number(tx: Transaction) -> int | None:
    row = tx.one("SELECT number FROM revisions WHERE state = ?", (LIVE,))
    return row[0] if row else None


def _still_live(tx: Transaction, checked_against: int | None, action: str) -> Step | None:
    """A refusal when the revision the checks compared with is no longer live (another went live meanwhile)."""
    live = _live_number(tx)
    if checked_against is None or live == checked_against:
        return None
    return Step(None, f"revision {live} went live while this {action} was being checked; check and {action} again")


def _said(state: str) -> str:
    return state.replace("_", " ")
