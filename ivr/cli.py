"""Commands for staff, run as `flask --app app <group> <command>`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ivr.config import Settings
from ivr.content.loader import load_line
from ivr.content.model import Line
from ivr.content.staff_file import ContentError
from ivr.sms.measure import TARGET_GRADE, every_text
from ivr.sms.replies import Policy

content_cli = click.Group("content", help="Check the words of the line (content/ and prompts/).")


@content_cli.command("check")
def check() -> None:
    """Validate every content and prompt file; list each problem with its file and line."""
    settings = Settings.from_environment()
    try:
        line = load_line(settings.content_dir, settings.prompts_dir)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s) found. Nothing on the line has changed.", err=True)
        sys.exit(1)
    failed = _report_texts(line, Policy(settings.help_contact, settings.twilio_answers_help))
    if failed:
        click.echo(f"{failed} text(s) would not go out as they should. Nothing on the line has changed.", err=True)
        sys.exit(1)
    topics = sum(len(language.topics) for language in line.languages.values())
    click.echo(f"OK: {len(line.languages)} language(s), {len(line.flow.menus)} menus, {topics} topic files.")


def _report_texts(line: Line, policy: Policy) -> int:
    """Print every text as it will be sent, with its measurements; return how many have problems."""
    failed = 0
    for text in every_text(line, policy):
        click.echo(text.summary())
        for problem in text.problems:
            click.echo(f"  ERROR: {problem}", err=True)
        if text.grade is not None and text.grade > TARGET_GRADE:
            click.echo(f"  warning: reading grade {text.grade:.1f} is above {TARGET_GRADE:.0f}; use shorter words and sentences")
        failed += bool(text.problems)
    return failed
