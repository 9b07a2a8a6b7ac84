"""The gTTS path, offline: Google's endpoint is faked at the HTTP layer with `responses`, so gTTS's
own client code (request packing, response parsing, errors) runs for real."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
import responses

from ivr.audio.build import plan, run
from ivr.audio.engines import UNREACHABLE, GoogleUnreachable, GttsEngine, SynthesisError, Throttle, sentence_tokens
from ivr.audio.folder import AudioFolder
from ivr.voice.utterances import all_utterances
from tests.audio_fakes import SPEECH_MP3, google_answers
from tests.shipped import shipped_line

LONG = ("To talk with a person, please ask your child's health care team. "
        "They can help you find an occupational therapist, at school, at home, or at the hospital.")


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def engine(sleeps) -> GttsEngine:
    return GttsEngine(timeout_seconds=7.5, throttle=Throttle(0), retries=3, backoff_seconds=1.0, sleep=sleeps.append)


@pytest.fixture
def language():
    return shipped_line().default_language


def sent_texts() -> list[str]:
    return [parse_qs(call.request.body)["f.req"][0] for call in responses.calls]


def test_sentence_tokenizer_splits_at_sentence_ends_only():
    assert sentence_tokens(LONG) == [
        "To talk with a person, please ask your child's health care team.",
        "They can help you find an occupational therapist, at school, at home, or at the hospital.",
    ]
    assert sentence_tokens("One. Two. Three.") == ["One. Two. Three."]  # short sentences share a request
    long_sentence = "word, " * 30 + "end."
    assert all(len(part) <= 100 for part in sentence_tokens(long_sentence))


@responses.activate
def test_success_sends_one_request_per_sentence_with_tld_and_timeout(engine, language):
    google_answers(200)
    audio = engine.synthesise(LONG, language)
    assert audio == SPEECH_MP3 * 2  # gTTS concatenates the parts' MP3 streams
    assert len(responses.calls) == 2 == engine.requests_sent
    assert all(call.request.url.startswith(f"https://translate.google.{language.tts_tld}/") for call in responses.calls)
    assert all(call.request.req_kwargs["timeout"] == 7.5 for call in responses.calls)
    assert "please ask your child" in sent_texts()[0] and "They can help" in sent_texts()[1]


@responses.activate
def test_429_then_success_backs_off_and_retries(engine, language, sleeps):
    google_answers(429, 429, 200)
    assert engine.synthesise("Hello.", language) == SPEECH_MP3
    assert len(responses.calls) == 3
    assert len(sleeps) == 2 and 1.0 <= sleeps[0] <= 1.5 and 2.0 <= sleeps[1] <= 3.0  # exponential, with jitter


@responses.activate
def test_persistent_server_error_gives_up_after_the_retries(engine, language, sleeps):
    google_answers(503)
    with pytest.raises(SynthesisError, match="503"):
        engine.synthesise("Hello.", language)
    assert len(responses.calls) == 4 and len(sleeps) == 3


@responses.activate
def test_timeouts_are_retried_then_reported(engine, language):
    google_answers(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(SynthesisError, match="Failed to connect"):
        engine.synthesise("Hello.", language)
    assert len(responses.calls) == 4


@responses.activate
@pytest.mark.parametrize("body", [
    ")]}'\n\n[[\"wrb.fr\",\"jQ1olc\",null,null,null,null,\"generic\"]]\n",  # the rpc answered, without audio
    ")]}'\n\n[[\"wrb.fr\",\"other\",null]]\n",  # no rpc line at all
])
def test_a_200_without_audio_is_a_failure_not_retried(engine, language, body):
    google_answers(body)
    with pytest.raises(SynthesisError):
        engine.synthesise("Hello.", language)
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize("text", ["", "   ", "..."])
def test_empty_text_sends_nothing(engine, language, text):
    with pytest.raises(SynthesisError, match="refused"):
        engine.synthesise(text, language)
    assert len(responses.calls) == 0


@responses.activate
def test_connection_failures_in_a_row_give_up_at_once_for_every_part(engine, language, sleeps):
    google_answers(requests.exceptions.ConnectionError("[Errno -3] Temporary failure in name resolution"))
    with pytest.raises(GoogleUnreachable, match=UNREACHABLE):
        engine.synthesise("Hello.", language)
    assert len(responses.calls) == 3 < engine.retries + 1  # 3 failures in a row, not every retry
    with pytest.raises(GoogleUnreachable):
        engine.synthesise("Goodbye.", language)
    assert len(responses.calls) == 3  # the next part does not even ask


@responses.activate
def test_an_answer_resets_the_count_of_connection_failures(engine, language, sleeps):
    refused = requests.exceptions.ConnectionError("refused")
    google_answers(refused, refused, 200, refused, refused, 200)
    assert engine.synthesise("Hello.", language) == engine.synthesise("Again.", language) == SPEECH_MP3
    assert len(responses.calls) == 6


@responses.activate
def test_each_failed_try_is_told_as_it_happens(language, sleeps):
    told: list[str] = []
    engine = GttsEngine(throttle=Throttle(0), retries=2, sleep=sleeps.append, notify=told.append)
    google_answers(429, 200)
    engine.synthesise("Hello.", language)
    assert len(told) == 1 and "try 1 of 3 for 'Hello.'" in told[0] and "429" in told[0] and "trying again" in told[0]


def test_throttle_spaces_request_starts_across_workers():
    now = [0.0]
    slept: list[float] = []
    throttle = Throttle(0.5, clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        throttle.wait()
    assert slept == [0.5, 1.0]


def folder_snapshot(folder: AudioFolder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.files.iterdir()}


@responses.activate
@pytest.mark.parametrize("answers", [(503,), (requests.exceptions.ConnectionError("refused"),),
                                     (requests.exceptions.ReadTimeout("slow"),), (")]}'\n\n[]\n",), (429, 200)])
def test_after_a_build_the_store_holds_only_whole_valid_files_and_keeps_old_audio(line, tmp_path, language, answers,
                                                                                 sleeps):
    folder = AudioFolder(tmp_path)
    engine = GttsEngine(retries=1, sleep=sleeps.append)
    google_answers(200)
    first = run(*plan(all_utterances(line, only="welcome", language_code="en"), folder, engine), engine, folder,
                workers=2)
    assert first.made == 1 and not first.failed
    before, manifest_before = folder_snapshot(folder), folder.read_manifest()
    responses.reset()
    google_answers(*answers)
    report = run(*plan(all_utterances(line, only="goodbye", language_code="en"), folder, engine), engine, folder,
                 workers=2)
    after = folder_snapshot(folder)
    assert {name: after[name] for name in before} == before  # old audio untouched
    assert not [name for name in after if not name.endswith(".wav")]  # no temporary or partial files
    if report.failed:
        assert after == before and folder.read_manifest() == manifest_before
    else:
        assert report.made == 1 and len(after) == 2
