"""Revisions of the line's words: import/export, the two-person rule, rollback, the audit trail, serving.

Each test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (as in tests/test_store.py).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from flask import Flask

from ivr.cli import audio_cli, content_cli
from ivr.audio.build import gaps, plan, run
from ivr.audio.store import AudioStore
from ivr.content.loader import load_line
from ivr.publishing.cli import login_name
from ivr.publishing.document import load_document, read_folders
from ivr.publishing.store import Refused, Revisions
from ivr.services import Services
from ivr.store.database import Database
from tests.conftest import DATABASE_DOWN_URL, PROJECT, build_app
from tests.test_audio_build import FakeEngine
from tests.test_store import BACKENDS, empty_postgres


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'line.db'}" if request.param == "sqlite" else empty_postgres().url


@pytest.fixture
def words(tmp_path: Path) -> Path:
    """A copy of the real content/ and prompts/ that a test may edit."""
    root = tmp_path / "words"
    shutil.copytree(PROJECT / "content", root / "content")
    shutil.copytree(PROJECT / "prompts", root / "prompts")
    return root


def line_app(tmp_path: Path, database_url: str, words: Path) -> Flask:
    return build_app(tmp_path / "instance", DATABASE_URL=database_url, CONTENT_DIR=str(words / "content"),
                     PROMPTS_DIR=str(words / "prompts"), AUDIO_DIR=str(words / "audio"))


@pytest.fixture
def app(tmp_path: Path, database_url: str, words: Path) -> Flask:
    return line_app(tmp_path, database_url, words)


def staff(app: Flask, *args: str):
    return app.test_cli_runner().invoke(content_cli, list(args))  # a flask.commands plugin, not in app.cli


def found(app: Flask) -> Services:
    return app.extensions["otline"]


def edit(words: Path, name: str, old: str, new: str) -> None:
    path = words / name
    text = path.read_text(encoding="utf-8")
    assert old in text, "the test no longer matches the content; update it"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def reviewed_draft(app: Flask, words: Path, old: str = "Occupational therapy",
                   new: str = "OCCUPATIONAL THERAPY") -> int:
    """An edit of the English key points, imported by ana, submitted and approved by ben; its number."""
    edit(words, "content/en/topics/key-points.txt", old, new)
    number = len(found(app).revisions.listing()) + 1
    for args in (["import", "--author", "ana", "--note", "louder"], ["submit", str(number), "--by", "ana"],
                 ["approve", str(number), "--by", "ben"]):
        result = staff(app, *args)
        assert result.exit_code == 0, result.output
    return number


def test_a_new_database_starts_with_the_files_as_revision_1_live(app: Flask, words: Path):
    revisions = found(app).revisions
    assert found(app).revision == 1 and revisions.live_number() == 1
    assert revisions.files(1) == read_folders(words / "content", words / "prompts")
    assert [(row.action, row.revision) for row in revisions.audit()] == [("start", 1)]


def test_a_second_start_keeps_revision_1(tmp_path: Path, app: Flask, database_url: str, words: Path):
    again = line_app(tmp_path, database_url, words)
    assert found(again).revision == 1 and len(found(again).revisions.listing()) == 1


def test_import_then_export_gives_the_files_back_byte_for_byte(tmp_path: Path, app: Flask, words: Path):
    # the edges a round trip could lose: CRLF, no final newline, blank lines at the end, files that are not .txt
    (words / "content" / "es" / "README.txt").write_bytes("Señales: niño, sí.\r\nsin salto final".encode())
    (words / "prompts" / "NOTES.md").write_bytes("  two trailing newlines\n\n".encode())
    assert staff(app, "import", "--author", "ana").exit_code == 0
    result = staff(app, "export", "2", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    for folder in ("content", "prompts"):
        expected = {p.relative_to(words): p.read_bytes() for p in (words / folder).rglob("*") if p.is_file()}
        exported = {p.relative_to(tmp_path / "out"): p.read_bytes() for p in (tmp_path / "out" / folder).rglob("*")
                    if p.is_file()}
        assert exported == expected


def test_the_real_folders_round_trip_byte_for_byte(tmp_path: Path, app: Flask):
    revisions = found(app).revisions  # revision 1 is the repository's own content/ and prompts/
    staff(app, "export", "1", str(tmp_path / "out"))
    for folder in ("content", "prompts"):
        for path in (PROJECT / folder).rglob("*"):
            if path.is_file():
                assert (tmp_path / "out" / path.relative_to(PROJECT)).read_bytes() == path.read_bytes(), path
    assert any("ñ" in text or "á" in text for text in revisions.files(1).values())


def test_export_refuses_a_folder_with_other_files(tmp_path: Path, app: Flask):
    stranger = tmp_path / "out" / "content" / "en" / "topics" / "old-topic.txt"
    stranger.parent.mkdir(parents=True)
    stranger.write_text("title: old\n")
    result = staff(app, "export", "1", str(tmp_path / "out"))
    assert result.exit_code == 1 and "content/en/topics/old-topic.txt" in result.output
    assert not (tmp_path / "out" / "content" / "flow.txt").exists()


def test_a_broken_file_is_refused_with_its_file_and_line(app: Flask, words: Path):
    edit(words, "content/flow.txt", "key.back: *", "key.back: 1")
    result = staff(app, "import")
    assert result.exit_code == 1
    assert "content/flow.txt:" in result.output and "key 1 is kept for menu options" in result.output
    assert "no draft was made" in result.output and len(found(app).revisions.listing()) == 1


def test_a_file_that_is_not_utf8_is_refused(app: Flask, words: Path):
    (words / "content" / "es" / "README.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    result = staff(app, "import")
    assert result.exit_code == 1 and "content/es/README.txt:1: is not UTF-8" in result.output


def test_importing_the_live_words_again_is_refused(app: Flask):
    result = staff(app, "import", "--author", "ana")
    assert result.exit_code == 1 and "same words as revision 1 (live)" in result.output
    assert found(app).revisions.audit()[-1].outcome.startswith("refused")


def test_a_draft_goes_live_only_when_another_person_approves_it(app: Flask, words: Path):
    edit(words, "content/en/topics/key-points.txt", "Occupational therapy", "OCCUPATIONAL THERAPY")
    assert staff(app, "import", "--author", "ana", "--note", "louder").exit_code == 0
    refused = staff(app, "publish", "2", "--by", "ana")
    assert refused.exit_code == 1 and "must approve it before it goes live" in refused.output
    assert staff(app, "submit", "2", "--by", "ana").exit_code == 0
    own = staff(app, "approve", "2", "--by", "ana")
    assert own.exit_code == 1 and own.output.count("\n") == 1 and "a different person must approve it" in own.output
    assert staff(app, "approve", "2", "--by", "ben").exit_code == 0
    assert staff(app, "publish", "2", "--by", "ana", "--allow-missing-audio").exit_code == 0
    revisions = found(app).revisions
    assert revisions.live_number() == 2 and revisions.get(1).state == "retired"
    assert revisions.get(2).approved_by == "ben"
    steps = [(row.actor, row.action, row.revision, row.outcome.split(":")[0]) for row in revisions.audit()]
    assert steps[1:-1] == [("ana", "import", 2, "draft"), ("ana", "publish", 2, "refused"),
                           ("ana", "submit", 2, "submitted for review"), ("ana", "approve", 2, "refused"),
                           ("ben", "approve", 2, "approved by ben, a second person")]
    published = revisions.audit()[-1]  # no audio was built in this test: every part is spoken with <Say>
    assert (published.actor, published.action) == ("ana", "publish")
    assert published.outcome.startswith("published with") and published.outcome.endswith("(--allow-missing-audio)")
    assert all(row.origin.startswith("cli ") for row in revisions.audit()[1:])


def test_self_approval_is_allowed_only_when_asked_and_is_audited(app: Flask, words: Path):
    edit(words, "content/en/topics/key-points.txt", "Occupational therapy", "OCCUPATIONAL THERAPY")
    staff(app, "import", "--author", "ana")
    staff(app, "submit", "2", "--by", "ana")
    assert staff(app, "approve", "2", "--by", "ana", "--self-approve").exit_code == 0
    assert "self-approved by its author ana" in found(app).revisions.audit()[-1].outcome


def test_rollback_makes_a_new_live_copy_of_the_revision_live_before(app: Flask, words: Path):
    number = reviewed_draft(app, words)
    staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio")
    result = staff(app, "rollback", "--by", "carla")
    assert result.exit_code == 0, result.output
    revisions = found(app).revisions
    restored = revisions.get(3)
    assert (restored.state, restored.restores, restored.approved_by) == ("live", 1, "carla")
    assert revisions.files(3) == revisions.files(1) and revisions.get(2).state == "retired"
    assert revisions.audit()[-1].outcome == "live: a copy of revision 1"
    again = staff(app, "rollback", "--by", "carla")  # undo the rollback: revision 2's words again
    assert again.exit_code == 0 and revisions.files(4) == revisions.files(2)


def test_rollback_refuses_what_was_never_live(app: Flask, words: Path):
    assert "no revision was live before" in staff(app, "rollback").output
    number = reviewed_draft(app, words)
    result = staff(app, "rollback", str(number))
    assert result.exit_code == 1 and "was never live" in result.output
    assert found(app).revisions.live_number() == 1


def test_drafts_diff_and_history_read_as_staff_name_things(app: Flask, words: Path):
    edit(words, "content/es/topics/key-points.txt", "terapia", "TERAPIA")
    staff(app, "import", "--author", "ana", "--note", "más fuerte")
    drafts = staff(app, "drafts").output
    assert "revision 2  draft  by ana" in drafts and "más fuerte" in drafts
    diff = staff(app, "diff", "2").output
    assert "=== es / topics/key-points.txt (changed)" in diff and "+" in diff and "TERAPIA" in diff
    assert "en / " not in diff
    assert staff(app, "diff", "1", "1").output.strip() == "revision 1 -> revision 1: no differences"
    history = staff(app, "history").output
    assert "revision 1  live  by the repository's files" in history and "ana  import revision 2: draft" in history


def test_a_revision_that_does_not_exist_is_one_line(app: Flask):
    result = staff(app, "approve", "9", "--by", "ben")
    assert result.exit_code == 1 and result.output.strip() == "Error: there is no revision 9"


def test_the_database_holds_at_most_one_live_revision(app: Flask):
    database = found(app).revisions.database
    with pytest.raises(Exception, match="(?i)unique"):
        with database.transaction() as tx:
            tx.execute("INSERT INTO revisions (number, document, digest, author, note, created_at, state)"
                       " VALUES (99, '{}', 'x', 'eve', '', 0, 'live')")
    assert found(app).revisions.live_number() == 1


def test_racing_publishes_leave_exactly_one_live_revision(app: Flask, words: Path):
    numbers = [reviewed_draft(app, words, "Occupational therapy", f"Occupational therapy{'!' * n}")
               for n in (1, 2, 3, 4)]
    revisions = Revisions(found(app).revisions.database)
    outcomes: list[str] = []
    gate = threading.Barrier(len(numbers) * 2)

    def publish(number: int) -> None:
        gate.wait()
        try:
            revisions.act(number, "publish", "ben", "test")
            outcomes.append("published")
        except Refused:
            outcomes.append("refused")

    threads = [threading.Thread(target=publish, args=(number,)) for number in numbers * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["published"] * 4 + ["refused"] * 4  # each once; again says "already live/retired"
    states = [revision.state for revision in revisions.listing()]
    assert states.count("live") == 1 and states.count("approved") == 0


def test_instances_starting_together_on_a_new_database_make_one_revision_1(tmp_path: Path, database_url: str,
                                                                             words: Path):
    files = read_folders(words / "content", words / "prompts")
    database = Database(database_url)
    database.migrate()
    started: list[int] = []
    gate = threading.Barrier(6)

    def start() -> None:
        gate.wait()
        started.append(Revisions(Database(database_url)).start(files, "test"))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert started == [1] * 6 and len(Revisions(database).listing()) == 1


def test_the_app_serves_the_live_revision_and_warns_when_the_files_differ(tmp_path: Path, app: Flask,
                                                                          database_url: str, words: Path, caplog):
    number = reviewed_draft(app, words)
    staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio")
    edit(words, "content/en/topics/key-points.txt", "OCCUPATIONAL THERAPY", "Something else entirely")
    with caplog.at_level(logging.WARNING):
        restarted = line_app(tmp_path, database_url, words)
    assert found(restarted).revision == number
    voice = " ".join(found(restarted).line.language("en").topics["key-points"].voice_parts)
    assert "OCCUPATIONAL THERAPY" in voice and "Something else entirely" not in voice
    assert f"differ from live revision {number} in content/en/topics/key-points.txt" in caplog.text


def test_no_warning_when_the_files_are_the_live_revision(tmp_path: Path, app: Flask, database_url: str,
                                                         words: Path, caplog):
    with caplog.at_level(logging.WARNING):
        line_app(tmp_path, database_url, words)
    assert "differ from live revision" not in caplog.text


def test_without_its_database_the_line_serves_the_files_and_says_so(tmp_path: Path, words: Path, caplog):
    with caplog.at_level(logging.WARNING):
        app = line_app(tmp_path, DATABASE_DOWN_URL, words)
    assert found(app).revision is None and "key-points" in found(app).line.language("en").topics
    assert "serving the words in" in caplog.text
    result = staff(app, "drafts")
    assert result.exit_code == 1 and "the database is unavailable" in result.output


def folders_of(words: Path) -> dict[str, str]:
    """The environment `flask ... audio prune` reads its folders from."""
    return {"CONTENT_DIR": str(words / "content"), "PROMPTS_DIR": str(words / "prompts"),
            "AUDIO_DIR": str(words / "audio")}


def build_audio(words: Path) -> None:
    """Audio in the line's voice (a fake engine named gtts) for every part of the files as they are now.

    A full build takes seconds to a minute (some 200 parts decoded, processed and written), and most tests build
    the same words: a folder's first build starts from a copy of the audio built earlier in this run for files
    with the same text, so only what differs is built. The store is content-addressed: the result is the same.
    """
    audio, words_now = words / "audio", _words_digest(words)
    if not audio.exists() and words_now in _BUILT_AUDIO:
        shutil.copytree(_BUILT_AUDIO[words_now], audio)
    line = load_line(words / "content", words / "prompts")
    store, engine = AudioStore(audio), FakeEngine()
    jobs, unchanged = plan(line, store, engine)
    assert not run(jobs, unchanged, engine, store, workers=2).failed
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


def test_a_revision_goes_live_only_with_its_audio_or_when_told_to_speak_the_rest(app: Flask, words: Path):
    build_audio(words)
    number = reviewed_draft(app, words)  # one English section edited since the audio was made
    refused = staff(app, "publish", str(number), "--by", "ben")
    assert refused.exit_code == 1 and "1 part(s) have no audio in the line's voice" in refused.output
    assert found(app).revisions.get(number).state == "approved"
    build_audio(words)
    done = staff(app, "publish", str(number), "--by", "ben")
    assert done.exit_code == 0 and "<Say>" not in done.output
    assert found(app).revisions.audit()[-1].outcome == "published"


def test_publishing_without_audio_when_told_is_audited(app: Flask, words: Path):
    build_audio(words)
    number = reviewed_draft(app, words)
    result = staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio")
    assert result.exit_code == 0 and "1 part(s) are spoken with <Say>" in result.output
    assert found(app).revisions.audit()[-1].outcome == ("published with 1 part(s) spoken with <Say> "
                                                        "(--allow-missing-audio)")


def test_a_login_without_a_name_is_named_by_its_uid(monkeypatch):
    def no_name() -> str:
        raise KeyError("getpwuid(): uid not found: 12345")

    monkeypatch.setattr("getpass.getuser", no_name)
    assert login_name() == f"uid {os.getuid()}"


def test_an_export_is_in_the_audit_trail(tmp_path: Path, app: Flask):
    staff(app, "export", "1", str(tmp_path / "out"))
    row = found(app).revisions.audit()[-1]
    assert (row.action, row.revision) == ("export", 1) and str(tmp_path / "out") in row.outcome


def test_a_live_revision_this_version_refuses_leaves_the_line_on_its_files(tmp_path: Path, database_url: str,
                                                                          words: Path, caplog):
    broken = read_folders(words / "content", words / "prompts")
    broken["content/flow.txt"] = broken["content/flow.txt"].replace("key.back: *", "key.back: 1")
    database = Database(database_url)
    database.migrate()
    Revisions(database).start(broken, "a version with fewer checks")
    with caplog.at_level(logging.ERROR):
        app = line_app(tmp_path, database_url, words)
    assert found(app).revision is None and "key-points" in found(app).line.language("en").topics
    assert "live revision 1 does not pass this version's checks" in caplog.text


def test_audio_prune_keeps_the_live_revisions_audio_when_the_files_have_moved_on(app: Flask, words: Path):
    build_audio(words)
    number = reviewed_draft(app, words)
    build_audio(words)  # the reviewed words get their audio, and go live with it
    assert staff(app, "publish", str(number), "--by", "ben").exit_code == 0
    edit(words, "content/en/topics/key-points.txt", "OCCUPATIONAL THERAPY", "Occupational Therapy")  # next edit
    build_audio(words)
    edit(words, "content/en/topics/key-points.txt", "Occupational Therapy", "Occupational therapy!")  # and again
    result = app.test_cli_runner().invoke(audio_cli, ["prune"], env=folders_of(words))
    assert result.exit_code == 0 and "removed 1 file(s)" in result.output  # the edit no revision holds
    revisions, store = found(app).revisions, AudioStore(words / "audio")
    assert gaps(load_document(revisions.files(number)), store) == []  # what callers hear still has its audio
    assert gaps(load_document(revisions.files(1)), store) == []  # and what a rollback would bring back


def test_audio_prune_deletes_nothing_while_the_database_is_down(tmp_path: Path, words: Path):
    build_audio(words)
    edit(words, "content/en/topics/key-points.txt", "Occupational therapy", "OCCUPATIONAL THERAPY")
    app = line_app(tmp_path, DATABASE_DOWN_URL, words)
    before = sorted((words / "audio").rglob("*"))
    result = app.test_cli_runner().invoke(audio_cli, ["prune"], env=folders_of(words))
    assert result.exit_code == 1 and "nothing was deleted" in result.output
    assert sorted((words / "audio").rglob("*")) == before
