"""The Spanish voice line: chosen first, heard in a Spanish voice, listened to in es-US, all reachable."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.content.model import Language, Line
from tests.call_crawler import Page, answer, call_in, post, walk_menus

SPANISH_VOICE = "Polly.Lupe-Neural"


@pytest.fixture
def line(app: Flask) -> Line:
    return app.extensions["otline"].line


@pytest.fixture
def spanish(line: Line) -> Language:
    return line.languages["es"]


def test_a_call_asks_for_the_language_first_each_in_its_own_voice(client: FlaskClient) -> None:
    page = post(client, "/voice")
    assert page.gather is not None and page.action.startswith("/voice/language/choose")
    spoken = [(say.get("voice"), say.get("language"), say.text) for say in page.says]
    assert spoken == [("Polly.Joanna-Neural", "en-US", "For English, press 1."),
                      (SPANISH_VOICE, "es-US", "Para español, oprima 2.")]
    hints = [hint.strip() for hint in page.gather.get("hints", "").split(",")]
    assert {"English", "inglés", "Español", "Spanish"} <= set(hints)
    assert page.gather.get("input") == "dtmf speech"


@pytest.mark.parametrize("said", ["español", "Espanol.", "Spanish", "quiero español por favor", "castellano", "2"])
def test_saying_spanish_in_either_language_chooses_spanish(client: FlaskClient, said: str) -> None:
    page = answer(client, post(client, "/voice"), speech=said)
    assert page.action.startswith("/voice/es/choices/main/choose")


@pytest.mark.parametrize("said", ["English", "inglés", "ingles", "I want English"])
def test_saying_english_in_either_language_chooses_english(client: FlaskClient, said: str) -> None:
    page = answer(client, post(client, "/voice"), speech=said)
    assert page.action.startswith("/voice/en/choices/main/choose")


def test_an_unclear_language_answer_is_asked_again_in_both_languages(client: FlaskClient) -> None:
    page = answer(client, post(client, "/voice"), speech="banana")
    assert page.said == ["Sorry, that is not one of the choices.", "For English, press 1.",
                         "Perdón, esa no es una de las opciones.", "Para español, oprima 2."]


def test_no_language_choice_says_goodbye_in_both_languages_then_hangs_up(client: FlaskClient, line: Line) -> None:
    page = post(client, f"/voice/language?attempt={line.flow.tries + 1}&reason=silence")
    voices = [say.get("voice") for say in page.says]
    assert "Polly.Joanna-Neural" in voices and SPANISH_VOICE in voices
    assert page.said[-1] == "Gracias por llamar. Adiós." and page.root[-1].tag == "Hangup"


def test_key_2_welcomes_in_spanish_with_the_options_before_their_keys(client: FlaskClient) -> None:
    page = call_in(client, "2")
    assert page.said[0].startswith("Gracias por llamar")
    assert "Para buscar un terapeuta ocupacional, oprima 2." in page.said
    assert "Para hablar con una persona, oprima 0." not in page.said  # no staff number: nobody to reach
    assert page.said[-1] == "Para oír todas las teclas, oprima 6, o diga ayuda."
    menu_again = answer(client, page, digits="7")
    assert not any("regresar" in text for text in menu_again.said)  # nothing to go back to from the main menu


ENGLISH_OFFER = "For English, press pound."  # the only English in a Spanish call, in the English voice


def _assert_spanish(page: Page) -> None:
    for say in page.says:
        expected = ("Polly.Joanna-Neural", "en-US") if say.text == ENGLISH_OFFER else (SPANISH_VOICE, "es-US")
        assert (say.get("voice"), say.get("language")) == expected, say.text
    if page.gather is not None:
        assert page.gather.get("language") == "es-US"
        hints = page.gather.get("hints", "")
        assert "repetir" in hints and "menú principal" in hints and "persona" in hints


def test_every_spanish_part_is_reachable_and_spoken_in_spanish(client: FlaskClient, line: Line,
                                                               spanish: Language) -> None:
    walk = walk_menus(client, call_in(client, "2"), dict(line.flow.menus))
    for page in walk.pages:
        _assert_spanish(page)
    heard = set(walk.said)
    missing = [(topic.id, part) for topic in spanish.topics.values() for part in topic.voice_parts if part not in heard]
    assert missing == []


def test_a_section_ends_with_spanish_navigation(client: FlaskClient, line: Line) -> None:
    page = answer(client, call_in(client, "2"), digits="3")  # key points
    while "/part/" in page.action:
        page = answer(client, page)
    assert page.said == ["Aquí termina la parte para escuchar los puntos clave.",
                         "Para escuchar otra vez, oprima 9, o para regresar, oprima asterisco."]
    _assert_spanish(page)


@pytest.mark.parametrize(("said", "expected_start"), [
    ("puntos clave", "/voice/es/topic/key-points/part/0/choose"),
    ("quiero buscar un terapeuta", "/voice/es/choices/find-ot/choose"),
    ("la escuela", "/voice/es/topic/school-iep/part/0/choose"),
    ("cómo ayuda a los niños", "/voice/es/topic/how-ot-helps/part/0/choose"),
    ("bebés", "/voice/es/topic/early-intervention/part/0/choose"),
    ("qué es la terapia ocupacional", "/voice/es/choices/about-ot/choose"),
])
def test_spanish_words_choose_topics(client: FlaskClient, said: str, expected_start: str) -> None:
    assert answer(client, call_in(client, "2"), speech=said).action.startswith(expected_start)


def test_spanish_navigation_words(client: FlaskClient, spanish: Language) -> None:
    menu = answer(client, call_in(client, "2"), digits="2")  # find an OT
    section = answer(client, menu, digits="1")  # who OTs are, part 0
    assert answer(client, section, speech="repetir").said == [spanish.topics["who-ots-are"].voice_parts[0]]
    assert answer(client, section, speech="regresar").action.startswith("/voice/es/choices/find-ot/choose")
    assert answer(client, section, speech="menú principal").action.startswith("/voice/es/choices/main/choose")
    person = answer(client, section, speech="hablar con una persona")
    assert person.said[0] == spanish.prompt("person.none")[0]
    texted = answer(client, section, speech="mándeme un mensaje")
    assert texted.said[0] == spanish.prompt("text.unavailable")[0]
