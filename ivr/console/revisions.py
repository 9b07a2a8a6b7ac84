"""The Revisions page: what is live, what waits for review, what was live before, each against live; the steps
(submit, approve, publish, rollback) and the audit trail.

Every step goes through the same functions as `flask --app app content ...` (ivr/publishing): the rules in
rules.py `decide` say yes or no, and their reason is what staff read here, word for word. Routes stay thin:
read the form, call publishing, flash what happened, redirect to the revision (so a reload repeats nothing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ivr.cli import GAP_MEANINGS
from ivr.config import app_settings
from ivr.console.accounts import Staff, current_staff, may, requires
from ivr.console.blueprint import console, page_url
from ivr.console.diff_view import FileChange, file_changes
from ivr.publishing.document import staff_time
from ivr.publishing.publish import missing_audio, publish, refusal_here, roll_back
from ivr.publishing.rules import APPROVE, APPROVED, DRAFT, IN_REVIEW, LIVE, PUBLISH, RETIRED, ROLLBACK, \
    SUBMIT, decide
from ivr.publishing.store import Refused, Revision, Revisions
from ivr.services import services

ORIGIN = "console"
AUDIT_PAGE_SIZE = 25
WAITING = (DRAFT, IN_REVIEW, APPROVED)
# Other helpers' pages, linked when this build has them.
TRY_PAGE, WORDS_PAGE, AUDIO_PAGE = "console.try_it", "console.words", "console.audio"
# The least role for each step (ivr/console/accounts.py ROLES): editors write and submit, reviewers do the rest.
STEP_ROLES = {SUBMIT: "editor", APPROVE: "reviewer", PUBLISH: "reviewer", ROLLBACK: "reviewer"}


@dataclass(frozen=True)
class NextStep:
    action: str
    open: bool  # the rules allow it to this person now
    reason: str  # decide's own words: what it does, or why not


def next_steps(revision: Revision, staff: Staff) -> list[NextStep]:
    """The steps this person's role allows, each as `decide` answers it for them (no second copy of the rules).

    Publish is asked with missing audio allowed: whether audio is missing is settled on its confirmation page.
    """
    steps = []
    for action in STEP_ROLES:  # this page's steps (rules.ACTIONS may hold others, e.g. the Words page's edit)
        if not may(staff.role, STEP_ROLES[action]):
            continue  # the page says which role the other steps need
        step = decide(revision.state, action, staff.email, revision.author, allow_missing_audio=True)
        steps.append(NextStep(action, step.state is not None, step.reason))
    return steps


@console.app_template_filter("staff_time")
def staff_time_or_dash(seconds: int | None) -> str:
    """A stored time as `content history` prints it; '-' for one that has not happened (not approved yet)."""
    return "-" if seconds is None else staff_time(seconds)


@console.route("/revisions")
@requires("editor")
def revisions() -> str:
    """Live, waiting (draft, in review, approved), retired; and one page of the audit trail, newest first."""
    store = _revisions()
    every = store.listing()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    trail, total = store.recent_audit(AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE)
    return render_template("console/revisions.html",
                           live=next((revision for revision in every if revision.state == LIVE), None),
                           waiting=[revision for revision in reversed(every) if revision.state in WAITING],
                           retired=[revision for revision in reversed(every) if revision.state == RETIRED],
                           previous=store.previous(), trail=trail, page=page,
                           pages=max(1, math.ceil(total / AUDIT_PAGE_SIZE)), total=total,
                           may_roll_back=may(current_staff().role, STEP_ROLES[ROLLBACK]))


@console.route("/revisions/<int:number>")
@requires("editor")
def revisions_show(number: int) -> str:
    """One revision: who, when, its state, what it changes from live (as `content diff N`), and its next steps."""
    revision, changes, live = _against_live(number)
    return render_template("console/revisions_show.html", revision=revision, changes=changes, live=live,
                           steps=next_steps(revision, current_staff()),
                           is_reviewer=may(current_staff().role, STEP_ROLES[APPROVE]),
                           try_url=page_url(TRY_PAGE, revision=number) if revision.state != RETIRED else None,
                           words_url=page_url(WORDS_PAGE, draft=number) if revision.state == DRAFT else None)


@console.route("/revisions/<int:number>/submit", methods=["POST"])
@requires(STEP_ROLES[SUBMIT])
def revisions_submit(number: int) -> Response:
    return _step(number, SUBMIT, "Revision {number} is in review. A reviewer other than {author} approves it next.")


@console.route("/revisions/<int:number>/approve", methods=["POST"])
@requires(STEP_ROLES[APPROVE])
def revisions_approve(number: int) -> Response:
    return _step(number, APPROVE, "Revision {number} is approved. A reviewer publishes it next.")


@console.route("/revisions/<int:number>/publish", methods=["GET", "POST"])
@requires(STEP_ROLES[PUBLISH])
def revisions_publish(number: int) -> Response | str:
    """GET: what publishing changes, in words, and which parts have no audio; POST: publish it."""
    settings = app_settings()
    if request.method == "GET":
        revision, changes, live = _against_live(number)
        step = _step_for(revision, PUBLISH)
        files = _revisions().files(number)
        problem = refusal_here(number, files, settings) if step.open else None
        missing = missing_audio(files, settings, _revisions().database) if step.open and not problem else []
        return render_template("console/revisions_publish.html", revision=revision, changes=changes, live=live,
                               step=step, problem=problem, missing=missing, gap_meanings=GAP_MEANINGS,
                               reach=_reach(), audio_url=page_url(AUDIO_PAGE))
    try:
        published = publish(_revisions(), number, current_staff().email, ORIGIN, settings,
                            allow_missing_audio=request.form.get("allow_missing_audio") == "yes")
    except Refused as refusal:
        flash(f"Not published: {refusal}", "error")
    else:
        spoken = (f" {published.spoken_with_say} part(s) are spoken with the computer voice (<Say>) until their "
                  "audio is built." if published.spoken_with_say else "")
        flash(f"Revision {number} is live. {_reach()}{spoken}", "done")
    return redirect(url_for("console.revisions_show", number=number))


@console.route("/revisions/rollback", methods=["GET", "POST"])
@requires(STEP_ROLES[ROLLBACK])
def revisions_rollback() -> Response | str:
    """GET: which revision comes back (`to`, or the one live before) and what that changes; POST: roll back."""
    store = _revisions()
    chosen = _chosen_revision()
    if request.method == "GET":
        target = store.previous() if chosen is None else _get(chosen)
        if target is None:
            return render_template("console/revisions_rollback.html", revision=None)
        revision, changes, live = _against_live(target.number)
        return render_template("console/revisions_rollback.html", revision=revision, changes=changes, live=live,
                               step=_step_for(revision, ROLLBACK), reach=_reach())
    try:
        restored = roll_back(store, current_staff().email, ORIGIN, chosen)
    except Refused as refusal:
        flash(f"Not rolled back: {refusal}", "error")
        return redirect(url_for("console.revisions"))
    flash(f"Revision {restored.number} is live: a copy of revision {restored.restores}. {_reach()}", "done")
    return redirect(url_for("console.revisions_show", number=restored.number))


def _step_for(revision: Revision, action: str) -> NextStep:
    """How the rules answer this step for the signed-in person (the views are guarded by its role already)."""
    return next(step for step in next_steps(revision, current_staff()) if step.action == action)


def _step(number: int, action: str, done: str) -> Response:
    """Submit or approve as the signed-in person; the rules' refusal is flashed as is."""
    try:
        revision = _revisions().act(number, action, current_staff().email, ORIGIN)
    except Refused as refusal:
        flash(f"Not done: {refusal}", "error")
    else:
        flash(done.format(number=number, author=revision.author), "done")
    return redirect(url_for("console.revisions_show", number=number))


