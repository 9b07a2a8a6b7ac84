"""What the console's words page says about a staff file as it is typed (ivr/publishing/checks.py), from a table
next to this test (tests/cases/word_checks.tsv): one edit of the real words and one thing the page must show."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.content.loader import load_line
from ivr.publishing.checks import FileCheck, check_file
from ivr.publishing.document import read_folders
from ivr.sms.replies import Policy
from tests.conftest import PROJECT

ROWS = [line.split("\t") for line in (Path(__file__).parent / "cases" / "word_checks.tsv").read_text().splitlines()
        if line and not line.startswith("#")]
FILES = read_folders(PROJECT / "content", PROJECT / "prompts")
LIVE = load_line(PROJECT / "content", PROJECT / "prompts")


def checked(name: str, old: str, new: str) -> FileCheck:
    assert old in FILES[name], f"{name} no longer has {old!r}: update the table"
    return check_file(FILES, name, FILES[name].replace(old, new.replace("\\n", "\n"), 1), Policy(None, False), LIVE)


@pytest.mark.parametrize("name,old,new,line,expected", ROWS, ids=[f"{row[0]}:{row[3]} {row[4]}" for row in ROWS])
def test_the_page_shows_what_the_table_says(name: str, old: str, new: str, line: str, expected: str):
    check = checked(name, old, new)
    part = next((part for part in check.parts if part.line == int(line)), None)
    assert int(line) == 0 or part is not None, f"no part starts on line {line}: {[p.line for p in check.parts]}"
    findings = check.findings if part is None else part.findings
    if expected == "none":
        assert not findings, findings
    elif expected == "loads=no":
        assert not check.loads
    elif expected == "hard=yes":
        assert part is not None and part.reading is not None and part.reading.too_hard, part
    elif expected.startswith("elsewhere~"):
        assert any(expected.removeprefix("elsewhere~") in problem for problem in check.elsewhere), check.elsewhere
    elif "~" in expected:
        severity, words = expected.split("~", 1)
        assert any(f.severity == severity and words in f.problem.message for f in findings), findings
    else:
        field, value = expected.split("=")
        assert str(getattr(part, field)) == value, part


def test_the_unchanged_words_have_no_error_and_every_paragraph_is_a_part():
    for name in ("content/en/topics/key-points.txt", "content/es/topics/key-points.txt", "prompts/es.txt"):
        check = checked(name, "", "")
        assert check.loads and check.errors == 0 and not check.elsewhere, check.every_finding()
    english = checked("content/en/topics/key-points.txt", "", "")
    assert [part.channel for part in english.parts] == ["voice"] * 5 + ["text"] * 3


def test_a_section_of_several_texts_is_measured_as_sent_with_its_part_line():
    part = next(part for part in checked("content/en/topics/key-points.txt", "", "").parts if part.channel == "text")
    assert part.text.startswith("Key points about OT:") and "Reply MORE" in part.text


def test_a_spoken_part_has_the_voices_estimate():
    part = checked("content/en/topics/what-is-ot.txt", "", "").parts[1]
    assert part.text == "It helps people do the everyday tasks that are important to them."
    assert part.seconds == pytest.approx(12 * 60 / 155)
