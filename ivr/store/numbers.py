"""What the line remembers about a phone number, keyed by a keyed hash of it, never the number itself.

HMAC-SHA256 with a secret from configuration: the same number always gives the same key, but a
leaked database cannot be turned back into numbers by hashing every possible number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ivr.store.database import Database

SECRET_FILE = "number-hash-secret"
# An opt-out keeps the date and source it started with; opting back in clears them.
_KEEP_EARLIER_OPT_OUT = (
    "opted_out_at = CASE WHEN numbers.opted_out = 1 AND excluded.opted_out = 1 THEN numbers.opted_out_at"
    " ELSE excluded.opted_out_at END,"
    " opted_out_source = CASE WHEN numbers.opted_out = 1 AND excluded.opted_out = 1 THEN numbers.opted_out_source"
    " ELSE excluded.opted_out_source END"
)
REPLY_KEEP_SECONDS = 2 * 86400  # Twilio retries a webhook within minutes; two days is plenty
PERIODS = (("minute", 60), ("day", 86400))


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


@dataclass(frozen=True)
class NumberState:
    """A number's opt-out, language and where MORE continues (topic and 0-based part)."""

    language: str | None = None
    opted_out: bool = False
    topic: str | None = None
    next_part: int | None = None

    def reading(self, language: str, topic: str, next_part: int | None) -> "NumberState":
        return replace(self, language=language, topic=topic, next_part=next_part)


@dataclass(frozen=True)
class RateLimits:
    per_minute: int
    per_day: int

    def allow(self, counts: dict[str, int]) -> bool:
        return counts.get("minute", 0) <= self.per_minute and counts.get("day", 0) <= self.per_day


class TextStore:
    """Opt-outs, paging, language preference, rate counts and answered MessageSids."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock())

    def number(self, number_hash: str) -> NumberState:
        with self.database.transaction() as tx:
            row = tx.one("SELECT language, opted_out, topic, next_part FROM numbers WHERE number_hash = ?", (number_hash,))
        if row is None:
            return NumberState()
        return NumberState(language=row[0], opted_out=bool(row[1]), topic=row[2], next_part=row[3])

    def save_number(self, number_hash: str, state: NumberState) -> None:
        """Remember the state; an opt-out by text is dated when it starts (kept while it lasts, gone with START)."""
        now = self._now()
        opted_out_at, source = (now, "text") if state.opted_out else (None, None)
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO numbers (number_hash, language, opted_out, topic, next_part, updated_at, opted_out_at,"
                " opted_out_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number_hash) DO UPDATE SET"
                " language = excluded.language, opted_out = excluded.opted_out, topic = excluded.topic,"
                " next_part = excluded.next_part, updated_at = excluded.updated_at,"
                f" {_KEEP_EARLIER_OPT_OUT}",
                (number_hash, state.language, int(state.opted_out), state.topic, state.next_part, now, opted_out_at,
                 source),
            )

    def opt_out(self, number_hash: str, at: int, source: str = "import") -> None:
        """Opt a number out, in one statement (safe beside texts arriving): nothing else about it changes."""
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO numbers (number_hash, opted_out, updated_at, opted_out_at, opted_out_source)"
                " VALUES (?, 1, ?, ?, ?) ON CONFLICT (number_hash) DO UPDATE SET opted_out = 1,"
                f" {_KEEP_EARLIER_OPT_OUT}",
                (number_hash, self._now(), at, source),
            )

    def opt_outs_by_day(self) -> list[tuple[int | None, str | None, int]]:
        """Numbers opted out now, counted by UTC day (days since 1970; None: before dates were kept) and source."""
        with self.database.transaction() as tx:
            return [(row[0], row[1], row[2]) for row in tx.execute(
                "SELECT opted_out_at / 86400, opted_out_source, COUNT(*) FROM numbers WHERE opted_out = 1"
                " GROUP BY opted_out_at / 86400, opted_out_source ORDER BY 1, 2")]

    def set_language(self, number_hash: str, language: str) -> None:
        """Remember a language chosen on the phone, keeping the rest of what the number has."""
        self.save_number(number_hash, replace(self.number(number_hash), language=language))

    def count_message(self, number_hash: str) -> dict[str, int]:
        """Count one more message for this number; return its count in the current minute and day."""
        now = self._now()
        buckets = {period: now // size for period, size in PERIODS}
        with self.database.transaction() as tx:
            for period, bucket in buckets.items():
                tx.execute(
                    "INSERT INTO rate_counts (number_hash, period, bucket, count) VALUES (?, ?, ?, 1)"
                    " ON CONFLICT (number_hash, period, bucket) DO UPDATE SET count = rate_counts.count + 1",
                    (number_hash, period, bucket),
                )
                tx.execute("DELETE FROM rate_counts WHERE number_hash = ? AND period = ? AND bucket < ?", (number_hash, period, bucket))
            rows = tx.execute("SELECT period, count FROM rate_counts WHERE number_hash = ?", (number_hash,))
        return {period: count for period, count in rows}

    def reply_to(self, message_sid: str) -> str | None:
        """The reply already given to this MessageSid, if Twilio is retrying it."""
        with self.database.transaction() as tx:
            row = tx.one("SELECT reply FROM sms_replies WHERE message_sid = ?", (message_sid,))
        return row[0] if row else None

    def remember_reply(self, message_sid: str, reply: str) -> None:
        now = self._now()
        with self.database.transaction() as tx:
            tx.execute("DELETE FROM sms_replies WHERE created_at < ?", (now - REPLY_KEEP_SECONDS,))
            tx.execute(
                "INSERT INTO sms_replies (message_sid, reply, created_at) VALUES (?, ?, ?) ON CONFLICT (message_sid) DO NOTHING",
                (message_sid, reply, now),
            )
