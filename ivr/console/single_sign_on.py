"""Sign in with the hospital's OpenID Connect provider: on when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET
are set (the console's password sign-in stays, for the first admin and for when the provider is down).

The provider says who someone is; the console's own accounts still say what they may do. A hospital login opens
the console only for an email an admin has added (`staff add`) and not disabled, with the role given there.
Authlib does the protocol: state, nonce and PKCE, the code exchange, and the ID token's signature (the provider's
published keys), issuer, audience and expiry. What is decided here is who, if anyone, signs in, and whether the
provider's own settings can be trusted to do that.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Mapping

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from ivr.config import app_settings
from ivr.console import guard
from ivr.console.accounts import UNKNOWN_ACTOR, Account, normal_email, record, staff_accounts, valid_email
from ivr.console.blueprint import console

log = logging.getLogger(__name__)

PROVIDER = "hospital"  # Authlib's name for the one provider (it keys the state kept in the session)
CLIENT = "otline.console.single_sign_on"  # app.extensions key of the Provider
SINGLE_SIGN_ON = "single sign-on"  # how a session signed in (session["via"]) and the audit trail's word for it
# The provider is asked at most this long (per read) for its settings, keys and tokens: the console's threads also
# answer Twilio's webhooks, so a hung provider must not hold them.
PROVIDER_TIMEOUT_SECONDS = 5.0
# After the provider failed to answer, sign-in with it is refused at once for this long, instead of every click
# (anyone's: the start page needs no account) holding a thread for the timeout again.
RETRY_AFTER_SECONDS = 30.0
# ID tokens must be signed with the provider's private key: never "none", never a shared-secret (HS*) algorithm,
# whatever the provider's settings offer (its public key must not become an HMAC secret).
SIGNED_WITH_A_PRIVATE_KEY = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
NEXT = "single_sign_on_next"  # session key: the console page to return to after the provider
# The error codes a provider may send back in the address (RFC 6749 4.1.2.1, OpenID Connect Core 3.1.2.6); any
# other value is someone's own text, not worth repeating on the page or in the audit trail.
PROVIDER_ERRORS = frozenset({
    "access_denied", "invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_scope",
    "server_error", "temporarily_unavailable", "interaction_required", "login_required",
    "account_selection_required", "consent_required", "invalid_request_uri", "invalid_request_object",
    "request_not_supported", "request_uri_not_supported", "registration_not_supported"})
_PRINTABLE = re.compile(r"[^ -~]")

UNREACHABLE = ("{name} cannot be reached just now. Try again in a minute, or sign in with your email and "
               "password.")
MISCONFIGURED = ("Signing in with {name} is not set up correctly, so it is turned off for now. Sign in with your "
                 "email and password, and tell whoever runs the line.")
NOT_COMPLETED = "Signing in with {name} did not complete ({reason}). Try again, or sign in with your password."


class ProviderUnusable(Exception):
    """The provider cannot be used now: down, hung, or its settings are not ones the console can trust."""

    def __init__(self, why: str, misconfigured: bool = False):
        super().__init__(why)
        self.misconfigured = misconfigured


@dataclass(frozen=True)
class Verdict:
    """Who signs in after the provider vouched for these claims: an account's email, or what the person is told."""

    email: str | None
    refusal: str | None
    audit: str  # the audit trail's outcome (the provider's own email claim is not a secret: it was never typed)


def verdict(claims: Mapping[str, object], account: Account | None, linked: tuple[str, str] | None = None) -> Verdict:
    """Whether the provider's (already verified) ID token claims sign someone in to the console, and who.

    `linked`: the provider's (issuer, subject) the account was linked to at its first sign-in this way, if any.
    """
    email = claims.get("email")
    if not isinstance(email, str) or not valid_email(email.strip()):  # nothing to match an account against
        return Verdict(None, "Your sign-in did not give the console your email address, so it cannot tell which "
                             "account is yours. Ask whoever runs the line to check the single sign-on settings.",
                       "single sign-on refused: no email in the provider's answer")
    if not email.isascii():  # lower() folds some letters onto others (the Kelvin sign onto k): no look-alikes
        return Verdict(None, "Your sign-in gave an email address the console cannot match to an account. Sign in "
                             "with your password, or ask an admin of the console.",
                       "single sign-on refused: an email with letters beyond ASCII")
    if str(claims.get("email_verified", "")).lower() in ("false", "0"):  # the provider does not vouch for it
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
    if linked is not None and linked != person(claims):  # the email was reused: the account is the first person's
        return Verdict(None, "This console account belongs to another person at your organisation's sign-in. Ask "
                             "an admin of the console: resetting the account's password lets it be linked again.",
                       f"single sign-on refused: {account.email} is linked to another person at the provider")
    return Verdict(account.email, None, f"signed in with {SINGLE_SIGN_ON}")


