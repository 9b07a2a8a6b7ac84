"""Audio builds as jobs any instance's worker claims: each job by one worker only, abandoned ones taken over,
progress readable, nothing synthesised twice. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import threading
from pathlib import Path

import responses
from flask import Flask

from ivr.cli import audio_cli
from ivr.audio.jobs import STALE_SECONDS, AudioJobs
from ivr.store.database import Database
from tests.audio_fakes import google_answers
from tests.databases import Clock
from tests.publishing.revising import folders_of, found, reviewed_draft, staff


def test_workers_racing_claim_every_job_exactly_once(app: Flask, database_url: str):
    queue = AudioJobs(found(app).revisions.database)
    queued = {queue.queue(revision, "gtts").id for revision in range(1, 9)}
    claimed: list[int] = []
    gate = threading.Barrier(4)

    def worker(name: str) -> None:
        jobs = AudioJobs(Database(database_url))  # its own connections, as another instance would have
        gate.wait()
        while (job := jobs.claim(name)) is not None:
            claimed.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(queued)  # every job once: none twice, none left
    assert {job.state for job in queue.listing()} == {"running"}


def test_a_revision_has_one_job_waiting_at_a_time(app: Flask):
    jobs = AudioJobs(found(app).revisions.database)
    assert jobs.queue(1, "gtts") == jobs.queue(1, "gtts")
    assert jobs.queue(1, "espeak").id != jobs.queue(1, "gtts").id


def test_a_job_whose_worker_went_silent_is_taken_over(app: Flask):
    clock = Clock()
    jobs = AudioJobs(found(app).revisions.database, clock)
    job = jobs.queue(1, "gtts")
    assert jobs.claim("first").id == job.id
    assert jobs.claim("second") is None  # still reporting: not taken
    clock.now += STALE_SECONDS + 1
    assert jobs.claim("second").claimed_by == "second"


@responses.activate
def test_a_queued_revision_is_built_by_a_worker_once_and_can_then_be_published(app: Flask, words: Path):
    google_answers(200)
    runner, env = app.test_cli_runner(), {**folders_of(words), "AUDIO_THROTTLE_SECONDS": "0"}
    built = runner.invoke(audio_cli, ["build"], env=env)  # the live words' audio, shared with every instance
    assert built.exit_code == 0 and "shared" in built.output, built.output
    number = reviewed_draft(app, words)  # one English section edited
    assert "queued" in runner.invoke(audio_cli, ["queue", str(number)]).output
    worked = runner.invoke(audio_cli, ["work", "--once"], env=env)
    assert worked.exit_code == 0, worked.output
    job = AudioJobs(found(app).revisions.database).listing()[-1]
    assert (job.state, job.failed, job.done, job.claimed_by is not None) == ("done", 0, job.total, True)
    assert job.made == 1 and job.total > 100  # only the edited part: the rest was built (and shared) before
    assert f"job {job.id}: revision {number} (gtts) done" in runner.invoke(audio_cli, ["jobs"]).output
    assert staff(app, "publish", str(number), "--by", "ben").exit_code == 0  # its audio is complete


@responses.activate
def test_a_part_a_job_could_not_make_is_kept_with_its_reason_and_the_queue_is_audited(app: Flask, words: Path):
    google_answers(200)
    runner, env = app.test_cli_runner(), {**folders_of(words), "AUDIO_THROTTLE_SECONDS": "0", "AUDIO_RETRIES": "0"}
    assert runner.invoke(audio_cli, ["build"], env=env).exit_code == 0
    number = reviewed_draft(app, words)  # one English part edited: the only one the job must make
    responses.reset()
    google_answers(400)  # Google refuses it (not worth retrying)
    assert runner.invoke(audio_cli, ["queue", str(number)]).exit_code == 0
    runner.invoke(audio_cli, ["work", "--once"], env=env)
    jobs = AudioJobs(found(app).revisions.database)
    job = jobs.newest(number)
    assert job is not None and (job.state, job.failed) == ("failed", 1)
    [(key, reason)] = jobs.failures(job.id).items()
    assert "400" in reason and len(key) == 64
    listed = runner.invoke(audio_cli, ["jobs"]).output.splitlines()  # staff see which part, in words, and why
    [not_made] = [line for line in listed if line.startswith("  not made: ")]
    assert not_made.startswith('  not made: en ') and '"' in not_made and "400" in not_made, listed
    assert key[:12] not in not_made  # the part by its words, not by its key
    audited = [row for row in found(app).revisions.audit() if row.action == "audio queue"]
    assert [(row.revision, row.outcome) for row in audited] == [(number, f"job {job.id} (gtts) queued")]
