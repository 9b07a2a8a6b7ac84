"""Texting from a call against Twilio's own published OpenAPI spec, served by Prism as a validating mock.

Prism checks each request against twilio/twilio-oai's spec (required fields, formats, auth) and
answers with the spec's example. `.ci/run` installs it with `npm ci --prefix .ci/node`.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest

from ivr.sms.sender import TwilioSender, twilio_client
from tests.app_factory import build_app
from tests.servers import free_port
from tests.shipped import PROJECT
from tests.twilio_requests import CALLER, LINE_NUMBER, twilio_post

PRISM = PROJECT / ".ci" / "node" / "node_modules" / ".bin" / "prism"
SPEC = PROJECT.parent / "shared" / "twilio-oai" / "twilio_api_v2010.json"
ACCOUNT = "AC" + "3" * 32
START_SECONDS = 60


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Prism stopped at start-up:\n{log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"Prism did not listen within {START_SECONDS} s:\n{log.read_text()[-2000:]}")


def _warm_up(base: str) -> None:
    """Prism's first answer takes about a second; take it here, not inside the line's 1 s timeout."""
    request = urllib.request.Request(f"{base}/2010-04-01/Accounts/{ACCOUNT}/Messages.json", data=b"To=%2B1",
                                     method="POST")
    try:
        urllib.request.urlopen(request, timeout=30).close()
    except urllib.error.HTTPError:
        pass  # 401 or 422: it answered


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PRISM.exists():
        pytest.fail(f"Prism is not installed at {PRISM}: run `npm ci --prefix .ci/node` (.ci/run does it)")
    if not SPEC.exists():
        pytest.fail(f"Twilio's OpenAPI spec is missing: expected {SPEC} (shared/ beside the project)")
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("w") as output:
        process = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, process, log)
        base = f"http://127.0.0.1:{port}"
        _warm_up(base)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_text_key_sends_a_request_twilios_spec_accepts(tmp_path: Path, prism: str) -> None:
    client = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=prism).test_client()
    answer = twilio_post(client, "/voice/en/choices/main/choose", {"Digits": "8"})
    assert b"I sent that to your phone by text." in answer.data


def test_a_request_the_spec_refuses_is_a_failed_text(tmp_path: Path, prism: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """A malformed Account SID breaks the spec's pattern: Prism answers 422 and the caller is told."""
    caplog.set_level(logging.WARNING)
    app = build_app(tmp_path)
    services = app.extensions["otline"]
    sender = TwilioSender(twilio_client("ACnot-a-real-sid", "token", prism))
    texts = replace(services.texts, sender=sender)
    assert texts.send_topic(services.line.default_language, "find-ot", CALLER, LINE_NUMBER) == "text.failed"
    assert any("HTTP 422" in record.getMessage() for record in caplog.records)
