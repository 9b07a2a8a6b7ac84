"""`flask --app app content check` on the texts: measures every one, fails on encoding or length."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.shipped import PROJECT
from tests.staff_words import content_check, edit


def check(words: Path, **env: str):
    return content_check(words, "--verbose", **env)


def test_reports_every_text_with_its_measurements(words: Path) -> None:
    result = check(words)
    assert result.exit_code == 0, result.output
    assert "content/en/topics/key-points.txt [text] 1/3:" in result.output
    assert "prompts/en.txt [sms.help]:" in result.output
    for line in result.output.splitlines():
        if ("[text]" in line or "[sms." in line) and not line.startswith("note:"):
            assert ("GSM-7" in line or "UCS-2" in line) and "segment" in line and ("grade" in line or "ease" in line)
    assert "warning:" not in result.output  # every English text reads at grade 6 or below


def test_typographic_punctuation_is_folded_not_refused(words: Path) -> None:
    edit(words / "content/en/topics/school-iep.txt", "OT may also be offered in schools.",
         "OT may also be offered in schools \u2013 \u201cIEP\u201d\u2026")
    result = check(words)
    assert result.exit_code == 0, result.output


def test_a_character_outside_gsm7_fails_with_its_file_and_line(words: Path) -> None:
    edit(words / "content/en/topics/school-iep.txt", "OT may also be offered in schools.",
         "OT may also be offered in schools \U0001F3EB.")
    result = check(words)
    assert result.exit_code == 1
    assert "content/en/topics/school-iep.txt:" in result.output and "GSM-7" in result.output


def test_a_text_too_long_for_one_message_fails(words: Path) -> None:
    edit(words / "content/en/topics/school-iep.txt", "OT may also be offered in schools.",
         "OT may also be offered in schools. " + "More words here. " * 20)
    result = check(words)
    assert result.exit_code == 1 and "split it" in result.output


def test_a_part_of_a_long_section_keeps_room_for_the_part_line(words: Path) -> None:
    edit(words / "content/en/topics/find-ot.txt", "That is a therapist who works with children.",
         "That is a therapist who works with children." + " Ask." * 38)
    result = check(words)
    assert result.exit_code == 1 and "kept for the part line" in result.output


def test_a_help_contact_that_makes_help_too_long_fails(words: Path) -> None:
    result = check(words, HELP_CONTACT="0123456789 " * 16)
    assert result.exit_code == 1 and "[sms.help]" in result.output and "longer than 320" in result.output
    assert "HELP_CONTACT (175 characters) makes the English HELP reply longer than 320" in result.output


def test_a_grade_above_6_is_a_warning_only(words: Path) -> None:
    edit(words / "content/en/topics/school-iep.txt", "It can be part of an IEP.",
         "Occupational therapy interventions can be incorporated within individualized educational programming.")
    result = check(words)
    assert result.exit_code == 0 and "warning: reading level (grade" in result.output


@pytest.mark.parametrize(("keyword", "why"), [
    ("STOP", "STOP, START or HELP"), ("MORE", "keywords.more"), ("END OF SCHOOL", "a request to stop texting"),
    ("SCHOOL PLEASE STOP", "a request to stop texting"), ("ALTO", "a request to stop texting"),
])
def test_a_keyword_may_not_be_a_reserved_word(words: Path, keyword: str, why: str) -> None:
    edit(words / "content/en/topics/school-iep.txt", "keywords: SCHOOL, IEP", f"keywords: SCHOOL, IEP, {keyword}")
    result = check(words)
    assert result.exit_code == 1 and "school-iep.txt:3" in result.output and why in result.output


def test_the_staff_command_on_broken_words_prints_file_and_line_not_a_traceback(tmp_path: Path, words: Path):
    """`flask --app app content check` reads the files itself (a plugin command: app.py is not imported)."""
    edit(words / "content" / "flow.txt", "key.text: 8", "key.text: 9")
    environ = {"PATH": "/usr/bin:/bin", "CONTENT_DIR": str(words / "content"), "PROMPTS_DIR": str(words / "prompts"),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'line.db'}"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "content", "check"], cwd=PROJECT,
                          env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "flow.txt:" in done.stderr and "content check: 1 error," in done.stderr


@pytest.mark.parametrize(("path", "old", "new"), [
    ("content/en/topics/school-iep.txt", "OT may also be offered in schools.", "An OT may also work in schools."),
    ("content/en/topics/school-iep.txt", "OT may also be offered in schools.", "OTs may also work in schools."),
    ("content/en/topics/school-iep.txt", "OT may also be offered in schools.", "Ask the OT at school."),
    ("content/es/topics/school-iep.txt", "También puede haber terapia ocupacional", "También puede haber TO"),
    ("prompts/en.txt", "Text MENU for topics.", "Text FIND to find an OT."),
])
def test_ot_means_the_therapy_never_the_therapist_or_an_unexplained_abbreviation(words: Path, path: str, old: str,
                                                                                  new: str) -> None:
    edit(words / path, old, new)
    result = check(words)
    assert result.exit_code == 1 and f"{path}:" in result.output and "OT means occupational therapy" in result.output


def test_ot_as_the_therapy_and_as_a_keyword_is_fine(words: Path) -> None:
    edit(words / "content/en/topics/school-iep.txt", "OT may also be offered in schools.",
         "OT (occupational therapy) may also be offered in schools.")
    assert check(words).exit_code == 0


def test_a_help_contact_that_makes_help_cost_more_segments_fails_naming_it(words: Path) -> None:
    """An í makes the Spanish HELP UCS-2: 67 characters a segment, so about 210 characters are 4 segments."""
    result = check(words, HELP_CONTACT="ayuda@línea.org")
    assert result.exit_code == 1
    assert "HELP_CONTACT (15 characters) makes the Español HELP reply 4 segments in UCS-2" in result.output
    assert "HELP_CONTACT (15 characters) makes the English HELP reply not GSM-7" in result.output


@pytest.mark.parametrize(("contact", "warned"), [("call 555-0100", True), ("email ot@example.org", True),
                                                 ("555-0100", False), ("ot-line@example.org", False),
                                                 ("(555) 010-0100 ext. 12", False)])
def test_words_in_help_contact_are_a_warning_since_each_language_writes_its_own_sentence(
        words: Path, contact: str, warned: bool) -> None:
    result = check(words, HELP_CONTACT=contact)
    assert result.exit_code == 0 and ("warning: HELP_CONTACT has words" in result.output) == warned
