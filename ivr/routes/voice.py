"""The HTTP side of the voice line: read Twilio's parameters, pick a page, answer TwiML.

Handlers stay thin: what a key means lives in choosing.py, where it leads in navigation.py and what is said in
twiml.py.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from ivr.content.model import MAIN_MENU, Language
from ivr.counting import call_sid, note, note_call_place
from ivr.observability import note_outcome
from ivr.security import require_twilio_signature
from ivr.services import services
from ivr.voice.choosing import Choice, choose_language, from_meaning, interpret
from ivr.voice.navigation import Step, after_language, next_step

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(require_twilio_signature)
METHODS = ["GET", "POST"]


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), status=200, mimetype="text/xml")


def _param(name: str) -> str:
    return request.values.get(name, "")


def _small_int(name: str) -> int | None:
    """A whole number under 1000 from the request, or None. ASCII only: "²".isdigit() but int("²") fails."""
    value = _param(name)
    return int(value) if value.isascii() and value.isdigit() and len(value) < 4 else None


def _attempt() -> int:
    return _small_int("attempt") or 1


def _place(lang: str, topic: str) -> tuple[Language, str | None]:
    """The caller's language and topic; None for a topic these words do not have (gone in a publish, or forged)."""
    language = services().line.language(lang)
    known = topic if topic in language.topics else None
    note_call_place(language.code, known or MAIN_MENU)
    return language, known


def _changed(language: Language) -> Response:
    """A place the live words no longer have: say so and give the main menu, never an error."""
    return twiml(services().pages.choices(language, MAIN_MENU, notice=language.prompt("place.changed")))


def _caller_choice(language: Language, options: tuple[str, ...]) -> Choice:
    unsure = from_meaning(language, _param("confirm")) if _param("confirm") else None
    return interpret(services().line, language, options, _param("Digits"), _param("SpeechResult"),
                     request.values.get("Confidence"), unsure)


@bp.errorhandler(Exception)
def apologise(error: Exception) -> Response | HTTPException:
    """Twilio must never get a 5xx (the caller would hear 'an application error has occurred')."""
    if isinstance(error, HTTPException):
        return error
    log.exception("voice handler failed on %s", request.path)
    note_outcome("apology")
    lang = (request.view_args or {}).get("lang")
    language = services().line.language(lang)
    return twiml(services().pages.apology(language, repeated=_param("recovering") == "1"))


@bp.route("", methods=METHODS)
def incoming_call() -> Response:
    """A call comes in: choose a language first when the line has more than one and the caller's is unknown."""
    line = services().line
    language: Language | None = line.default_language
    if len(line.languages) > 1:  # the language this caller chose before, by phone or by text; else ask
        language = line.languages.get(services().caller_languages.remembered(_param("From")) or "")
    note("voice", "call", language.code if language else "")
    if language is None:
        note_call_place("", "language")
        return twiml(services().pages.language_choice())
    note_call_place(language.code, MAIN_MENU)
    return twiml(services().pages.choices(language, MAIN_MENU, welcome=True))


@bp.route("/language", methods=METHODS)
def language_choice() -> Response:
    return twiml(services().pages.language_choice(_attempt(), _reason()))


@bp.route("/language/choose", methods=METHODS)
def language_chosen() -> Response:
    digits, speech = _param("Digits").strip(), _param("SpeechResult").strip()
    language = choose_language(services().line, digits, speech)
    step = after_language(services().line, language, bool(digits or speech), _attempt())
    return _take(step, language, "")


@bp.route("/<lang>/choices/<topic>", methods=METHODS)
def choices(lang: str, topic: str) -> Response:
    language, known = _place(lang, topic)
    if known is None:
        return _changed(language)
    topic = known
    return twiml(services().pages.choices(language, topic, _attempt(), _reason(), welcome=_param("welcome") == "1"))


@bp.route("/<lang>/choices/<topic>/choose", methods=METHODS)
def chosen(lang: str, topic: str) -> Response:
    language, known = _place(lang, topic)
    if known is None:  # the key was meant for a menu that is gone: it means nothing in another
        return _changed(language)
    topic = known
    choice = _caller_choice(language, services().line.flow.menus.get(topic, ()))
    return _take(next_step(services().line, language, topic, None, choice, _attempt()), language, topic)


@bp.route("/<lang>/topic/<topic>/part/<int:index>", methods=METHODS)
def part(lang: str, topic: str, index: int) -> Response:
    language, known = _place(lang, topic)
    if known is None:
        return _changed(language)
    topic = known
    return twiml(services().pages.resume(language, topic, index))  # a topic a publish made a menu: its choices


@bp.route("/<lang>/topic/<topic>/part/<int:index>/choose", methods=METHODS)
def part_chosen(lang: str, topic: str, index: int) -> Response:
    """A key or words while a part plays: repeat it, navigate, or (nothing) go on to the next part."""
    language, known = _place(lang, topic)
    if known is None:
        return _changed(language)
    topic = known
    choice = _caller_choice(language, ())
    return _take(next_step(services().line, language, topic, index, choice, 1), language, topic)


def _take(step: Step, language: Language | None, topic: str) -> Response:
    """Do what the step says: count its events, run its side effect, play its page."""
    for event in step.events:
        note(event.channel, event.name, event.language, event.place)
    if step.call_place:
        note_call_place(*step.call_place)
    arguments = dict(step.arguments)
    notice = step.notice
    if step.effect == "text" and language:
        notice = services().texts.send_topic(language, topic, _param("From"), _param("To"))
        note("voice", notice, language.code, topic)  # text.sent, text.opted-out, text.failed, ...
    elif step.effect == "remember-language" and language:
        services().caller_languages.remember(_param("From"), language.code)
    if notice and language:
        arguments["notice"] = language.prompt(notice)
    return twiml(getattr(services().pages, step.page)(**arguments))


@bp.route("/<lang>/person/done", methods=METHODS)
def person_done(lang: str) -> Response:
    language, known = _place(lang, _param("topic"))
    topic = known or MAIN_MENU  # back from a person: wherever it was, or the main menu
    if _param("DialCallStatus") == "completed":  # the staff member answered: the caller was put through
        note("voice", "person.connected", language.code, topic)
    return twiml(services().pages.person_done(language, topic, _small_int("part"), _param("DialCallStatus")))


@bp.route("/status", methods=["POST"])
def call_status() -> Response:
    """Twilio's call status callback: the call ended, so count a hang-up where the caller last was."""
    sid = call_sid()
    if _param("CallStatus") == "completed" and sid:
        services().usage.count_hang_up(sid)
    return twiml(VoiceResponse())  # Twilio ignores the body; an empty <Response/> is valid anywhere


def _reason() -> str | None:
    reason = _param("reason")
    return reason if reason in ("silence", "wrong") else None
