"""The whole call tree, walked like Twilio: valid TwiML everywhere, no dead ends, every fact reachable."""

from __future__ import annotations

from ivr.content.model import Line
from tests.call_crawler import CrawlResult


def _all_voice_parts(line: Line) -> dict[str, str]:
    return {part: f"{language.code}/{topic.id}" for language in line.languages.values()
            for topic in language.topics.values() for part in topic.voice_parts}


def test_every_branch_answers_valid_twiml_and_every_part_is_heard(call_tree: CrawlResult, line: Line):
    assert call_tree.problems == []
    unheard = {part: where for part, where in _all_voice_parts(line).items() if part not in call_tree.said}
    assert unheard == {}
    assert call_tree.hangups > 0  # giving up after silence ends the call politely


def test_the_deepest_fact_takes_at_most_three_key_presses(call_tree: CrawlResult, line: Line):
    """Words cost a press like a key and reach no further than one, so the crawl with words counts the same."""
    presses = {part: call_tree.said[part] for part in _all_voice_parts(line)}
    assert max(presses.values()) <= 3, sorted(presses.items(), key=lambda item: -item[1])[:3]


def test_with_a_staff_number_the_person_key_dials_and_returns_when_unanswered(staffed_call_tree: CrawlResult):
    assert staffed_call_tree.problems == []
    assert any("/person/done" in url for url in staffed_call_tree.urls)
