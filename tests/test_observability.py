"""One JSON line per request, and nothing personal in any log line."""

from __future__ import annotations

import io
import json
import logging
from typing import Iterator

import pytest

from ivr.observability import JsonFormatter, mask_numbers
from ivr.voice.twiml import VoicePages
from tests.twilio_requests import CALLER, twilio_post

TRANSCRIPT = "my daughter Emma has leukemia and cannot hold a pencil"
BODY = "Hi this is Dana at 617 555 0199 please call back"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the app writes to its log, exactly as it would reach the operator."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ivr")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_logs_one_json_line_with_its_route_sid_status_and_latency(client, json_log):
    twilio_post(client, "/voice/en/choices/main/choose?attempt=1", {"Digits": "3"})
    [entry] = [line for line in lines(json_log) if line.get("event") == "request"]
    assert entry["route"] == "/voice/<lang>/choices/<topic>/choose"
    assert entry["method"] == "POST" and entry["status"] == 200 and entry["outcome"] == "ok"
    assert entry["call_sid"] == "CA" + "0" * 32 and entry["message_sid"] is None
    assert isinstance(entry["latency_ms"], float)


def test_refused_and_unknown_requests_are_logged_with_their_outcome(client, json_log):
    client.post("/voice", data={"From": CALLER})
    client.get("/nowhere")
    outcomes = [(line["status"], line["outcome"]) for line in lines(json_log) if line.get("event") == "request"]
    assert outcomes == [(403, "bad-signature"), (404, "not-found")]


def test_a_sid_of_the_wrong_shape_is_not_logged(client, json_log):
    twilio_post(client, "/voice", {"CallSid": CALLER + " " + TRANSCRIPT})
    [entry] = [line for line in lines(json_log) if line.get("event") == "request"]
    assert entry["call_sid"] is None


def test_no_number_body_or_transcript_reaches_the_log_even_from_a_failure(client, json_log, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError(f"could not reach {CALLER} about {kwargs}")

    monkeypatch.setattr(VoicePages, "topic", fail)
    params = {"From": CALLER, "Caller": CALLER, "Body": BODY, "SpeechResult": TRANSCRIPT, "Digits": "3"}
    response = twilio_post(client, "/voice/en/choices/main/choose?attempt=1", params)
    assert response.status_code == 200 and b"<Redirect" in response.data
    written = json_log.getvalue()
    assert '"outcome": "apology"' in written and "RuntimeError" in written
    for secret in (CALLER, CALLER[2:], "5550006", "555 0199", TRANSCRIPT, "Emma", BODY, "Dana"):
        assert secret not in written


def test_numbers_are_masked_but_sids_and_timestamps_are_not():
    assert mask_numbers(f"texting {CALLER} failed") == "texting +*********06 failed"
    assert mask_numbers("(617) 555-0199") == "(***) ***-**99"
    untouched = "CA0123456789abcdef0123456789abcdef at 2026-11-28T04:35:00.123+00:00 took 12.5 ms"
    assert mask_numbers(untouched) == untouched
