"""The Audio page: how far a revision's audio has come, the parts that failed and why, and a retry.

It reads what `audio jobs` and `content check` read (the jobs table, the audio folder after fetching what
other instances shared) and queues a build with the function `audio queue` calls. The console builds
nothing itself: the worker (`flask --app app audio work`) does, on any instance.
"""

from __future__ import annotations

import time

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ivr.audio.build import part_audio
from ivr.audio.jobs import ENGINES, AudioJobs
from ivr.publishing.audio_queue import queue_build
from ivr.audio.progress import STATES, by_source, job_activity, part_progress, tally
from ivr.audio.shared import SharedAudio
from ivr.audio.folder import AudioFolder
from ivr.config import app_settings
from ivr.console.accounts import current_staff, requires
from ivr.console.blueprint import console
from ivr.content.staff_file import ContentError
from ivr.publishing.document import load_document
from ivr.publishing.rules import APPROVED, DRAFT, IN_REVIEW
from ivr.publishing.store import Refused, Revision
from ivr.services import services
from ivr.voice.utterances import all_utterances

WAITING = (DRAFT, IN_REVIEW, APPROVED)


def chosen_revision(asked: str | None, revisions: list[Revision], live: int | None) -> int | str:
    """The revision to show: the one asked for, else the newest not yet live, else the live one; or what is wrong."""
    if asked is None or asked == "":
        waiting = [revision.number for revision in revisions if revision.state in WAITING]
        # nothing asked: the current draft, as staff work on it; the live words when there is none
        return waiting[-1] if waiting else live if live is not None else "There is no revision yet."
    if not asked.isascii() or not asked.isdigit():
        # a forged or mistyped address
        return "Choose a revision from the list."
    if int(asked) not in {revision.number for revision in revisions}:
        # a number that was never made
        return f"There is no revision {int(asked)}."
    return int(asked)


@console.route("/audio")
@requires("editor")
def audio() -> tuple[str, int]:
    found = services()
    revisions = found.revisions
    listing = revisions.listing()
    number = chosen_revision(request.args.get("revision"), listing, revisions.live_number())
    page = {"revisions": listing[::-1], "engines": ENGINES, "states": STATES}
    if isinstance(number, str):
        return render_template("console/audio.html", problem=number, **page), 400
    folder = AudioFolder(app_settings().audio_dir)
    SharedAudio(revisions.database).fetch(folder)  # what other instances built counts too (as `content publish`)
    try:
        line = load_document(revisions.files(number))
    except ContentError:
        return render_template("console/audio.html", number=number,
                               problem=f"Revision {number}'s words cannot be read; run content check.", **page), 400
    jobs = AudioJobs(revisions.database)
    job = jobs.newest(number)
    progress = part_progress(part_audio(all_utterances(line), folder), job, jobs.failures(job.id) if job else {})
    live = found.revision
    live_parts = part_audio(all_utterances(found.line), folder) if live != number else None
    live_tally = tally(part_progress(live_parts, None, {})) if live_parts is not None else None
    activity, quiet = job_activity(job, time.time())
    return render_template("console/audio.html", number=number, revision=revisions.get(number), job=job,
                           activity=activity, quiet=quiet, progress=progress, counts=tally(progress),
                           failed=[one for one in progress if one.state == "failed"],
                           waiting=by_source(progress, ("building", "queued", "stale", "missing", "development")),
                           live=live, live_counts=live_tally, **page), 200


@console.route("/audio/retry", methods=["POST"])
@requires("reviewer")
def audio_retry() -> Response | tuple[str, int]:
    """Queue a build of the revision's audio (again): the worker makes what is missing, keeping what exists."""
    asked = request.form.get("revision", "")
    number = int(asked) if asked.isascii() and asked.isdigit() else -1
    try:
        job = queue_build(services().revisions, number, request.form.get("engine", ""), current_staff().email,
                          "console")
    except Refused as refusal:
        return render_template("console/problem.html", title="No build was queued", message=str(refusal)), 400
    return redirect(url_for("console.audio", revision=number, queued=job.id), 303)
