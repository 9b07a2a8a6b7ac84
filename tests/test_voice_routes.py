"""The HTTP side: signatures, Twilio's parameters, and failures that must never reach Twilio as a 5xx."""

from __future__ import annotations

import dataclasses

import pytest

from twilio.request_validator import RequestValidator

from ivr.services import services
from tests.app_factory import build_app
from tests.twilio_requests import TEST_BASE, sign, twilio_post


def test_the_signature_library_matches_twilios_published_example():
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
              "From": "+12349013030", "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert RequestValidator("12345").validate(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


def test_every_voice_url_refuses_a_missing_or_wrong_signature(client):
    for path in ("/voice", "/voice/language", "/voice/en/choices/main", "/voice/en/choices/main/choose",
                 "/voice/en/topic/key-points/part/0", "/voice/en/topic/key-points/part/0/choose",
                 "/voice/en/person/done"):
        assert client.post(path, data={"Digits": "1"}).status_code == 403
        assert client.post(path, data={"Digits": "1"}, headers={"X-Twilio-Signature": "bogus"}).status_code == 403
        assert twilio_post(client, path, {"Digits": "1"}, token="another-token").status_code == 403


def test_a_signature_over_other_parameters_is_refused(client):
    signature = sign(TEST_BASE + "/voice/en/choices/main/choose", {"Digits": "1"})
    response = client.post("/voice/en/choices/main/choose", data={"Digits": "2"},
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_behind_a_tls_proxy_the_public_base_url_is_what_is_signed(client):
    # Flask sees http://localhost/voice; Twilio signed https://ot-line.example.org/voice.
    signature = sign(TEST_BASE + "/voice/en/choices/main?attempt=2&reason=silence", {})
    response = client.post("/voice/en/choices/main?attempt=2&reason=silence", headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def test_a_signed_get_is_accepted(client):
    path = "/voice/en/choices/main/choose?Digits=3&attempt=1"
    response = client.get(path, headers={"X-Twilio-Signature": sign(TEST_BASE + path, {})})
    assert response.status_code == 200 and b"key points" in response.data


def test_without_a_token_the_line_runs_and_warns_loudly(tmp_path, capsys):
    app = build_app(tmp_path, TWILIO_AUTH_TOKEN="")
    assert "DEVELOPMENT MODE" in capsys.readouterr().err
    assert app.test_client().post("/voice").status_code == 200


def test_a_failing_handler_apologises_and_returns_to_the_main_menu(app, client):
    with app.app_context():
        real = services().pages

        class BrokenPages:
            """Fails on every page except the apology (what the pages are of stays readable)."""

            def __getattr__(self, name):
                if name in ("apology", "line", "audio", "revision"):
                    return getattr(real, name)
                raise RuntimeError("boom")

        app.extensions["otline"] = dataclasses.replace(services(), pages=BrokenPages())
    response = twilio_post(client, "/voice/en/choices/main/choose", {"Digits": "1"})
    assert response.status_code == 200
    assert b"Sorry, something went wrong" in response.data
    assert b"/voice/en/choices/main?recovering=1" in response.data
    again = twilio_post(client, "/voice/en/choices/main?recovering=1")
    assert again.status_code == 200 and again.data.rstrip().endswith(b"<Hangup /></Response>")


def test_unknown_places_fall_back_to_the_main_menu_not_an_error(client):
    for path in ("/voice/xx/choices/nowhere", "/voice/en/topic/nowhere/part/99",
                 "/voice/en/topic/key-points/part/9999"):
        response = twilio_post(client, path)
        assert response.status_code == 200 and b"<Gather" in response.data


def test_a_multi_digit_entry_uses_its_first_key(client):
    response = twilio_post(client, "/voice/en/choices/main/choose", {"Digits": "31"})
    assert b"Here are the key points" in response.data


@pytest.mark.parametrize("path", ["/voice/en/choices/gone-topic", "/voice/en/choices/gone-topic/choose",
                                  "/voice/en/topic/gone-topic/part/2", "/voice/en/topic/gone-topic/part/2/choose"])
def test_a_place_the_published_words_no_longer_have_says_so_and_gives_the_main_menu(client, path: str) -> None:
    """A call in progress across a publish may name a section that is gone: a short notice, never an error."""
    answer = twilio_post(client, path, {"Digits": "2"})
    spoken = answer.get_data(as_text=True)
    assert answer.status_code == 200 and ("just been updated" in spoken)
    assert 'action="/voice/en/choices/main/choose' in spoken


def test_a_part_of_what_is_now_a_menu_gives_that_menus_choices(client):
    """A call across a publish that made a section into a menu asks for a part of it: the menu's keys must work."""
    spoken = twilio_post(client, "/voice/en/topic/about-ot/part/1").get_data(as_text=True)
    assert 'action="/voice/en/choices/about-ot/choose' in spoken


@pytest.mark.parametrize("path", ["/voice/en/choices/main?reason=bogus", "/voice/language?reason=bogus"])
def test_a_reason_the_line_never_gives_is_ignored_not_answered_by_the_apology(client, path: str) -> None:
    """Only 'silence' and 'wrong' have a reprompt; any other reason (a mangled URL) must still give the menu."""
    spoken = twilio_post(client, path).get_data(as_text=True)
    assert "<Gather" in spoken and "something went wrong on our side" not in spoken
