"""The HTTP side of the text line: Twilio's "A message comes in" webhook at POST /sms.

Thin on purpose: what to answer is decided in replies.py; here the number's state is loaded and
saved, the rate limit applied, and a retried MessageSid answered exactly as the first time.
Neither the number nor the text is ever logged: only the first characters of the number's hash.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import Blueprint, Response, request

from ivr.security import require_twilio_signature
from ivr.services import services
from ivr.sms.replies import Answer, Incoming, Policy, answer, messaging_twiml
from ivr.store.database import StoreUnavailable
from ivr.store.numbers import NumberState
from ivr.usage import note
from ivr.webhooks import answer_nothing

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
bp.before_request(require_twilio_signature)
bp.register_error_handler(Exception, answer_nothing)  # never a 5xx to Twilio


@bp.route("", methods=["POST"])  # not GET: the number would stand in the URL, and so in access logs
def incoming_message() -> Response:
    incoming = Incoming(body=request.values.get("Body", ""), opt_out_type=request.values.get("OptOutType", ""))
    try:
        reply = _answer_with_memory(incoming)
    except StoreUnavailable as error:
        reply = _answer_without_memory(incoming, error)
    return Response(reply, mimetype="text/xml")


def _answer_with_memory(incoming: Incoming) -> str:
    found = services()
    store = found.store
    message_sid = request.values.get("MessageSid", "")
    earlier = store.reply_to(message_sid) if message_sid else None
    if earlier is not None:
        return earlier
    number = found.hasher(request.values.get("From", ""))
    state = store.number(number)
    result = answer(found.line, state, incoming, _policy())
    if result.limited and not found.limits.allow(store.count_message(number)):
        log.warning("text from number %s... dropped: over the rate limit", number[:12])
        result = Answer(None, replace(state, opted_out=result.state.opted_out), understood="over-limit")
    if result.state != state:
        store.save_number(number, result.state)
    reply = messaging_twiml(result.reply)
    if message_sid:
        store.remember_reply(message_sid, reply)
    _note(result)
    return reply


def _answer_without_memory(incoming: Incoming, error: StoreUnavailable) -> str:
    """The store is down: answer as to a new number (no paging, no limits) rather than fail.

    An opt-out cannot be recorded now; Twilio itself blocks texts to numbers that sent its STOP words.
    """
    result = answer(services().line, NumberState(), incoming, _policy())
    log.error("store unavailable, text answered without memory (%s): %s", result.understood, error)
    _note(result)
    return messaging_twiml(result.reply)


def _policy() -> Policy:
    settings = services().settings
    return Policy(settings.help_contact, settings.twilio_answers_help)


def _note(result: Answer) -> None:
    note("sms", "text", result.state.language or services().line.default_language.code, result.understood)
