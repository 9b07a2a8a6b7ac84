"""Twilio webhook signature validation, failing closed.

The signature covers the exact URL Twilio requested. Behind a TLS-terminating proxy Flask sees
http://internal-host/..., so the URL is rebuilt from PUBLIC_BASE_URL when it is set.
"""

from __future__ import annotations

import logging

from flask import Request, abort, current_app, request
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm

log = logging.getLogger(__name__)


def url_twilio_signed(req: Request, public_base_url: str | None) -> str:
    """The URL as Twilio saw it: the public base plus the path and query, or Flask's own view of it."""
    if not public_base_url:
        return req.url
    query = req.query_string.decode("latin-1")
    return f"{public_base_url}{req.script_root}{req.path}" + (f"?{query}" if query else "")


def is_signed_by_twilio(req: Request, auth_token: str, public_base_url: str | None) -> bool:
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = req.form if req.method == "POST" else {}
    algorithm = get_signature_algorithm(req.headers.get(SIGNATURE_SETTINGS_HEADER))
    return RequestValidator(auth_token).validate(url_twilio_signed(req, public_base_url), params, signature, algorithm)


def require_twilio_signature() -> None:
    """A blueprint before_request hook: 403 for any request Twilio did not sign, when a token is set."""
    settings = current_app.config["SETTINGS"]
    if settings.auth_token is None:
        return
    if not is_signed_by_twilio(request, settings.auth_token, settings.public_base_url):
        log.warning("rejected a request with a missing or wrong Twilio signature", extra={"path": request.path})
        abort(403)
