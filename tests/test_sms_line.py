"""The text line end to end: signed webhooks in, TwiML out, state kept in the store between texts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ivr.config import ConfigurationError
from ivr.text_rules.encoding import MAX_TEXT_MESSAGE_CHARS
from ivr.text_rules.encoding import cost
from tests.app_factory import build_app
from tests.shipped import PROJECT
from tests.twilio_requests import CALLER, replies, sms_post

HELP_CONTACT = "555-0100"  # a number, email or web address: each language writes the sentence around it


@pytest.fixture
def app(tmp_path: Path):
    return build_app(tmp_path, HELP_CONTACT=HELP_CONTACT)


def text(client, body: str, **params: str) -> list[str]:
    sent = replies(sms_post(client, body, params))
    for message in sent:
        assert cost(message).encoding == "GSM-7", message
        assert len(message) <= MAX_TEXT_MESSAGE_CHARS, message
    return sent


def test_unsigned_text_is_refused(client) -> None:
    assert client.post("/sms", data={"From": CALLER, "Body": "MENU"}).status_code == 403


def test_menu_lists_the_keywords(client) -> None:
    [menu] = text(client, "MENU")
    for keyword in ("WHAT", "CHILDREN", "FIND", "EARLY", "SCHOOL", "KEYPOINTS", "ABOUT", "HELP"):
        assert keyword in menu


@pytest.mark.parametrize("body", ["hello there", "", "?", "x" * 1600, "".join(map(chr, range(1, 256))) * 6])
def test_anything_not_understood_gets_the_menu_never_silence(client, body: str) -> None:
    assert text(client, body) == text(client, "MENU")


def test_bytes_that_are_not_utf8_are_read_around(tmp_path: Path) -> None:
    client = build_app(tmp_path, TWILIO_AUTH_TOKEN="").test_client()
    raw = b"From=%2B15005550006&MessageSid=SM1&Body=%FF%FE%00%01KEYPOINTS%C3"
    answer = client.post("/sms", data=raw, content_type="application/x-www-form-urlencoded")
    assert replies(answer)[0].startswith("Key points about OT")


def test_get_is_refused_so_numbers_never_land_in_access_logs(client) -> None:
    assert client.get("/sms", query_string={"From": CALLER, "Body": "MENU"}).status_code == 405


def test_a_picture_without_words_gets_the_menu(client) -> None:
    picture = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1", "MediaContentType0": "image/jpeg"}
    assert text(client, "", **picture) == text(client, "MENU")


def test_a_keyword_with_a_typo_answers_its_section(client) -> None:
    [reply] = text(client, "shcool")
    assert "individualized education program" in reply


def test_long_section_comes_in_numbered_parts_and_more_goes_on(client) -> None:
    [first] = text(client, "keypoint")
    assert first.startswith("Key points about OT") and "(1/3) Reply MORE for part 2 of 3." in first
    [second] = text(client, "MORE")
    assert second.startswith("3. Therapy") and "(2/3) Reply MORE for part 3 of 3." in second
    [third] = text(client, "more")
    assert third.startswith("4. Occupational therapists") and "(3/3)" in third and "MORE" not in third
    [after] = text(client, "MORE")
    assert "last part" in after and "MENU" in after


def test_a_text_not_understood_does_not_lose_the_place(client) -> None:
    text(client, "CHILDREN")
    text(client, "thanks!!")
    [second] = text(client, "MORE")
    assert "(2/4)" in second


def test_more_continues_for_each_number_separately(client) -> None:
    text(client, "CHILDREN")
    text(client, "FIND", From="+15005550009")
    [second] = text(client, "MORE")
    assert "(2/4)" in second and "Fine motor" in second


def test_more_after_switching_language_is_answered_not_a_500(tmp_path: Path) -> None:
    client = build_app(tmp_path, SMS_LIMIT_PER_MINUTE="20").test_client()
    for body in ("ESPANOL", "PUNTOS", "MAS", "MAS", "MAS"):
        replies(sms_post(client, body))
    assert text(client, "ENGLISH")[0].startswith("OT Info Line")
    assert text(client, "MORE") == ["That was the last part. Text MENU to see all topics."]


def test_help_is_compliant(client) -> None:
    [help_reply] = text(client, "HELP")
    for words in ("OT Info Line", f"For help, contact {HELP_CONTACT}.", "We reply to your texts.",
                  "Msg&data rates may apply", "Reply STOP to cancel"):
        assert words in help_reply
    assert "free" not in help_reply.lower() and "one reply" not in help_reply  # not true when limited or stopped
    assert text(client, "info") == [help_reply]


def test_help_names_the_care_team_when_no_contact_is_configured(tmp_path: Path) -> None:
    [help_reply] = text(build_app(tmp_path).test_client(), "HELP")
    assert "For help, contact your child's care team." in help_reply
    [spanish] = text(build_app(tmp_path).test_client(), "AYUDA")
    assert "Para ayuda, contacte a su equipo médico." in spanish


def test_help_in_spanish_writes_the_contact_inside_a_spanish_sentence(client) -> None:
    [help_reply] = replies(sms_post(client, "AYUDA"))
    for words in ("OT Info Line", f"Para ayuda, contacte a {HELP_CONTACT}.", "Le contestamos cuando nos escribe.",
                  "tarifas de mensajes y datos", "Para cancelar, mande PARAR."):
        assert words in help_reply
    assert "gratis" not in help_reply and "TO" not in help_reply.split()


def test_the_line_refuses_to_start_with_a_help_reply_over_its_limit(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        build_app(tmp_path, HELP_CONTACT="555-0100 " * 20)
    message = str(refused.value)
    assert "HELP_CONTACT" in message and "English" in message and "\n" not in message


@pytest.mark.parametrize("params", [{}, {"OptOutType": "HELP"}])
def test_help_can_be_left_to_twilio_so_nobody_gets_two_replies(tmp_path: Path, params: dict) -> None:
    overrides = {"SMS_HELP_BY_TWILIO": "true"} if not params else {}
    assert text(build_app(tmp_path, **overrides).test_client(), "HELP", **params) == []


def test_stop_is_silent_and_sticks_until_start(client) -> None:
    assert text(client, "STOP") == []
    for body in ("MENU", "FIND", "MORE", "hello"):
        assert text(client, body) == []
    [help_reply] = text(client, "HELP")  # HELP is always answered (design.md, Texting rules), opts nobody in
    assert "Reply STOP to cancel" in help_reply and text(client, "FIND") == []
    [welcome_back] = text(client, "START")
    assert "texts again" in welcome_back and "STOP" in welcome_back
    assert text(client, "FIND") != []


@pytest.mark.parametrize("body", ["STOP please", "please stop", "Stop texting me", "STOP STOP",
                                  "stop. Sent from my iPhone", "UNSUBSCRIBE ME", "OPT OUT PLEASE",
                                  "\u0405\u0422\u041e\u0420", "\U0001F6D1"])
def test_a_request_to_stop_in_other_words_is_confirmed_once_and_sticks(client, body: str) -> None:
    """Twilio neither blocks nor confirms these, so the line does, saying how to opt back in."""
    [confirmation] = text(client, body)
    assert "no more texts" in confirmation and "START" in confirmation
    for later in ("MENU", "FIND", body):
        assert text(client, later) == []
    assert text(client, "HELP") != []  # HELP is always answered, and opts nobody back in
    assert text(client, "FIND") == []
    assert text(client, "START") != [] and text(client, "FIND") != []


@pytest.mark.parametrize("word", ["stop", "UNSUBSCRIBE", "Cancel", "end", "QUIT", "STOPALL", "REVOKE", "OPTOUT"])
def test_every_opt_out_word_opts_out(client, word: str) -> None:
    assert text(client, word) == []
    assert text(client, "MENU") == []
    assert text(client, "yes") != []


def test_a_retried_webhook_is_answered_the_same_and_counted_once(tmp_path: Path) -> None:
    client = build_app(tmp_path, SMS_LIMIT_PER_MINUTE="2").test_client()
    first = replies(sms_post(client, "FIND", {"MessageSid": "SM" + "a" * 32}))
    for _ in range(3):
        assert replies(sms_post(client, "FIND", {"MessageSid": "SM" + "a" * 32})) == first
    assert "individualized education program" in text(client, "SCHOOL")[0]  # the second message counted, not the fifth
    assert "wait a minute" in text(client, "EARLY")[0]  # the third is over the limit


def test_a_retry_that_comes_after_a_stop_sends_nothing_but_the_stop_confirmation(client) -> None:
    """Twilio retries a webhook whose answer it never got: a menu kept from before a STOP must not go out after it."""
    assert replies(sms_post(client, "FIND", {"MessageSid": "SM" + "f" * 32})) != []
    [help_reply] = replies(sms_post(client, "HELP", {"MessageSid": "SM" + "8" * 32}))
    [confirmation] = replies(sms_post(client, "STOP please", {"MessageSid": "SM" + "9" * 32}))
    assert replies(sms_post(client, "FIND", {"MessageSid": "SM" + "f" * 32})) == []
    assert replies(sms_post(client, "STOP please", {"MessageSid": "SM" + "9" * 32})) == [confirmation]
    assert replies(sms_post(client, "HELP", {"MessageSid": "SM" + "8" * 32})) == [help_reply]  # always answered


def test_over_the_limit_texts_are_told_once_then_dropped_and_logged_without_the_number(tmp_path: Path, caplog) -> None:
    client = build_app(tmp_path, SMS_LIMIT_PER_MINUTE="3").test_client()
    caplog.set_level(logging.INFO)
    answered = [text(client, "MENU") for _ in range(5)]
    assert [len(reply) for reply in answered] == [1, 1, 1, 1, 0] and "wait a minute" in answered[3][0]
    dropped = [record for record in caplog.records if "rate limit" in record.getMessage()]
    assert len(dropped) == 2
    assert all(CALLER not in record.getMessage() and CALLER[1:] not in record.getMessage() for record in caplog.records)
    assert text(client, "STOP") == [] and text(client, "MENU") == []  # STOP still works over the limit


def test_daily_limit(tmp_path: Path) -> None:
    client = build_app(tmp_path, SMS_LIMIT_PER_MINUTE="100", SMS_LIMIT_PER_DAY="4").test_client()
    assert [bool(text(client, "MENU")) for _ in range(6)] == [True] * 5 + [False]  # the 5th: "try tomorrow"


def test_no_phone_number_is_stored_in_clear(tmp_path: Path) -> None:
    client = build_app(tmp_path).test_client()
    for body in ("FIND", "MORE", "STOP", "START"):
        text(client, body)
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("line.db*"))
    assert stored and CALLER.encode() not in stored and CALLER[2:].encode() not in stored


def test_every_fact_of_the_guide_can_be_reached_by_text(tmp_path: Path) -> None:
    """Text every keyword of the menu, then MORE until the section ends: every fact must turn up."""
    client = build_app(tmp_path, SMS_LIMIT_PER_MINUTE="100").test_client()
    reachable: list[str] = []
    for keyword in ("MENU", "WHAT", "CHILDREN", "FIND", "EARLY", "SCHOOL", "KEYPOINTS", "ABOUT", "WHO", "TEAM"):
        [reply] = text(client, keyword)
        reachable.append(reply)
        while "Reply MORE" in reply:
            [reply] = text(client, "MORE")
            reachable.append(reply)
    facts = [line for line in (PROJECT / "tests" / "guide_facts.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    said = [reply.lower() for reply in reachable]
    missing = [fact for fact in facts
               if not any(all(words.lower() in reply for words in fact.split(" + ")) for reply in said)]
    assert missing == []


def test_a_language_chosen_while_opted_out_is_remembered(client) -> None:
    """AYUDA from an opted-out number says it speaks Spanish: START is then confirmed in Spanish."""
    assert text(client, "STOP") == []
    replies(sms_post(client, "AYUDA"))
    [welcome_back] = replies(sms_post(client, "START"))
    assert welcome_back == client.application.extensions["otline"].line.language("es").prompt("sms.start")[0]
