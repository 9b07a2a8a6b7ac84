"""Requests as Twilio sends them: calls and texts signed over the public URL, and the replies read back."""

from __future__ import annotations

import itertools
from typing import Mapping
from urllib.parse import urlencode
from xml.etree import ElementTree

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

TEST_TOKEN = "test-auth-token-0123456789abcdef"
TEST_BASE = "https://ot-line.example.org"
CALLER = "+15005550006"
LINE_NUMBER = "+15005551234"


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


def twilio_get(client: FlaskClient, path: str, params: Mapping[str, str] | None = None, token: str = TEST_TOKEN):
    """GET as Twilio would for a webhook set to HTTP GET: the parameters are in the signed query string."""
    query = urlencode(params or {})
    url = f"{path}{'&' if '?' in path else '?'}{query}" if query else path
    return client.get(url, headers={"X-Twilio-Signature": sign(TEST_BASE + url, {}, token)})
