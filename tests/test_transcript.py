"""`flask --app app content transcript`: a first call as text, from the pages the line really renders."""

from __future__ import annotations

import pytest
from flask import Flask

from ivr.cli import content_cli
from ivr.services import services
from ivr.voice.transcript import heard
from tests.app_factory import build_app
from tests.call_crawler import answer, call_in, post


def transcript(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(content_cli, ["transcript", *args])  # a flask.commands plugin
    assert result.exit_code == 0, result.output
    return result.output


def shown(says) -> str:
    """Pages' <Say>s as the transcript prints them."""
    return "\n".join(f"[{say.get('voice')}, {say.get('language')}] {say.text}" for say in says)


@pytest.mark.parametrize("code", ["en", "es"])
def test_the_transcript_is_what_a_call_says_page_by_page(app: Flask, code: str) -> None:
    client = app.test_client()
    printed = transcript(app, "--language", code)
    with app.app_context():
        language = services().line.languages[code]
    welcome = call_in(client, language.choice_key)
    for page in (post(client, "/voice"), welcome, answer(client, welcome, digits="2")):
        assert shown(page.says) in printed  # each page appears whole, as a caller hears it
    assert printed.index("== The language question") < printed.index("== The welcome") < printed.index("== Silence")
    assert printed.rstrip().endswith(language.prompt("goodbye")[0])


def test_the_transcript_follows_the_line_configuration(tmp_path) -> None:
    with_staff = transcript(build_app(tmp_path, STAFF_PHONE_NUMBER="+15005550100"), "--language", "en")
    assert "To talk with a person, press 0." in with_staff
    without = transcript(build_app(tmp_path), "--language", "en")
    assert "To talk with a person, press 0." not in without


def test_both_languages_by_default_and_an_unknown_one_is_refused(app: Flask) -> None:
    printed = transcript(app)
    assert "# A first call in English" in printed and "# A first call in Español" in printed
    result = app.test_cli_runner().invoke(content_cli, ["transcript", "--language", "xx"])
    assert result.exit_code != 0 and "no language 'xx'" in result.output


def test_heard_reads_voice_and_text_of_every_say(app: Flask) -> None:
    with app.app_context():
        said = heard(services().pages.language_choice())
    assert [(part.voice, part.text) for part in said] == [("Polly.Joanna-Neural", "For English, press 1."),
                                                          ("Polly.Lupe-Neural", "Para español, oprima 2.")]
