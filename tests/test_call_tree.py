"""The whole call tree, walked like Twilio: valid TwiML everywhere, no dead ends, every fact reachable."""

from __future__ import annotations

from flask import Flask

from ivr.services import services
from tests.call_crawler import crawl
from tests.conftest import build_app


def _all_voice_parts(app: Flask) -> dict[str, str]:
    with app.app_context():
        line = services().line
    return {part: f"{language.code}/{topic.id}" for language in line.languages.values()
            for topic in language.topics.values() for part in topic.voice_parts}


def test_every_branch_answers_valid_twiml_and_every_part_is_heard(app):
    result = crawl(app.test_client())
    assert result.problems == []
    unheard = {part: where for part, where in _all_voice_parts(app).items() if part not in result.said}
    assert unheard == {}
    assert result.hangups > 0  # giving up after silence ends the call politely


def test_the_deepest_fact_takes_at_most_three_key_presses(app):
    result = crawl(app.test_client(), speech=())
    presses = {part: result.said[part] for part in _all_voice_parts(app)}
    assert max(presses.values()) <= 3, sorted(presses.items(), key=lambda item: -item[1])[:3]


def test_with_a_staff_number_the_person_key_dials_and_returns_when_unanswered(tmp_path):
    app = build_app(tmp_path, STAFF_PHONE_NUMBER="+15005559999")
    result = crawl(app.test_client(), speech=())
    assert result.problems == []
