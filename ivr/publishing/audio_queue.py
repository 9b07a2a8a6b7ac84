"""Asking for a revision's audio: the one way `audio queue` and the console's retry queue a build, audited."""

from __future__ import annotations

from ivr.audio.jobs import ENGINES, AudioJob, AudioJobs
from ivr.publishing.store import Refused, Revisions


def queue_build(revisions: Revisions, number: int, engine: str, actor: str, origin: str) -> AudioJob:
    """Ask a worker for revision `number`'s audio (`audio queue`, the console's retry), in the audit trail."""
    if engine not in ENGINES:
        raise Refused(f"there is no audio engine {engine!r}: choose {' or '.join(ENGINES)}")
    revisions.files(number)  # refuses a revision that does not exist
    job = AudioJobs(revisions.database).queue(number, engine)
    revisions.record(actor, "audio queue", number, f"job {job.id} ({engine}) {job.state}", origin)
    return job
