"""What the line remembers about a phone number, keyed by a keyed hash of it, never the number itself.

HMAC-SHA256 with a secret from configuration: the same number always gives the same key, but a
leaked database cannot be turned back into numbers by hashing every possible number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ivr.config import DEFAULT_LINE_TEXTS_PER_DAY
from ivr.store.database import Database, Transaction

SECRET_FILE = "number-hash-secret"
# An opt-out keeps the date and source it started with; opting back in clears them.
_KEEP_EARLIER_OPT_OUT = (
    "opted_out_at = CASE WHEN numbers.opted_out = 1 AND excluded.opted_out = 1 THEN numbers.opted_out_at"
    " ELSE excluded.opted_out_at END,"
    " opted_out_source = CASE WHEN numbers.opted_out = 1 AND excluded.opted_out = 1 THEN numbers.opted_out_source"
    " ELSE excluded.opted_out_source END"
)
# How far apart two writes' dates may be from the order they happened in: each is dated by its instance's own clock
# (minutes off after a VM's pause, before NTP catches up), and may commit seconds after it was dated.
CLOCK_SKEW_SECONDS = 300
REPLY_KEEP_SECONDS = 2 * 86400  # Twilio retries a webhook within minutes; two days is plenty
CLAIM_EXPIRY_SECONDS = 60  # a request that claimed a MessageSid and never answered has died: let a retry in
PERIODS = (("minute", 60), ("day", 86400))
LINE_TEXTS = "line"  # the rate_counts key of all the line's texts (a number's key is a 64-digit hash)
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")  # what Twilio sends: + and 7 to 15 digits
# What carriers put in From when the caller hides or has no number (Twilio's voice webhook docs).
_HIDDEN_CALLER_IDS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})


def load_or_create_secret(configured: str | None, instance_dir: Path) -> bytes:
    """NUMBER_HASH_SECRET, or for development a random secret kept in instance/ (one per machine)."""
    if configured:
        return configured.encode()
    path = instance_dir / SECRET_FILE
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class NumberHasher:
    secret: bytes

    def __call__(self, number: str) -> str:
        return hmac.new(self.secret, number.strip().encode(), hashlib.sha256).hexdigest()


def has_caller_id(number: str) -> bool:
    """Whether a caller ID is a real number to text or remember (E.164, not a carrier's "hidden" stand-in)."""
    return bool(E164.match(number)) and number not in _HIDDEN_CALLER_IDS


@dataclass(frozen=True)
class NumberState:
    """A number's opt-out, language and where MORE continues (topic and 0-based part)."""

    language: str | None = None
    opted_out: bool = False
    topic: str | None = None
    next_part: int | None = None

    def paging(self, language: str, topic: str, next_part: int | None) -> "NumberState":
        """This state paging through a section: MORE sends `next_part` of `topic` (None: nothing more)."""
        return replace(self, language=language, topic=topic, next_part=next_part)


@dataclass(frozen=True)
class RateLimits:
    per_minute: int
    per_day: int
    line_per_day: int = DEFAULT_LINE_TEXTS_PER_DAY  # every number together: the line's daily budget of texts

    def allow(self, counts: Mapping[str, int]) -> bool:
        return counts.get("minute", 0) <= self.per_minute and counts.get("day", 0) <= self.per_day

    def within_budget(self, counts: Mapping[str, int]) -> bool:
        """Whether the line's texts today, this one included ("line"), stay within its daily budget."""
        return counts.get("line", 0) <= self.line_per_day


class NumberStore:
    """Each number's state in the database, by its hash (never a text): opt-outs, paging, language preference,
    rate counts and answered MessageSids.

    Every write is one statement that touches only its own columns, so no write can undo another made
    meanwhile: an opt-out is never a read-modify-write of the record, and paging or a language change
    never writes `opted_out` (and is not made at all for a number that opted out meanwhile).
    """

    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock())

    def number(self, number_hash: str) -> NumberState:
        with self.database.transaction() as tx:
            return _state(tx, number_hash)

    def record_opt_out(self, number_hash: str, opted_out: bool, language: str | None = None) -> None:
        """Opt a number out (or back in) with one atomic statement; `language` too when the word was the language's."""
        with self.database.transaction() as tx:
            _record_opt_out(tx, number_hash, opted_out, language, self._now())

    def apply_opt_outs(self, changes: Iterable[tuple[str, bool, str | None, int]]) -> dict[str, bool]:
        """Opt-outs and opt-ins kept while the store was down, applied in their order in one transaction,
        each dated when it was made; return each number's opt-out as the store now has it.

        Another instance (or an import) may have recorded an opt-out after an opt-in was kept here: the kept
        opt-in must not undo it, so it is skipped when the number's opt-out was written as late as the opt-in was
        made, or up to CLOCK_SKEW_SECONDS earlier by the clocks (a tie with an earlier change of this same batch is
        ours, in order). When unsure, the number stays out. Other writes to the number (its language, where MORE
        goes on) do not count: a family that texted AYUDA and then START is back in.
        """
        kept = list(changes)
        last = {number_hash: index for index, (number_hash, *_) in enumerate(kept)}
        now = self._now()
        with self.database.transaction() as tx:
            ours: set[str] = set()
            for index, (number_hash, opted_out, language, at) in enumerate(kept):
                # A number's last change is written as of now (an opt-out dated `at` for the audit): every
                # instance's copy of the opted-out numbers reads what changed since its last look, and one taken
                # during this instance's outage would never see a row written as of before it.
                written = now if last[number_hash] == index else at
                _record_opt_out(tx, number_hash, opted_out, language, written, at=at,
                                keep_later_opt_out=not opted_out, tie_is_ours=number_hash in ours)
                ours.add(number_hash)
            return {number_hash: _state(tx, number_hash).opted_out for number_hash in last}

    def opt_out(self, number_hash: str, at: int, source: str = "import") -> None:
        """Opt a number out from a list kept elsewhere, dated `at`: the same single statement as a STOP."""
        with self.database.transaction() as tx:
            _record_opt_out(tx, number_hash, True, None, self._now(), source, at)

    def restore_opt_out(self, number_hash: str) -> bool:
        """Write again an opt-out the store lost: only if it has no row for the number (a deleted file, a dropped
        table), since any row is its own word, a START included. True if written (dated now, source "restored")."""
        now = self._now()
        with self.database.transaction() as tx:
            return bool(tx.execute(
                "INSERT INTO numbers (number_hash, opted_out, updated_at, opted_out_at, opted_out_source)"
                " VALUES (?, 1, ?, ?, 'restored') ON CONFLICT (number_hash) DO NOTHING RETURNING number_hash",
                (number_hash, now, now)))

    def opt_outs_changed_since(self, since: int) -> tuple[int, dict[str, bool]]:
        """The time now, and each number written at or after `since` with whether it is opted out now.

        An instance keeps a copy of the opted-out numbers (hashes only) to honour them through an outage;
        since 0 is the whole list, later calls read only what changed.
        """
        now = self._now()
        with self.database.transaction() as tx:
            rows = tx.execute("SELECT number_hash, opted_out FROM numbers WHERE updated_at >= ?", (since,))
        return now, {number_hash: bool(opted_out) for number_hash, opted_out in rows}

    def opt_outs_by_day(self) -> list[tuple[int | None, str | None, int]]:
        """Numbers opted out now, counted by UTC day (days since 1970; None: before dates were kept) and source."""
        with self.database.transaction() as tx:
            return [(row[0], row[1], row[2]) for row in tx.execute(
                "SELECT opted_out_at / 86400, opted_out_source, COUNT(*) FROM numbers WHERE opted_out = 1"
                " GROUP BY opted_out_at / 86400, opted_out_source ORDER BY 1, 2")]

    def set_language(self, number_hash: str, language: str) -> None:
        """Remember a language chosen on the phone, touching nothing else but paging in another language.

        MORE counts the parts of the language a section was sent in, so a change of language forgets the place.
        """
        with self.database.transaction() as tx:
            changes: dict[str, object] = {"language": language}
            if _state(tx, number_hash).language not in (None, language):
                changes |= {"topic": None, "next_part": None}
            _write_place(tx, number_hash, changes, self._now(), unless_opted_out=False)

    def set_place(self, number_hash: str, changes: Mapping[str, object]) -> None:
        """Write paging or language columns whatever the opt-out (AYUDA from an opted-out number: Spanish)."""
        if changes:
            with self.database.transaction() as tx:
                _write_place(tx, number_hash, changes, self._now(), unless_opted_out=False)

    def update_unless_opted_out(self, number_hash: str, changes: Mapping[str, object]) -> bool:
        """Write paging or language columns unless the number is opted out now; return whether it is still in.

        The check and the write are one statement, so a reply is only sent for a number that had not opted
        out when its new place was saved: a STOP that won the race silences the reply as well.
        """
        with self.database.transaction() as tx:
            if not changes:
                return not _state(tx, number_hash).opted_out
            return _write_place(tx, number_hash, changes, self._now(), unless_opted_out=True)

    def count_message(self, number_hash: str, per_minute: bool = True) -> dict[str, int]:
        """Count one more message for this number (and the line); return the counts of this minute and day.

        With per_minute False the text counts toward the day only, and "minute" is left out.
        """
        with self.database.transaction() as tx:
            return _count(tx, number_hash, self._now(), PERIODS if per_minute else PERIODS[1:])

    def prepare_send(self, number_hash: str) -> tuple[NumberState, dict[str, int]]:
        """For a text sent from a call: the number's state and, unless it opted out, its counts with this text.

        Read and counted in one transaction right before the REST call, so the opt-out checked is the latest.
        """
        with self.database.transaction() as tx:
            state = _state(tx, number_hash)
            return state, ({} if state.opted_out else _count(tx, number_hash, self._now()))

    def claim_message(self, message_sid: str) -> bool:
        """Claim a MessageSid atomically; False when another request (a Twilio retry) holds or answered it.

        A claim whose reply never came (its request died) can be taken over after CLAIM_EXPIRY_SECONDS.
        """
        now = self._now()
        with self.database.transaction() as tx:
            tx.execute("DELETE FROM sms_replies WHERE created_at < ?", (now - REPLY_KEEP_SECONDS,))
            claimed = tx.execute(
                "INSERT INTO sms_replies (message_sid, reply, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (message_sid) DO NOTHING RETURNING message_sid",
                (message_sid, _PENDING, now),
            ) or tx.execute(
                "UPDATE sms_replies SET created_at = ? WHERE message_sid = ? AND reply = ? AND created_at < ?"
                " RETURNING message_sid",
                (now, message_sid, _PENDING, now - CLAIM_EXPIRY_SECONDS),
            )
        return bool(claimed)

    def reply_to(self, message_sid: str) -> str | None:
        """The reply already given to this MessageSid; None while unknown or still being decided."""
        with self.database.transaction() as tx:
            row = tx.one("SELECT reply FROM sms_replies WHERE message_sid = ?", (message_sid,))
        return row[0] if row and row[0] != _PENDING else None

    def remember_reply(self, message_sid: str, reply: str) -> None:
        """Keep the reply of a claimed MessageSid for its retries; the first reply is never replaced."""
        if reply == _PENDING:
            raise ValueError("an empty string marks a claim still being decided")
        with self.database.transaction() as tx:
            tx.execute("UPDATE sms_replies SET reply = ? WHERE message_sid = ? AND reply = ?",
                       (reply, message_sid, _PENDING))


