"""The phone simulator reads TwiML as Twilio acts on it: what is heard, and where each key, words or silence go."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.console.simulation import Page, answer_to, goes_on, playable, read_twiml

ROWS = [line.split("\t") for line in (Path(__file__).parent / "cases" / "simulator_steps.tsv").read_text().splitlines()
        if line and not line.startswith("#")]


def _shown(request: tuple[str, dict[str, str]] | None) -> str:
    if request is None:
        return "none"
    url, params = request
    return f"{url} {'&'.join(f'{name}={value}' for name, value in params.items())}".rstrip()


@pytest.mark.parametrize("body,press,speech,expected", ROWS,
                         ids=[f"{index}:{row[1]}" for index, row in enumerate(ROWS)])
def test_the_simulator_goes_where_twilio_would(body, press, speech, expected):
    page = read_twiml(f"<Response>{body}</Response>")
    if press == "-":
        assert _shown(goes_on(page)) == expected
    else:
        assert goes_on(page) is None, "a page that asks the caller (or ended the call) does not go on by itself"
        assert _shown(answer_to(page.listens_at, page.then, press, speech) if page.waits else None) == expected


def test_said_and_played_parts_read_in_order_with_the_words_of_the_audio():
    xml = ('<Response><Gather action="/voice/es/choices/main/choose" timeout="7">'
           '<Say voice="Polly.Lupe-Neural" language="es-US">Hola.</Say>'
           '<Play>https://line.example/audio/es-1.wav</Play><Play>https://line.example/audio/unknown.wav</Play>'
           '</Gather><Redirect method="POST">/voice/es/choices/main?attempt=2</Redirect></Response>')
    page = read_twiml(xml, {"https://line.example/audio/es-1.wav": "Para ayuda, oprima 9."})
    assert [(part.text, part.audio) for part in page.heard] == [
        ("Hola.", None), ("Para ayuda, oprima 9.", "https://line.example/audio/es-1.wav"),
        ("", "https://line.example/audio/unknown.wav")]
    assert page.heard[0].voice == "Polly.Lupe-Neural"
    assert (page.listens_at, page.wait_seconds, page.then) == ("/voice/es/choices/main/choose", 7,
                                                               "/voice/es/choices/main?attempt=2")
    assert page.waits and not page.hangs_up


def test_a_text_answer_reads_as_its_messages():
    page = read_twiml("<Response><Message>One</Message><Message>Two</Message></Response>")
    assert page.texts == ("One", "Two")
    assert read_twiml("<Response />") == Page()


def test_a_hung_up_page_waits_for_nothing_even_with_a_gather_before_it():
    page = read_twiml('<Response><Gather action="/voice/x"><Say>a</Say></Gather><Say>Bye</Say><Hangup/></Response>')
    assert not page.waits and goes_on(page) is None


@pytest.mark.parametrize("url,base,expected", [
    ("https://line.example/audio/en-1.wav", "https://line.example", "/audio/en-1.wav"),
    ("https://cdn.example/otline/en-1.wav", "https://line.example", "https://cdn.example/otline/en-1.wav"),
    ("https://line.example.evil/audio/en-1.wav", "https://line.example", "https://line.example.evil/audio/en-1.wav"),
    ("/audio/en-1.wav", None, "/audio/en-1.wav"),
])
def test_audio_plays_from_this_app_when_it_is_the_lines_own(url, base, expected):
    assert playable(url, base) == expected
