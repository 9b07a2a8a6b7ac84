"""What staff commands say: problems from the command itself (not the app factory), warnings on stderr only
where the line serves, a counted summary, reading figures that agree, and honest counts in the usage report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ivr.cli import stats
from ivr.content.readability import fernandez_huerta, spanish_reading_notes
from ivr.sms.measure import every_text, texts_as_sent
from ivr.sms.replies import Policy
from tests.app_factory import build_app
from tests.shipped import PROJECT
from tests.staff_words import content_check, edit
from tests.twilio_requests import twilio_post


def flask_command(words: Path, *args: str) -> subprocess.CompletedProcess:
    """`flask --app app ...` as staff type it, in development mode (no TWILIO_AUTH_TOKEN)."""
    env = {name: value for name, value in os.environ.items() if name != "TWILIO_AUTH_TOKEN"}
    env.update(CONTENT_DIR=str(words / "content"), PROMPTS_DIR=str(words / "prompts"), AUDIO_DIR=str(words / "audio"),
               DATABASE_URL=f"sqlite:///{words / 'line.db'}", NUMBER_HASH_SECRET="test-secret")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_content_check_reports_a_broken_file_itself_even_though_the_line_cannot_start(words: Path) -> None:
    edit(words / "content/en/topics/about.txt", "title:", "titel:")
    result = flask_command(words, "content", "check")
    assert result.returncode == 1
    assert "content/en/topics/about.txt:" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "content check: 2 errors, 0 warnings"
    assert "did not start" not in result.stdout + result.stderr
    assert "DEVELOPMENT MODE" not in result.stdout + result.stderr


def test_help_and_staff_commands_never_show_the_development_warning(words: Path) -> None:
    for args in (("--help",), ("content", "check")):
        result = flask_command(words, *args)
        assert result.returncode == 0, result.stderr
        assert "DEVELOPMENT MODE" not in result.stdout + result.stderr


def test_content_check_ends_with_a_count_and_shows_the_table_only_when_verbose(words: Path) -> None:
    quiet = content_check(words)
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output.strip().splitlines()[-1] == "content check: 0 errors, 0 warnings"
    assert "segment(s)" not in quiet.output
    verbose = content_check(words, "--verbose")
    assert "content/en/topics/key-points.txt [text] 1/3:" in verbose.output and "segment(s)" in verbose.output
    edit(words / "content/en/topics/school-iep.txt", "OT may also be offered in schools.",
         "Occupational therapy may additionally be administered within educational institutions.")
    hard = content_check(words)
    assert hard.exit_code == 0
    assert re.search(r"content/en/topics/school-iep\.txt \[text\] 1/1: warning: reading level \(grade [\d.]+\)",
                     hard.output)
    assert hard.output.strip().splitlines()[-1] == "content check: 0 errors, 1 warning"


def test_the_spanish_reading_note_scores_the_texts_the_table_shows(line) -> None:
    spanish = line.languages["es"]
    topic = next(topic for topic in spanish.topics.values() if len(topic.text_messages) > 1)
    shown = [text for text in every_text(line, Policy(None, False))
             if text.where.startswith(f"content/es/topics/{topic.id}.txt [text]")]
    assert [text.reading.score for text in shown] == [fernandez_huerta(text.text) for text in shown]
    note = next(note for note in spanish_reading_notes(line, texts_as_sent, floor=200)
                if note.startswith(f"content/es/topics/{topic.id}.txt: [text]"))
    assert f"reads at {fernandez_huerta(chr(10).join(text.text for text in shown)):.0f} " in note


@pytest.mark.parametrize(("staff_number", "put_through"), [(None, 0), ("+15005550001", 1)])
def test_stats_count_asking_for_a_person_apart_from_being_put_through(tmp_path: Path, staff_number: str | None,
                                                                      put_through: int) -> None:
    app = build_app(tmp_path, STAFF_PHONE_NUMBER=staff_number)
    client = app.test_client()
    call = {"CallSid": "CA" + "7" * 32}
    twilio_post(client, "/voice", call)
    twilio_post(client, "/voice/language/choose?attempt=1", {**call, "Digits": "1"})
    twilio_post(client, "/voice/en/choices/main/choose?attempt=1", {**call, "Digits": "0"})
    if staff_number:
        twilio_post(client, "/voice/en/person/done?topic=main", {**call, "DialCallStatus": "completed"})
    report = app.test_cli_runner().invoke(stats, ["--days", "1"]).output
    assert "Asked for a person: 1" in report and f"put through (staff answered): {put_through}" in report
    assert "put through to a person" not in report
