"""Try it: a phone and a text simulator driving the line's real webhooks with a chosen revision's words.

Routes stay thin: read the form -> one step of the simulated call or chat (trial.py) -> render the page with the
transcript so far. The simulator line (simulator.py) has its own records and sends nothing, so nothing done here
reaches a family's number or any phone. With JavaScript (static/try.js) the same forms are posted with fetch and
the simulator's part of the page is swapped in place, without reloads.
"""

from __future__ import annotations

from flask import current_app, render_template, request

from ivr.config import ConfigurationError
from ivr.console.accounts import requires
from ivr.console.blueprint import console
from ivr.console.simulator import simulator
from ivr.console.trial import CallState, Chat, act, messages_from, text, turns_from
from ivr.content.staff_file import ContentError
from ivr.publishing.rules import APPROVED, DRAFT, IN_REVIEW, LIVE
from ivr.publishing.store import Refused, Revision
from ivr.services import Services, services

TRIED_STATES = (LIVE, APPROVED, IN_REVIEW, DRAFT)  # what staff may try: the live words and every one waiting
DEFAULT_NUMBER = "+15555550100"  # a fictional number (555-01xx), so no one types a family's by habit
MAX_NUMBER_CHARACTERS = 20
MAX_TEXT_CHARACTERS = 1600  # the most Twilio delivers in one incoming text


class CannotTry(Exception):
    """A revision the simulator cannot run (gone, or words this version of the line refuses): said to staff."""


def _revisions() -> list[Revision]:
    return services().revisions.listing(TRIED_STATES)


def _chosen(revisions: list[Revision], asked: str | None) -> int | None:
    """The revision asked for if staff may try it, else the live one."""
    numbers = {revision.number for revision in revisions}
    if asked and asked.isdigit() and int(asked) in numbers:
        return int(asked)
    return next((revision.number for revision in revisions if revision.state == LIVE), services().revision)


def _simulated(number: int | None) -> Services:
    """The simulator's services for a revision; CannotTry with the reason when it cannot be served."""
    real = services()
    if number is None:
        raise CannotTry("There is no live revision to try yet.")
    try:
        return simulator(current_app).revision(number, real.revisions.files(number))
    except Refused as error:
        raise CannotTry(f"Revision {number} cannot be tried: {error}.") from None
    except ContentError as error:
        raise CannotTry(f"Revision {number} cannot be tried, its words have problems: "
                        f"{'; '.join(str(problem) for problem in error.problems)}") from None
    except ConfigurationError as error:
        raise CannotTry(f"Revision {number} cannot be tried: {error}") from None


def _number(field: str) -> str:
    return (request.form.get(field) or request.args.get(field) or DEFAULT_NUMBER).strip()[:MAX_NUMBER_CHARACTERS]


@console.route("/try", methods=["GET", "POST"])
@requires("editor")
def try_it() -> str | tuple[str, int]:
    """The phone simulator: a new call, then keys, words, silence or hanging up, one form post each."""
    revisions = _revisions()
    chosen = _chosen(revisions, request.values.get("revision"))
    pressed = request.form.get("press", "")
    state = CallState(chosen or 0, _number("caller"), request.form.get("call_sid", ""),
                      request.form.get("listens_at", ""), request.form.get("then", ""),
                      turns_from(request.form.get("transcript", "")))
    try:
        if request.method == "POST" and pressed:
            state = act(simulator(current_app), _simulated(chosen), state, pressed, request.form.get("speech", ""),
                        request.form.get("language", ""))
        languages = _simulated(chosen).line.languages.values() if chosen else ()
    except CannotTry as error:
        return render_template("console/try.html", revisions=revisions, chosen=chosen, state=state, languages=(),
                               problem=str(error)), 400
    return render_template("console/try.html", revisions=revisions, chosen=chosen, state=state, languages=languages,
                           language=request.values.get("language", ""))


@console.route("/try/text", methods=["GET", "POST"])
@requires("editor")
def try_it_text() -> str | tuple[str, int]:
    """The text simulator: each form post texts the line once, as the number the staff member chose."""
    revisions = _revisions()
    chosen = _chosen(revisions, request.values.get("revision"))
    chat = Chat(chosen or 0, _number("number"), messages_from(request.form.get("chat", "")))
    if request.method == "POST":
        try:
            chat = text(simulator(current_app), _simulated(chosen), chat,
                        request.form.get("body", "")[:MAX_TEXT_CHARACTERS])
        except CannotTry as error:
            return render_template("console/try_text.html", revisions=revisions, chosen=chosen, chat=chat,
                                   problem=str(error)), 400
    return render_template("console/try_text.html", revisions=revisions, chosen=chosen, chat=chat)
