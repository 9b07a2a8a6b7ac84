"""The console's Audio page: each part's audio for a chosen revision, what its newest job is doing, the parts that
failed with their reason, and a retry only reviewers may ask for."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from ivr.audio.build import PartAudio, part_audio
from ivr.audio.jobs import FAILED, STALE_SECONDS, AudioJob, AudioJobs
from ivr.audio.progress import UNCLAIMED_SECONDS, job_activity, part_progress, tally
from ivr.audio.folder import AudioFolder
from ivr.console.audio import chosen_revision
from ivr.publishing.store import Revision
from ivr.voice.utterances import all_utterances
from tests.app_factory import build_app
from tests.console_client import console_environ


@pytest.fixture
def console_app(tmp_path: Path) -> Flask:
    """The console with its own empty audio folder: every part of the shipped words is missing."""
    return build_app(tmp_path, **console_environ(AUDIO_DIR=str(tmp_path / "audio")))


def part(key: str, state: str) -> PartAudio:
    return PartAudio(key, "en", "welcome", f"words {key}", state, None)


def job(state: str, updated_at: int = 1000, note: str = "") -> AudioJob:
    return AudioJob(1, 2, "gtts", state, "host:1" if state != "queued" else None, 10, 4, 0, 1, note, updated_at)


@pytest.mark.parametrize("key,audio,newest,expected", [
    ("a", "current", job(FAILED), ("current", "")),  # a failed build takes no audio away
    ("a", "development", job("running"), ("development", "")),
    ("a", "missing", None, ("missing", "")),
    ("a", "stale", job("done"), ("stale", "")),
    ("a", "missing", job("queued"), ("queued", "")),
    ("a", "stale", job("running"), ("building", "")),
    ("a", "missing", job(FAILED, note="2 part(s) failed"), ("failed", "Google said 400")),  # its own reason first
    ("b", "stale", job(FAILED, note="Google could not be reached"), ("failed", "Google could not be reached")),
])
def test_a_part_is_what_its_audio_and_the_newest_job_say(key, audio, newest, expected):
    [progress] = part_progress([part(key, audio)], newest, {"a": "Google said 400"})
    assert (progress.state, progress.reason) == expected


def test_parts_are_counted_once_per_sentence_as_a_build_counts_them():
    shared = [part("a", "missing"), PartAudio("a", "en", "option", "words a", "missing", None), part("b", "current")]
    assert tally(part_progress(shared, None, {})) == {"current": 1, "development": 0, "queued": 0,
                                                      "building": 0, "failed": 0, "stale": 0, "missing": 1}


@pytest.mark.parametrize("newest,now,expected", [
    (None, 5000, ("none", 0)),
    (job("queued"), 1000 + UNCLAIMED_SECONDS - 1, ("waiting", UNCLAIMED_SECONDS - 1)),
    (job("queued"), 1000 + UNCLAIMED_SECONDS, ("unclaimed", UNCLAIMED_SECONDS)),
    (job("running"), 1003, ("moving", 3)),
    (job("running"), 1000 + STALE_SECONDS, ("stalled", STALE_SECONDS)),
    (job("done"), 2000, ("done", 1000)),
    (job(FAILED), 999, ("failed", 0)),
])
def test_whether_jobs_are_moving(newest, now, expected):
    assert job_activity(newest, now) == expected


def revision(number: int, state: str) -> Revision:
    return Revision(number, "ana", "", 0, state, None, None, None, None, "")


@pytest.mark.parametrize("asked,listing,live,expected", [
    (None, [revision(1, "retired"), revision(2, "live"), revision(3, "draft"), revision(4, "in_review")], 2, 4),
    ("", [revision(1, "live")], 1, 1),
    (None, [], None, "There is no revision yet."),
    ("3", [revision(1, "live"), revision(3, "draft")], 1, 3),
    ("7", [revision(1, "live")], 1, "There is no revision 7."),
    ("x1", [revision(1, "live")], 1, "Choose a revision from the list."),
    ("１", [revision(1, "live")], 1, "Choose a revision from the list."),
])
def test_the_revision_shown_is_the_one_asked_or_the_current_draft(asked, listing, live, expected):
    assert chosen_revision(asked, listing, live) == expected


def csrf_of(client, path: str = "/console/audio") -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_without_a_build_every_missing_part_is_listed_and_an_editor_cannot_retry(console_app, staff_client):
    editor = staff_client("editor")
    response = editor.get("/console/audio")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No build has been queued for revision 1" in page and "audio work" in page
    assert "Missing: spoken with &lt;Say&gt;" in page and 'id="parts-table"' in page and 'id="failed-table"' not in page
    key_points = page.split('id="parts-table"')[1].split("<td>en</td><td>key-points</td>")[1].split("</tr>")[0]
    parts = sum((one.language, one.source) == ("en", "key-points") for one in _parts(console_app))
    assert parts > 1 and "Missing" in key_points and f"<td>{parts}</td>" in key_points
    assert "A reviewer or admin can queue a build" in page and "/console/audio/retry" not in page
    refused = editor.post("/console/audio/retry", data={"csrf_token": csrf_of(editor), "revision": "1",
                                                        "engine": "gtts"})
    assert refused.status_code == 403
    assert AudioJobs(console_app.extensions["otline"].revisions.database).listing() == []


def test_a_reviewer_queues_a_build_that_the_page_then_shows_waiting_and_the_audit_keeps(console_app, staff_client):
    reviewer = staff_client("reviewer")
    response = reviewer.post("/console/audio/retry", data={"csrf_token": csrf_of(reviewer), "revision": "1",
                                                          "engine": "gtts"})
    [queued] = AudioJobs(console_app.extensions["otline"].revisions.database).listing()
    assert response.status_code == 303 and response.location == f"/console/audio?revision=1&queued={queued.id}"
    assert (queued.revision, queued.engine, queued.state) == (1, "gtts", "queued")
    page = reviewer.get(response.location).get_data(as_text=True)
    assert f"Build queued (job {queued.id})" in page and "is waiting for the worker" in page
    assert "Queued: waiting for the worker" in page
    [row] = [row for row in console_app.extensions["otline"].revisions.audit() if row.action == "audio queue"]
    assert (row.actor, row.revision, row.origin) == (reviewer.email, 1, "console")


@pytest.mark.parametrize("form,problem", [({"revision": "9", "engine": "gtts"}, "there is no revision 9"),
                                          ({"revision": "1", "engine": "festival"},
                                           "no audio engine &#39;festival&#39;")])
def test_a_retry_of_nothing_real_is_refused_clearly(console_app, staff_client, form, problem):
    reviewer = staff_client("reviewer")
    response = reviewer.post("/console/audio/retry", data={"csrf_token": csrf_of(reviewer), **form})
    assert response.status_code == 400 and problem in response.get_data(as_text=True)
    assert AudioJobs(console_app.extensions["otline"].revisions.database).listing() == []


def test_a_failed_part_is_shown_with_its_reason_and_a_retry(console_app, staff_client):
    jobs = AudioJobs(console_app.extensions["otline"].revisions.database)
    queued = jobs.queue(1, "gtts")
    jobs.claim("worker-host:42")
    welcome = next(one for one in _parts(console_app) if one.source == "welcome")
    jobs.report(queued.id, 300, 300, 299, 1, FAILED, "1 part(s) failed; queue the job again later",
                {welcome.key: "Google answered 400 Bad Request"})
    page = staff_client("reviewer").get("/console/audio?revision=1").get_data(as_text=True)
    rows = page.split('id="failed-table"')[1].split("</table>")[0].split("</tr>")[1:-1]
    [row] = [row for row in rows if "Google answered 400 Bad Request" in row]
    assert f"<td>welcome</td><td>{welcome.text}</td>" in row
    # the fake job made nothing: the other parts it planned failed too, by the job's own note
    assert all("Google answered 400" in row or "1 part(s) failed; queue the job again later" in row for row in rows)
    assert 'id="parts-table"' not in page  # nothing else is waiting: every part failed
    assert f"Job {queued.id} failed" in page and "The audio made before it is kept" in page
    assert "Retry the build" in page


def test_a_revision_that_does_not_exist_is_a_clear_answer(staff_client):
    response = staff_client("editor").get("/console/audio?revision=12")
    assert response.status_code == 400 and "There is no revision 12." in response.get_data(as_text=True)


def _parts(app: Flask) -> list[PartAudio]:
    found = app.extensions["otline"]
    return part_audio(all_utterances(found.line), AudioFolder(app.config["SETTINGS"].audio_dir))