def _chosen_revision() -> int | None:
    """The `to` of a rollback: a revision number, or none (the one live before); anything else is a bad form."""
    chosen = request.values.get("to", "")
    if chosen and not chosen.isdigit():
        abort(400, description="Choose the revision to roll back to by its number.")
    return int(chosen) if chosen else None


def _reach() -> str:
    """When callers hear a newly live revision: each instance picks it up by itself (ivr/publishing/live.py)."""
    seconds = app_settings().revision_poll_seconds
    if seconds <= 0:
        return "Revision polling is off here (REVISION_POLL_SECONDS=0): callers hear it after the line restarts."
    return (f"Callers and texters get it within about {seconds:g} seconds (REVISION_POLL_SECONDS) on every "
            "instance, without a restart; calls already in progress finish in the words they started with.")


def _against_live(number: int) -> tuple[Revision, list[FileChange], Revision | None]:
    """A revision, what it changes from the live one (content diff N's lines), and the live one."""
    revision = _get(number)
    live = _revisions().live()
    changes = file_changes(live[1], _revisions().files(number)) if live else []
    return revision, changes, live[0] if live else None


def _get(number: int) -> Revision:
    try:
        return _revisions().get(number)
    except Refused:
        abort(404)


def _revisions() -> Revisions:
    return services().revisions