_PENDING = ""  # the reply of a claimed MessageSid whose answer is still being decided
_PLACE_COLUMNS = frozenset({"language", "topic", "next_part"})


def _state(tx: Transaction, number_hash: str) -> NumberState:
    row = tx.one("SELECT language, opted_out, topic, next_part FROM numbers WHERE number_hash = ?", (number_hash,))
    if row is None:
        return NumberState()
    return NumberState(language=row[0], opted_out=bool(row[1]), topic=row[2], next_part=row[3])


def _write_place(tx: Transaction, number_hash: str, changes: Mapping[str, object], now: int,
                 unless_opted_out: bool) -> bool:
    """One upsert of only the given paging or language columns; False if skipped for an opted-out number.

    A new row is dated now; an existing one keeps its `updated_at`, the date of its last opt-out change: a START
    kept through an outage is weighed against it, and the copies of the opted-out numbers read changes by it.
    """
    columns = list(changes)
    if not set(columns) <= _PLACE_COLUMNS:
        raise ValueError(f"not a paging or language column: {columns}")
    saved = tx.execute(
        f"INSERT INTO numbers (number_hash, {', '.join(columns)}, updated_at)"
        f" VALUES (?, {', '.join('?' for _ in columns)}, ?) ON CONFLICT (number_hash) DO UPDATE SET"
        f" {', '.join(f'{column} = excluded.{column}' for column in columns)}"
        f"{' WHERE numbers.opted_out = 0' if unless_opted_out else ''} RETURNING number_hash",
        (number_hash, *changes.values(), now),
    )
    return bool(saved)


