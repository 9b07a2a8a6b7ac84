"""Commands for staff, run as `flask --app app <group> <command>`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable

import click
from flask.cli import with_appcontext

from ivr.audio.build import Job, ProgressLines, gaps, plan, run, wanted
from ivr.audio.catalog import NoAudio
from ivr.audio.engines import UNREACHABLE, Engine, EspeakEngine, GttsEngine, SynthesisError, Throttle
from ivr.audio.shared import SharedAudio
from ivr.audio.store import AudioStore, ManifestError, lookup_key
from ivr.config import Settings
from ivr.content.loader import load_line
from ivr.content.model import Line
from ivr.content.readability import spanish_reading_notes, voice_reading
from ivr.content.spoken_rules import spoken_findings
from ivr.content.staff_file import ContentError
from ivr.publishing.cli import add_audio_job_commands, add_publishing_commands
from ivr.publishing.serving import lines_in_use
from ivr.report import usage_report
from ivr.services import services
from ivr.sms.measure import every_text, texts_as_sent, words_in_contact
from ivr.store.database import StoreUnavailable
from ivr.sms.replies import Policy
from ivr.voice.transcript import first_call, menu_lengths
from ivr.voice.twiml import VoicePages

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar returns; click 8.1 cannot infer it


class StaffGroup(click.Group):
    """A damaged audio manifest is a message saying what to do, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ManifestError as error:
            raise click.ClickException(str(error)) from error


content_cli = StaffGroup("content", help="Check, review and publish the words of the line (content/ and prompts/).")
add_publishing_commands(content_cli)  # import, diff, submit, approve, publish, rollback... (ivr/publishing/cli.py)
audio_cli = StaffGroup("audio", help="Make the line's audio (audio/) from its words.")
add_audio_job_commands(audio_cli)  # queue, work, jobs: builds any instance runs (ivr/publishing/cli.py)
GAP_MEANINGS = {
    "missing": "no audio yet, spoken with <Say>",
    "stale": "the words changed since the audio was made, spoken with <Say> until it is rebuilt",
    "development": "espeak-ng development audio, not the line's real voice",
}


def _load_or_exit(settings: Settings, ending: Callable[[int], str] | None = None) -> Line:
    """The line's words, read from the files (no app needed); each problem as file:line, then exit 1."""
    try:
        return load_line(settings.content_dir, settings.prompts_dir)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        click.echo(ending(count) if ending else f"{count} problem(s) found. Nothing on the line has changed.", err=True)
        sys.exit(1)


def _check_summary(errors: int, warnings: int) -> str:
    plural = {1: ""}
    return f"content check: {errors} error{plural.get(errors, 's')}, {warnings} warning{plural.get(warnings, 's')}"


@content_cli.command("check")
@click.option("--verbose", "-v", is_flag=True,
              help="Also list every text as it will be sent: characters, encoding, segments, reading level.")
def check(verbose: bool) -> None:
    """Validate every content and prompt file; list each problem with its file and line.

    Reads the files only, so it works (and says what is wrong) even when the line itself cannot start.
    """
    settings = Settings.from_environment()
    line = _load_or_exit(settings, ending=lambda count: _check_summary(count, 0))
    topics = sum(len(language.topics) for language in line.languages.values())
    failed, hard = _report_texts(line, Policy(settings.help_contact, settings.twilio_answers_help), verbose)
    hard += _warn_about_words_in_help_contact(settings.help_contact)
    notes = spanish_reading_notes(line, texts_as_sent)
    for note in notes:  # advice only: the check still passes
        click.echo(f"warning: {note}")
    if failed:
        click.echo(f"{failed} text(s) would not go out as they should. Nothing on the line has changed.", err=True)
        click.echo(_check_summary(failed, hard + len(notes)), err=True)
        sys.exit(1)
    click.echo(f"{len(line.languages)} language(s), {len(line.flow.menus)} menus, {topics} topic files.")
    hard += _report_voice(line, settings, verbose)
    found = gaps(line, AudioStore(settings.audio_dir))
    missing = [gap for gap in found if gap.state == "missing"]
    if missing:
        names = ", ".join(f"{gap.language}:{gap.source}" for gap in missing)
        click.echo(f"{len(missing)} prompt(s) or topic(s) have parts with {GAP_MEANINGS['missing']}: {names}")
    for gap in found:
        if gap.state != "missing":
            where = f"prompts/{gap.language}.txt [{gap.source}]" if gap.source in line.languages[gap.language].prompts \
                else f"content/{gap.language}/topics/{gap.source}.txt"
            click.echo(f"{where}: {GAP_MEANINGS[gap.state]}")
    if found:
        click.echo("Audio: run `flask --app app audio build` to make what is missing or stale.")
    else:
        click.echo("Audio: every part has current audio in the line's real voice.")
    click.echo(_check_summary(0, hard + len(notes)))


