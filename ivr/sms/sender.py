"""Texting a section to a caller during a call, through Twilio's REST API (`messages.create`).

The caller is on the line waiting, so every step is bounded: no REST call at all when the answer is
known (no caller ID, opted out, over the limit), and a short HTTP timeout for the one call made.
Each way it can go maps to a prompt that tells the caller, in plain words, what happened.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from ivr.content.model import Language
from ivr.sms.replies import reading
from ivr.store.database import StoreUnavailable
from ivr.store.numbers import NumberHasher, RateLimits, TextStore

log = logging.getLogger(__name__)

REST_TIMEOUT_SECONDS = 1.0  # for connecting, and again for the answer: the caller waits about 2 s at most
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# What carriers put in From when the caller hides or has no number (Twilio's voice webhook docs).
_HIDDEN_CALLER_IDS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})
_TWILIO_HOST = re.compile(r"^https://[a-z0-9.-]+\.twilio\.com(?=/|$)")
_REFUSALS = {
    21610: "text.opted-out",  # the number replied STOP to this sender
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

    def request(self, method: str, url: str, *args, **kwargs) -> Response:  # type: ignore[override]
        if self.base_url:
            url = _TWILIO_HOST.sub(self.base_url, url, count=1)
        return super().request(method, url, *args, **kwargs)


def twilio_client(account_sid: str, auth_token: str, base_url: str | None) -> Client:
    return Client(account_sid, auth_token, http_client=RoutedHttpClient(base_url))


def has_caller_id(number: str) -> bool:
    return bool(_E164.match(number)) and number not in _HIDDEN_CALLER_IDS


@dataclass(frozen=True)
class TwilioTexter:
    """A TopicTexter that sends the section's first text (numbered, MORE continues by text)."""

    client: Client
    store: TextStore
    hasher: NumberHasher
    limits: RateLimits
    messaging_service_sid: str | None = None

    def send_topic(self, language: Language, topic_id: str, caller: str, line_number: str) -> str:
        if not has_caller_id(caller):
            return "text.no-caller-id"
        try:
            return self._send(language, topic_id, caller, line_number)
        except StoreUnavailable as error:  # no way to check the opt-out: never text blind
            log.warning("text not sent: the store is unavailable (%s)", error)
            return "text.failed"

    def _send(self, language: Language, topic_id: str, caller: str, line_number: str) -> str:
        number = self.hasher(caller)
        state = self.store.number(number)
        if state.opted_out:
            return "text.opted-out"
        if not self.limits.allow(self.store.count_message(number)):
            log.warning("text to number %s... not sent: over the rate limit", number[:12])
            return "text.too-many"
        sent = reading(language, topic_id, 0, state)
        sender = {"messaging_service_sid": self.messaging_service_sid} if self.messaging_service_sid else {"from_": line_number}
        try:
            self.client.messages.create(to=caller, body=sent.reply, **sender)
        except TwilioRestException as error:
            log.warning("Twilio refused a text to number %s...: HTTP %s, error %s", number[:12], error.status, error.code)
            if error.code == 21610:
                self.store.save_number(number, replace(state, opted_out=True))
            return _REFUSALS.get(error.code or 0, "text.failed")
        except (RequestException, TwilioException) as error:
            log.warning("could not reach Twilio to text number %s...: %s", number[:12], type(error).__name__)
            return "text.failed"
        self.store.save_number(number, sent.state)
        return "text.sent"
