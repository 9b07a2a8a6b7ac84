"""`flask --app app staff ...`: console accounts from a terminal (the first admin is made here)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr.console.accounts import ACCOUNTS, ONE_TIME_PASSWORD_HOURS, ROLES, AccountError, add_staff, staff_accounts
from ivr.console.pages import change_staff

ACTOR = "staff command"


class StaffCommands(click.Group):
    """A refused change is one line saying why, not a traceback; the console being off is said plainly."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except AccountError as error:
            raise click.ClickException(str(error)) from error


staff_cli = StaffCommands("staff", help="Staff console accounts: add, list, disable, change a role.")


def _console_on() -> None:
    if ACCOUNTS not in current_app.extensions:
        raise click.ClickException("the console is off: set CONSOLE_ENABLED=1 and SECRET_KEY (see README, "
                                   "Staff console), then run this again")


@staff_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="editor, reviewer or admin.")
@with_appcontext
def add(email: str, role: str) -> None:
    """Create an account and print its one-time password (changed at first sign-in)."""
    _console_on()
    password = add_staff(current_app, email, role, actor=ACTOR)
    click.echo(f"Added {email.strip().lower()} as {role}.")
    click.echo(f"One-time password: {password}")
    click.echo(f"Give it to them privately; it works once, within {ONE_TIME_PASSWORD_HOURS} hours, "
               "and they choose their own password at first sign-in.")


@staff_cli.command("list")
@with_appcontext
def listing() -> None:
    """Every account, its role and whether it can sign in."""
    _console_on()
    for account in staff_accounts().listing():
        status = "disabled" if account.disabled else "first sign-in pending" if account.one_time else "active"
        click.echo(f"{account.email}\t{account.role}\t{status}")


@staff_cli.command("disable")
@click.argument("email")
@with_appcontext
def disable(email: str) -> None:
    """Stop an account signing in; its open sessions end at their next request."""
    _console_on()
    click.echo(change_staff("disable", email.strip().lower(), "", ACTOR))


@staff_cli.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def role(email: str, role: str) -> None:
    """Change an account's role (it applies at the account's next request)."""
    _console_on()
    click.echo(change_staff("role", email.strip().lower(), role, ACTOR))
