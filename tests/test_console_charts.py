"""The server-drawn charts: every value as text, labels escaped, one image named by its title, series by shape."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ivr.console.charts import PATTERNS, Series, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def texts(markup: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(markup).iter(f"{SVG}text")]


def test_every_value_and_category_is_written_as_text():
    chart = bar_chart("days", "Calls and texts per day", ["2026-11-27", "2026-11-28"],
                      [Series("calls", (3, 0)), Series("texts", (12, 7))])
    written = texts(chart)
    assert {"2026-11-27", "2026-11-28", "3 calls", "0 calls", "12 texts", "7 texts"} <= set(written)
    assert written[:2] == ["calls", "texts"]  # the legend names each series


def test_a_single_series_writes_bare_values_and_no_legend():
    written = texts(bar_chart("kw", "Keywords", ["help", "more"], [Series("texts", (5, 41))]))
    assert written == ["help", "5", "more", "41"]


def test_the_chart_is_one_image_named_by_its_title():
    root = ET.fromstring(bar_chart("lost", "Where callers get lost", ["main"], [Series("wrong keys", (2,))]))
    title = root.find(f"{SVG}title")
    assert root.get("role") == "img" and title is not None
    assert root.get("aria-labelledby") == title.get("id") == "lost-title"
    assert title.text.startswith("Where callers get lost")


def test_bars_are_as_long_as_their_values_and_zero_draws_none():
    root = ET.fromstring(bar_chart("c", "t", ["a", "b", "c"], [Series("n", (10, 5, 0))]))
    widths = [int(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert len(widths) == 2 and widths[0] == 2 * widths[1]


def test_series_differ_by_pattern_not_colour_alone():
    series = [Series(name, (1,)) for name in ("wrong keys", "silences", "out of tries", "hung up")]
    root = ET.fromstring(bar_chart("lost", "t", ["main"], series))
    fills = [rect.get("fill") for rect in root.findall(f"{SVG}rect")]
    assert len(set(fills[:4])) == 4  # the legend's swatches
    assert {pattern.get("id") for pattern in root.iter(f"{SVG}pattern")} == {f"lost-{name}" for name in PATTERNS[1:]}


def test_staff_text_in_a_label_is_escaped_not_markup():
    chart = bar_chart("c", "<b>title</b>", ['<script>alert("x")</script>'], [Series("n&m", (1,))])
    assert "<script>" not in chart and "&lt;script&gt;" in chart and "<b>" not in chart
    assert texts(chart)[0] == '<script>alert("x")</script>'


def test_an_empty_period_says_so():
    assert "Nothing counted in this period." in texts(bar_chart("c", "t", [], [Series("n", ())]))


def test_mismatched_data_is_refused():
    with pytest.raises(ValueError):
        bar_chart("c", "t", ["a"], [Series("n", (1, 2))])
