"""Sign in with the hospital's OpenID Connect provider: on when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET
are set (the console's password sign-in stays, for the first admin and for when the provider is down).

The provider says who someone is; the console's own accounts still say what they may do. A hospital login opens
the console only for an email an admin has added (`staff add`) and not disabled, with the role given there.
Authlib does the protocol: state, nonce and PKCE, the code exchange, and the ID token's signature (the provider's
published keys), issuer, audience and expiry. What is decided here is only who, if anyone, signs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from ivr.config import app_settings
from ivr.console import guard
from ivr.console.accounts import UNKNOWN_ACTOR, Account, normal_email, record, staff_accounts, valid_email
from ivr.console.blueprint import console

PROVIDER = "hospital"  # Authlib's name for the one provider (it keys the state kept in the session)
CLIENT = "otline.console.single_sign_on"  # app.extensions key of the provider's Authlib client
SINGLE_SIGN_ON = "single sign-on"  # how a session signed in (session["via"]) and the audit trail's word for it
# The provider is asked at most this long for its settings, keys and tokens; a hung provider must not hang the
# console's worker threads (the sign-in page says so, and the password sign-in still works).
PROVIDER_TIMEOUT_SECONDS = 10.0
NEXT = "single_sign_on_next"  # session key: the console page to return to after the provider

UNREACHABLE = ("{name} cannot be reached just now. Try again in a minute, or sign in with your email and "
               "password.")
NOT_COMPLETED = "Signing in with {name} did not complete ({reason}). Try again, or sign in with your password."


@dataclass(frozen=True)
class Verdict:
    """Who signs in after the provider vouched for these claims: an account's email, or what the person is told."""

    email: str | None
    refusal: str | None
    audit: str  # the audit trail's outcome (the provider's own email claim is not a secret: it was never typed)


def verdict(claims: Mapping[str, object], account: Account | None) -> Verdict:
    """Whether the provider's (already verified) ID token claims sign someone in to the console, and who."""
    email = claims.get("email")
    if not isinstance(email, str) or not valid_email(email.strip()):  # nothing to match an account against
        return Verdict(None, "Your sign-in did not give the console your email address, so it cannot tell which "
                             "account is yours. Ask whoever runs the line to check the single sign-on settings.",
                       "single sign-on refused: no email in the provider's answer")
    if claims.get("email_verified") in (False, "false"):  # the provider does not vouch for it (some send a string)
        return Verdict(None, "Your organisation's sign-in has not verified your email address, so the console "
                             "cannot use it. Sign in with your password, or ask your IT team to verify it.",
                       f"single sign-on refused: {normal_email(email)} is not verified by the provider")
    if account is None:  # a hospital login alone opens nothing: an admin adds each person
        return Verdict(None, f"There is no console account for {normal_email(email)}. Ask an admin of the "
                             "console to add you.",
                       f"single sign-on refused: no account for {normal_email(email)}")
    if account.disabled:
        return Verdict(None, "This console account is disabled. Ask an admin of the console if you need it.",
                       f"single sign-on refused: {account.email} is disabled")
    return Verdict(account.email, None, f"signed in with {SINGLE_SIGN_ON}")


def register_single_sign_on(app: Flask) -> None:
    """Set up the provider's client when single sign-on is configured (its settings are read at the first use)."""
    settings = app.config["SETTINGS"]
    if not settings.single_sign_on:
        return
    oauth = OAuth(app)
    app.extensions[CLIENT] = oauth.register(
        PROVIDER,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email", "code_challenge_method": "S256",
                       "default_timeout": PROVIDER_TIMEOUT_SECONDS},
    )


@console.app_template_global()
def single_sign_on_name() -> str | None:
    """The provider's name for the sign-in page's button, or None when single sign-on is off."""
    return app_settings().oidc_name if CLIENT in current_app.extensions else None


@console.route("/sign-in/single-sign-on")
def single_sign_on() -> Response | tuple[str, int]:
    """Off to the provider; it sends the person back to single_sign_on_return with a code."""
    client = current_app.extensions.get(CLIENT)
    if client is None:
        abort(404)
    session[NEXT] = guard.safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(_return_address())
    except (requests.RequestException, ValueError) as error:  # its settings could not be read
        return _unreachable(error)


@console.route("/sign-in/single-sign-on/return")
def single_sign_on_return() -> Response | tuple[str, int]:
    """The provider's answer: a code to exchange for a verified ID token, or why it did not sign the person in."""
    client = current_app.extensions.get(CLIENT)
    if client is None:
        abort(404)
    settings = app_settings()
    name = settings.oidc_name
    # Authlib checks only the issuer unless told: the token must also be meant for this console.
    must_say = {"iss": {"essential": True, "value": settings.oidc_issuer},
                "aud": {"essential": True, "value": settings.oidc_client_id}}
    try:
        token = client.authorize_access_token(claims_options=must_say)
    except requests.RequestException as error:  # down, or hung past PROVIDER_TIMEOUT_SECONDS
        return _unreachable(error)
    except (AuthlibBaseError, JoseError, ValueError) as error:  # refused, forged, expired, replayed or for another app
        reason = getattr(error, "error", None) or type(error).__name__
        detail = getattr(error, "description", None)
        record(UNKNOWN_ACTOR, "sign-in failed", f"{SINGLE_SIGN_ON}: {reason}" + (f" ({detail})" if detail else ""))
        return _sign_in_page(NOT_COMPLETED.format(name=name, reason=_plain(reason)), 401)
    if "userinfo" not in token:  # an answer without an ID token says nothing about who this is
        record(UNKNOWN_ACTOR, "sign-in failed", f"{SINGLE_SIGN_ON}: no ID token in the provider's answer")
        return _sign_in_page(NOT_COMPLETED.format(name=name, reason="no ID token"), 401)
    claims = token["userinfo"]
    email = claims.get("email")
    account = staff_accounts().find(email) if isinstance(email, str) else None
    decided = verdict(claims, account)
    if decided.email is None or account is None:
        record(UNKNOWN_ACTOR, "sign-in failed", decided.audit)
        return _sign_in_page(decided.refusal or "", 403)
    target = session.get(NEXT) or url_for("console.home")
    guard.sign_in_session(account.email, account.session_epoch, via=SINGLE_SIGN_ON)
    record(account.email, "sign-in", decided.audit)
    return redirect(target)


def _return_address() -> str:
    """Where the provider sends people back; registered with the provider as
    {PUBLIC_BASE_URL}/console/sign-in/single-sign-on/return."""
    base = app_settings().public_base_url
    path = url_for("console.single_sign_on_return")
    return f"{base}{path}" if base else url_for("console.single_sign_on_return", _external=True)


def _unreachable(error: Exception) -> tuple[str, int]:
    record(UNKNOWN_ACTOR, "sign-in failed", f"{SINGLE_SIGN_ON} unavailable: {type(error).__name__}")
    return _sign_in_page(UNREACHABLE.format(name=app_settings().oidc_name), 503)


def _sign_in_page(error: str, status: int) -> tuple[str, int]:
    return render_template("console/sign_in.html", next=session.get(NEXT) or url_for("console.home"),
                           error=error), status


def _plain(reason: str) -> str:
    """An OAuth error code (access_denied) or an exception's name, said as words."""
    return reason.replace("_", " ").replace("Error", " error").strip().lower()
