"""Counting what happens, from inside the webhooks, without ever slowing or failing an answer.

Handlers note events as they decide; after the response is built, the events of the request (and
where its call now is) are saved in one transaction. A store that is down loses the counts of that
request, with a warning, and the caller or texter notices nothing.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g

from ivr.observability import twilio_sid
from ivr.services import services
from ivr.store.database import StoreUnavailable
from ivr.store.usage import CallPlace, Event

log = logging.getLogger(__name__)


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


def _save(response: Response) -> Response:
    events = g.get("usage_events", [])
    place = g.get("usage_call_place")
    sid = call_sid() if place else None
    if events or sid:
        try:
            services().usage.record(events, CallPlace(sid, *place) if sid and place else None)
        except StoreUnavailable as error:
            log.warning("usage counts of this request are lost: the store is unavailable (%s)", error)
    return response


def install_usage_counting(app: Flask) -> None:
    app.after_request(_save)