def _record_opt_out(tx: Transaction, number_hash: str, opted_out: bool, language: str | None, now: int,
                    source: str = "text", at: int | None = None, keep_later_opt_out: bool = False,
                    tie_is_ours: bool = False) -> None:
    """One statement touching only the opt-out columns (and the language, for PARAR or AYUDA).

    An opt-out keeps the date and source it started with, for the audit export; opting back in clears them.
    `at`: when the change was made, if not `now` (an import's date, a change kept through an outage).
    With `keep_later_opt_out` (an opt-in), nothing is written to a number whose opt-out was written as late as the
    opt-in was made (`updated_at` is when a number's opt-out last changed: paging and language writes leave it):
    another instance's, dated by another clock (CLOCK_SKEW_SECONDS), or only a later one if `tie_is_ours` (this
    transaction wrote the row already, in order, by this clock).
    """
    made = now if at is None else at
    dated = (made, source) if opted_out else (None, None)
    later = "> ?" if tie_is_ours else f">= ? - {CLOCK_SKEW_SECONDS}"
    skip = f" WHERE NOT (numbers.opted_out = 1 AND numbers.updated_at {later})" if keep_later_opt_out else ""
    tx.execute(
        "INSERT INTO numbers (number_hash, language, opted_out, updated_at, opted_out_at, opted_out_source)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (number_hash) DO UPDATE SET opted_out = excluded.opted_out,"
        " language = COALESCE(excluded.language, numbers.language), updated_at = excluded.updated_at,"
        f" {_KEEP_EARLIER_OPT_OUT}{skip}",
        (number_hash, language, int(opted_out), now, *dated, *((made,) if keep_later_opt_out else ())),
    )


def _count(tx: Transaction, number_hash: str, now: int,
           periods: tuple[tuple[str, int], ...] = PERIODS) -> dict[str, int]:
    """Count a text for the number (in `periods`) and for the whole line ("line": today)."""
    counts = {period: count for period, count in _count_in(tx, number_hash, now, periods).items()
              if period in dict(periods)}
    return {**counts, "line": _count_in(tx, LINE_TEXTS, now, PERIODS[1:])["day"]}


def _count_in(tx: Transaction, number_hash: str, now: int, periods: tuple[tuple[str, int], ...]) -> dict[str, int]:
    for period, size in periods:
        bucket = now // size
        tx.execute(
            "INSERT INTO rate_counts (number_hash, period, bucket, count) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (number_hash, period, bucket) DO UPDATE SET count = rate_counts.count + 1",
            (number_hash, period, bucket),
        )
        tx.execute("DELETE FROM rate_counts WHERE number_hash = ? AND period = ? AND bucket < ?",
                   (number_hash, period, bucket))
    return {period: count for period, count in
            tx.execute("SELECT period, count FROM rate_counts WHERE number_hash = ?", (number_hash,))}
