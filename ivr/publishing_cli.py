"""Staff commands for revisions, in the `content` group: import, review, publish, roll back, read history."""

from __future__ import annotations

import getpass
import os
import socket
import time
from pathlib import Path
from typing import Callable

import click
from flask.cli import with_appcontext

from ivr.audio.engines import Engine, EspeakEngine, GttsEngine, SynthesisError, Throttle
from ivr.audio.folder import AudioFolder, lookup_key
from ivr.audio.jobs import ENGINES, FAILED, AudioJobs, build_job
from ivr.publishing.audio_queue import queue_build
from ivr.audio.shared import SharedAudio
from ivr.config import app_settings
from ivr.content.staff_file import ContentError
from ivr.publishing.document import (load_document, read_folders, staff_diff, staff_time, strangers,
                                     write_folders)
from ivr.publishing.publish import publish as publish_revision
from ivr.publishing.publish import roll_back
from ivr.publishing.rules import APPROVE, APPROVED, DRAFT, IN_REVIEW, SUBMIT
from ivr.publishing.serving import check_document
from ivr.publishing.store import Refused, Revision, Revisions
from ivr.services import services
from ivr.sms.replies import Policy
from ivr.store.database import StoreUnavailable
from ivr.voice.utterances import all_utterances


def login_name() -> str:
    """The OS user running the command; a container's user without a name is named by its uid."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


STAFF_NAME = click.option("--by", "actor", metavar="NAME", default=login_name, show_default="your login name",
                          help="Who does this, for the audit trail.")


def origin() -> str:
    """Where a staff action came from, for the audit trail."""
    return f"cli {login_name()}@{socket.gethostname()}"


def _revisions() -> Revisions:
    return services().revisions


class PublishingCommand(click.Command):
    """A refusal or a database that is down is one clear line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Refused as refusal:
            raise click.ClickException(str(refusal)) from refusal
        except StoreUnavailable as error:
            raise click.ClickException(f"the database is unavailable ({error}); nothing changed") from error


def _command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    return click.command(name, cls=PublishingCommand)


