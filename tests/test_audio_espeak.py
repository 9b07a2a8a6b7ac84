"""espeak-ng for development: the subprocess faked for the unit tests, and one real end-to-end run
(CI installs Debian's espeak-ng in .ci/run) that does what the acceptance check does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ivr.audio import engines
from ivr.audio.engines import EspeakEngine, SynthesisError
from ivr.audio.loudness import integrated_loudness
from ivr.audio.wav import TELEPHONE_RATE, read_mulaw_wav
from ivr.cli import audio_cli
from tests.app_factory import build_app
from tests.audio_fakes import tone_wav
from tests.call_crawler import crawl
from tests.shipped import shipped_line
from tests.twilio_requests import TEST_BASE


def test_espeak_is_called_with_the_language_voice_and_text_on_stdin(monkeypatch):
    calls = []

    def fake_run(command, **options):
        calls.append((command, options))
        return subprocess.CompletedProcess(command, 0, stdout=tone_wav(1.0, 0.3), stderr=b"")

    monkeypatch.setattr(engines.subprocess, "run", fake_run)
    language = shipped_line().default_language
    audio = EspeakEngine(executable="sh").synthesise("Hello, is it me?", language)
    command, options = calls[0]
    assert audio[:4] == b"RIFF"
    assert command[1:] == ["-v", "en-us", "-s", "160", "--stdin", "--stdout"]
    assert options["input"] == "Hello, is it me?".encode() and options["timeout"] == 30.0


@pytest.mark.parametrize("outcome", [
    subprocess.CompletedProcess([], 1, stdout=b"", stderr=b"voice not found"),
    subprocess.TimeoutExpired("espeak-ng", 30),
])
def test_espeak_failures_are_synthesis_errors(monkeypatch, outcome):
    def fake_run(command, **options):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(engines.subprocess, "run", fake_run)
    with pytest.raises(SynthesisError):
        EspeakEngine(executable="sh").synthesise("Hello.", shipped_line().default_language)


def test_missing_espeak_says_how_to_install_it():
    with pytest.raises(SynthesisError, match="apt-get install -y espeak-ng"):
        EspeakEngine(executable="no-such-espeak-ng")


# Without espeak-ng the end-to-end test is skipped with this reason (pytest -ra lists it); CI (CI=true) installs
# espeak-ng in .ci/run and never skips it, so a lost install step fails there.
ESPEAK_MISSING = shutil.which("espeak-ng") is None and not os.environ.get("CI")


@pytest.mark.skipif(ESPEAK_MISSING, reason="espeak-ng is not installed: `apt-get install -y espeak-ng` (Debian) "
                                           "runs the end-to-end development-audio test")
def test_real_espeak_build_then_a_twilio_like_crawl_plays_phone_ready_audio(tmp_path, words, monkeypatch):
    """Build with espeak-ng, crawl the call: every prompt is a <Play> of an 8 kHz mono μ-law WAV with
    long-lived caching; a second build makes nothing; an edit changes only the edited prompt's URL."""
    assert shutil.which("espeak-ng"), "espeak-ng is needed: apt-get install -y espeak-ng (.ci/run does it)"
    environ = {"CONTENT_DIR": str(words / "content"), "PROMPTS_DIR": str(words / "prompts"),
               "AUDIO_DIR": str(tmp_path / "audio")}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    app = build_app(tmp_path, **environ)
    runner = app.test_cli_runner()
    first = runner.invoke(audio_cli, ["build", "--engine", "espeak"])
    assert first.exit_code == 0 and "failed 0" in first.output, first.output

    client = app.test_client()
    walk = crawl(client, speech=())
    says, plays = set(walk.said), walk.played
    assert not says and len(plays) > 40
    for url in plays:
        response = client.get(url.removeprefix(TEST_BASE))
        assert response.status_code == 200 and response.mimetype == "audio/wav"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        audio = read_mulaw_wav(response.data)
        assert 0.3 < audio.seconds < 40
        assert integrated_loudness(audio.samples, TELEPHONE_RATE) == pytest.approx(-19.0, abs=1.0)

    assert "made 0," in runner.invoke(audio_cli, ["build", "--engine", "espeak"]).output

    prompts = Path(environ["PROMPTS_DIR"]) / "en.txt"
    prompts.write_text(prompts.read_text().replace("Thank you for calling. Goodbye.",
                                                   "Thank you for calling. Take care."))
    assert "made 1," in runner.invoke(audio_cli, ["build", "--engine", "espeak"]).output
    # A new store: the first crawl's caller chose a language, and the line would skip the question now.
    plays_after = crawl(build_app(tmp_path / "after-edit", **environ).test_client(), speech=()).played
    assert len(plays_after - plays) == 1 and len(plays - plays_after) == 1
