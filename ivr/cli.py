"""Commands for staff, run as `flask --app app <group> <command>`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ivr.config import Settings
from ivr.content.loader import load_line
from ivr.content.readability import spanish_reading_notes
from ivr.content.staff_file import ContentError

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
    topics = sum(len(language.topics) for language in line.languages.values())
    click.echo(f"OK: {len(line.languages)} language(s), {len(line.flow.menus)} menus, {topics} topic files.")
    for note in spanish_reading_notes(line):  # advice only: the check still passes
        click.echo(f"note: {note}")
