"""GET /healthz: what a load balancer and the operator see."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ivr.health import audio_coverage
from ivr.services import services
from ivr.voice.utterances import utterances
from tests.twilio_requests import twilio_post


def test_healthy_line_reports_content_languages_audio_and_database(client):
    response = client.get("/healthz")  # no signature: load balancers do not sign
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "ok" and report["languages"] == ["en", "es"]
    assert report["database"] == {"read": "ok", "write": "ok"} and "reason" not in report
    assert report["content"] == {"en": 11, "es": 11}
    assert report["audio"]["en"]["percent"] == 0.0 and report["audio"]["en"]["total"] > 0
    assert report["revision"] == 1  # a new database starts with the files as revision 1


def test_a_database_that_is_down_degrades_but_keeps_the_instance_in_service(app_without_database):
    client = app_without_database.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "degraded" and report["reason"] == "connection"
    assert report["database"] == {"read": "connection", "write": "connection"}
    assert response.get_json()["revision"] is None  # serving the files
    assert twilio_post(client, "/voice").status_code == 200


def test_audio_coverage_counts_what_the_catalog_has(app):
    with app.app_context():
        line = services().line
    texts = [said.text for said in utterances(line, line.default_language)]
    built = set(texts[: len(texts) // 2])

    class HalfBuilt:
        def url_for(self, text, language):
            return f"/audio/{hash(text)}.wav" if text in built else None

    coverage = audio_coverage(line, HalfBuilt())["en"]
    assert coverage["covered"] == len(built) and coverage["total"] == len(texts) == len(set(texts))
    assert 40 < coverage["percent"] < 60


def test_every_sentence_a_caller_can_hear_is_one_the_coverage_counts(app, call_tree_urls):
    """So 100% coverage means no caller ever hears the <Say> fallback."""
    heard: set[str] = set()
    client = app.test_client()
    for url in call_tree_urls:
        for params in ({}, {"Digits": "1"}, {"Digits": "0"}, {"Digits": "8"}):
            root = ET.fromstring(twilio_post(client, url, params).data)
            heard.update(say.text or "" for say in root.iter("Say"))
    with app.app_context():
        line = services().line
        assert heard <= {said.text for language in line.languages.values() for said in utterances(line, language)}
