"""Counting what happens, from inside the webhooks, without ever slowing or failing an answer.

Handlers note events as they decide. Each worker adds them up in memory and writes them in one
transaction at most once a second (a write per request cost more than the rest of the request,
bench/README.md), so a crash or a restart loses at most a second of counts. The write is queued to the
worker's store writer thread (ivr/store/offload.py), so no answer ever waits on it. A store that is down
loses the counts of that moment, with a warning, and no caller or texter notices.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Callable

from flask import Flask, Response, g

from ivr.observability import twilio_sid
from ivr.store.database import StoreUnavailable
from ivr.store.offload import Offload
from ivr.store.usage import CallPlace, Event, UsageStore

log = logging.getLogger(__name__)
FLUSH_SECONDS = 1.0


class UsageRecorder:
    """Adds up events and call places in memory and saves them together, one transaction a second."""

    def __init__(self, store: UsageStore, offload: Offload, flush_seconds: float = FLUSH_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.offload = offload
        self.flush_seconds = flush_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._events: Counter[Event] = Counter()
        self._places: dict[str, CallPlace] = {}
        self._last_flush = clock()

    def add(self, events: list[Event], place: CallPlace | None) -> None:
        with self._lock:
            self._events.update(events)
            if place is not None:
                self._places[place.call_sid] = place
            due = self.clock() - self._last_flush >= self.flush_seconds
        if due:
            self.offload.write(self.flush, "usage counts")

    def flush(self) -> None:
        """Save what has been added up; on failure it is dropped (counts are not worth a slow answer)."""
        with self._lock:
            events, places = self._events, list(self._places.values())
            self._events, self._places, self._last_flush = Counter(), {}, self.clock()
        if not events and not places:
            return
        try:
            self.store.record(events, places)
        except StoreUnavailable as error:
            log.warning("%d usage count(s) lost: the store is unavailable (%s)", sum(events.values()), error)

    def count_hang_up(self, call_sid: str) -> None:
        """Queue counting a hang-up where the call ended (after the places noted so far are saved)."""
        self.offload.write(lambda: self._hang_up(call_sid), "a hang-up count")

    def _hang_up(self, call_sid: str) -> None:
        self.flush()
        ended = self.store.call_ended(call_sid)
        if ended:
            self.add([Event("voice", "hung-up", ended.language, ended.place)], None)


def note(channel: str, name: str, language: str = "", place: str = "") -> None:
    """Count one event for this request."""
    g.setdefault("usage_events", []).append(Event(channel, name, language, place))


def note_call_place(language: str, place: str) -> None:
    """Where this call is now: the place a hang-up is counted at if the caller hangs up here."""
    g.usage_call_place = (language, place)


def call_sid() -> str | None:
    """The request's CallSid when it has Twilio's shape; anything else is never stored."""
    sid = twilio_sid("CallSid")
    return sid if sid and sid.startswith("CA") else None


def install_usage_counting(app: Flask, recorder: UsageRecorder) -> None:
    def add_request_counts(response: Response) -> Response:
        events = g.get("usage_events", [])
        place = g.get("usage_call_place")
        sid = call_sid() if place else None
        if events or sid:
            recorder.add(events, CallPlace(sid, *place) if sid and place else None)
        return response

    app.after_request(add_request_counts)