@click.command("stats")
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True, help="How many days back, today included.")
@with_appcontext
def stats(days: int) -> None:
    """Usage report: calls, texts, what people ask for and where callers get lost."""
    found = services()
    try:
        found.usage.flush()  # this process's own counts, when run inside the app (tests)
        counts = found.usage.store.counts(days)
    except StoreUnavailable as error:
        raise click.ClickException(f"the database is unavailable ({error}); try again when it is back") from error
    click.echo(usage_report(found.line, counts, days))


@audio_cli.command("build")
@click.option("--engine", "engine_name", type=click.Choice(["gtts", "espeak"]), default="gtts", show_default=True,
              help="gtts is the line's voice; espeak uses Debian's espeak-ng, for development without Google.")
@click.option("--only", metavar="ID", help="Only this prompt (e.g. welcome) or topic (e.g. key-points).")
@click.option("--language", "language_code", metavar="CODE", help="Only this language (e.g. en).")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True, envvar="AUDIO_WORKERS",
              help="Parts made at the same time.")
@click.option("--throttle", type=click.FloatRange(0), default=0.25, show_default=True, envvar="AUDIO_THROTTLE_SECONDS",
              help="Seconds between two requests to Google, across all workers.")
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True, envvar="AUDIO_TIMEOUT_SECONDS",
              help="Seconds to wait for Google's answer to one request.")
@click.option("--retries", type=click.IntRange(0, 10), default=4, show_default=True, envvar="AUDIO_RETRIES",
              help="Extra tries after a 429, 5xx, timeout or connection error, waiting twice as long each time.")
@with_appcontext
def build(engine_name: str, only: str | None, language_code: str | None, workers: int, throttle: float,
          timeout: float, retries: int) -> None:
    """Make audio for every part the line says that has none yet; what exists keeps playing."""
    settings = Settings.from_environment()
    line = _load_or_exit(settings)
    if language_code is not None and language_code not in line.languages:
        raise click.BadParameter(f"no language {language_code!r}; the line has {', '.join(line.languages)}", param_hint="--language")
    if only is not None and not list(wanted(line, only, language_code)):
        raise click.BadParameter(f"no prompt or topic {only!r}", param_hint="--only")
    on_terminal = sys.stderr.isatty()
    try:
        engine: Engine = EspeakEngine() if engine_name == "espeak" else \
            GttsEngine(timeout, Throttle(throttle), retries, notify=lambda message: _say_now(message, on_terminal))
    except SynthesisError as error:
        raise click.ClickException(str(error)) from error
    store = AudioStore(settings.audio_dir)
    jobs, unchanged = plan(line, store, engine, only, language_code)
    label = f"Making {len(jobs)} part(s) with {engine_name}"
    progress: ProgressBar[int] = click.progressbar(length=len(jobs), label=label, file=sys.stderr)
    with progress as bar:
        # off a terminal (a log, a pipe) the bar shows only its label: print a line every few parts instead
        advance = (lambda job, failure: bar.update(1)) if on_terminal else ProgressLines(len(jobs), _say_now)

        def finished(job: Job, failure: Exception | None) -> None:
            if failure is not None:
                _say_now(f"FAILED {job.language.code} [{job.utterance.source}] {job.utterance.text[:60]!r}: {failure}",
                         on_terminal)
            advance(job, failure)

        report = run(jobs, unchanged, engine, store, workers, finished)
    sent = f", {engine.requests_sent} request(s) to Google" if isinstance(engine, GttsEngine) else ""
    not_tried = f", not tried {report.not_tried}" if report.not_tried else ""
    click.echo(f"made {report.made}, unchanged {report.unchanged}, failed {len(report.failed)}{not_tried}, "
               f"{report.seconds:.1f} seconds{sent}")
    _share(store)
    if engine_name != "gtts" and report.made:
        click.echo("These are espeak-ng development files, marked as such in the manifest; build with gtts for the real voice.")
    if report.unreachable:
        click.echo(UNREACHABLE, err=True)
    if report.failed or report.unreachable:
        click.echo("Parts not made keep their old audio, or are spoken with <Say>. Run the build again later.",
                   err=True)
        sys.exit(1)


def _say_now(message: str, on_terminal: bool = False) -> None:
    """A line on stderr as it happens; on a terminal, below the progress bar's line rather than inside it."""
    click.echo(f"\n{message}" if on_terminal else message, err=True)