def person(claims: Mapping[str, object]) -> tuple[str, str]:
    """Who the provider says this is, for good: its issuer and the subject it never gives anyone else."""
    return str(claims.get("iss", "")), str(claims.get("sub", ""))


def settings_problem(metadata: Mapping[str, Any], issuer: str) -> str | None:
    """What, in the provider's discovery document, the console cannot work with (None: nothing)."""
    if metadata.get("issuer") != issuer:  # ID tokens name the issuer exactly: a near miss would refuse everyone
        return f"OIDC_ISSUER is {issuer!r} but the provider names itself {metadata.get('issuer')!r}: set it exactly so"
    missing = [name for name in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(name)]
    if missing:
        return f"the provider's settings name no {' or '.join(missing)}"
    if not private_key_algorithms(metadata):
        return "the provider signs ID tokens with no algorithm the console accepts (RS256, PS256, ES256, EdDSA...)"
    return None


def private_key_algorithms(metadata: Mapping[str, Any]) -> list[str]:
    """The signing algorithms an ID token may use: the provider's (RS256 when it names none) that use a private key."""
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    return [name for name in offered if name in SIGNED_WITH_A_PRIVATE_KEY] if isinstance(offered, list) else []


class Provider:
    """The hospital's provider as Authlib's client, with its settings checked once read and its outages remembered."""

    def __init__(self, client: Any, issuer: str):
        self.client = client
        self.issuer = issuer
        self._down_until = 0.0  # time.monotonic()

    def ready(self) -> None:
        """Read (once) and check the provider's settings; ProviderUnusable, remembered a while, when they can't be."""
        if time.monotonic() < self._down_until:
            raise ProviderUnusable("it failed a moment ago")
        try:
            metadata = self.client.load_server_metadata()
        except (requests.RequestException, ValueError, TypeError) as error:  # down, hung, or not a JSON object
            self.client.server_metadata.pop("_loaded_at", None)
            raise self.down(type(error).__name__) from error
        problem = settings_problem(metadata, self.issuer)
        if problem:
            self.client.server_metadata.pop("_loaded_at", None)  # read afresh once someone mends it
            raise self.down(problem, misconfigured=True)
        # Authlib verifies ID tokens with the algorithms the provider's settings list: only these, then.
        metadata["id_token_signing_alg_values_supported"] = private_key_algorithms(metadata)

    def down(self, why: str, misconfigured: bool = False) -> ProviderUnusable:
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
        return ProviderUnusable(why, misconfigured)


def register_single_sign_on(app: Flask) -> None:
    """Set up the provider's client when single sign-on is configured (its settings are read at the first use)."""
    settings = app.config["SETTINGS"]
    if not settings.single_sign_on:
        return
    client = OAuth(app).register(
        PROVIDER,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email", "code_challenge_method": "S256",
                       "default_timeout": PROVIDER_TIMEOUT_SECONDS},
    )
    app.extensions[CLIENT] = Provider(client, settings.oidc_issuer)


@console.app_template_global()
def single_sign_on_name() -> str | None:
    """The provider's name for the sign-in page's button, or None when single sign-on is off."""
    return app_settings().oidc_name if CLIENT in current_app.extensions else None


@console.route("/sign-in/single-sign-on")
def single_sign_on() -> Response | tuple[str, int]:
    """Off to the provider; it sends the person back to single_sign_on_return with a code."""
    provider = _provider()
    session[NEXT] = guard.safe_next(request.args.get("next"))
    for kept in [key for key in session if key.startswith(f"_state_{PROVIDER}_")]:
        session.pop(kept)  # an earlier click's state: the cookie must not grow with each one
    try:
        provider.ready()
        return provider.client.authorize_redirect(_return_address())
    except ProviderUnusable as unusable:
        return _unusable(unusable)


