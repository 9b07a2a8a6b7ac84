"""Structured logs: one JSON line per request, and no phone number, text or transcript in any line.

Callers' numbers, message bodies and speech transcripts are personal data about families in a hard
time; the request line is built from a fixed list of safe fields, never from the parameters, and
every line is passed through a mask that blanks anything shaped like a phone number in case some
other code (an exception message from Twilio's REST API, say) carries one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import datetime, timezone

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

REQUEST_LOG = logging.getLogger("ivr.requests")
_PHONE_NUMBER = re.compile(r"(?<!\w)\+?\d(?:[\s().-]{0,2}\d){6,14}(?!\w)")  # 7 to 15 digits, E.164 or typed
_SID = re.compile(r"^(?:CA|SM|MM)[0-9a-f]{32}$")
_OUTCOME_BY_STATUS = {403: "bad-signature", 404: "not-found", 405: "wrong-method", 413: "too-large"}
# Fields a log record may carry into the JSON line (set with `extra=`); nothing else is copied.
STRUCTURED_FIELDS = ("event", "method", "route", "status", "latency_ms", "call_sid", "message_sid", "outcome", "path")


def mask_numbers(text: str) -> str:
    """Blank every digit of anything that looks like a phone number except the last two."""
    return _PHONE_NUMBER.sub(lambda m: re.sub(r"\d", "*", m.group(0)[:-2]) + m.group(0)[-2:], text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, masked, with the structured fields a record was given."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in STRUCTURED_FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return mask_numbers(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(level: int = logging.INFO) -> None:
    """Send the app's logs to stdout as JSON lines; safe to call once per app created."""
    logger = logging.getLogger("ivr")
    logger.setLevel(level)
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)


def note_outcome(outcome: str) -> None:
    """Let a handler say what happened ('apology', 'wrong-key', ...) for this request's log line."""
    g.log_outcome = outcome


def twilio_sid(name: str) -> str | None:
    """A Twilio SID from the request, or None: a value of the wrong shape is never logged."""
    try:
        value = request.values.get(name, "")
    except HTTPException:  # the body was refused (413): the query string alone is safe to read
        value = request.args.get(name, "")
    return value if _SID.match(value) else None


def _start_clock() -> None:
    g.log_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("log_started", time.perf_counter())
    outcome = g.get("log_outcome") or _OUTCOME_BY_STATUS.get(response.status_code) or (
        "ok" if response.status_code < 400 else "client-error" if response.status_code < 500 else "server-error")
    REQUEST_LOG.info("request", extra={
        "event": "request",
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "status": response.status_code,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        "call_sid": twilio_sid("CallSid"),
        "message_sid": twilio_sid("MessageSid"),
        "outcome": outcome,
    })
    return response


def install_request_log(app: Flask) -> None:
    """One JSON line per request: route (the rule, not the path), SIDs, status, latency, outcome."""
    configure_logging()
    app.before_request(_start_clock)
    app.after_request(_log_request)
