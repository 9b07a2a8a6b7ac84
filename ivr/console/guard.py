"""What every console request passes through: who is signed in, the CSRF check, the security headers.

Attached to the blueprint once, at import (register_console imports this through the pages module).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from flask import abort, current_app, flash, g, render_template, request, session, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from ivr.console.accounts import Staff, may, staff_accounts
from ivr.console.blueprint import console
from ivr.security import harden_console_response
from ivr.store.database import StoreUnavailable

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PASSWORD = "password"  # how a session signed in (session["via"]); the other way is single sign-on
# Endpoints a signed-in person who must still choose a password may reach.
_BEFORE_PASSWORD = ("console.password", "console.sign_out", "console.sign_in", "console.static")


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    role: str  # the least role that may open it: the nav shows no link that would answer 403


# The console's pages in the nav, in order; a page whose module is not registered is left out.
NAV = (
    NavLink("console.words", "Words", "editor"),
    NavLink("console.revisions", "Revisions", "editor"),
    NavLink("console.try_it", "Try it", "editor"),
    NavLink("console.usage", "Usage", "editor"),
    NavLink("console.audio", "Audio", "editor"),
    NavLink("console.staff", "Staff", "admin"),
)


def sign_in_session(staff_email: str, epoch: int, via: str = PASSWORD) -> None:
    """A fresh session for who just signed in: nothing from before survives (no fixation), a new CSRF token."""
    session.clear()
    session.permanent = True  # the cookie expires after CONSOLE_IDLE_MINUTES, as the session does
    session.update(email=staff_email, epoch=epoch, seen=int(time.time()), csrf=secrets.token_urlsafe(32), via=via)


def safe_next(target: str | None) -> str:
    """Back to a console page only: never to another site (an open redirect would lend a phishing link our name)."""
    home = url_for("console.home")
    if not target or not target.startswith(home) or target.startswith("//") or "\\" in target:
        return home
    return target


@console.before_request
def load_signed_in_staff() -> None:
    """Read the account on every request: a disabled account, a changed role or a sign-out elsewhere count now."""
    g.console_staff = None
    email = session.get("email")
    if email is None or request.endpoint == "console.static":  # a stylesheet needs no account (nor a query)
        return
    idle_seconds = current_app.config["SETTINGS"].console_idle_minutes * 60
    if time.time() - session.get("seen", 0) > idle_seconds:
        session.clear()
        flash("You were signed out after a while without activity. Sign in again to go on.")
        return
    account = staff_accounts().find(email)
    if account is None or account.disabled or account.session_epoch != session.get("epoch"):
        session.clear()
        return
    session["seen"] = int(time.time())
    g.console_staff = Staff(account.email, account.role)
    # A one-time password is replaced at the first sign-in with it; someone who came through single sign-on never
    # typed it, and needs no password of their own.
    g.console_must_choose_password = (account.one_time and session.get("via", PASSWORD) == PASSWORD
                                      and request.endpoint not in _BEFORE_PASSWORD)


@console.before_request
def check_csrf() -> None:
    """Every POST (any method that can change something) to the console carries the session's token, in the form
    or (from scripts) in a header."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get("csrf")
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        abort(400, description="This form has expired. Go back, reload the page and try again.")


@console.after_request
def add_security_headers(response: Response) -> Response:
    return harden_console_response(response, private=request.endpoint != "console.static")


@console.app_template_global()
def csrf_token() -> str:
    """The session's CSRF token (made on first use, so the sign-in form has one before anyone signs in)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


@console.app_template_global()
def csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">')


def pages_open_to(role: str) -> list[NavLink]:
    """The nav's pages that exist in this build and that `role` may open, in the nav's order."""
    return [link for link in NAV if link.endpoint in current_app.view_functions and may(role, link.role)]


@console.context_processor
def navigation() -> dict[str, object]:
    """The nav: the pages that exist in this build and that the signed-in role may open, the current one marked.

    A page's own sub-pages (console.words_draft) mark it too.
    """
    staff = g.get("console_staff")
    here = request.endpoint or ""
    links = [(link, url_for(link.endpoint), here == link.endpoint or here.startswith(f"{link.endpoint}_"))
             for link in (pages_open_to(staff.role) if staff is not None else [])]
    return {"console_nav": links, "console_staff": staff, "may": may}  # may(console_staff.role, "reviewer")


@console.errorhandler(400)
def bad_request(error: Exception) -> tuple[str, int]:
    return render_template("console/problem.html", title="Something went wrong with that form",
                           message=getattr(error, "description", "")), 400


@console.errorhandler(StoreUnavailable)
def store_unavailable(error: StoreUnavailable) -> tuple[str, int]:
    """The console needs the store; the phone line does not: say so, and that callers are not affected."""
    return render_template("console/problem.html", title="The console cannot reach its database",
                           message="Callers are not affected. Try again in a minute; if it lasts, tell whoever "
                                   "runs the line."), 503
