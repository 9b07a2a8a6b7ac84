"""What the text line answers when a handler fails: an empty <Response/>, never a 5xx.

Twilio logs a 5xx as an error and the texter gets nothing useful from it; an empty answer is valid TwiML
that sends nothing. The voice line has its own handler (an apology and the main menu, ivr/routes/voice.py).
"""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from ivr.observability import note_outcome

log = logging.getLogger(__name__)


def answer_nothing(error: Exception) -> Response | HTTPException:
    """A failed text handler: logged with its traceback, answered with an empty <Response/>."""
    if isinstance(error, HTTPException):
        return error
    log.exception("text handler failed on %s", request.path)
    note_outcome("failed-empty-answer")
    return Response(str(MessagingResponse()), status=200, mimetype="text/xml")
