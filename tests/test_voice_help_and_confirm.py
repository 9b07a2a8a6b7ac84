"""Through real requests: the help key, doubtful speech asked back, and only working keys offered."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.app_factory import build_app
from tests.call_crawler import Page, answer, call_in, post


def say(client: FlaskClient, page: Page, words: str, confidence: str) -> Page:
    return post(client, page.action, SpeechResult=words, Confidence=confidence)


def test_low_confidence_speech_is_asked_back_and_yes_opens_the_choice(client: FlaskClient) -> None:
    menu = call_in(client, "1")
    asked = say(client, menu, "key points", "0.3")
    assert asked.said == ["Did you say key points? If so, press 1, or say yes."]
    assert "Sorry" not in " ".join(asked.said)  # not called wrong
    assert answer(client, asked, digits="1").action.startswith("/voice/en/topic/key-points/part/0/choose")
    assert say(client, asked, "yes", "0.4").action.startswith("/voice/en/topic/key-points/part/0/choose")


def test_no_returns_to_the_menu_without_a_reprompt_and_silence_too(client: FlaskClient) -> None:
    asked = say(client, call_in(client, "1"), "key points", "0.3")
    declined = say(client, asked, "no", "0.9")
    assert declined.said[0] == "Main menu." and declined.action == "/voice/en/choices/main/choose?attempt=1&rev=1"
    silent = post(client, asked.root.find("Redirect").text)
    assert silent.said[0] == "Main menu."


def test_low_confidence_while_a_section_plays_is_asked_back_too(client: FlaskClient) -> None:
    part = answer(client, call_in(client, "1"), digits="3")
    asked = say(client, part, "go back", "0.2")
    assert asked.said == ["Did you say go back? If so, press 1, or say yes."]
    assert answer(client, asked, digits="1").action.startswith("/voice/en/choices/main/choose")


def test_an_odd_confirmation_in_the_url_is_ignored_not_a_5xx(client: FlaskClient) -> None:
    page = post(client, "/voice/en/choices/main/choose?attempt=1&confirm=topic%3A..%2Fetc", Digits="1")
    assert page.action.startswith("/voice/en/choices/about-ot/choose")


def test_the_help_key_and_the_word_help_say_every_key_and_stay_in_place(client: FlaskClient) -> None:
    menu = answer(client, call_in(client, "1"), digits="2")
    for helped in (answer(client, menu, digits="6"), answer(client, menu, speech="what can I say")):
        assert helped.said[0] == "You can use these keys at any time."
        assert "For the main menu, press 7." in helped.said and helped.action == menu.action


def test_keys_are_offered_only_when_they_work(tmp_path) -> None:
    (tmp_path / "staffed").mkdir()
    bare = build_app(tmp_path).test_client()
    said = " ".join(call_in(bare, "1").said)
    assert "press 0" not in said and "text message" not in said
    staffed = build_app(tmp_path / "staffed", STAFF_PHONE_NUMBER="+15005550100",
                        TWILIO_ACCOUNT_SID="AC" + "1" * 32).test_client()
    said = " ".join(call_in(staffed, "1").said)
    assert "To talk with a person, press 0." in said and "To get this by text message, press 8." in said
