"""Plan and run an audio build: make what is missing, keep what exists, record it in the manifest.

Pure planning (what needs making) is separate from running (workers, engine, folder), so both are
tested directly. What the line says is the voice line's to tell (ivr/voice/utterances.py all_utterances):
a build is given the utterances, so this package knows audio, not calls. Entries are added as each
prompt is finished and the manifest is written even when the build is interrupted, so nothing made is
lost and nothing half-made is recorded.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ivr.audio.engines import Engine, GoogleUnreachable, SynthesisError
from ivr.audio.folder import REAL_ENGINE, AudioFolder, Entry, file_name, lookup_key
from ivr.audio.telephone import TelephoneAudio, measured, telephone_audio
from ivr.audio.wav import WavError
from ivr.content.model import Language


@dataclass(frozen=True)
class Utterance:
    """One spoken part, and where it comes from: a prompt name or a topic id (what staff edit)."""

    source: str
    text: str


@dataclass(frozen=True)
class Job:
    key: str
    file: str
    language: Language
    utterance: Utterance


@dataclass
class BuildReport:
    made: int = 0
    unchanged: int = 0
    failed: list[tuple[Job, str]] = field(default_factory=list)
    seconds: float = 0.0
    not_tried: int = 0  # parts given up on when Google could not be reached
    unreachable: bool = False


def plan(utterances: Iterable[tuple[Language, Utterance]], folder: AudioFolder,
         engine: Engine) -> tuple[list[Job], int]:
    """The jobs to run and how many of the utterances already have good enough audio.

    Existing audio is kept when it is exactly this engine's file, or when it is the real voice and
    this is a development build: espeak-ng never replaces gTTS audio, gTTS always replaces espeak's.
    """
    entries = folder.read_manifest()
    jobs: dict[str, Job] = {}
    unchanged: set[str] = set()
    for language, utterance in utterances:
        key = lookup_key(utterance.text, language)
        name = file_name(key, language, engine.voice(language))
        entry = entries.get(key)
        if entry and folder.path_of(entry.file) and \
                (entry.file == name or (not entry.development_only and engine.name != REAL_ENGINE)):
            unchanged.add(key)
        elif key not in jobs:
            jobs[key] = Job(key, name, language, utterance)
    return list(jobs.values()), len(unchanged)


def make(job: Job, engine: Engine, folder: AudioFolder) -> Entry:
    """Synthesise, make phone-ready, validate, then write into the folder atomically; raise on any failure.

    A valid file already under this content-addressed name (a build killed before it wrote the
    manifest, or a lost manifest) is recorded as it is, without asking the engine again.
    """
    audio = _already_made(job, folder)
    if audio is None:
        audio = telephone_audio(engine.synthesise(job.utterance.text, job.language))
        folder.write_file(job.file, audio.wav)
    return Entry(file=job.file, engine=engine.name, language=job.language.code, source=job.utterance.source,
                 text=job.utterance.text, seconds=round(audio.seconds, 3), lufs=audio.lufs)


def _already_made(job: Job, folder: AudioFolder) -> TelephoneAudio | None:
    path = folder.path_of(job.file)
    try:
        return measured(path.read_bytes()) if path else None
    except WavError:
        return None


def run(jobs: list[Job], unchanged: int, engine: Engine, folder: AudioFolder, workers: int,
        progress: Callable[[Job, Exception | None], None] = lambda job, failure: None) -> BuildReport:
    """Make every job with `workers` threads; one failure does not stop the others, an unreachable Google does.

    `progress` hears of each part as it finishes, with its error if it failed.
    """
    report = BuildReport(unchanged=unchanged)
    started = time.monotonic()
    entries = folder.read_manifest()
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(make, job, engine, folder): job for job in jobs}
            try:
                for future in as_completed(futures):
                    if future.cancelled():
                        continue
                    job, failed = futures[future], None
                    try:
                        entries[job.key] = future.result()
                        report.made += 1
                    except GoogleUnreachable:  # stop: every other part would fail the same way
                        report.unreachable = True
                        report.not_tried += 1 + sum(queued.cancel() for queued in futures)
                        continue
                    except (SynthesisError, ValueError, OSError) as failure:
                        failed = failure
                        report.failed.append((job, str(failure)))
                    progress(job, failed)
            finally:
                for future in futures:  # after an interrupt, start nothing new
                    future.cancel()
    finally:
        if report.made:
            folder.write_manifest(entries)
        report.seconds = time.monotonic() - started
    return report


class ProgressLines:
    """Progress for a log or a pipe, where a progress bar shows nothing: a line every few parts or seconds."""

    def __init__(self, total: int, echo: Callable[[str], None], every_parts: int = 20, every_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.echo = total, echo
        self.every_parts, self.every_seconds = every_parts, every_seconds
        self._clock = clock
        self._started = self._last = clock()
        self.done = self.failed = 0

    def __call__(self, job: Job, failure: Exception | None) -> None:
        self.done += 1
        self.failed += failure is not None
        now = self._clock()
        if self.done == self.total or self.done % self.every_parts == 0 or now - self._last >= self.every_seconds:
            self._last = now
            self.echo(f"{self.done}/{self.total} part(s) done, {self.failed} failed, {now - self._started:.0f} s")


CURRENT, STALE, MISSING, DEVELOPMENT = "current", "stale", "missing", "development"


@dataclass(frozen=True)
class Gap:
    """A part the line says without its real audio: 'missing', 'stale' (made for older words) or 'development'."""

    language: str
    source: str
    state: str


@dataclass(frozen=True)
class PartAudio:
    """One spoken part (its lookup key) and its audio: current (the line's real voice), development (espeak-ng),
    stale or missing.

    `entry` is the audio that plays (current or development); None when the part is spoken with <Say>.
    """

    key: str
    language: str
    source: str
    text: str
    state: str
    entry: Entry | None


def part_audio(utterances: Iterable[tuple[Language, Utterance]], folder: AudioFolder) -> list[PartAudio]:
    """Every part the line says, per prompt or topic (a sentence two of them share is listed under both)."""
    entries = folder.read_manifest()
    said = list(utterances)
    current = {lookup_key(utterance.text, language) for language, utterance in said}
    edited = {(entry.language, entry.source) for key, entry in entries.items() if key not in current}
    found = []
    for language, utterance in said:
        key = lookup_key(utterance.text, language)
        entry = entries.get(key)
        if entry is None or folder.path_of(entry.file) is None:  # spoken with <Say>
            state, entry = STALE if (language.code, utterance.source) in edited else MISSING, None
        else:
            state = DEVELOPMENT if entry.development_only else CURRENT
        found.append(PartAudio(key, language.code, utterance.source, utterance.text, state, entry))
    return found


def gaps(utterances: Iterable[tuple[Language, Utterance]], folder: AudioFolder) -> list[Gap]:
    """What `content check` reports, once per prompt or topic: parts spoken with <Say> or with espeak-ng."""
    found = {Gap(part.language, part.source, part.state): None for part in part_audio(utterances, folder)
             if part.state != CURRENT}
    return list(found)
