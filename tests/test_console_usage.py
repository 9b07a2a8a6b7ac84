"""The console's Usage page: the period form, the counts of real simulated calls and texts, and no personal data."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask

from ivr.cli import stats
from ivr.console.usage import choose_period
from tests.twilio_requests import CALLER, sms_post, twilio_post

TODAY = date(2026, 12, 1)
CALL_SID = "CA" + "7" * 32


@pytest.mark.parametrize("form,expected", [
    ({}, ("2026-11-02", "2026-12-01")),
    ({"period": "7"}, ("2026-11-25", "2026-12-01")),
    ({"period": "90"}, ("2026-09-03", "2026-12-01")),
    ({"period": "dates", "from": "2026-11-01", "to": "2026-11-01"}, ("2026-11-01", "2026-11-01")),
    ({"period": "dates", "from": "2025-11-30", "to": "2026-11-30"}, ("2025-11-30", "2026-11-30")),
    ({"period": "14"}, "Choose the last 7, 30 or 90 days"),
    ({"period": "dates", "from": "2026-11-01"}, "Give both dates"),
    ({"period": "dates", "from": "1/11/2026", "to": "2026-11-05"}, "Give both dates"),
    ({"period": "dates", "from": "2026-11-05", "to": "2026-11-01"}, "must not be after the second"),
    ({"period": "dates", "from": "2026-11-05", "to": "2026-12-02"}, "must not be after today (2026-12-01"),
    ({"period": "dates", "from": "2025-11-29", "to": "2026-11-30"}, "at most 366 days"),
])
def test_the_period_is_what_the_form_asks_or_a_clear_refusal(form, expected):
    period = choose_period(form, TODAY)
    if isinstance(expected, str):
        assert isinstance(period, str) and expected in period
    else:
        assert not isinstance(period, str) and (period.first.isoformat(), period.last.isoformat()) == expected
        assert len(period.days) == (period.last - period.first).days + 1


def call(client, path: str, **params: str):
    return twilio_post(client, path, {"CallSid": CALL_SID, **params})


def simulate_usage(app: Flask) -> None:
    """One call that gets lost once and hears key points to the end, then hangs up; three texts."""
    client = app.test_client()
    call(client, "/voice")
    call(client, "/voice/language/choose?attempt=1", Digits="2")  # Spanish
    call(client, "/voice/es/choices/main/choose?attempt=1", Digits="5")  # no option 5: a wrong key
    call(client, "/voice/es/choices/main/choose?attempt=2", Digits="3")
    last = len(app.extensions["otline"].line.language("es").topics["key-points"].voice_parts) - 1
    call(client, f"/voice/es/topic/key-points/part/{last}/choose")  # the last part ends
    call(client, "/voice/status", CallStatus="completed")
    for body in ("KEYPOINTS", "FIND", "hello"):
        sms_post(client, body)
    app.extensions["otline"].usage.offload.wait_until_written(timeout=2)
    app.extensions["otline"].usage.flush()


def table(page: str, chart: str) -> dict[str, list[str]]:
    """A chart's table as {row heading: [numbers]}."""
    body = page.split(f'id="{chart}-table"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">(.*?)</th>((?:<td>\d+</td>)+)', body)
    return {heading: re.findall(r"<td>(\d+)</td>", cells) for heading, cells in rows}


def test_the_page_shows_the_simulated_calls_and_texts_without_personal_data(console_app, staff_client):
    simulate_usage(console_app)
    response = staff_client("editor").get("/console/usage?period=7")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    today = console_app.extensions["otline"].usage.store.today().isoformat()
    assert table(page, "per-day")[today] == ["1", "3"]
    assert table(page, "languages")["Español (es)"] == ["1", "0"]
    assert table(page, "languages")["English (en)"] == ["0", "3"]
    topics = console_app.extensions["otline"].line.default_language.topics
    key_points, main = (f"{topics[place].title} ({place})" for place in ("key-points", "main"))
    assert table(page, "sections")[key_points] == ["1", "1"]
    assert table(page, "keywords") == {key_points: ["1"], f"{topics['find-ot'].title} (find-ot)": ["1"],
                                       "not-understood": ["1"]}
    assert table(page, "lost") == {main: ["1", "0", "0", "0"], key_points: ["0", "0", "0", "1"]}
    sections_chart = page.split('id="sections-heading"')[1].split("</svg>")[0]
    assert f">{key_points}</text>" in sections_chart and ">1 opened</text>" in sections_chart
    assert ">1 heard to the end</text>" in sections_chart  # the chart writes the table's numbers too
    hasher = console_app.extensions["otline"].texts.hasher
    for private in (CALLER, CALLER[1:], CALLER[-10:], CALL_SID, hasher(CALLER), hasher(CALLER)[:12]):
        assert private not in page


def test_the_page_and_the_stats_command_say_the_same(console_app, staff_client):
    simulate_usage(console_app)
    page = staff_client("editor").get("/console/usage?period=30").get_data(as_text=True)
    report = console_app.test_cli_runner().invoke(stats, ["--days", "30"]).output
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))
    assert f"Calls: {totals['Calls']}   texts received: {totals['Texts received']}" in report
    topics = console_app.extensions["otline"].line.default_language.topics
    main = f"{topics['main'].title} (main)"
    wrong, silences, out, hung = table(page, "lost")[main]
    assert f"{main:<45} wrong-key {wrong}  silence {silences}  out-of-tries {out}  hung-up {hung}" in report


def test_a_bad_period_is_refused_with_the_form_and_a_message(staff_client):
    response = staff_client("editor").get("/console/usage?period=dates&from=2026-11-05&to=2026-11-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in page and "The first date must not be after the second." in page
    assert 'value="2026-11-05"' in page and "<svg" not in page


def test_usage_needs_a_signed_in_editor(console_app):
    assert console_app.test_client().get("/console/usage").status_code == 302
