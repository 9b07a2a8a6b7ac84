"""The TwiML builders, tested directly: no HTTP, just the content model in and TwiML out."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ivr.audio.catalog import NoAudio
from ivr.content.model import Language
from ivr.voice.choosing import Choice
from ivr.voice.twiml import VoicePages


@pytest.fixture
def english(line):
    return line.language("en")


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


def test_a_menu_offers_each_option_description_first_then_one_short_navigation_sentence(line, english):
    root = parse(VoicePages(line, NoAudio(), staff_number="+15005559999", texting=True).choices(english, "find-ot"))
    gather, redirect = list(root)
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    assert int(gather.get("timeout")) >= 8
    assert gather.get("action") == "/voice/en/choices/find-ot/choose?attempt=1"
    assert spoken(root) == ["Finding a therapist.",
                            "For who these therapists are, press 1.",
                            "For early intervention, press 2.",
                            "For O T at school, press 3.",
                            "For how the care team helps, press 4.",
                            "To go back, press star."]
    assert redirect.text == "/voice/en/choices/find-ot?attempt=2&reason=silence"


def test_the_welcome_explains_every_working_key_once_and_the_main_menu_points_to_help(line, english):
    pages = VoicePages(line, NoAudio(), staff_number="+15005559999", texting=True)
    welcome = parse(pages.choices(english, "main", welcome=True))
    said = spoken(welcome)
    for expected in ("To hear this again, press 9.", "To go back, press star.", "For the main menu, press 7.",
                     "To get this by text message, press 8.", "To talk with a person, press 0.",
                     "To choose another language, press pound."):
        assert said.count(expected) == 1
    assert said.index("To talk with a person, press 0.") < said.index("Main menu.")
    assert said[-1] == "For all the keys you can use, press 6, or say help."
    again = spoken(parse(pages.choices(english, "main")))
    assert again == ["Main menu.", "For what O T is, and how it helps children, press 1.",
                     "For how to find an occupational therapist, press 2.", "For key points, press 3.",
                     "For where this information comes from, press 4.",
                     "For all the keys you can use, press 6, or say help."]


def test_keys_that_would_lead_nowhere_are_not_offered(line, english):
    said = spoken(parse(VoicePages(line, NoAudio()).choices(english, "main", welcome=True)))
    assert not any("person" in text or "text message" in text for text in said)
    section_end = spoken(parse(VoicePages(line, NoAudio()).choices(english, "school-iep")))
    assert not any("text message" in text for text in section_end)


def test_the_other_language_offers_itself_in_its_own_voice(line, english):
    root = parse(VoicePages(line, NoAudio()).choices(english, "main", welcome=True))
    voices = {say.text: say.get("voice") for say in root.iter("Say")}
    assert voices["To choose another language, press pound."] == english.voice
    assert voices["Para español, oprima numeral."] == line.language("es").voice


def test_help_says_every_key_then_returns_to_where_the_caller_was(line, english):
    pages = VoicePages(line, NoAudio(), texting=True)
    in_menu = spoken(parse(pages.resume(english, "find-ot", None, with_keys=True)))
    assert in_menu[0] == "You can use these keys at any time." and in_menu[-1] == "To go back, press star."
    in_part = parse(pages.resume(english, "how-ot-helps", 2, with_keys=True))
    assert spoken(in_part)[-1] == english.topics["how-ot-helps"].voice_parts[2]
    assert in_part.find("Gather").get("action") == "/voice/en/topic/how-ot-helps/part/2/choose"


def test_a_doubtful_spoken_choice_is_asked_back_with_its_confirmation_in_the_url(line, english):
    root = parse(VoicePages(line, NoAudio()).confirm(english, "main", 2, Choice("topic", "key-points")))
    assert spoken(root) == ["Did you say key points? If so, press 1, or say yes."]
    assert root.find("Gather").get("action") == "/voice/en/choices/main/choose?attempt=2&confirm=topic%3Akey-points"
    assert root.find("Redirect").text == "/voice/en/choices/main?attempt=2"


def test_the_main_menu_welcomes_only_when_asked_and_offers_no_back(line, english):
    first = spoken(parse(VoicePages(line, NoAudio()).choices(english, "main", welcome=True)))
    again = spoken(parse(VoicePages(line, NoAudio()).choices(english, "main")))
    assert first[0].startswith("Welcome to the O T Info Line") and not again[0].startswith("Welcome")
    assert not any("go back" in text for text in again)


def test_a_retry_says_why_and_adds_how_to_answer_by_voice(line, english):
    said = spoken(parse(VoicePages(line, NoAudio()).choices(english, "main", attempt=2, reason="wrong")))
    assert said[0] == "Sorry, that is not one of the choices."
    assert said[-1].startswith("You can also say what you want")


def test_the_last_try_offers_a_person_when_there_is_one(line, english):
    last = line.flow.tries
    staffed = VoicePages(line, NoAudio(), staff_number="+15005559999")
    with_staff = spoken(parse(staffed.choices(english, "main", attempt=last, reason="wrong")))
    assert with_staff[-1] == "To talk with a person, press 0."
    earlier = spoken(parse(staffed.choices(english, "main", attempt=last - 1, reason="wrong")))
    assert "To talk with a person, press 0." not in earlier
    without = spoken(parse(VoicePages(line, NoAudio()).choices(english, "main", attempt=last, reason="wrong")))
    assert "To talk with a person, press 0." not in without


def test_after_the_last_try_the_line_offers_texts_and_says_goodbye_before_hanging_up(line, english):
    for reason in ("silence", "wrong"):
        root = parse(VoicePages(line, NoAudio()).choices(english, "main", attempt=line.flow.tries + 1, reason=reason))
        assert [verb.tag for verb in root][-1] == "Hangup"
        said = " ".join(spoken(root))
        assert "text the word MENU" in said and said.endswith("Goodbye.")
        assert "did not get a choice" not in said  # after wrong keys that would be untrue


def test_a_section_plays_one_part_at_a_time_and_moves_on_after_a_short_pause(line, english):
    root = parse(VoicePages(line, NoAudio()).part(english, "early-intervention", 0))
    gather, redirect = list(root)
    assert spoken(root) == ["O T may be available through an early intervention program."]
    assert int(gather.get("timeout")) == line.flow.part_wait_seconds
    assert redirect.text == "/voice/en/topic/early-intervention/part/1"
    last = parse(VoicePages(line, NoAudio()).part(english, "early-intervention", 1))
    assert list(last)[1].text == "/voice/en/choices/early-intervention"


def test_the_end_of_a_section_names_it_offers_the_text_and_one_navigation_sentence(line, english):
    said = spoken(parse(VoicePages(line, NoAudio(), texting=True).choices(english, "school-iep")))
    assert said == ["That was the part about O T at school.", "To get this by text message, press 8.",
                    "To hear it again, press 9, or to go back, press star."]


def test_generated_audio_is_played_and_everything_else_is_said_with_the_languages_voice(line, english):
    sentence = english.topics["key-points"].voice_parts[0]
    root = parse(VoicePages(line, OneRecording(sentence)).part(english, "key-points", 0))
    assert [element.text for element in root.iter("Play")] == ["/audio/en-abc123.wav"]
    other = parse(VoicePages(line, OneRecording(sentence)).part(english, "key-points", 1))
    say = next(other.iter("Say"))
    assert say.get("voice") == english.voice and say.get("language") == "en-US"


def test_key_zero_dials_the_staff_number_and_comes_back_when_nobody_answers(line, english):
    pages = VoicePages(line, NoAudio(), staff_number="+15005559999")
    root = parse(pages.person(english, "find-ot", None))
    dial = root.find("Dial")
    assert dial is not None and dial.find("Number").text == "+15005559999"
    assert dial.get("action") == "/voice/en/person/done?topic=find-ot"
    unanswered = parse(pages.person_done(english, "find-ot", None, "no-answer"))
    assert spoken(unanswered)[0] == "Sorry, nobody could answer right now."
    assert unanswered.find("Gather").get("action").startswith("/voice/en/choices/find-ot/choose")
    talked = parse(pages.person_done(english, "find-ot", None, "completed"))
    assert [verb.tag for verb in talked][-1] == "Hangup"


def test_without_a_staff_number_key_zero_says_how_to_reach_a_person_and_resumes(line, english):
    root = parse(VoicePages(line, NoAudio()).person(english, "how-ot-helps", 3))
    assert spoken(root)[0].startswith("To talk with a person, please ask your child's health care team")
    assert root.find("Gather").get("action") == "/voice/en/topic/how-ot-helps/part/3/choose"


def test_an_apology_returns_to_the_main_menu_once_then_ends_politely(line, english):
    root = parse(VoicePages(line, NoAudio()).apology(english, repeated=False))
    assert root.find("Redirect").text == "/voice/en/choices/main?recovering=1"
    again = parse(VoicePages(line, NoAudio()).apology(english, repeated=True))
    assert [verb.tag for verb in again][-1] == "Hangup"


class SpanishOnly:
    """A catalog with audio for one sentence, made in the Spanish voice only."""

    def url_for(self, text: str, language: Language) -> str | None:
        return "/audio/es-abc123.wav" if (text, language.code) == ("Para español, oprima numeral.", "es") else None

    def generation(self) -> object:
        return "es"


def test_the_other_languages_part_plays_its_own_languages_audio(line, english):
    root = parse(VoicePages(line, SpanishOnly()).choices(english, "main", welcome=True))
    assert [element.text for element in root.iter("Play")] == ["/audio/es-abc123.wav"]
