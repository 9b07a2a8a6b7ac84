"""Building and pruning the audio folder: content addressing, no re-synthesis, edits get new files, CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import responses

from ivr.audio.build import ProgressLines, gaps, plan, run
from ivr.audio.engines import UNREACHABLE, SynthesisError
from ivr.audio.folder import AudioFolder, lookup_key
from ivr.cli import audio_cli, content_cli
from ivr.content.loader import load_line
from ivr.voice.utterances import all_utterances, utterances
from tests.audio_fakes import FakeEngine, google_answers


def load(words: Path):
    return load_line(words / "content", words / "prompts")


def build(line, folder: AudioFolder, engine: FakeEngine, **only):
    jobs, unchanged = plan(all_utterances(line, **only), folder, engine)
    return run(jobs, unchanged, engine, folder, workers=3)


def edit_welcome(words: Path, new: str) -> None:
    path = words / "prompts" / "en.txt"
    text = path.read_text(encoding="utf-8")
    old = "Welcome to the O T Info Line. Here you can learn about occupational therapy for children."
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_second_build_makes_nothing_and_an_edit_gets_a_new_file_only_for_itself(words, tmp_path):
    folder = AudioFolder(tmp_path / "audio")
    first_engine = FakeEngine()
    first = build(load(words), folder, first_engine)
    assert first.made == len(first_engine.asked) > 40 and not first.failed
    files_before = {entry.text: entry.file for entry in folder.read_manifest().values()}

    again = FakeEngine()
    second = build(load(words), folder, again)
    assert again.asked == [] and second.made == 0 and second.unchanged == first.made

    edit_welcome(words, "Welcome to the O T Info Line.")
    edited = FakeEngine()
    third = build(load(words), folder, edited)
    assert edited.asked == ["Welcome to the O T Info Line."] and third.made == 1
    files_after = {entry.text: entry.file for entry in folder.read_manifest().values()}
    assert files_after["Welcome to the O T Info Line."] not in files_before.values()
    assert {text: files_after[text] for text in files_before} == files_before  # the others keep their URLs


def test_only_and_language_limit_the_build(words, tmp_path):
    folder = AudioFolder(tmp_path / "audio")
    engine = FakeEngine()
    report = build(load(words), folder, engine, only="key-points", language_code="en")
    assert report.made == len(load(words).default_language.topics["key-points"].voice_parts) == len(engine.asked)


def test_espeak_never_replaces_the_real_voice_but_gtts_replaces_espeak(words, tmp_path):
    folder = AudioFolder(tmp_path / "audio")
    line = load(words)
    build(line, folder, FakeEngine("espeak"), only="welcome", language_code="en")
    assert all(entry.development_only for entry in folder.read_manifest().values())
    found = gaps(all_utterances(line), folder)
    assert [gap.state for gap in found if gap.source == "welcome" and gap.language == "en"] == ["development"]
    real = FakeEngine("gtts")
    assert build(line, folder, real, only="welcome", language_code="en").made == 1
    assert not any(entry.development_only for entry in folder.read_manifest().values())
    dev = FakeEngine("espeak")
    assert build(line, folder, dev, only="welcome", language_code="en").made == 0 and dev.asked == []


def test_a_failed_part_is_reported_and_leaves_nothing_behind(words, tmp_path):
    folder = AudioFolder(tmp_path / "audio")
    report = build(load(words), folder, FakeEngine(fail_on="Goodbye"))
    assert [job.utterance.source for job, _ in report.failed] == ["goodbye"]
    assert "429" in report.failed[0][1]
    assert len(list(folder.files.iterdir())) == report.made == len(folder.read_manifest())
    assert [gap.state for gap in gaps(all_utterances(load(words)), folder) if gap.source == "goodbye"] == ["missing"]


def test_gaps_tell_stale_from_missing(words, tmp_path):
    folder = AudioFolder(tmp_path / "audio")
    build(load(words), folder, FakeEngine())
    assert gaps(all_utterances(load(words)), folder) == []
    edit_welcome(words, "Hello and welcome.")
    assert [(gap.source, gap.state) for gap in gaps(all_utterances(load(words)), folder)] == [("welcome", "stale")]


def test_an_interrupted_write_leaves_neither_a_partial_nor_a_temporary_file(tmp_path, monkeypatch):
    folder = AudioFolder(tmp_path / "audio")
    folder.write_file("en-0123456789abcdef0123.wav", b"old audio")

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr("ivr.audio.folder.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        folder.write_file("en-0123456789abcdef0123.wav", b"new audio")
    with pytest.raises(KeyboardInterrupt):
        folder.write_manifest({})
    assert [path.name for path in folder.files.iterdir()] == ["en-0123456789abcdef0123.wav"]
    assert (folder.files / "en-0123456789abcdef0123.wav").read_bytes() == b"old audio"
    assert list(folder.root.glob("*.tmp")) == [] and not folder.manifest_path.exists()
    with pytest.raises(ValueError):
        folder.write_file("../escape.wav", b"x")


def test_a_lost_manifest_is_rebuilt_from_the_files_without_asking_the_engine(words, tmp_path):
    folder = AudioFolder(tmp_path / "audio")
    first = build(load(words), folder, FakeEngine())
    manifest = folder.read_manifest()
    folder.manifest_path.unlink()
    engine = FakeEngine()
    again = build(load(words), folder, engine)
    assert engine.asked == [] and again.made == first.made and folder.read_manifest() == manifest


def test_a_damaged_manifest_is_a_message_not_a_traceback(cli_env, app):
    cli_env.mkdir()
    (cli_env / "manifest.json").write_text("{not json")
    result = app.test_cli_runner().invoke(audio_cli, ["build"])  # read before any request: no network, no espeak-ng
    assert result.exit_code == 1 and "manifest.json is damaged" in result.output and "delete it" in result.output


def test_prune_removes_unused_files_and_leftovers(words, tmp_path):
    folder = AudioFolder(tmp_path / "audio")
    build(load(words), folder, FakeEngine())
    edit_welcome(words, "Hello and welcome.")
    build(load(words), folder, FakeEngine())
    (folder.files / ".en-0123.wav.tmp").write_bytes(b"half a file")
    count = len(list(folder.files.iterdir()))
    line = load(words)
    keep = {lookup_key(said.text, language)
            for language in line.languages.values() for said in utterances(line, language)}
    removed = folder.prune(keep)
    assert len(removed) == 2 and len(list(folder.files.iterdir())) == count - 2 == len(folder.read_manifest())
    assert gaps(all_utterances(line), folder) == []


@pytest.fixture
def cli_env(words, tmp_path, monkeypatch):
    folders = {"CONTENT_DIR": words / "content", "PROMPTS_DIR": words / "prompts", "AUDIO_DIR": tmp_path / "audio"}
    for name, value in folders.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("AUDIO_THROTTLE_SECONDS", "0")
    return tmp_path / "audio"


@responses.activate
def test_cli_build_summary_and_exit_code(cli_env, app):
    runner = app.test_cli_runner()
    google_answers(200)
    ok = runner.invoke(audio_cli, ["build", "--only", "welcome", "--language", "en", "--workers", "2"])
    assert ok.exit_code == 0, ok.output
    assert "made 1, unchanged 0, failed 0" in ok.output and "1 request(s) to Google" in ok.output
    responses.reset()
    google_answers(503)
    failed = runner.invoke(audio_cli, ["build", "--only", "goodbye", "--language", "en", "--retries", "0"])
    assert failed.exit_code == 1 and "made 0, unchanged 0, failed 1" in failed.output
    again = runner.invoke(audio_cli, ["build", "--only", "welcome", "--language", "en"])
    assert "made 0, unchanged 1, failed 0" in again.output and "0 request(s) to Google" in again.output
    assert len(responses.calls) == 1  # since the reset: the failed try only, nothing for the unchanged prompt
    assert runner.invoke(audio_cli, ["build", "--only", "no-such-prompt"]).exit_code == 2
    assert runner.invoke(audio_cli, ["build", "--language", "xx"]).exit_code == 2


@responses.activate
def test_cli_build_offline_stops_after_three_connection_failures_and_keeps_old_audio(cli_env, app):
    runner = app.test_cli_runner()
    google_answers(200)
    assert runner.invoke(audio_cli, ["build", "--only", "welcome", "--language", "en"]).exit_code == 0
    before = {path.name: path.read_bytes() for path in cli_env.rglob("*") if path.is_file()}
    responses.reset()
    google_answers(requests.exceptions.ConnectionError("[Errno -3] Temporary failure in name resolution"))
    offline = runner.invoke(audio_cli, ["build", "--workers", "4"])
    assert offline.exit_code == 1
    assert len(responses.calls) <= 3 + 4 - 1  # the third failure in a row stops it; at most 3 others were in flight
    assert offline.output.count(UNREACHABLE) == 1 and re.search(r"made 0, unchanged 1, failed 0, not tried \d{3}",
                                                                 offline.output)
    assert before == {path.name: path.read_bytes() for path in cli_env.rglob("*") if path.is_file()}


def test_progress_lines_every_few_parts_or_seconds_and_at_the_end():
    told: list[str] = []
    now = [0.0]
    progress = ProgressLines(45, told.append, every_parts=20, every_seconds=5.0, clock=lambda: now[0])
    for part in range(45):
        now[0] = 30.0 if part == 30 else now[0] + 0.1  # one slow part
        progress(None, SynthesisError("429") if part == 3 else None)
    assert told == ["20/45 part(s) done, 1 failed, 2 s", "31/45 part(s) done, 1 failed, 30 s",
                    "40/45 part(s) done, 1 failed, 31 s", "45/45 part(s) done, 1 failed, 31 s"]


def test_cli_content_check_reports_audio_and_prune(cli_env, words, app):
    runner = app.test_cli_runner()
    fresh = runner.invoke(content_cli, ["check"])
    assert fresh.exit_code == 0 and "have parts with no audio yet" in fresh.output
    build(load(words), AudioFolder(cli_env), FakeEngine())
    assert "every part has current audio" in runner.invoke(content_cli, ["check"]).output
    edit_welcome(words, "Hello and welcome.")
    stale = runner.invoke(content_cli, ["check"])
    assert "prompts/en.txt [welcome]: the words changed since the audio was made" in stale.output
    # the old welcome is still what callers hear (the live revision in the app's database): prune keeps it
    assert "removed 0 file(s)" in runner.invoke(audio_cli, ["prune"]).output
