"""The shortcuts taken for speed (bench/README.md) give exactly the answers of the slow way."""

from __future__ import annotations

from difflib import SequenceMatcher

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr import matching
from ivr.services import services
from ivr.voice import twiml
from tests.app_factory import build_app
from tests.twilio_requests import TEST_BASE, sign, twilio_post
from tests.webhooks import STAFF_NUMBER

ANSWERS = [{}, {"Digits": "1"}, {"Digits": "9"}, {"Digits": "0"}, {"Digits": "8"}, {"Digits": "*"},
           {"SpeechResult": "school"}]


def walk(app, urls: list[str]) -> list[bytes]:
    client = app.test_client()
    return [twilio_post(client, url, answer).data for url in urls for answer in ANSWERS]


def test_pages_served_from_memory_are_the_pages_rendered_afresh(tmp_path, monkeypatch, call_tree_urls):
    cached = walk(build_app(tmp_path / "a", STAFF_PHONE_NUMBER=STAFF_NUMBER), call_tree_urls)
    monkeypatch.setattr(twiml, "MAX_RENDERED_PAGES", 1)  # memory emptied before every new page
    fresh_app = build_app(tmp_path / "b", STAFF_PHONE_NUMBER=STAFF_NUMBER)
    assert walk(fresh_app, call_tree_urls) == cached
    with fresh_app.app_context():
        assert len(services().pages._rendered) == 1


def test_odd_urls_cannot_grow_the_page_memory_without_bound(app, monkeypatch):
    monkeypatch.setattr(twiml, "MAX_RENDERED_PAGES", 5)
    client = app.test_client()
    for index in range(20):
        response = twilio_post(client, f"/voice/en/topic/key-points/part/{10**12 + index}")
        assert response.status_code == 200
    with app.app_context():
        assert 0 < len(services().pages._rendered) <= 5


@settings(max_examples=300, deadline=None)
@given(said=st.text(alphabet="abcdeotkyps", max_size=25), phrase=st.text(alphabet="abcdeotkyps", max_size=25))
def test_the_quick_bounds_never_change_a_near_spelling_score(said, phrase):
    ratio = SequenceMatcher(None, said, phrase).ratio()
    assert matching.near_spelling(said, phrase) == (ratio if ratio >= matching.NEAR_SPELLING else 0.0)


@pytest.mark.parametrize("signature_header", ["", "x", "é" * 28, sign(TEST_BASE + "/voice", {"a": "b"})])
def test_the_single_hmac_fast_path_still_refuses_what_it_should(client, signature_header):
    response = client.post("/voice", data={"CallSid": "CA1"}, headers={"X-Twilio-Signature": signature_header})
    assert response.status_code == 403
