"""How usage counts add up, from a table next to this test: one summing for the stats report and the console."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.report import UsageSummary, summarise
from ivr.store.usage import Count, Event

ROWS = [line.split("\t") for line in (Path(__file__).parent / "cases" / "usage_summary.tsv").read_text().splitlines()
        if line and not line.startswith("#")]


def _none(value: str) -> str:
    return "" if value == "-" else value


def parse_counts(text: str) -> list[Count]:
    """'2026-11-27 voice hung-up en main (after 3 tries) 1' -> a Count (the place may hold spaces)."""
    counts = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        day, channel, name, language, *place, count = item.split()
        counts.append(Count(day, Event(channel, name, _none(language), _none(" ".join(place))), int(count)))
    return counts


def observed(summary: UsageSummary, what: str) -> str:
    """The summary's value that the table's 'what' names, as text."""
    kind, *rest = what.split()
    rows = {"asked": summary.asked, "lost": summary.lost}
    if kind == "by-day":
        return str(summary.by_day[rest[0]][rest[1]])
    if kind == "languages":
        return str(summary.languages[(rest[0], _none(rest[1]))])
    if kind == "total":
        return str(summary.totals[(rest[0], rest[1])])
    if kind in rows:
        place, name = " ".join(rest[:-1]), rest[-1]
        return str(next(row for row in rows[kind] if row.place == place).counts[name])
    if kind in ("asked-order", "lost-order"):
        return ",".join(row.place for row in rows[kind.removesuffix("-order")])
    return str(getattr(summary, kind.replace("-", "_")))


@pytest.mark.parametrize("case,counts,expected", ROWS, ids=[row[0] for row in ROWS])
def test_counts_add_up_as_the_table_says(line, case, counts, expected):
    summary = summarise(line, parse_counts(counts))
    for item in filter(None, (part.strip() for part in expected.split(";"))):
        what, _, value = (part.strip() for part in item.partition("="))
        assert observed(summary, what) == value, f"{case}: {what}"


def test_places_are_titled_in_the_first_language_with_their_id(line):
    summary = summarise(line, parse_counts("2026-11-27 voice hung-up en key-points (after 3 tries) 1;"
                                           "2026-11-27 voice opened en key-points 1"))
    title = line.default_language.topics["key-points"].title
    assert summary.lost[0].title == f"{title} (key-points (after 3 tries))"
    assert summary.asked[0].title == f"{title} (key-points)"
