"""A ceiling on what texting can cost: a line-wide daily budget and an allow-list of countries for texts from a call."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config import country_codes
from ivr.sms.gate import in_countries
from ivr.store.numbers import RateLimits
from tests.app_factory import build_app
from tests.twilio_fakes import FakeTwilioApi
from tests.twilio_requests import replies, sms_post, twilio_post

ACCOUNT = "AC" + "5" * 32


@pytest.mark.parametrize(("number", "countries", "allowed"), [
    ("+15005550006", ("1",), True),  # the US and Canada
    ("+447700900123", ("1",), False),  # the UK, not allowed by default
    ("+2348012345678", ("1",), False),
    ("+882100000000", ("1",), False),  # international networks: the dearest texts
    ("+447700900123", ("1", "44"), True),
    ("+12345678", ("44",), False),
])
def test_texts_from_a_call_go_only_to_allowed_countries(number: str, countries: tuple[str, ...], allowed: bool) -> None:
    assert in_countries(number, countries) is allowed


@pytest.mark.parametrize(("counts", "within"), [
    ({"minute": 1, "day": 1, "line": 1}, True),
    ({"minute": 1, "day": 1, "line": 3}, True),  # the budget's last text
    ({"minute": 1, "day": 1, "line": 4}, False),  # one over the line's budget, whoever sends it
    ({"minute": 1, "day": 1}, True),
])
def test_the_line_wide_budget(counts: dict[str, int], within: bool) -> None:
    assert RateLimits(per_minute=6, per_day=40, line_per_day=3).within_budget(counts) is within


def test_spoofed_caller_ids_cannot_run_up_the_bill(tmp_path: Path, fake_twilio: FakeTwilioApi, caplog) -> None:
    """66 calls with 66 caller IDs, some abroad: only allowed countries get a text, and at most the budget."""
    app = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url,
                    TEXT_BUDGET_PER_DAY="20")
    client = app.test_client()
    callers = [f"+1555{index:07d}" for index in range(60)] + ["+447700900123", "+2348012345678", "+882100000000"] * 2
    heard = [twilio_post(client, "/voice/en/choices/main/choose", {"Digits": "8", "From": number}).data
             for number in callers]
    assert len(fake_twilio.requests) == 20
    assert all(request["form"]["To"].startswith("+1") for request in fake_twilio.requests)
    assert sum(b"sent all the texts it can today" in said for said in heard) == 40
    assert sum(b"only send texts to phone numbers in" in said for said in heard) == 6
    assert any("daily text budget" in record.getMessage() for record in caplog.records)
    assert replies(sms_post(client, "KEYPOINTS")) == []  # texts in cost too: none answered over the budget
    report = app.test_cli_runner().invoke(args=["stats"]).output
    assert "Daily text budget (TEXT_BUDGET_PER_DAY) reached: 41 text(s)" in report


def test_text_countries_setting_is_read_or_refused() -> None:
    assert country_codes(None) == ("1",) and country_codes("1, +44") == ("1", "44")
    with pytest.raises(ValueError, match="TEXT_COUNTRIES"):
        country_codes("UK")
