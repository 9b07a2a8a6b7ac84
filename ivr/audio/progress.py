"""How far one revision's audio has come, for staff: each part's audio, or what the newest job for the
revision is doing about it, and whether that job is moving.

Pure: the parts (build.part_audio), the revision's newest job and that job's failed parts in; states out.
A build never removes audio, so a part that has audio keeps it whatever a job does or fails to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ivr.audio.build import PartAudio
from ivr.audio.jobs import DONE, QUEUED, RUNNING, STALE_SECONDS, AudioJob

# In the order staff read them: what is fine, what is under way, what needs them.
STATES = ("current", "development", "queued", "building", "failed", "stale", "missing")
UNCLAIMED_SECONDS = 60  # a job no worker took for this long: most likely no worker is running


@dataclass(frozen=True)
class PartProgress:
    part: PartAudio
    state: str  # one of STATES
    reason: str = ""  # why the newest job could not make it (failed parts only)


def part_progress(parts: Iterable[PartAudio], job: AudioJob | None, failures: Mapping[str, str]) -> list[PartProgress]:
    """Each part's state: its audio if it has some, else what the revision's newest job is doing about it."""
    return [_progress(part, job, failures) for part in parts]


def _progress(part: PartAudio, job: AudioJob | None, failures: Mapping[str, str]) -> PartProgress:
    if part.state in ("current", "development"):
        # it has audio: no job, nor a failed one, takes it away
        return PartProgress(part, part.state)
    if job is None or job.state == DONE:
        # nothing asked for it since (a finished job made what it planned): it needs a build
        return PartProgress(part, part.state)
    if job.state == QUEUED:
        # waiting for a worker
        return PartProgress(part, "queued")
    if job.state == RUNNING:
        # a worker is making it (or will, in this job)
        return PartProgress(part, "building")
    # the newest job failed: this part's own reason, or the job's (Google unreachable, no engine)
    return PartProgress(part, "failed", failures.get(part.key) or job.note)


def tally(progress: Iterable[PartProgress]) -> dict[str, int]:
    """How many distinct parts (as a build counts them: one per lookup key) are in each state."""
    seen = {(one.state, one.part.key) for one in progress}
    return {state: sum(1 for held, _ in seen if held == state) for state in STATES}


@dataclass(frozen=True)
class SourceProgress:
    """How many parts of one prompt or topic, in one language, are in one state."""

    language: str
    source: str
    state: str
    parts: int


def by_source(progress: Iterable[PartProgress], states: Iterable[str]) -> list[SourceProgress]:
    """The parts in these states, counted per language, prompt or topic and state, in the order the line says them."""
    wanted = set(states)
    counted: dict[tuple[str, str, str], int] = {}
    for one in progress:
        if one.state in wanted:
            where = (one.part.language, one.part.source, one.state)
            counted[where] = counted.get(where, 0) + 1
    return [SourceProgress(*where, parts) for where, parts in counted.items()]


def job_activity(job: AudioJob | None, now: float) -> tuple[str, int]:
    """Whether the newest job is moving, and for how many seconds it has said nothing.

    'none', 'waiting' (queued), 'unclaimed' (queued too long: is a worker running?), 'moving', 'stalled'
    (a worker stopped reporting; another worker takes the job over), 'done' or 'failed'.
    """
    if job is None:
        return "none", 0
    quiet = max(0, int(now) - job.updated_at)
    if job.state == QUEUED:
        return ("unclaimed" if quiet >= UNCLAIMED_SECONDS else "waiting"), quiet
    if job.state == RUNNING:
        return ("stalled" if quiet >= STALE_SECONDS else "moving"), quiet
    return job.state, quiet
