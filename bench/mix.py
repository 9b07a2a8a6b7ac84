"""The requests the benchmark sends: what Twilio sends during real calls, signed as Twilio signs them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

TOKEN = "bench-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://ot-line.example.org"
CALL = {"CallSid": "CA" + "b" * 32, "AccountSid": "AC" + "b" * 32, "From": "+15005550006", "To": "+15005551234",
        "CallStatus": "in-progress", "ApiVersion": "2010-04-01", "Direction": "inbound"}

# (path, extra parameters): what a real call does first (POST /voice for a caller the line may remember, which
# reads the store; the language key, which queues a save), then menu choices by key and by voice, sections
# part by part.
STEPS: list[tuple[str, dict[str, str]]] = [
    ("/voice", {}),
    ("/voice/language/choose?attempt=1", {"Digits": "1"}),
    ("/voice/en/choices/main/choose?attempt=1", {"Digits": "3"}),
    ("/voice/en/topic/key-points/part/0", {}),
    *(("/voice/en/choices/main/choose?attempt=1", {"Digits": key}) for key in "1234789*"),
    ("/voice/en/choices/main/choose?attempt=1", {"SpeechResult": "key points please", "Confidence": "0.9"}),
    ("/voice/en/choices/main/choose?attempt=1", {}),
    ("/voice/en/choices/find-ot/choose?attempt=1", {"Digits": "2"}),
    ("/voice/en/choices/about-ot?attempt=2&reason=silence", {}),
    *((f"/voice/en/topic/key-points/part/{index}", {}) for index in range(5)),
    *((f"/voice/en/topic/key-points/part/{index}/choose", {}) for index in range(5)),
    ("/voice/en/topic/how-ot-helps/part/1/choose", {"Digits": "9"}),
]


@dataclass(frozen=True)
class Prepared:
    path: str
    raw: bytes  # the whole HTTP/1.1 request, ready to write on a keep-alive connection


def prepared_requests(host: str) -> list[Prepared]:
    """Every step as a signed form POST, built once so the load generator spends nothing on it."""
    validator = RequestValidator(TOKEN)
    prepared = []
    for path, extra in STEPS:
        params = {**CALL, **extra}
        body = urlencode(params).encode()
        signature = validator.compute_signature(PUBLIC_BASE_URL + path, params)
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\nConnection: keep-alive\r\n\r\n")
        prepared.append(Prepared(path, head.encode() + body))
    return prepared
