"""Opt-outs made elsewhere, brought in; and counts of opt-outs for compliance audits.

`flask --app app optouts import FILE` reads numbers that opted out elsewhere (Twilio's Advanced Opt-Out
export, any CSV with a phone number column, or one number a line), hashes each with the line's key as it
is read, and records the opt-out: the file's numbers are never stored or printed. `optouts export` prints
counts by day and source, never a number or a hash.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import click
from flask.cli import with_appcontext

from ivr.services import services
from ivr.store.database import StoreUnavailable
from ivr.store.numbers import E164

NUMBER_COLUMNS = ("phone_number", "phone number", "phonenumber", "number")  # headers, compared without case
NANP = re.compile(r"1?([2-9][0-9]{2}[2-9][0-9]{6})")  # a North American number written without +1
SEPARATORS = re.compile(r"[\s().\-]")
SOURCES = ("text", "import")


@dataclass(frozen=True)
class OptOutList:
    """The numbers read (E.164, duplicates kept once) and a "file:line: why" for each line refused."""

    numbers: tuple[str, ...]
    problems: tuple[str, ...]


def e164(written: str) -> str | None:
    """A number as Twilio writes it (+15005550006), or None when it is not a phone number."""
    compact = SEPARATORS.sub("", written.strip().strip('"'))
    if E164.fullmatch(compact):
        return compact
    nanp = NANP.fullmatch(compact)
    return f"+1{nanp.group(1)}" if nanp else None


def read_opt_out_list(text: str, name: str) -> OptOutList:
    """Numbers from a CSV with a number column (found by its header) or from one number a line."""
    rows = list(csv.reader(io.StringIO(text)))
    headers = [cell.strip().lower() for cell in rows[0]] if rows else []
    column = next((headers.index(header) for header in NUMBER_COLUMNS if header in headers), None)
    first = 1 if column is not None else 0
    if column is None and rows and len(rows[0]) > 1:
        return OptOutList((), (f"{name}:1: no column named {', '.join(NUMBER_COLUMNS)}; which one holds the numbers?",))
    numbers: dict[str, None] = {}
    problems: list[str] = []
    for line, row in enumerate(rows[first:], start=first + 1):
        if not any(cell.strip() for cell in row):  # a blank line
            continue
        cell = row[column or 0] if len(row) > (column or 0) else ""
        number = e164(cell)
        if number is None:  # the value itself is not repeated: it may be someone's number, mistyped
            problems.append(f"{name}:{line}: not a phone number (E.164, like +15005550006, or 10 digits for +1)")
        else:
            numbers[number] = None
    return OptOutList(tuple(numbers), tuple(problems))


def audit_lines(by_day: list[tuple[int | None, str | None, int]]) -> list[str]:
    """CSV lines: the numbers opted out now, per UTC day and source, then the totals."""
    lines = ["day,source,opted_out"]
    totals = {source: 0 for source in SOURCES}
    for day, source, count in by_day:
        shown_day = (date(1970, 1, 1) + timedelta(days=day)).isoformat() if day is not None else "before-dates"
        lines.append(f"{shown_day},{source or 'unknown'},{count}")
        totals[source or "unknown"] = totals.get(source or "unknown", 0) + count
    lines.extend(f"total,{source},{count}" for source, count in totals.items())
    lines.append(f"total,all,{sum(totals.values())}")
    return lines


optouts_cli = click.Group("optouts", help="Opt-outs: bring in a list from elsewhere; counts for audits.")


@optouts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_opt_outs(file: Path) -> None:
    """Opt out every number in FILE (CSV with a phone_number column, or one number a line)."""
    found = read_opt_out_list(file.read_text(encoding="utf-8-sig", errors="replace"), str(file))
    for problem in found.problems:
        click.echo(problem, err=True)
    texts = services().texts
    now = int(time.time())
    try:
        for number in found.numbers:
            texts.store.opt_out(texts.hasher(number), now, "import")
    except StoreUnavailable as error:
        raise click.ClickException(f"the database is unavailable ({error}); run the import again") from error
    click.echo(f"opted out {len(found.numbers)} number(s) from {file}; {len(found.problems)} line(s) refused")
    if found.problems:
        raise SystemExit(1)


@optouts_cli.command("export")
@with_appcontext
def export_opt_outs() -> None:
    """Print how many numbers are opted out, per day and source (text or import): no numbers, no hashes."""
    try:
        by_day = services().texts.store.opt_outs_by_day()
    except StoreUnavailable as error:
        raise click.ClickException(f"the database is unavailable ({error}); try again when it is back") from error
    click.echo("\n".join(audit_lines(by_day)))
