"""Usage counts per day in the database: what families ask for and where callers get lost, with nothing that
identifies anyone. ivr/counting.py adds them up from the webhooks; ivr/report.py reads them for `stats`.

A count is (UTC day, channel, event, language, place) -> how many. No number, text or transcript is
kept. To count hang-ups per place, the store keeps where each live call is (by CallSid only) until
Twilio's status callback says the call ended, then counts the hang-up there and forgets the call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable, Mapping

from ivr.store.database import Database

CALL_PLACE_KEEP_SECONDS = 86400  # a call whose end was never reported is forgotten after a day


@dataclass(frozen=True)
class Event:
    """One thing that happened. `place` is a topic or menu id, "language" (the first question), or ""."""

    channel: str  # "voice" or "sms"
    name: str  # "call", "opened", "finished", "wrong-key", "silence", "keyword", ...
    language: str = ""
    place: str = ""


@dataclass(frozen=True)
class CallPlace:
    call_sid: str
    language: str
    place: str


@dataclass(frozen=True)
class Count:
    day: str
    event: Event
    count: int


def utc_day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).date().isoformat()


class UsageStore:
    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self.clock = clock

    def record(self, events: Mapping[Event, int], calls: Iterable[CallPlace] = ()) -> None:
        """Add event counts and remember where calls now are, in one transaction."""
        now = int(self.clock())
        day = utc_day(now)
        with self.database.transaction() as tx:
            for event, count in events.items():
                tx.execute(
                    "INSERT INTO usage_counts (day, channel, event, language, place, count) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (day, channel, event, language, place)"
                    " DO UPDATE SET count = usage_counts.count + excluded.count",
                    (day, event.channel, event.name, event.language, event.place, count),
                )
            for call in calls:
                tx.execute(
                    "INSERT INTO call_places (call_sid, language, place, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (call_sid) DO UPDATE SET language = excluded.language, place = excluded.place,"
                    " updated_at = excluded.updated_at",
                    (call.call_sid, call.language, call.place, now),
                )

    def call_ended(self, call_sid: str) -> CallPlace | None:
        """Where the call was when it ended (None if unknown), forgetting it and any long-abandoned call."""
        now = int(self.clock())
        with self.database.transaction() as tx:
            row = tx.one("SELECT language, place FROM call_places WHERE call_sid = ?", (call_sid,))
            tx.execute("DELETE FROM call_places WHERE call_sid = ? OR updated_at < ?",
                       (call_sid, now - CALL_PLACE_KEEP_SECONDS))
        return CallPlace(call_sid, row[0], row[1]) if row else None

    def counts(self, days: int) -> list[Count]:
        """Every count of the last `days` UTC days (today included), oldest day first."""
        today = self.today()
        return self.counts_between(today - timedelta(days=days - 1), today)

    def today(self) -> date:
        """The UTC day counts are being added to now."""
        return datetime.fromtimestamp(self.clock(), timezone.utc).date()

    def counts_between(self, first: date, last: date) -> list[Count]:
        """Every count from UTC day `first` to `last`, both included, oldest day first."""
        with self.database.transaction() as tx:
            rows = tx.execute(
                "SELECT day, channel, event, language, place, count FROM usage_counts WHERE day >= ? AND day <= ?"
                " ORDER BY day, channel, event, language, place",
                (first.isoformat(), last.isoformat()),
            )
        return [Count(day, Event(channel, event, language, place), count)
                for day, channel, event, language, place, count in rows]
