"""Property tests: whatever reaches a webhook, Twilio gets well-formed TwiML or a clean 4xx, never a 5xx.

Requests are validly signed, so the handlers themselves meet the hostile input (a forged request
stops at the signature check, which test_security covers). Every URL of the call tree and the text
line's URL is a target (tests/webhooks.py). The handlers must cope by design: an answer from the apology
safety net counts as a failure.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from twilio.request_validator import RequestValidator

from tests.twilio_requests import TEST_BASE, TEST_TOKEN

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
APOLOGY = b"something went wrong on our side"

NASTY_STRINGS = [
    "", " ", "\x00", "1\x00", "\x00" * 50, "😀", "1😀", "👨‍👩‍👧", "שלום", "\u202e1", "مرحبا ١٢٣", "٣", "１", "²", "Ⅻ",
    "<Response><Hangup/></Response>", "]]>", "&amp;", "' OR 1=1 --", "{label}", "{0}", "%s%s%s", "%00", "%ED%A0%80",
    "\ufeff",
    "\r\n\r\n", "nan", "inf", "-inf", "1e309", "-0", "0x1", "1_000", "9" * 400, "é" * 1600, "x" * 1600, "y" * 100_000,
]
text = st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=60),
                 st.text(alphabet="0123456789*#wW +-.", max_size=30))
PARAM_NAMES = ["Digits", "SpeechResult", "Confidence", "From", "To", "Body", "CallSid", "MessageSid", "DialCallStatus",
               "attempt", "part", "topic", "reason", "welcome", "recovering", "lang", "FinishedOnKey", "msg"]
param_pairs = st.lists(st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=20)), text), max_size=12)
BOGUS_QUERIES = ["attempt=-1", "attempt=99999999999", "attempt=1e3", "attempt=%F0%9F%98%80", "part=...", "part=-1",
                 "part=99999999999999999999", "lang=../..", "topic=../../etc/passwd", "topic=%00", "reason=<script>",
                 "reason=silence&reason=wrong", "welcome=1&welcome=0", "recovering=1", "recovering=1&recovering=1",
                 "attempt", "=", "&&&", "%", "%zz", "a=%C0%AF"]
query = st.one_of(st.sampled_from(BOGUS_QUERIES),
                  st.lists(st.tuples(st.sampled_from(PARAM_NAMES), text), max_size=4).map(urlencode))
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-7",
                 "multipart/form-data", "application/json", "text/plain", "text/xml", "application/octet-stream", "",
                 "garbage/;;;"]


def signed(client: FlaskClient, method: str, url: str, form: MultiDict | None = None, body: bytes | None = None,
           content_type: str | None = None):
    """Send a request Twilio's signature check accepts: signed over the public URL and any form fields."""
    params = form if form is not None and method == "POST" else {}
    headers = {"X-Twilio-Signature": RequestValidator(TEST_TOKEN).compute_signature(TEST_BASE + url, params)}
    if form is not None:
        return client.open(url, method=method, data=form, headers=headers)
    return client.open(url, method=method, data=body, content_type=content_type, headers=headers)


def assert_twiml_or_clean_4xx(response, where: str) -> None:
    assert response.status_code < 500, where
    if response.status_code >= 400:
        return
    assert response.status_code == 200, where
    if response.request.method in ("HEAD", "OPTIONS"):  # HTTP's own answers: headers only, never from Twilio
        assert response.data == b"", where
        return
    assert response.mimetype == "text/xml", where
    root = ET.fromstring(response.data)
    assert root.tag == "Response", where
    assert APOLOGY not in response.data, f"{where}: answered by the safety net, not by design"


def with_query(url: str, extra: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{extra}" if extra else url


@BOUNDED
@given(data=st.data(), pairs=param_pairs)
def test_hostile_parameters_on_every_url(staffed_app, every_url, data, pairs):
    url = data.draw(st.sampled_from(every_url))
    form = MultiDict([("CallSid", "CA" + "0" * 32), *pairs])
    response = signed(staffed_app.test_client(), "POST", url, form=form)
    assert_twiml_or_clean_4xx(response, f"POST {url} {pairs!r:.300}")


@BOUNDED
@given(data=st.data(), digits=text, speech=text, confidence=text)
def test_hostile_keys_words_and_confidence_where_callers_answer(staffed_app, every_url, data, digits, speech,
                                                                confidence):
    url = data.draw(st.sampled_from([url for url in every_url if "/choose" in url]))
    form = MultiDict({"Digits": digits, "SpeechResult": speech, "Confidence": confidence})
    response = signed(staffed_app.test_client(), "POST", url, form=form)
    assert_twiml_or_clean_4xx(response, f"POST {url} Digits={digits!r:.80} SpeechResult={speech!r:.80} "
                                        f"Confidence={confidence!r:.80}")


@BOUNDED
@given(data=st.data(), method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
       content_type=st.sampled_from(CONTENT_TYPES), body=st.one_of(st.binary(max_size=200), text.map(str.encode)))
def test_any_method_and_content_type(staffed_app, every_url, data, method, content_type, body):
    url = data.draw(st.sampled_from(every_url))
    response = signed(staffed_app.test_client(), method, url, body=body, content_type=content_type)
    assert_twiml_or_clean_4xx(response, f"{method} {url} {content_type} {body!r:.100}")


@BOUNDED
@given(data=st.data(), extra=query, method=st.sampled_from(["GET", "POST"]))
def test_bogus_query_strings(staffed_app, every_url, data, extra, method):
    url = with_query(data.draw(st.sampled_from(every_url)), extra)
    response = signed(staffed_app.test_client(), method, url, form=MultiDict({"Digits": data.draw(text)}))
    assert_twiml_or_clean_4xx(response, f"{method} {url!r:.300}")


segment = st.one_of(st.sampled_from(["en", "main", "key-points", "..", "%2e%2e", "%00", "%F0%9F%98%80", "-1",
                                     "99999999999999999999", "x" * 300, "choices", "topic", "part", "choose", "person",
                                     "done", "language"]),
                    st.text(min_size=1, max_size=20).map(lambda s: quote(s, safe="")))


@BOUNDED
@given(segments=st.lists(segment, min_size=1, max_size=7), method=st.sampled_from(["GET", "POST"]))
def test_unknown_and_mangled_path_segments(staffed_app, segments, method):
    url = "/voice/" + "/".join(segments)
    response = signed(staffed_app.test_client(), method, url, form=MultiDict({"Digits": "1"}))
    assert_twiml_or_clean_4xx(response, f"{method} {url!r:.300}")


@pytest.mark.parametrize("url, form", [
    ("/voice/en/choices/main/choose?attempt=1", {"Digits": "²"}),  # found by hypothesis: isdigit() but not int()
    ("/voice/en/choices/main?attempt=%C2%B2", {}),
    ("/voice/en/person/done?topic=main&part=%C2%B2", {}),
    ("/voice/en//choices/main", {}),  # found by hypothesis: a 308 that Twilio would follow without Digits
    ("/voice/en/topic/key-points/part/99999999999999999999/choose", {"Digits": "9"}),
])
def test_inputs_hypothesis_found(staffed_app, url, form):
    assert_twiml_or_clean_4xx(signed(staffed_app.test_client(), "POST", url, form=MultiDict(form)), url)
