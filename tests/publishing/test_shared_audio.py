"""Audio shared through the database: an instance that built nothing plays what another built.
On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import logging
from pathlib import Path
from xml.etree import ElementTree

import responses
from flask import Flask

from ivr.audio.build import gaps, plan, run
from ivr.audio.shared import SharedAudio
from ivr.audio.folder import AudioFolder
from ivr.cli import audio_cli
from ivr.live_revision import LiveRevision
from ivr.voice.utterances import all_utterances
from tests.app_factory import build_app
from tests.audio_fakes import FakeEngine, google_answers
from tests.publishing.revising import build_audio as build_into_folders, folders_of, found, reviewed_draft, staff
from tests.shipped import shipped_line
from tests.twilio_requests import twilio_post


def build_into(folder: AudioFolder, only: str | None = None) -> None:
    line, engine = shipped_line(), FakeEngine()
    jobs, unchanged = plan(all_utterances(line, only), folder, engine)
    assert not run(jobs, unchanged, engine, folder, workers=2).failed


def test_what_one_folder_shares_another_fetches_byte_for_byte(tmp_path: Path, app: Flask):
    shared = SharedAudio(found(app).revisions.database)
    built, elsewhere = AudioFolder(tmp_path / "built"), AudioFolder(tmp_path / "elsewhere")
    build_into(built, only="welcome")
    before = shared.version()
    assert shared.share(built) == len(built.read_manifest()) > 0 and shared.version() != before
    assert shared.share(built) == 0  # nothing new: nothing copied, the version stays
    assert shared.fetch(elsewhere) == len(built.read_manifest())
    assert elsewhere.read_manifest() == built.read_manifest()
    for entry in built.read_manifest().values():
        assert elsewhere.path_of(entry.file).read_bytes() == built.path_of(entry.file).read_bytes()
    assert shared.fetch(elsewhere) == 0


def test_a_rebuilt_part_replaces_the_shared_one(tmp_path: Path, app: Flask):
    shared = SharedAudio(found(app).revisions.database)
    built, elsewhere = AudioFolder(tmp_path / "built"), AudioFolder(tmp_path / "elsewhere")
    build_into(built, only="welcome")
    shared.share(built)
    shared.fetch(elsewhere)
    development = {key: entry.__class__(**{**entry.__dict__, "engine": "espeak"})
                   for key, entry in built.read_manifest().items()}
    built.write_manifest(development)  # the same clips, now said to be development audio
    version = shared.version()
    assert shared.share(built) == len(development) and shared.version() != version
    assert shared.fetch(elsewhere) == len(development) and elsewhere.read_manifest() == development


def test_an_instance_that_built_nothing_plays_what_another_built(tmp_path: Path, app: Flask, database_url: str,
                                                                 words: Path):
    builder_store = found(app).audio.folder
    build_into_folders(words)  # the words' audio folder is builder_store's
    SharedAudio(found(app).revisions.database).share(builder_store)
    other = build_app(tmp_path / "other", DATABASE_URL=database_url, CONTENT_DIR=str(words / "content"),
                      PROMPTS_DIR=str(words / "prompts"), AUDIO_DIR=str(tmp_path / "other-audio"))
    assert gaps(all_utterances(found(other).line), found(other).audio.folder)  # nothing of its own
    assert LiveRevision(other, 1).sync_audio() > 0
    assert gaps(all_utterances(found(other).line), found(other).audio.folder) == []
    client = other.test_client()
    page = ElementTree.fromstring(twilio_post(client, "/voice/en/topic/key-points/part/0").data)
    assert page.findall(".//Play") and not page.findall(".//Say")
    name = page.find(".//Play").text.rsplit("/", 1)[1]
    served = client.get(f"/audio/{name}")
    assert served.status_code == 200 and served.data == builder_store.path_of(name).read_bytes()
    assert LiveRevision(other, 1).sync_audio() == 0  # the shared version did not change: nothing to fetch


@responses.activate
def test_audio_build_shares_what_it_made(app: Flask, words: Path):
    google_answers(200)
    result = app.test_cli_runner().invoke(audio_cli, ["build", "--only", "welcome", "--language", "en"],
                                          env={**folders_of(words), "AUDIO_THROTTLE_SECONDS": "0"})
    assert result.exit_code == 0 and "shared 1 part(s) with every instance" in result.output
    assert SharedAudio(found(app).revisions.database).version()[0] == 1


def test_a_publish_counts_the_audio_other_instances_built(tmp_path: Path, app: Flask, database_url: str,
                                                          words: Path):
    number = reviewed_draft(app, words)
    build_into_folders(words)  # built by the staff's instance, for the reviewed words
    SharedAudio(found(app).revisions.database).share(found(app).audio.folder)
    elsewhere = build_app(tmp_path / "elsewhere", DATABASE_URL=database_url, CONTENT_DIR=str(words / "content"),
                          PROMPTS_DIR=str(words / "prompts"), AUDIO_DIR=str(tmp_path / "elsewhere-audio"))
    result = staff(elsewhere, "publish", str(number), "--by", "ben")  # an instance with an empty audio folder
    assert result.exit_code == 0, result.output


def test_a_damaged_manifest_here_is_reported_and_polling_goes_on(tmp_path: Path, app: Flask, database_url: str,
                                                                  words: Path, caplog):
    builder_store = found(app).audio.folder
    build_into(builder_store, only="welcome")
    SharedAudio(found(app).revisions.database).share(builder_store)
    other = build_app(tmp_path / "other", DATABASE_URL=database_url, CONTENT_DIR=str(words / "content"),
                      PROMPTS_DIR=str(words / "prompts"), AUDIO_DIR=str(tmp_path / "other-audio"))
    (tmp_path / "other-audio").mkdir()
    (tmp_path / "other-audio" / "manifest.json").write_text("{ not json")
    live = LiveRevision(other, 1)
    with caplog.at_level(logging.ERROR):
        assert live.sync_audio() == 0
    assert "cannot store the shared audio" in caplog.text
    (tmp_path / "other-audio" / "manifest.json").unlink()  # repaired: the next check fetches everything
    assert live.sync_audio() > 0


def test_pruning_forgets_shared_parts_no_words_use_and_their_clips(tmp_path: Path, app: Flask):
    shared = SharedAudio(found(app).revisions.database)
    built = AudioFolder(tmp_path / "built")
    build_into(built, only="welcome")
    shared.share(built)
    entries = built.read_manifest()
    kept = sorted(entries)[:1]
    assert shared.prune(set(kept)) == len(entries) - 1
    fresh = AudioFolder(tmp_path / "fresh")
    assert shared.fetch(fresh) == 1 and list(fresh.read_manifest()) == kept
    with found(app).revisions.database.transaction() as tx:
        assert tx.execute("SELECT name FROM audio_clips") == [(entries[kept[0]].file,)]
