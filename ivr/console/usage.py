"""The Usage page: what families ask for and where callers get lost, as charts with their numbers in tables.

The counts are the ones `flask --app app stats` reads (UsageStore), summed by the same function
(ivr/report.py summarise). They hold no number, text or call id, so nothing on this page can name anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Mapping, Sequence

from flask import render_template, request
from markupsafe import Markup

from ivr.console.accounts import requires
from ivr.console.blueprint import console
from ivr.console.charts import Series, bar_chart
from ivr.content.model import Line
from ivr.report import LOST_EVENTS, PlaceCounts, UsageSummary, summarise
from ivr.services import services

PRESETS = ("7", "30", "90")  # the periods offered, in days back from today (UTC), today included
DEFAULT_PRESET = "30"
BETWEEN = "dates"  # the form's choice for a period from one date to another
LONGEST_DAYS = 366  # a chart of every day stays readable for about a year
LOST_NAMES = {"wrong-key": "wrong keys", "silence": "silences", "out-of-tries": "ran out of tries",
              "hung-up": "hung up"}


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> list[str]:
        return [(self.first + timedelta(days=n)).isoformat() for n in range((self.last - self.first).days + 1)]


def choose_period(form: Mapping[str, str], today: date) -> Period | str:
    """The period the form asks for, or what is wrong with it (said to staff as it is)."""
    choice = form.get("period", DEFAULT_PRESET)
    if choice in PRESETS:
        # the last N days, today included
        return Period(today - timedelta(days=int(choice) - 1), today)
    if choice != BETWEEN:
        # a forged or stale link: name what can be chosen
        return "Choose the last 7, 30 or 90 days, or “between two dates”."
    try:
        first, last = date.fromisoformat(form.get("from", "")), date.fromisoformat(form.get("to", ""))
    except ValueError:
        # a missing or malformed date (browsers without a date picker send what was typed)
        return "Give both dates as year-month-day, for example 2026-11-01."
    if first > last:
        # the dates the wrong way round
        return "The first date must not be after the second."
    if last > today:
        # the future has no counts
        return f"The second date must not be after today ({today.isoformat()}, UTC)."
    if (last - first).days + 1 > LONGEST_DAYS:
        # a chart of every day is unreadable past a year
        return f"Choose at most {LONGEST_DAYS} days."
    # two good dates
    return Period(first, last)


@dataclass(frozen=True)
class Chart:
    """One chart and the same numbers as a table: `rows` are the category and one number per series."""

    id: str
    title: str
    category: str  # the table's first column heading
    series: tuple[str, ...]
    rows: list[tuple[str, ...]]

    @property
    def svg(self) -> Markup:
        categories = [row[0] for row in self.rows]
        values = [Series(name, tuple(int(row[1 + n]) for row in self.rows)) for n, name in enumerate(self.series)]
        return bar_chart(self.id, self.title, categories, values)


def charts(line: Line, summary: UsageSummary, period: Period) -> list[Chart]:
    """The page's charts, in the order staff read them: how much, in which language, what, where lost."""
    languages = sorted({code for _, code in summary.languages})
    names = {code: line.languages[code].name if code in line.languages else code for code in languages}
    sections = [row for row in summary.asked if row.counts["opened"] or row.counts["finished"]]
    texted = [row for row in summary.asked if row.counts["texted"]]
    return [
        Chart("per-day", "Calls and texts per day", "Day (UTC)", ("calls", "texts"),
              [(day, str(summary.by_day[day]["calls"]), str(summary.by_day[day]["texts"])) for day in period.days]),
        Chart("languages", "Languages", "Language", ("calls", "texts"),
              [(f"{names[code]} ({code})", str(summary.languages[("call", code)]),
                str(summary.languages[("text", code)])) for code in languages]),
        Chart("sections", "Sections opened and heard to the end", "Section", ("opened", "heard to the end"),
              _rows(sections, ("opened", "finished"))),
        Chart("keywords", "What texts asked for", "Keyword or meaning", ("texts",), _rows(texted, ("texted",))),
        Chart("lost", "Where callers get lost", "Menu or section", tuple(LOST_NAMES[name] for name in LOST_EVENTS),
              _rows(summary.lost, LOST_EVENTS)),
    ]


def _rows(places: Sequence[PlaceCounts], names: Sequence[str]) -> list[tuple[str, ...]]:
    return [(row.title, *(str(row.counts[name]) for name in names)) for row in places]


@console.route("/usage")
@requires("editor")
def usage() -> tuple[str, int]:
    found = services()
    store = found.usage.store
    period = choose_period(request.args, store.today())
    if isinstance(period, str):
        return render_template("console/usage.html", problem=period, form=request.args), 400
    summary = summarise(found.line, store.counts_between(period.first, period.last))  # a store down: guard's 503
    return render_template("console/usage.html", form=request.args, period=period, summary=summary,
                           charts=charts(found.line, summary, period)), 200
