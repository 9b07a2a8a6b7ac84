"""Shared test helpers: an app per test, requests and texts signed the way Twilio signs them, a fake REST API."""

from __future__ import annotations

import itertools
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import parse_qs, urlencode
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.content.model import Line
from tests.shipped import PROJECT, shipped_line

# Fixtures kept next to what they serve: a throwaway PostgreSQL, and the crawled call tree with its URLs.
pytest_plugins = ["tests.pg_server", "tests.webhooks"]

TEST_TOKEN = "test-auth-token-0123456789abcdef"
TEST_BASE = "https://ot-line.example.org"
CALLER = "+15005550006"
LINE_NUMBER = "+15005551234"


def build_app(tmp_path: Path, **overrides: str) -> Flask:
    environ = {
        "TWILIO_AUTH_TOKEN": TEST_TOKEN,
        "PUBLIC_BASE_URL": TEST_BASE,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'line.db'}",
        "NUMBER_HASH_SECRET": "test-number-hash-secret",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "CONTENT_DIR": str(PROJECT / "content"),
        "PROMPTS_DIR": str(PROJECT / "prompts"),
        "REVISION_POLL_SECONDS": "0",  # no polling thread in every test's app; tests of publishing turn it on
    }
    environ.update(overrides)
    app = create_app({name: value for name, value in environ.items() if value is not None})
    app.testing = True
    return app


@pytest.fixture(scope="session")
def line() -> Line:
    """The line's real content and prompts, loaded once per run: tests only read it."""
    return shipped_line()


@pytest.fixture
def words(tmp_path: Path) -> Path:
    """A copy of content/ and prompts/ that a test may break."""
    shutil.copytree(PROJECT / "content", tmp_path / "content")
    shutil.copytree(PROJECT / "prompts", tmp_path / "prompts")
    return tmp_path


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return build_app(tmp_path)


# PostgreSQL on a port nothing listens on: every connection is refused at once, as when the server is down.
DATABASE_DOWN_URL = "postgresql://otline@127.0.0.1:9/otline"


@pytest.fixture
def app_without_database(tmp_path: Path) -> Flask:
    """The line started while its database is down (and staying down)."""
    return build_app(tmp_path, DATABASE_URL=DATABASE_DOWN_URL)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign(url: str, params: Mapping[str, str], token: str = TEST_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, dict(params))


def twilio_post(client: FlaskClient, path: str, params: Mapping[str, str] | None = None, token: str = TEST_TOKEN):
    """POST as Twilio would: the call's usual parameters, signed over the public URL."""
    data = {"CallSid": "CA" + "0" * 32, "AccountSid": "AC" + "0" * 32, "From": CALLER, "To": LINE_NUMBER,
            "CallStatus": "in-progress", "ApiVersion": "2010-04-01", "Direction": "inbound"}
    data.update(params or {})
    signature = sign(TEST_BASE + path, data, token)
    return settled(client, client.post(path, data=data, headers={"X-Twilio-Signature": signature}))


def settled(client: FlaskClient, response):
    """The response once the app's queued store writes are done, so the next request sees them (as it would
    seconds later on a real call). Bounded: with a hung store the writes stay queued."""
    client.application.extensions["otline"].usage.offload.wait_until_written(timeout=2)
    return response


_message_count = itertools.count(1)


def sms_post(client: FlaskClient, body: str, params: Mapping[str, str] | None = None, token: str = TEST_TOKEN):
    """Text the line as Twilio would deliver it: a fresh MessageSid each time, signed over the public URL."""
    data = {"MessageSid": f"SM{next(_message_count):032d}", "AccountSid": "AC" + "0" * 32, "From": CALLER,
            "To": LINE_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}
    data.update(params or {})
    signature = sign(TEST_BASE + "/sms", data, token)
    return settled(client, client.post("/sms", data=data, headers={"X-Twilio-Signature": signature}))


def replies(response) -> list[str]:
    """The text of each <Message> in a TwiML answer."""
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]


class FakeTwilioApi:
    """A local HTTP server standing in for Twilio's REST API: records each request, answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status, self.body, self.delay = 201, {"sid": "SM" + "f" * 32, "status": "queued"}, 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append({"path": self.path, "form": form, "authorization": self.headers.get("Authorization", "")})
                time.sleep(fake.delay)
                payload = json.dumps(fake.body).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a deliberately slow answer must not hold up the test's end
        self.server.block_on_close = False
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def refuse(self, code: int, status: int = 400) -> None:
        self.status, self.body = status, {"code": code, "message": f"refused with {code}", "status": status}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi()
    yield api
    api.close()


def twilio_get(client: FlaskClient, path: str, params: Mapping[str, str] | None = None, token: str = TEST_TOKEN):
    """GET as Twilio would for a webhook set to HTTP GET: the parameters are in the signed query string."""
    query = urlencode(params or {})
    url = f"{path}{'&' if '?' in path else '?'}{query}" if query else path
    return client.get(url, headers={"X-Twilio-Signature": sign(TEST_BASE + url, {}, token)})
