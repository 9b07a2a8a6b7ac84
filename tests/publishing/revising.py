"""What the publishing tests do as staff would: build the line on a copy of the words, edit a file, run the
content commands, get a draft reviewed, build its audio."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

from flask import Flask

from ivr.audio.build import plan, run
from ivr.audio.folder import AudioFolder
from ivr.cli import content_cli
from ivr.content.loader import load_line
from ivr.services import Services
from ivr.voice.utterances import all_utterances
from tests.app_factory import build_app
from tests.audio_fakes import FakeEngine
from tests.staff_words import edit

LOUDER = "OCCUPATIONAL THERAPY"  # the key points' first words, as reviewed_draft and publish_louder edit them


def line_app(tmp_path: Path, database_url: str, words: Path) -> Flask:
    return build_app(tmp_path / "instance", DATABASE_URL=database_url, CONTENT_DIR=str(words / "content"),
                     PROMPTS_DIR=str(words / "prompts"), AUDIO_DIR=str(words / "audio"))


def staff(app: Flask, *args: str):
    return app.test_cli_runner().invoke(content_cli, list(args))  # a flask.commands plugin, not in app.cli


def found(app: Flask) -> Services:
    return app.extensions["otline"]


def reviewed_draft(app: Flask, words: Path, old: str = "Occupational therapy", new: str = LOUDER,
                   staff_file: str = "content/en/topics/key-points.txt") -> int:
    """An edit of a staff file (the English key points unless told), imported by ana, submitted and approved by
    ben; its number."""
    edit(words / staff_file, old, new)
    number = len(found(app).revisions.listing()) + 1
    for args in (["import", "--author", "ana", "--note", "louder"], ["submit", str(number), "--by", "ana"],
                 ["approve", str(number), "--by", "ben"]):
        result = staff(app, *args)
        assert result.exit_code == 0, result.output
    return number


def publish_louder(app: Flask, words: Path) -> int:
    """reviewed_draft, published (without audio for the edited part); its number."""
    number = reviewed_draft(app, words)
    assert staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio").exit_code == 0
    return number


def key_points_part(app: Flask, words: str) -> int:
    """The index of the English key points' voice part that says `words`."""
    parts = found(app).line.language("en").topics["key-points"].voice_parts
    return next(index for index, part in enumerate(parts) if words in part)


def folders_of(words: Path) -> dict[str, str]:
    """The environment `flask ... audio prune` reads its folders from."""
    return {"CONTENT_DIR": str(words / "content"), "PROMPTS_DIR": str(words / "prompts"),
            "AUDIO_DIR": str(words / "audio")}


def build_audio(words: Path) -> None:
    """Audio in the line's voice (a fake engine named gtts) for every part of the files as they are now.

    A full build takes seconds to a minute (some 200 parts decoded, processed and written), and most tests build
    the same words: a folder's first build starts from a copy of the audio built earlier in this run for files
    with the same text, so only what differs is built. The folder is content-addressed: the result is the same.
    """
    audio, words_now = words / "audio", _words_digest(words)
    if not audio.exists() and words_now in _BUILT_AUDIO:
        shutil.copytree(_BUILT_AUDIO[words_now], audio)
    line = load_line(words / "content", words / "prompts")
    folder, engine = AudioFolder(audio), FakeEngine()
    jobs, unchanged = plan(all_utterances(line), folder, engine)
    assert not run(jobs, unchanged, engine, folder, workers=2).failed
    if words_now not in _BUILT_AUDIO:
        _BUILT_AUDIO[words_now] = Path(tempfile.mkdtemp(prefix="otline-built-audio-")) / "audio"
        shutil.copytree(audio, _BUILT_AUDIO[words_now])
        atexit.register(shutil.rmtree, _BUILT_AUDIO[words_now].parent, True)


_BUILT_AUDIO: dict[str, Path] = {}  # by _words_digest: the audio built for those words, kept for this run


def _words_digest(words: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([*(words / "content").rglob("*"), *(words / "prompts").rglob("*")]):
        if path.is_file():
            digest.update(str(path.relative_to(words)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
