"""Twilio webhook signature validation, failing closed, and the app-wide limits around it.

The signature covers the exact URL Twilio requested. Behind a TLS-terminating proxy Flask sees
http://internal-host/..., so the URL is rebuilt from PUBLIC_BASE_URL when it is set; otherwise,
with TRUST_PROXY=1, from the proxy's X-Forwarded-Proto and X-Forwarded-Host (never trusted by default,
since anyone can send those headers to an instance reachable without the proxy).
"""

from __future__ import annotations

import functools
import hmac
import logging
import sys

import click
from flask import Flask, Request, abort, request
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from ivr.config import ConfigurationError, Settings, app_settings

log = logging.getLogger(__name__)
MAX_FORM_PARTS = 200  # Twilio sends about 30 parameters; a flood of fields is not Twilio
# The staff console's pages: only the app's own files, no inline script or style, never framed (clickjacking).
CONSOLE_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def refuse_unsafe_start(settings: Settings) -> None:
    """Production mode must never run open to forged webhooks or store phone numbers in clear."""
    missing = settings.missing_production_secrets()
    if missing:
        raise ConfigurationError(
            f"LINE_ENV=production but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. "
            "Set them (see README, Environment variables) or unset LINE_ENV for a development run."
        )
    console_problem = settings.console_key_problem()
    if console_problem:
        raise ConfigurationError(
            f"{console_problem}. Set SECRET_KEY to a long random string, the same on every instance "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))'), or turn CONSOLE_ENABLED off."
        )
    sign_on_problem = settings.single_sign_on_problem()
    if sign_on_problem:
        raise ConfigurationError(f"{sign_on_problem}. See README, Staff console, Single sign-on.")


DEVELOPMENT_WARNING = (
    "DEVELOPMENT MODE: TWILIO_AUTH_TOKEN is not set, so requests are NOT checked for Twilio's "
    "signature. Anyone can call these webhooks. Set TWILIO_AUTH_TOKEN before taking real calls."
)


def warn_if_unchecked(settings: Settings) -> None:
    """Say on stderr, once per app, that webhooks go unchecked; only where the app serves them.

    Staff commands and --help build the app too, but serve nothing: the warning there would only
    hide their own output (and on stdout it survived `2>/dev/null`).
    """
    if settings.auth_token is None and _serving():
        print(DEVELOPMENT_WARNING, file=sys.stderr, flush=True)


def _serving() -> bool:
    """True under gunicorn or a test client (no click command runs), and for `flask run`."""
    context = click.get_current_context(silent=True)
    return context is None or context.command.name == "run"


def harden_http(app: Flask, settings: Settings) -> None:
    """Bound what a request may cost (413 past the limit), never redirect, believe the proxy only if told,
    and have every answer read as its declared type (nosniff).

    Call before routes are added. A "//" in a path would get a 308 to the merged path, and Twilio follows
    a redirect but drops Digits: an unknown path gets a plain 404 instead.
    """
    app.url_map.merge_slashes = False
    app.after_request(_no_sniffing)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_request_bytes
    app.config["MAX_FORM_PARTS"] = MAX_FORM_PARTS
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)  # type: ignore[method-assign]


def _no_sniffing(response: Response) -> Response:
    """Every answer is read as the type it says it is (an audio file is never run as a page)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def harden_console_response(response: Response, private: bool) -> Response:
    """The staff console's headers; `private` pages (a signed-in page, a form) are never kept in any cache."""
    response.headers["Content-Security-Policy"] = CONSOLE_CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate it
    response.headers["Referrer-Policy"] = "same-origin"
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response


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
    url = url_twilio_signed(req, public_base_url)
    validator = _validator(auth_token)
    try:
        # One HMAC settles a genuine request; validate() tries the URL with and without a default port
        # (two more HMACs and a query parse), which only a request that failed the first check needs.
        expected = validator.compute_signature(url, params, algorithm)
        return (hmac.compare_digest(expected.encode(), signature.encode())
                or validator.validate(url, params, signature, algorithm))
    except ValueError:  # a Host header with a port no URL can have ("x:99999"), an unknown algorithm
        return False


@functools.lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def require_twilio_signature() -> None:
    """A blueprint before_request hook: 403 for any request Twilio did not sign, when a token is set."""
    settings = app_settings()
    if settings.auth_token is None:
        return
    if not is_signed_by_twilio(request, settings.auth_token, settings.public_base_url):
        log.warning("rejected a request with a missing or wrong Twilio signature", extra={"path": request.path})
        abort(403)
