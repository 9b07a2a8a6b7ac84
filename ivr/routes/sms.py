"""The HTTP side of the text line: Twilio's "A message comes in" webhook at POST /sms.

Thin on purpose: read Twilio's parameters, ask the texting gate (gate.py), answer TwiML.
Neither the number nor the text is ever logged: only the first characters of the number's hash.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ivr.counting import note
from ivr.security import require_twilio_signature
from ivr.services import services
from ivr.sms.gate import REPEATED
from ivr.sms.replies import Answer, Incoming, messaging_twiml
from ivr.webhooks import answer_nothing

bp = Blueprint("sms", __name__, url_prefix="/sms")
bp.before_request(require_twilio_signature)
bp.register_error_handler(Exception, answer_nothing)  # never a 5xx to Twilio


@bp.route("", methods=["POST"])  # not GET: the number would stand in the URL, and so in access logs
def incoming_message() -> Response:
    incoming = Incoming(body=request.values.get("Body", ""), opt_out_type=request.values.get("OptOutType", ""))
    result = services().texts.receive(request.values.get("From", ""), request.values.get("MessageSid", ""), incoming)
    if result.understood != REPEATED:  # a Twilio retry was counted the first time
        _note(result)
    return Response(messaging_twiml(result.reply), mimetype="text/xml")


def _note(result: Answer) -> None:
    note("sms", "text", result.state.language or services().line.default_language.code, result.understood)
