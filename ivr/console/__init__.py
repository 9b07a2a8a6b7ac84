"""The staff console under /console: edit, hear, try and publish the line's words in a browser (issue 15).

Served only when CONSOLE_ENABLED is on; without it /console is a plain 404, as for any unknown path.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from ivr.console.accounts import ACCOUNTS, ConsoleCookieSessions, StaffAccounts
from ivr.console.blueprint import console

SESSION_COOKIE = "otline_console"


def register_console(app: Flask) -> None:
    """Attach the console's pages to the app (create_app calls this only when the console is on)."""
    # Importing a page module attaches its routes to `console`: one line per page.
    from ivr.console import pages  # noqa: F401  (sign-in, sign-out, home, staff)
    from ivr.console import revisions  # noqa: F401  (revisions: list, diff, submit/approve/publish/rollback)
    from ivr.console import words  # noqa: F401  (the Words page)
    from ivr.console import try_it  # noqa: F401  (Try it: the phone and text simulators)
    from ivr.console import usage  # noqa: F401  (Usage)
    from ivr.console import audio  # noqa: F401  (Audio)
    from ivr.console.single_sign_on import register_single_sign_on  # (sign-in with the hospital's provider)

    settings = app.config["SETTINGS"]
    app.secret_key = settings.secret_key
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/console",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.console_idle_minutes),
    )
    app.session_interface = ConsoleCookieSessions()
    app.extensions[ACCOUNTS] = StaffAccounts(app.extensions["otline"].revisions.database, settings.secret_key.encode())
    register_single_sign_on(app)
    app.register_blueprint(console)
