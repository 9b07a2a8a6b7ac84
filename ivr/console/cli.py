"""`flask --app app staff ...`: console accounts from a terminal (the first admin is made here)."""

from __future__ import annotations

import functools
from typing import Callable

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr.console.accounts import ACCOUNTS, ONE_TIME_PASSWORD_HOURS, ROLES, add_staff, change_staff, staff_accounts
from ivr.publishing.cli import STAFF_NAME, PublishingCommand, origin

staff_cli = click.Group("staff", help="Staff console accounts: add, list, disable, change a role.")


def _staff_command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """A refused change or a database that is down is one line (PublishingCommand); the console must be on."""
    def decorate(function: Callable[..., None]) -> click.Command:
        @functools.wraps(function)
        def when_console_is_on(*args: object, **kwargs: object) -> None:
            if ACCOUNTS not in current_app.extensions:
                raise click.ClickException("the console is off: set CONSOLE_ENABLED=1 and SECRET_KEY (see README, "
                                           "Staff console), then run this again")
            function(*args, **kwargs)
        return staff_cli.command(name, cls=PublishingCommand)(with_appcontext(when_console_is_on))
    return decorate


@_staff_command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="editor, reviewer or admin.")
@STAFF_NAME
def add(email: str, role: str, actor: str) -> None:
    """Create an account and print its one-time password (changed at first sign-in)."""
    password = add_staff(current_app, email, role, actor, origin())
    click.echo(f"Added {email.strip().lower()} as {role}.")
    click.echo(f"One-time password: {password}")
    click.echo(f"Give it to them privately; it works within {ONE_TIME_PASSWORD_HOURS} hours, "
               "and they choose their own password at first sign-in.")


@_staff_command("list")
def listing() -> None:
    """Every account, its role and whether it can sign in."""
    for account in staff_accounts().listing():
        status = "disabled" if account.disabled else "first sign-in pending" if account.one_time else "active"
        click.echo(f"{account.email}\t{account.role}\t{status}")


@_staff_command("disable")
@click.argument("email")
@STAFF_NAME
def disable(email: str, actor: str) -> None:
    """Stop an account signing in; its open sessions end at their next request."""
    click.echo(change_staff("disable", email, "", actor, origin()))


@_staff_command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@STAFF_NAME
def role(email: str, role: str, actor: str) -> None:
    """Change an account's role (it counts at the account's next request)."""
    click.echo(change_staff("role", email, role, actor, origin()))
