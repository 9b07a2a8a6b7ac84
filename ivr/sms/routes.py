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

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
bp.before_request(require_twilio_signature)


@bp.route("", methods=["POST"])  # not GET: the number would stand in the URL, and so in access logs
def incoming_message() -> Response:
    found = services()
    store, settings = found.store, found.settings
    message_sid = request.values.get("MessageSid", "")
    earlier = store.reply_to(message_sid) if message_sid else None
    if earlier is not None:
        return Response(earlier, mimetype="text/xml")
    number = found.hasher(request.values.get("From", ""))
    state = store.number(number)
    incoming = Incoming(body=request.values.get("Body", ""), opt_out_type=request.values.get("OptOutType", ""))
    result = answer(found.line, state, incoming, Policy(settings.help_contact, settings.twilio_answers_help))
    if result.limited and not found.limits.allow(store.count_message(number)):
        log.warning("text from number %s... dropped: over the rate limit", number[:12])
        result = Answer(None, replace(state, opted_out=result.state.opted_out))
    if result.state != state:
        store.save_number(number, result.state)
    reply = messaging_twiml(result.reply)
    if message_sid:
        store.remember_reply(message_sid, reply)
    return Response(reply, mimetype="text/xml")
