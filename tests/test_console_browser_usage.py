"""The Usage and Audio pages in a real browser: the charts after calls and texts made through the real webhooks
over HTTP, read from the table and the chart; axe on both pages; the retry pressed from the keyboard."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from tests.browser import Check, ConsoleServer, Shoot, SignIn
from tests.twilio_requests import CALLER, LINE_NUMBER, TEST_BASE, sign

CALLS = ("CA" + "1" * 32, "CA" + "2" * 32)
CALLERS = (CALLER, "+15005550007")  # a number each: neither is remembered, so both hear the language question


def webhook(server: ConsoleServer, path: str, params: dict[str, str]) -> None:
    """POST to the running line as Twilio would: signed over the public URL, sent over HTTP to the server."""
    request = urllib.request.Request(f"{server.url}{path}", data=urlencode(params).encode(), method="POST",
                                     headers={"X-Twilio-Signature": sign(TEST_BASE + path, params)})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/xml")


def simulate_calls_and_texts(server: ConsoleServer) -> None:
    """Two calls in English: one opens key points and hangs up there, one presses a wrong key and stays silent
    until the line says goodbye. Then two texts. The counts are flushed as the recorder would within a second."""
    for sid, caller in zip(CALLS, CALLERS, strict=True):
        call = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": caller, "To": LINE_NUMBER}
        webhook(server, "/voice", call)
        webhook(server, "/voice/language/choose?attempt=1", {**call, "Digits": "1"})
        if sid == CALLS[0]:
            webhook(server, "/voice/en/choices/main/choose?attempt=1", {**call, "Digits": "3"})  # key points
        else:
            webhook(server, "/voice/en/choices/main/choose?attempt=1", {**call, "Digits": "5"})  # no option 5
            for attempt in (2, 3):
                webhook(server, f"/voice/en/choices/main/choose?attempt={attempt}", call)  # silence
        webhook(server, "/voice/status", {**call, "CallStatus": "completed"})
    for body in ("KEYPOINTS", "HELP"):
        webhook(server, "/sms", {"MessageSid": f"SM{body:0>32}", "AccountSid": "AC" + "0" * 32, "From": CALLER,
                                 "To": LINE_NUMBER, "Body": body})
    found = server.app.extensions["otline"]
    found.usage.offload.wait_until_written(timeout=5)  # the hang-ups are counted on the store's writer thread
    found.usage.flush()


def cells(page: Page, table_id: str, row: str) -> list[str]:
    return page.locator(f"#{table_id} tr", has=page.get_by_role("rowheader", name=row, exact=True)) \
        .locator("td").all_inner_texts()


def test_the_usage_charts_after_simulated_calls(page: Page, console_server: ConsoleServer, sign_in: SignIn,
                                                check_accessibility: Check, screenshot: Shoot) -> None:
    simulate_calls_and_texts(console_server)
    sign_in(page, console_server, "editor")
    page.goto(f"{console_server.url}/console/usage")
    page.get_by_label("Last 7 days").check()  # the period form, from the keyboard
    page.get_by_role("button", name="Show").press("Enter")
    page.wait_for_url("**/console/usage?period=7**")
    today = console_server.app.extensions["otline"].usage.store.today().isoformat()
    assert cells(page, "per-day-table", today) == ["2", "2"]
    assert cells(page, "languages-table", "English (en)") == ["2", "2"]
    topics = console_server.app.extensions["otline"].line.default_language.topics
    key_points, main = (f"{topics[place].title} ({place})" for place in ("key-points", "main"))
    assert cells(page, "sections-table", key_points) == ["1", "0"]
    assert cells(page, "keywords-table", key_points) == ["1"]
    assert cells(page, "keywords-table", "help") == ["1"]
    assert cells(page, "lost-table", main) == ["1", "2", "1", "0"]
    assert cells(page, "lost-table", key_points) == ["0", "0", "0", "1"]
    lost_chart = page.get_by_role("img", name="Where callers get lost (the numbers are in the table)")
    expect(lost_chart).to_be_visible()
    assert {"1 wrong keys", "2 silences", "1 ran out of tries", "1 hung up"} <= set(
        lost_chart.locator("text").all_text_contents())
    day_chart = page.get_by_role("img", name="Calls and texts per day (the numbers are in the table)")
    assert {today, "2 calls", "2 texts"} <= set(day_chart.locator("text").all_text_contents())
    hasher = console_server.app.extensions["otline"].texts.hasher
    for private in (*CALLERS, *(number[2:] for number in CALLERS), *CALLS, *(hasher(number) for number in CALLERS)):
        assert private not in page.content()
    check_accessibility(page)
    screenshot(page, "usage")


def test_the_audio_page_and_a_retry_from_the_keyboard(page: Page, console_server: ConsoleServer, sign_in: SignIn,
                                                      check_accessibility: Check, screenshot: Shoot) -> None:
    sign_in(page, console_server, "reviewer")
    page.goto(f"{console_server.url}/console/audio")
    expect(page.get_by_role("heading", name="Audio", exact=True)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Queue a build").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Build queued")).to_be_visible()
    expect(page.locator("#activity")).to_contain_text("is waiting for the worker")
    check_accessibility(page)
    screenshot(page, "audio")
