"""Twilio's REST API for texts sent during a call (`messages.create`): the client and one send.

Whether to send at all (caller ID, opt-out, limits) is decided by the texting gate, ivr/sms/line.py.
The caller is on the line waiting, so the one REST call has a short HTTP timeout, and each way it can
go maps to a prompt that tells the caller, in plain words, what happened.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

log = logging.getLogger(__name__)

REST_TIMEOUT_SECONDS = 1.0  # for connecting, and again for the answer: the caller waits about 2 s at most
_TWILIO_HOST = re.compile(r"^https://[a-z0-9.-]+\.twilio\.com(?=/|$)")
SENT = "text.sent"
OPTED_OUT = "text.opted-out"
_REFUSALS = {
    21610: OPTED_OUT,  # the number replied STOP to this sender
    21211: "text.cannot-receive",  # not a valid phone number
    21614: "text.cannot-receive",  # not a mobile number
    30006: "text.cannot-receive",  # landline or unreachable carrier
}


class RoutedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client with a short timeout, and every *.twilio.com URL sent to `base_url` if set.

    TWILIO_API_BASE_URL points it at a local mock of Twilio's published OpenAPI spec in tests and staging.
    """

    def __init__(self, base_url: str | None = None, timeout: float = REST_TIMEOUT_SECONDS):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/") if base_url else None

    def request(self, method: str, url: str, *args, **kwargs) -> Response:
        if self.base_url:
            url = _TWILIO_HOST.sub(self.base_url, url, count=1)
        return super().request(method, url, *args, **kwargs)


def twilio_client(account_sid: str, auth_token: str, base_url: str | None) -> Client:
    return Client(account_sid, auth_token, http_client=RoutedHttpClient(base_url))


class Sender(Protocol):
    """What sends a text from a call: Twilio's REST API, or the console simulator's recorder (sends nothing)."""

    def send(self, to: str, body: str, line_number: str, number_hash: str) -> str:
        """text.sent, or the prompt that says why not."""


@dataclass(frozen=True)
class TwilioSender:
    """Sends one text through Twilio's REST API and names the prompt that tells the caller how it went."""

    client: Client
    messaging_service_sid: str | None = None

    def send(self, to: str, body: str, line_number: str, number_hash: str) -> str:
        """text.sent, or why not; `number_hash` only names the number in logs."""
        sender = {"messaging_service_sid": self.messaging_service_sid} if self.messaging_service_sid else {"from_": line_number}
        try:
            self.client.messages.create(to=to, body=body, **sender)
        except TwilioRestException as error:
            log.warning("Twilio refused a text to number %s...: HTTP %s, error %s",
                        number_hash[:12], error.status, error.code)
            return _REFUSALS.get(error.code or 0, "text.failed")
        except (RequestException, TwilioException) as error:
            log.warning("could not reach Twilio to text number %s...: %s", number_hash[:12], type(error).__name__)
            return "text.failed"
        return SENT
