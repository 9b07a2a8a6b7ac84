"""The loader turns staff mistakes into file:line messages, all at once; the real content loads clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import content_cli
from ivr.content.loader import load_line
from ivr.content.model import MAIN_MENU
from ivr.content.staff_file import ContentError, MemoryFiles, parse_staff_text

PROJECT = Path(__file__).resolve().parent.parent
CASES = json.loads((Path(__file__).parent / "cases" / "broken_content.json").read_text())


def copy_words(tmp_path: Path) -> Path:
    """A private copy of content/ and prompts/ that a test may break."""
    for folder in ("content", "prompts"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    return tmp_path


def test_the_real_content_loads_and_every_menu_fits_the_conventions():
    line = load_line(PROJECT / "content", PROJECT / "prompts")
    assert MAIN_MENU in line.flow.menus
    assert all(1 <= len(options) <= 4 for options in line.flow.menus.values())
    for language in line.languages.values():
        assert all(topic.voice_parts and topic.text_messages for topic in language.topics.values())


@pytest.mark.parametrize("case", CASES, ids=[case["why"] for case in CASES])
def test_a_broken_file_is_reported_with_its_file_and_line(tmp_path, case):
    root = copy_words(tmp_path)
    target = root / case["file"]
    original = target.read_text(encoding="utf-8")
    assert case["replace"] in original, "the case no longer matches the content; update it"
    target.write_text(original.replace(case["replace"], case["with"], 1), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_line(root / "content", root / "prompts")
    reported = [str(problem) for problem in raised.value.problems]
    for expected in case["expect"]:
        path = root / expected["at"]
        line = 1
        if "line_with" in expected:
            lines = path.read_text(encoding="utf-8").splitlines()
            line = next(n for n, text in enumerate(lines, 1) if expected["line_with"] in text)
        prefix = f"{expected['at']}:{line}: "
        says = expected["says"]
        assert any(message.startswith(prefix) and says in message for message in reported), (prefix, says, reported)


def test_content_check_exits_non_zero_and_lists_problems(tmp_path, monkeypatch):
    root = copy_words(tmp_path)
    flow = root / "content" / "flow.txt"
    flow.write_text(flow.read_text().replace("key.back: *", "key.back: 1"))
    monkeypatch.setenv("CONTENT_DIR", str(root / "content"))
    monkeypatch.setenv("PROMPTS_DIR", str(root / "prompts"))
    result = CliRunner().invoke(content_cli, ["check"])
    assert result.exit_code == 1
    assert "content/flow.txt:" in result.output and "key 1 is kept for menu options" in result.output


def test_content_check_passes_on_the_real_content(monkeypatch):
    monkeypatch.delenv("CONTENT_DIR", raising=False)
    monkeypatch.delenv("PROMPTS_DIR", raising=False)
    result = CliRunner().invoke(content_cli, ["check"])
    assert result.exit_code == 0, result.output
    assert "2 language(s), " in result.output and result.output.endswith("content check: 0 errors, 0 warnings\n")


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    root = copy_words(tmp_path)
    (root / "content" / "en" / "topics" / "about.txt").write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError) as raised:
        load_line(root / "content", root / "prompts")
    assert any(str(p).startswith("content/en/topics/about.txt:1: is not UTF-8") for p in raised.value.problems)


def test_staff_files_keep_line_numbers_and_paragraph_breaks():
    problems = []
    text = "# note\ntitle: Hello\n\n[voice]\nOne\nstill one.\n\nTwo.\n[text]\nA\nB\n"
    parsed = parse_staff_text(text, "x.txt", problems)
    assert problems == []
    assert parsed.fields["title"].text == "Hello" and parsed.fields["title"].line == 2
    assert [(p.text, p.line) for p in parsed.blocks["voice"].paragraphs] == [("One\nstill one.", 5), ("Two.", 8)]
    assert parsed.blocks["text"].paragraphs[0].text == "A\nB"


def test_files_held_in_memory_load_the_same_line_and_problems_as_on_disk(tmp_path):
    texts = {path.relative_to(PROJECT).as_posix(): path.read_text(encoding="utf-8")
             for folder in ("content", "prompts") for path in (PROJECT / folder).rglob("*") if path.is_file()}
    assert load_line(Path("content"), Path("prompts"), MemoryFiles(texts)) == load_line(PROJECT / "content",
                                                                                        PROJECT / "prompts")
    texts["content/flow.txt"] = texts["content/flow.txt"].replace("key.back: *", "key.back: 1")
    with pytest.raises(ContentError, match=r"content/flow.txt:\d+: key 1 is kept for menu options"):
        load_line(Path("content"), Path("prompts"), MemoryFiles(texts))
