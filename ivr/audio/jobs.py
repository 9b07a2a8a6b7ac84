"""Audio builds as jobs in the database: staff queue one for a revision, and a worker on any instance
(`flask --app app audio work`) claims it, builds what is missing, shares it, and records its progress.

A job is claimed by exactly one worker: on PostgreSQL with SELECT ... FOR UPDATE SKIP LOCKED, so
workers never wait on each other; on SQLite, BEGIN IMMEDIATE lets one claimer in at a time. A job
whose worker stopped reporting for STALE_SECONDS (it crashed, its instance was replaced) is claimed again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from ivr.audio.build import Job, Utterance, plan, run
from ivr.audio.engines import UNREACHABLE, Engine
from ivr.audio.folder import AudioFolder
from ivr.audio.shared import SharedAudio
from ivr.content.model import Language
from ivr.store.database import Database

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ENGINES = ("gtts", "espeak")  # the line's voice; espeak-ng for development without Google
STALE_SECONDS = 300  # no progress for this long: the worker is gone
_JOB_LOCK = 7_052_027  # any constant, other than the other advisory locks: numbering new jobs
_COLUMNS = "id, revision, engine, state, claimed_by, total, done, made, failed, note, updated_at"


@dataclass(frozen=True)
class AudioJob:
    id: int
    revision: int
    engine: str
    state: str
    claimed_by: str | None
    total: int
    done: int
    made: int
    failed: int
    note: str
    updated_at: int

    def summary(self) -> str:
        progress = f"{self.done}/{self.total} parts" if self.total else "not started"
        who = f" by {self.claimed_by}" if self.claimed_by else ""
        return f"job {self.id}: revision {self.revision} ({self.engine}) {self.state}{who}, {progress}, " \
               f"made {self.made}, failed {self.failed}{f': {self.note}' if self.note else ''}"


class AudioJobs:
    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self._clock = clock

    def queue(self, revision: int, engine: str) -> AudioJob:
        """A job for this revision, or the one already waiting or running for it (never two at once)."""
        with self.database.transaction() as tx:
            if self.database.postgres:
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_JOB_LOCK,))
            row = tx.one(f"SELECT {_COLUMNS} FROM audio_jobs WHERE revision = ? AND engine = ? AND state IN (?, ?)",
                         (revision, engine, QUEUED, RUNNING))
            if row:
                return AudioJob(*row)
            number = (tx.row("SELECT MAX(id) FROM audio_jobs")[0] or 0) + 1
            tx.execute("INSERT INTO audio_jobs (id, revision, engine, state, total, done, made, failed, note,"
                       " updated_at) VALUES (?, ?, ?, ?, 0, 0, 0, 0, '', ?)",
                       (number, revision, engine, QUEUED, int(self._clock())))
            return AudioJob(*tx.row(f"SELECT {_COLUMNS} FROM audio_jobs WHERE id = ?", (number,)))

    def claim(self, worker: str) -> AudioJob | None:
        """The oldest job waiting (or abandoned), now this worker's; None when there is none."""
        now = int(self._clock())
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.database.postgres else ""
        with self.database.transaction() as tx:
            row = tx.one(f"SELECT id FROM audio_jobs WHERE state = ? OR (state = ? AND updated_at < ?)"
                         f" ORDER BY id LIMIT 1{skip_locked}", (QUEUED, RUNNING, now - STALE_SECONDS))
            if row is None:
                return None
            tx.execute("UPDATE audio_jobs SET state = ?, claimed_by = ?, updated_at = ? WHERE id = ?",
                       (RUNNING, worker, now, row[0]))
            return AudioJob(*tx.row(f"SELECT {_COLUMNS} FROM audio_jobs WHERE id = ?", (row[0],)))

    def report(self, job: int, total: int, done: int, made: int, failed: int, state: str = RUNNING,
               note: str = "", failures: Mapping[str, str] | None = None) -> None:
        """Progress; at the end also each part that failed (lookup key -> why), for staff to read."""
        with self.database.transaction() as tx:
            tx.execute("UPDATE audio_jobs SET total = ?, done = ?, made = ?, failed = ?, state = ?, note = ?,"
                       " updated_at = ? WHERE id = ?",
                       (total, done, made, failed, state, note, int(self._clock()), job))
            for key, reason in sorted((failures or {}).items()):
                tx.execute("INSERT INTO audio_job_failures (job, part_key, reason) VALUES (?, ?, ?)"
                           " ON CONFLICT (job, part_key) DO UPDATE SET reason = excluded.reason", (job, key, reason))

    def failures(self, job: int) -> dict[str, str]:
        """The parts this job could not make: lookup key -> why."""
        with self.database.transaction() as tx:
            return dict(tx.execute("SELECT part_key, reason FROM audio_job_failures WHERE job = ?", (job,)))

    def newest(self, revision: int) -> AudioJob | None:
        """The revision's most recent job (any engine): what its parts are waiting for, or why they failed."""
        with self.database.transaction() as tx:
            row = tx.one(f"SELECT {_COLUMNS} FROM audio_jobs WHERE revision = ? ORDER BY id DESC LIMIT 1", (revision,))
        return AudioJob(*row) if row else None

    def get(self, job: int) -> AudioJob:
        with self.database.transaction() as tx:
            return AudioJob(*tx.row(f"SELECT {_COLUMNS} FROM audio_jobs WHERE id = ?", (job,)))

    def listing(self) -> list[AudioJob]:
        with self.database.transaction() as tx:
            return [AudioJob(*row) for row in tx.execute(f"SELECT {_COLUMNS} FROM audio_jobs ORDER BY id")]


def build_job(job: AudioJob, utterances: Iterable[tuple[Language, Utterance]], engine: Engine, folder: AudioFolder,
              jobs: AudioJobs, shared: SharedAudio, workers: int, report_seconds: float = 1.0) -> AudioJob:
    """Build a claimed job: fetch what others made first (nothing is synthesised twice), make the rest, share it."""
    shared.fetch(folder)
    planned, unchanged = plan(utterances, folder, engine)
    total, done, last = len(planned) + unchanged, unchanged, 0.0
    jobs.report(job.id, total, done, 0, 0)

    def progress(finished: Job, failure: Exception | None) -> None:
        nonlocal done, last
        done += 1
        if time.monotonic() - last >= report_seconds:  # progress others can read, without a write per part
            last = time.monotonic()
            jobs.report(job.id, total, done, 0, 0)

    result = run(planned, unchanged, engine, folder, workers, progress)
    shared.share(folder)
    state = FAILED if result.failed or result.unreachable else DONE
    note = (UNREACHABLE if result.unreachable else
            f"{len(result.failed)} part(s) failed; queue the job again later" if result.failed else "")
    jobs.report(job.id, total, done, result.made, len(result.failed), state, note,
                {part.key: reason for part, reason in result.failed})
    return jobs.get(job.id)
