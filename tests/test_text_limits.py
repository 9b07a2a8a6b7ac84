"""Rate limits that slow a loop down without silencing a person: a table of verdicts, then the line end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config import DEFAULT_LINE_TEXTS_PER_DAY, DEFAULT_SMS_PER_DAY, DEFAULT_SMS_PER_MINUTE
from ivr.sms.gate import limit_verdict
from ivr.store.numbers import RateLimits
from tests.app_factory import build_app
from tests.twilio_requests import replies, sms_post

ROWS = [line.split("\t") for line in (Path(__file__).parent / "cases" / "text_limits.tsv").read_text().splitlines()
        if line and not line.startswith("#")]
DEFAULTS = RateLimits(DEFAULT_SMS_PER_MINUTE, DEFAULT_SMS_PER_DAY, DEFAULT_LINE_TEXTS_PER_DAY)


@pytest.mark.parametrize("understood,minute,day,line,verdict", ROWS, ids=["|".join(row) for row in ROWS])
def test_the_verdict_is_what_the_table_says(understood: str, minute: str, day: str, line: str, verdict: str) -> None:
    counts = {"minute": int(minute), "day": int(day), "line": int(line)}
    assert limit_verdict(understood, counts, DEFAULTS) == verdict


def test_a_family_reading_every_section_twice_in_spanish_stays_under_the_daily_limit(line) -> None:
    spanish = line.language("es")
    once = sum(len(topic.text_messages) for topic in spanish.topics.values() if topic.keywords)
    assert 2 * once + 10 <= DEFAULT_SMS_PER_DAY  # and ten more texts (MENU, HELP, a typo) to spare


def text(client, body: str) -> list[str]:
    return replies(sms_post(client, body))


def test_a_family_paging_fast_is_not_cut_off_and_is_told_once_when_it_is(tmp_path: Path) -> None:
    client = build_app(tmp_path).test_client()
    assert len(text(client, "KEYPOINTS")) == 1
    assert all(text(client, "MORE") for _ in range(6))  # MORE within a section: not limited per minute
    assert [len(text(client, body)) for body in ("FIND", "SCHOOL", "EARLY", "TEAM", "WHO")] == [1] * 5  # 6th keyword
    [slow_down] = text(client, "ABOUT")
    assert "wait a minute" in slow_down
    assert text(client, "MENU") == [] and text(client, "WHAT") == []
    assert "Reply STOP to cancel" in text(client, "HELP")[0]  # HELP is always answered
    assert "START" in text(client, "STOP please")[0]  # the line's own opt-out confirmation (STOP's is Twilio's)
    assert "texts again" in text(client, "START")[0]  # and START's confirmation


def test_over_the_daily_limit_the_number_is_told_once_in_its_language(tmp_path: Path) -> None:
    client = build_app(tmp_path, SMS_LIMIT_PER_MINUTE="100", SMS_LIMIT_PER_DAY="3").test_client()
    assert all(text(client, body) for body in ("ESPANOL", "MENU", "ESCUELA"))
    [tomorrow] = text(client, "MENU")
    assert "mañana" in tomorrow
    assert text(client, "MENU") == []