def _share(store: AudioStore) -> None:
    """Copy what this build made into the database, where every instance fetches it within seconds."""
    try:
        shared = SharedAudio(services().revisions.database).share(store)
    except StoreUnavailable as error:
        click.echo(f"not shared with the other instances: the database is unavailable ({error}); run the build "
                   "again when it is back (it makes nothing twice)", err=True)
        return
    click.echo(f"shared {shared} part(s) with every instance" if shared else "every part is shared already")


@audio_cli.command("prune")
@with_appcontext
def prune() -> None:
    """Delete audio that neither the files nor the live revision (nor one waiting for review) uses."""
    settings = Settings.from_environment()
    line = _load_or_exit(settings)
    try:
        in_use = [line, *lines_in_use(services().revisions)]
    except StoreUnavailable as error:  # without the store, the live words are unknown: delete nothing
        raise click.ClickException(f"the database is unavailable ({error}), so the live revision's audio "
                                   "cannot be told apart; nothing was deleted") from error
    keep = {lookup_key(utterance.text, language) for words in in_use for language, utterance in wanted(words)}
    removed = AudioStore(settings.audio_dir).prune(keep)
    try:
        forgotten = f"{SharedAudio(services().revisions.database).prune(keep)} shared part(s)"
    except StoreUnavailable:  # the shared copies stay until the next prune: nothing is lost
        forgotten = "no shared part (the database became unavailable)"
    click.echo(f"removed {len(removed)} file(s) here and {forgotten}; {len(keep)} part(s) in use")


def _warn_about_words_in_help_contact(contact: str | None) -> int:
    """Warn (and count 1) when HELP_CONTACT has words: each language writes it inside its own sentence."""
    words = words_in_contact(contact)
    if words:
        click.echo(f"warning: HELP_CONTACT has words ({', '.join(words)}) that every language's HELP reply would "
                   "show as they are; give only a phone number, email or web address (see README, The HELP reply)")
    return len(words) > 0


def _report_texts(line: Line, policy: Policy, verbose: bool) -> tuple[int, int]:
    """Print each text's problems and warnings (every text with its measurements when verbose).

    Returns how many texts have problems and how many read harder than the line aims for.
    """
    failed = hard = 0
    for text in every_text(line, policy):
        too_hard = text.reading is not None and text.reading.too_hard
        if verbose:
            click.echo(text.summary())
        for problem in text.problems:
            click.echo(f"  ERROR: {problem}" if verbose else f"{text.where}: ERROR: {problem}", err=True)
        if too_hard:
            warning = f"warning: reading level ({text.reading}) is harder than the line aims for; " \
                      "use shorter words and sentences"
            click.echo(f"  {warning}" if verbose else f"{text.where}: {warning}")
        failed += bool(text.problems)
        hard += too_hard
    return failed, hard


def _report_voice(line: Line, settings: Settings, verbose: bool) -> int:
    """What callers hear: each menu's length, each section's reading level, and wording that sounds wrong.

    Warnings only (returns how many): the line still starts, but a listener would struggle.
    """
    warnings = 0
    for length in menu_lengths(VoicePages(line, NoAudio()), AudioStore(settings.audio_dir).read_manifest()):
        click.echo(str(length))
        if length.too_long:
            warnings += 1
            click.echo(f"  warning: menu {length.language}/{length.menu} is longer than a listener can hold; "
                       "shorten its titles or its options")
    for language in line.languages.values():
        for topic in language.topics.values():
            reading = voice_reading(line, language, topic)
            if reading is None:
                continue
            where = f"content/{language.code}/topics/{topic.id}.txt [voice]"
            if verbose:
                click.echo(f"{where}: {reading}")
            if reading.too_hard:
                warnings += 1
                click.echo(f"{where}: warning: reading level ({reading}) is harder than the line aims for; "
                           "use shorter words and sentences")
    for finding in spoken_findings(line, settings.content_dir, settings.prompts_dir):
        warnings += 1
        click.echo(f"warning: {finding}")
    return warnings


@content_cli.command("transcript")
@click.option("--language", "language_code", metavar="CODE", help="Only this language (e.g. es); default every one.")
@with_appcontext
def transcript(language_code: str | None) -> None:
    """Print exactly what a first call says, page by page, with the voice of each part."""
    line = services().line
    if language_code is not None and language_code not in line.languages:
        raise click.BadParameter(f"no language {language_code!r}; the line has {', '.join(line.languages)}",
                                 param_hint="--language")
    for language in line.languages.values():
        if language_code in (None, language.code):
            click.echo(f"# A first call in {language.name}")
            for step, said in first_call(services().pages, language):
                click.echo(f"\n== {step}")
                for part in said:
                    click.echo(str(part))
            click.echo("")
