"""A language is files, not code: a made-up third language works end to end, and a gap is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.content.staff_file import ContentError
from tests.app_factory import build_app
from tests.call_crawler import answer, call_in, post, walk_menus
from tests.shipped import PROJECT

# How the made-up language "Zorbish" is spoken and offered; every other word is English with "Zorb".
ZORB_SETTINGS = {"name": "Zorbish", "choice-key": "3", "choice-words": "zorbo", "voice": "Polly.Zorb",
                 "speech-language": "zz-ZZ", "tts-language": "zz", "tts-tld": "zz"}


def _copy_words(tmp_path: Path) -> tuple[Path, Path]:
    content, prompts = tmp_path / "content", tmp_path / "prompts"
    shutil.copytree(PROJECT / "content", content, ignore=shutil.ignore_patterns("README*"))
    shutil.copytree(PROJECT / "prompts", prompts)
    return content, prompts


def _zorbify(text: str, settings: dict[str, str]) -> str:
    """Made-up words for a staff file: fields above the first [block] get "zorb", each paragraph too."""
    lines, in_blocks = [], False
    for line in text.splitlines():
        in_blocks = in_blocks or line.startswith("[")
        if not line.strip() or line.startswith(("#", "[")):
            lines.append(line)
        elif in_blocks:
            starts_paragraph = not lines or not lines[-1].strip() or lines[-1].startswith(("#", "["))
            lines.append(f"Zorb {line}" if starts_paragraph else line)
        else:
            name, value = line.split(":", 1)
            lines.append(f"{name}: {settings.get(name, 'zorb ' + value.strip())}")
    return "\n".join(lines) + "\n"


def _add_zorbish(content: Path, prompts: Path) -> None:
    english = (prompts / "en.txt").read_text(encoding="utf-8").replace("For English", "For Zorbish")
    (prompts / "zz.txt").write_text(_zorbify(english, ZORB_SETTINGS), encoding="utf-8")
    topics = content / "zz" / "topics"
    topics.mkdir(parents=True)
    for path in (content / "en" / "topics").glob("*.txt"):
        (topics / path.name).write_text(_zorbify(path.read_text(encoding="utf-8"), {}), encoding="utf-8")


def test_a_third_language_is_added_with_files_only(tmp_path: Path) -> None:
    content, prompts = _copy_words(tmp_path)
    _add_zorbish(content, prompts)
    app = build_app(tmp_path, CONTENT_DIR=str(content), PROMPTS_DIR=str(prompts))
    client = app.test_client()

    choice = post(client, "/voice")
    assert [say.text for say in choice.says] == ["For English, press 1.", "Para español, oprima 2.",
                                                 "Zorb For Zorbish, press 3."]
    assert choice.says[2].get("voice") == "Polly.Zorb" and "Zorbish" in choice.gather.get("hints", "")

    menu = call_in(client, "3")
    assert menu.action.startswith("/voice/zz/choices/main/choose")
    assert menu.gather.get("language") == "zz-ZZ"
    assert menu.said[0].startswith("Zorb Welcome")
    assert all(say.text.startswith("Zorb") for say in menu.says if say.get("voice") == "Polly.Zorb")
    others = [say.text for say in menu.says if say.get("voice") != "Polly.Zorb"]
    assert others == ["For English, press pound.", "Para español, oprima numeral."]  # each in its own voice
    assert answer(client, post(client, "/voice", From="+15005550123"), speech="zorbo").action == menu.action
    assert post(client, "/voice").action == menu.action  # the first caller again: Zorbish is remembered

    line = app.extensions["otline"].line
    heard = set(walk_menus(client, menu, dict(line.flow.menus)).said)
    assert all(part in heard for topic in line.languages["zz"].topics.values() for part in topic.voice_parts)


def test_a_language_missing_a_topic_file_names_the_file_and_line(tmp_path: Path) -> None:
    content, prompts = _copy_words(tmp_path)
    (content / "es" / "topics" / "school-iep.txt").unlink()
    with pytest.raises(ContentError) as raised:
        build_app(tmp_path, CONTENT_DIR=str(content), PROMPTS_DIR=str(prompts))
    assert [str(problem) for problem in raised.value.problems] == [
        "content/es/topics/school-iep.txt:1: missing: content/flow.txt offers 'school-iep', "
        "but this file does not exist"]


def test_a_language_with_a_broken_prompt_names_the_file_and_line(tmp_path: Path) -> None:
    content, prompts = _copy_words(tmp_path)
    spanish = prompts / "es.txt"
    text = spanish.read_text(encoding="utf-8")
    spanish.write_text(text.replace("Para {label}, oprima {key}.", "Para {etiqueta}, oprima {key}."), encoding="utf-8")
    line_number = text.splitlines().index("Para {label}, oprima {key}.") + 1
    with pytest.raises(ContentError) as raised:
        build_app(tmp_path, CONTENT_DIR=str(content), PROMPTS_DIR=str(prompts))
    assert [(problem.path, problem.line) for problem in raised.value.problems] == [("prompts/es.txt", line_number)]
    assert "{etiqueta}" in raised.value.problems[0].message