@console.route("/sign-in/single-sign-on/return")
def single_sign_on_return() -> Response | tuple[str, int]:
    """The provider's answer: a code to exchange for a verified ID token, or why it did not sign the person in."""
    provider = _provider()
    settings = app_settings()
    # Authlib checks only the issuer unless told: the token must also be meant for this console.
    must_say = {"iss": {"essential": True, "value": settings.oidc_issuer},
                "aud": {"essential": True, "value": settings.oidc_client_id}}
    try:
        provider.ready()  # (after a restart, the settings are read again, and checked, before any token is)
        token = provider.client.authorize_access_token(claims_options=must_say)
    except ProviderUnusable as unusable:
        return _unusable(unusable)
    except requests.RequestException as error:  # down, or hung past PROVIDER_TIMEOUT_SECONDS
        return _unusable(provider.down(type(error).__name__))
    except (AuthlibBaseError, JoseError, ValueError) as error:  # refused, forged, expired, replayed or for another app
        reason, detail = _refusal(error)
        record(UNKNOWN_ACTOR, "sign-in failed", f"{SINGLE_SIGN_ON}: {reason}" + (f" ({detail})" if detail else ""))
        return _sign_in_page(NOT_COMPLETED.format(name=settings.oidc_name, reason=reason.replace("_", " ")), 401)
    if "userinfo" not in token:  # an answer without an ID token says nothing about who this is
        record(UNKNOWN_ACTOR, "sign-in failed", f"{SINGLE_SIGN_ON}: no ID token in the provider's answer")
        return _sign_in_page(NOT_COMPLETED.format(name=settings.oidc_name, reason="no ID token"), 401)
    claims = token["userinfo"]
    email = claims.get("email")
    account = staff_accounts().find(email) if isinstance(email, str) else None
    decided = verdict(claims, account)
    if decided.email is not None and account is not None:  # linked now if it was not; then who it is linked to
        decided = verdict(claims, account, staff_accounts().link_person(account.email, *person(claims)))
    if decided.email is None or account is None:
        record(UNKNOWN_ACTOR, "sign-in failed", decided.audit)
        return _sign_in_page(decided.refusal or "", 403)
    target = session.get(NEXT) or url_for("console.home")
    guard.sign_in_session(account.email, account.session_epoch, via=SINGLE_SIGN_ON)
    record(account.email, "sign-in", decided.audit)
    return redirect(target)


def _provider() -> Provider:
    provider = current_app.extensions.get(CLIENT)
    if provider is None:
        abort(404)
    return provider


def _return_address() -> str:
    """Where the provider sends people back; registered with the provider as
    {PUBLIC_BASE_URL}/console/sign-in/single-sign-on/return."""
    base = app_settings().public_base_url
    path = url_for("console.single_sign_on_return")
    return f"{base}{path}" if base else url_for("console.single_sign_on_return", _external=True)


def _refusal(error: Exception) -> tuple[str, str]:
    """Why a provider answer was refused, as an error code and a short detail; never the address's own text."""
    code = getattr(error, "error", None) or type(error).__name__
    if isinstance(error, OAuthError) and request.args.get("error") is not None:  # the provider's (or anyone's) text
        return (code if code in PROVIDER_ERRORS else "provider_error"), ""
    detail = _PRINTABLE.sub("", str(getattr(error, "description", None) or ""))[:160]
    return _PRINTABLE.sub("", code)[:60], detail


def _unusable(unusable: ProviderUnusable) -> tuple[str, int]:
    name = app_settings().oidc_name
    if unusable.misconfigured:
        log.error("single sign-on is turned off for %ds: %s", RETRY_AFTER_SECONDS, unusable)
    record(UNKNOWN_ACTOR, "sign-in failed", f"{SINGLE_SIGN_ON} unavailable: {unusable}")
    return _sign_in_page((MISCONFIGURED if unusable.misconfigured else UNREACHABLE).format(name=name), 503)


def _sign_in_page(error: str, status: int) -> tuple[str, int]:
    return render_template("console/sign_in.html", next=session.get(NEXT) or url_for("console.home"),
                           error=error), status
