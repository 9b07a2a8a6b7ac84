"""Plan and run an audio build: make what is missing, keep what exists, record it in the manifest.

Pure planning (what needs making) is separate from running (workers, engine, store), so both are
tested directly. Entries are added as each prompt is finished and the manifest is written even when
the build is interrupted, so nothing made is lost and nothing half-made is recorded.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ivr.audio.engines import Engine, GoogleUnreachable, SynthesisError
from ivr.audio.store import REAL_ENGINE, AudioStore, Entry, file_name, lookup_key
from ivr.audio.telephone import Prompt, measured, telephone_prompt
from ivr.audio.wav import WavError
from ivr.content.model import Language, Line
from ivr.voice.utterances import Utterance, utterances


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


def wanted(line: Line, only: str | None = None, language_code: str | None = None) -> Iterable[tuple[Language, Utterance]]:
    """The utterances a build covers: all of them, or one prompt/topic id and/or one language."""
    for language in line.languages.values():
        if language_code in (None, language.code):
            for utterance in utterances(line, language):
                if only in (None, utterance.source):
                    yield language, utterance


def plan(line: Line, store: AudioStore, engine: Engine, only: str | None = None,
         language_code: str | None = None) -> tuple[list[Job], int]:
    """The jobs to run and how many utterances already have good enough audio.

    Existing audio is kept when it is exactly this engine's file, or when it is the real voice and
    this is a development build: espeak-ng never replaces gTTS audio, gTTS always replaces espeak's.
    """
    entries = store.read_manifest()
    jobs: dict[str, Job] = {}
    unchanged: set[str] = set()
    for language, utterance in wanted(line, only, language_code):
        key = lookup_key(utterance.text, language)
        name = file_name(key, language, engine.voice(language))
        entry = entries.get(key)
        if entry and store.path_of(entry.file) and (entry.file == name or (not entry.development_only and engine.name != REAL_ENGINE)):
            unchanged.add(key)
        elif key not in jobs:
            jobs[key] = Job(key, name, language, utterance)
    return list(jobs.values()), len(unchanged)


def make(job: Job, engine: Engine, store: AudioStore) -> Entry:
    """Synthesise, make phone-ready, validate, then store atomically; raise on any failure.

    A valid file already under this content-addressed name (a build killed before it wrote the
    manifest, or a lost manifest) is recorded as it is, without asking the engine again.
    """
    prompt = _already_made(job, store)
    if prompt is None:
        prompt = telephone_prompt(engine.synthesise(job.utterance.text, job.language))
        store.write_file(job.file, prompt.wav)
    return Entry(file=job.file, engine=engine.name, language=job.language.code, source=job.utterance.source,
                 text=job.utterance.text, seconds=round(prompt.seconds, 3), lufs=prompt.lufs)


def _already_made(job: Job, store: AudioStore) -> Prompt | None:
    path = store.path_of(job.file)
    try:
        return measured(path.read_bytes()) if path else None
    except WavError:
        return None


def run(jobs: list[Job], unchanged: int, engine: Engine, store: AudioStore, workers: int,
        progress: Callable[[Job, Exception | None], None] = lambda job, failure: None) -> BuildReport:
    """Make every job with `workers` threads; one failure does not stop the others, an unreachable Google does.

    `progress` hears of each part as it finishes, with its error if it failed.
    """
    report = BuildReport(unchanged=unchanged)
    started = time.monotonic()
    entries = store.read_manifest()
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(make, job, engine, store): job for job in jobs}
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
            store.write_manifest(entries)
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
    """One spoken part and its audio: current (the line's real voice), development (espeak-ng), stale or missing.

    `entry` is the audio that plays (current or development); None when the part is spoken with <Say>.
    """

    language: str
    source: str
    text: str
    state: str
    entry: Entry | None


def part_audio(line: Line, store: AudioStore) -> list[PartAudio]:
    """Every part the line says, once per language and text, with the state of its audio."""
    entries = store.read_manifest()
    current = {lookup_key(utterance.text, language) for language, utterance in wanted(line)}
    edited = {(entry.language, entry.source) for key, entry in entries.items() if key not in current}
    found = []
    for language, utterance in wanted(line):
        entry = entries.get(lookup_key(utterance.text, language))
        if entry is None or store.path_of(entry.file) is None:  # spoken with <Say>
            state, entry = STALE if (language.code, utterance.source) in edited else MISSING, None
        else:
            state = DEVELOPMENT if entry.development_only else CURRENT
        found.append(PartAudio(language.code, utterance.source, utterance.text, state, entry))
    return found


def gaps(line: Line, store: AudioStore) -> list[Gap]:
    """What `content check` reports, once per prompt or topic: parts spoken with <Say> or with espeak-ng."""
    found = {Gap(part.language, part.source, part.state): None for part in part_audio(line, store)
             if part.state != CURRENT}
    return list(found)
