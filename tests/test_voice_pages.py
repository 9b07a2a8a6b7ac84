"""The TwiML builders, tested directly: no HTTP, just the content model in and TwiML out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ivr.audio.catalog import NoAudio
from ivr.content.loader import load_line
from ivr.content.model import Language
from ivr.voice.twiml import VoicePages

PROJECT = Path(__file__).resolve().parent.parent
LINE = load_line(PROJECT / "content", PROJECT / "prompts")
EN = LINE.language("en")


class OneRecording:
    """A catalog with audio for exactly one sentence."""

    def __init__(self, text: str):
        self.text = text

    def url_for(self, text: str, language: Language) -> str | None:
        return "/audio/en-abc123.wav" if text == self.text else None

    def generation(self) -> object:
        return self.text


def parse(response) -> ET.Element:
    return ET.fromstring(str(response))


def spoken(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter("Say")]


def test_a_menu_offers_each_option_description_first_then_the_navigation():
    root = parse(VoicePages(LINE, NoAudio()).choices(EN, "find-ot"))
    gather, redirect = list(root)
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    assert int(gather.get("timeout")) >= 8
    assert gather.get("action") == "/voice/en/choices/find-ot/choose?attempt=1"
    said = spoken(root)
    assert said[1] == "For who occupational therapists are, and where they work, press 1."
    assert "For asking your care team, press 4." in said
    for expected in ("To hear this again, press 9.", "To get this by text message, press 8.", "To go back, press star.",
                     "For the main menu, press 7.", "To talk with a person, press 0."):
        assert expected in said
    assert redirect.text == "/voice/en/choices/find-ot?attempt=2&reason=silence"


def test_the_main_menu_welcomes_only_when_asked_and_offers_no_back():
    first = spoken(parse(VoicePages(LINE, NoAudio()).choices(EN, "main", welcome=True)))
    again = spoken(parse(VoicePages(LINE, NoAudio()).choices(EN, "main")))
    assert first[0].startswith("Welcome to the O T Info Line") and not again[0].startswith("Welcome")
    assert "To go back, press star." not in again


def test_a_retry_says_why_and_adds_how_to_answer_by_voice():
    said = spoken(parse(VoicePages(LINE, NoAudio()).choices(EN, "main", attempt=2, reason="wrong")))
    assert said[0] == "Sorry, that is not one of the choices."
    assert said[-1].startswith("You can also say what you want")


def test_after_the_last_try_the_line_offers_texts_and_says_goodbye_before_hanging_up():
    root = parse(VoicePages(LINE, NoAudio()).choices(EN, "main", attempt=LINE.flow.tries + 1, reason="silence"))
    assert [verb.tag for verb in root][-1] == "Hangup"
    said = " ".join(spoken(root))
    assert "text the word MENU" in said and said.endswith("Goodbye.")


def test_a_section_plays_one_part_at_a_time_and_moves_on_after_a_short_pause():
    root = parse(VoicePages(LINE, NoAudio()).part(EN, "early-intervention", 0))
    gather, redirect = list(root)
    assert spoken(root) == ["O T may be available through an early intervention program."]
    assert int(gather.get("timeout")) == LINE.flow.part_wait_seconds
    assert redirect.text == "/voice/en/topic/early-intervention/part/1"
    last = parse(VoicePages(LINE, NoAudio()).part(EN, "early-intervention", 1))
    assert list(last)[1].text == "/voice/en/choices/early-intervention"


def test_the_end_of_a_section_names_it_and_offers_only_navigation():
    said = spoken(parse(VoicePages(LINE, NoAudio()).choices(EN, "school-iep")))
    assert said[0] == "That is the end of O T at school, in an I E P."
    assert not any(", press 1." in text for text in said)
    assert "To go back, press star." in said


def test_generated_audio_is_played_and_everything_else_is_said_with_the_languages_voice():
    sentence = EN.topics["key-points"].voice_parts[0]
    root = parse(VoicePages(LINE, OneRecording(sentence)).part(EN, "key-points", 0))
    assert [element.text for element in root.iter("Play")] == ["/audio/en-abc123.wav"]
    other = parse(VoicePages(LINE, OneRecording(sentence)).part(EN, "key-points", 1))
    say = next(other.iter("Say"))
    assert say.get("voice") == EN.voice and say.get("language") == "en-US"


def test_key_zero_dials_the_staff_number_and_comes_back_when_nobody_answers():
    pages = VoicePages(LINE, NoAudio(), staff_number="+15005559999")
    root = parse(pages.person(EN, "find-ot", None))
    dial = root.find("Dial")
    assert dial is not None and dial.find("Number").text == "+15005559999"
    assert dial.get("action") == "/voice/en/person/done?topic=find-ot"
    unanswered = parse(pages.person_done(EN, "find-ot", None, "no-answer"))
    assert spoken(unanswered)[0] == "Sorry, nobody could answer right now."
    assert unanswered.find("Gather").get("action").startswith("/voice/en/choices/find-ot/choose")
    talked = parse(pages.person_done(EN, "find-ot", None, "completed"))
    assert [verb.tag for verb in talked][-1] == "Hangup"


def test_without_a_staff_number_key_zero_says_how_to_reach_a_person_and_resumes():
    root = parse(VoicePages(LINE, NoAudio()).person(EN, "how-ot-helps", 3))
    assert spoken(root)[0].startswith("To talk with a person, please ask your child's health care team")
    assert root.find("Gather").get("action") == "/voice/en/topic/how-ot-helps/part/3/choose"


def test_an_apology_returns_to_the_main_menu_once_then_ends_politely():
    root = parse(VoicePages(LINE, NoAudio()).apology(EN, repeated=False))
    assert root.find("Redirect").text == "/voice/en/choices/main?recovering=1"
    again = parse(VoicePages(LINE, NoAudio()).apology(EN, repeated=True))
    assert [verb.tag for verb in again][-1] == "Hangup"