def _revision_step(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """A command that moves one revision (REV) on, done by one person (--by), in the app (its store)."""
    def decorate(function: Callable[..., None]) -> click.Command:
        return _command(name)(click.argument("number", type=int, metavar="REV")(STAFF_NAME(with_appcontext(function))))
    return decorate


@_command("import")
@click.option("--note", default="", help="What changed and why, for the reviewer and the history.")
@click.option("--author", metavar="NAME", default=login_name, show_default="your login name",
              help="Who wrote the change.")
@with_appcontext
def import_files(note: str, author: str) -> None:
    """Make a draft revision from content/ and prompts/, after the same checks as `content check`."""
    settings = app_settings()
    try:
        files = read_folders(settings.content_dir, settings.prompts_dir)
    except ContentError as error:
        files, problems = {}, [str(problem) for problem in error.problems]
    else:
        problems = check_document(files, Policy(settings.help_contact, settings.twilio_answers_help))
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found; no draft was made. Fix them, then import again.")
    number = _revisions().import_draft(files, author, note, origin())
    click.echo(f"revision {number}: draft by {author}, {len(files)} files. Next: audio queue {number} (or audio "
               f"build), content diff {number}, then content submit {number}")


@_command("export")
@click.argument("number", type=int, metavar="REV")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export(number: int, directory: Path) -> None:
    """Write revision REV's files into DIR/content and DIR/prompts, exactly as they were imported."""
    files = _revisions().files(number)
    extra = strangers(files, directory)
    if extra:
        raise click.ClickException(f"{directory} already has files revision {number} does not ({', '.join(extra)}); "
                                   "export into an empty folder, or remove them first")
    written = write_folders(files, directory)
    _revisions().record(login_name(), "export", number, f"wrote {len(written)} files under {directory.resolve()}",
                        origin())
    click.echo(f"revision {number}: wrote {len(written)} files under {directory}")


@_command("drafts")
@with_appcontext
def drafts() -> None:
    """Revisions not live yet: drafts, those in review, and approved ones waiting to be published."""
    waiting = _revisions().listing((DRAFT, IN_REVIEW, APPROVED))
    for revision in waiting:
        click.echo(_summary(revision))
    if not waiting:
        click.echo("no drafts: every revision is live or retired")


@_command("diff")
@click.argument("number", type=int, metavar="REV")
@click.argument("other", type=int, metavar="[REV]", required=False)
@with_appcontext
def diff(number: int, other: int | None) -> None:
    """What REV changes from the live revision, or from the first REV to the second, file by file."""
    revisions = _revisions()
    before, after = (revisions.live_number(), number) if other is None else (number, other)
    if before is None:
        raise click.ClickException("no revision is live to compare with; name two revisions")
    lines = list(staff_diff(revisions.files(before), revisions.files(after)))
    click.echo(f"revision {before} -> revision {after}: {'no differences' if not lines else 'what staff changed'}")
    for line in lines:
        click.echo(line)


def _act(action: str, number: int, actor: str, self_approve: bool = False) -> Revision:
    return _revisions().act(number, action, actor, origin(), self_approve)


@_revision_step("submit")
def submit(number: int, actor: str) -> None:
    """Ask a second person to review draft REV."""
    revision = _act(SUBMIT, number, actor)
    click.echo(f"revision {number}: in review. A person other than {revision.author} runs content approve {number}")


@_revision_step("approve")
@click.option("--self-approve", is_flag=True,
              help="Approve your own revision: only for a one-person development set-up; recorded as such.")
def approve(number: int, actor: str, self_approve: bool) -> None:
    """Approve REV, in review, as a person other than its author."""
    _act(APPROVE, number, actor, self_approve)
    click.echo(f"revision {number}: approved by {actor}. Next: content publish {number}")


ALLOW_FEWER_STOP_WORDS = click.option(
    "--allow-fewer-stop-words", is_flag=True,
    help="Go live although REV understands fewer requests to stop texts than the live words (recorded).")


@_revision_step("publish")
@click.option("--allow-missing-audio", is_flag=True,
              help="Publish although some parts have no audio in the line's voice: they are spoken with <Say>.")
@ALLOW_FEWER_STOP_WORDS
def publish(number: int, actor: str, allow_missing_audio: bool, allow_fewer_stop_words: bool) -> None:
    """Make approved REV the live revision (the one live before it is retired, and can be rolled back to)."""
    published = publish_revision(_revisions(), number, actor, origin(), app_settings(), allow_missing_audio,
                                 allow_fewer_stop_words)
    click.echo(f"revision {number}: live. Every instance serves it within a few seconds (REVISION_POLL_SECONDS)")
    if published.spoken_with_say:
        click.echo(f"{published.spoken_with_say} part(s) are spoken with <Say> until `flask --app app audio build` "
                   "makes them")


@_command("rollback")
@click.argument("number", type=int, metavar="[REV]", required=False)
@STAFF_NAME
@ALLOW_FEWER_STOP_WORDS
@with_appcontext
def rollback(number: int | None, actor: str, allow_fewer_stop_words: bool) -> None:
    """Put back the revision live before this one (or REV) as a new live revision."""
    revision = roll_back(_revisions(), actor, origin(), number, allow_fewer_stop_words)
    click.echo(f"revision {revision.number}: live, a copy of revision {revision.restores}")


@_command("history")
@with_appcontext
def history() -> None:
    """Every revision, then every action on them: who, what, when, from where."""
    revisions = _revisions()
    for revision in revisions.listing():
        click.echo(_summary(revision))
    click.echo("")
    for row in revisions.audit():
        target = f"revision {row.revision}" if row.revision is not None else "-"
        click.echo(f"{staff_time(row.at)}  {row.actor}  {row.action} {target}: {row.outcome}  ({row.origin})")


def _summary(revision: Revision) -> str:
    approved = f", approved by {revision.approved_by}" if revision.approved_by else ""
    note = f": {revision.note}" if revision.note else ""
    return (f"revision {revision.number}  {revision.state.replace('_', ' ')}  by {revision.author} "
            f"{staff_time(revision.created_at)}{approved}{note}")


COMMANDS = (import_files, export, drafts, diff, submit, approve, publish, rollback, history)


def add_publishing_commands(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)


@_command("queue")
@click.argument("number", type=int, metavar="REV")
@click.option("--engine", "engine_name", type=click.Choice(ENGINES), default="gtts", show_default=True,
              help="gtts is the line's voice; espeak is for development without Google.")
@with_appcontext
def queue(number: int, engine_name: str) -> None:
    """Ask for REV's audio to be built by a worker (audio work) on any instance."""
    job = queue_build(_revisions(), number, engine_name, login_name(), origin())
    click.echo(f"{job.summary()}. A worker (flask --app app audio work) builds it; audio jobs shows progress")


@_command("work")
@click.option("--once", is_flag=True, help="Build the jobs waiting now, then stop (default: keep waiting for more).")
@click.option("--wait", type=click.FloatRange(0.1), default=5.0, show_default=True,
              help="Seconds between two looks for a job when there is none.")
@with_appcontext
def work(once: bool, wait: float) -> None:
    """Claim queued audio jobs one at a time, build what each revision lacks, and share it with every instance."""
    settings, revisions = app_settings(), _revisions()
    jobs, shared = AudioJobs(revisions.database), SharedAudio(revisions.database)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        job = jobs.claim(worker)
        if job is None:
            if once:
                return
            time.sleep(wait)
            continue
        try:
            engine = engine_from_environment(job.engine)
        except SynthesisError as error:
            jobs.report(job.id, 0, 0, 0, 0, FAILED, str(error))
            raise click.ClickException(str(error)) from error
        finished = build_job(job, all_utterances(load_document(revisions.files(job.revision))), engine,
                             AudioFolder(settings.audio_dir), jobs, shared, int(os.environ.get("AUDIO_WORKERS", "4")))
        click.echo(finished.summary())


@_command("jobs")
@with_appcontext
def audio_jobs() -> None:
    """Every audio job and its progress; under a job that could not make some parts, each part and why."""
    revisions = _revisions()
    jobs = AudioJobs(revisions.database)
    found = jobs.listing()
    for job in found:
        click.echo(job.summary())
        failures = jobs.failures(job.id)
        for where, reason in failed_parts(revisions, job.revision, failures):
            click.echo(f"  not made: {where}: {reason}")
    if not found:
        click.echo("no audio jobs yet: audio queue REV makes one")


def failed_parts(revisions: Revisions, number: int, failures: dict[str, str]) -> list[tuple[str, str]]:
    """Each part a job could not make, said as staff find it (language, prompt or topic, the start of its words),
    with the reason; a part no longer in the revision's words (or words that cannot be read) by its key."""
    if not failures:
        return []
    try:
        utterances = list(all_utterances(load_document(revisions.files(number))))
    except ContentError:
        utterances = []
    said = {lookup_key(utterance.text, language): f'{language.code} {utterance.source} "{_start(utterance.text)}"'
            for language, utterance in utterances}
    return sorted((said.get(key, f"part {key[:12]}"), reason) for key, reason in failures.items())


def _start(text: str, length: int = 40) -> str:
    return text if len(text) <= length else f"{text[:length].rstrip()}..."


def engine_from_environment(name: str) -> Engine:
    """The engine a job asked for, set up from the environment variables `audio build` reads (same defaults)."""
    if name == "espeak":
        return EspeakEngine()
    setting = os.environ.get
    return GttsEngine(float(setting("AUDIO_TIMEOUT_SECONDS") or 10),
                      Throttle(float(setting("AUDIO_THROTTLE_SECONDS") or 0.25)),
                      int(setting("AUDIO_RETRIES") or 4))


def add_audio_job_commands(group: click.Group) -> None:
    for command in (queue, work, audio_jobs):
        group.add_command(command)
