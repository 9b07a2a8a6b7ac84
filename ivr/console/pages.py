"""The console's own pages: home, sign in, sign out, choose a password, and staff (admins).

Routes stay thin: read the form, ask accounts.py, record the outcome in the audit trail, render.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from ivr.console import guard
from ivr.console.accounts import (LOCK_SECONDS, ROLES, AccountError, add_staff, change_staff, current_staff, record,
                                  requires, staff_accounts)
from ivr.console.blueprint import console

WRONG = "That email and password do not match an account that can sign in. Check them and try again."
LOCKED = (f"Too many failed sign-ins. Sign-in is paused for {LOCK_SECONDS // 60} minutes; try again after that, "
          "or ask an admin to reset your password.")
EXPIRED = "That one-time password has expired. Ask an admin for a new one."


@console.route("/")
@requires("editor")
def home() -> Response:
    """The first page staff see: the first in the nav that exists and their role may open (Words, for everyone)."""
    first = next(iter(guard.pages_open_to(current_staff().role)), None)
    return redirect(url_for(first.endpoint if first else "console.password"))


@console.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str | tuple[str, int]:
    target = guard.safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.console_staff is not None:
            return redirect(target)
        return render_template("console/sign_in.html", next=target)
    email = request.form.get("email", "")
    attempt = staff_accounts().sign_in(email, request.form.get("password", ""), request.remote_addr or "")
    record(attempt.actor, attempt.action, attempt.outcome)
    if attempt.account is None:
        message = LOCKED if attempt.locked else EXPIRED if attempt.expired else WRONG
        return render_template("console/sign_in.html", next=target, email=email, error=message), \
            429 if attempt.locked else 401
    guard.sign_in_session(attempt.account.email, attempt.account.session_epoch)
    if attempt.account.one_time:
        return redirect(url_for("console.password", next=target))
    return redirect(target)


@console.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    staff = g.console_staff
    if staff is not None:
        staff_accounts().end_sessions(staff.email)  # a copy of this cookie elsewhere stops working too
        record(staff.email, "sign-out", "signed out")
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("console.sign_in"))


@console.route("/password", methods=["GET", "POST"])
def password() -> Response | str | tuple[str, int]:
    """Choose a password: required after a one-time one, open to anyone signed in."""
    staff = g.console_staff
    if staff is None:
        return redirect(url_for("console.sign_in", next=url_for("console.password")))
    target = guard.safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("console/password.html", next=target)
    chosen, again = request.form.get("password", ""), request.form.get("again", "")
    try:
        if chosen != again:
            raise AccountError("The two passwords are not the same. Type the new password twice.")
        account = staff_accounts().choose_password(staff.email, chosen)
    except AccountError as error:
        return render_template("console/password.html", next=target, error=str(error)), 400
    record(staff.email, "password", "chose a new password")
    guard.sign_in_session(account.email, account.session_epoch)  # a new session for the new password
    flash("Your new password is saved.")
    return redirect(target)


@console.route("/staff", methods=["GET", "POST"])
@requires("admin")
def staff() -> str | tuple[str, int]:
    """Admins list, add, change the role of, disable, enable staff and reset their passwords."""
    if request.method == "GET":
        return render_template("console/staff.html", accounts=staff_accounts().listing(), roles=ROLES)
    admin, action = current_staff().email, request.form.get("action", "")
    email = request.form.get("email", "").strip().lower()
    one_time = None
    try:
        if action == "add":
            role = request.form.get("role", "")
            one_time = add_staff(current_app, email, role, actor=admin)
            done = f"Added {email} as {role}."
        elif action == "reset":
            one_time = staff_accounts().reset_password(email)
            record(admin, "staff reset", f"new one-time password for {email}")
            done = f"{email} has a new one-time password; their sessions have ended."
        else:
            done = change_staff(action, email, request.form.get("role", ""), admin)
    except AccountError as error:
        return render_template("console/staff.html", accounts=staff_accounts().listing(), roles=ROLES,
                               error=str(error)), 400
    return render_template("console/staff.html", accounts=staff_accounts().listing(), roles=ROLES, done=done,
                           one_time=one_time, one_time_for=email if one_time else None)
