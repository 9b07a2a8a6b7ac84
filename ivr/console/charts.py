"""Bar charts as SVG, drawn on the server from numbers: no script, no CDN, nothing told by colour alone.

Pure: data in, markup out. The SVG is built with ElementTree, which escapes every label (a place name is
staff's text), so no text reaches the page unescaped. Every bar carries its value as text beside it,
each series has its own fill pattern named in a legend, and the chart is one image (role="img") named
by its title: the table beside it on the page is the primary accessible source of the same numbers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup

INK = "#1a1a1a"  # labels: 17:1 on white
BAR = "#1f4e8c"  # bars and patterns: 8.6:1 on white (WCAG 1.4.11 asks 3:1)
WIDTH = 640
BAR_SPACE = 500  # the longest bar; values are written after each bar
BAR_HEIGHT = 14
LABEL_HEIGHT = 18
GROUP_GAP = 10
PATTERNS = ("solid", "stripes", "dots", "checks")  # one per series, in order


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]  # one per category


def bar_chart(chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series]) -> Markup:
    """Horizontal bars: each category's label, then one bar per series with its value written after it."""
    if len(series) > len(PATTERNS) or any(len(one.values) != len(categories) for one in series):
        raise ValueError("a chart needs one value per category in each of at most four series")
    legend_height = LABEL_HEIGHT + 6 if len(series) > 1 else 0
    group_height = LABEL_HEIGHT + BAR_HEIGHT * len(series) + GROUP_GAP
    height = legend_height + group_height * max(len(categories), 1) + 4
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "role": "img", "width": str(WIDTH),
                             "height": str(height), "viewBox": f"0 0 {WIDTH} {height}", "class": "chart",
                             "aria-labelledby": f"{chart_id}-title"})
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = f"{title} (the numbers are in the table)"
    _patterns(ET.SubElement(svg, "defs"), chart_id, len(series))
    if len(series) > 1:
        _legend(svg, chart_id, series)
    largest = max((value for one in series for value in one.values), default=0) or 1
    if not categories:
        _text(svg, 0, legend_height + LABEL_HEIGHT - 4, "Nothing counted in this period.")
    for index, category in enumerate(categories):
        top = legend_height + index * group_height
        _text(svg, 0, top + LABEL_HEIGHT - 5, category)
        for number, one in enumerate(series):
            y = top + LABEL_HEIGHT + number * BAR_HEIGHT
            value = one.values[index]
            length = round(BAR_SPACE * value / largest)
            if length:
                ET.SubElement(svg, "rect", {"x": "0", "y": str(y + 1), "width": str(length),
                                            "height": str(BAR_HEIGHT - 3), "fill": _fill(chart_id, number),
                                            "stroke": BAR, "stroke-width": "1"})
            label = f"{value} {one.name}" if len(series) > 1 else str(value)
            _text(svg, length + 6, y + BAR_HEIGHT - 3, label, size=11)
    return Markup(ET.tostring(svg, encoding="unicode"))


def _text(parent: ET.Element, x: int, y: int, words: str, size: int = 13) -> None:
    ET.SubElement(parent, "text", {"x": str(x), "y": str(y), "fill": INK, "font-size": str(size)}).text = words


def _fill(chart_id: str, number: int) -> str:
    return BAR if PATTERNS[number] == "solid" else f"url(#{chart_id}-{PATTERNS[number]})"


def _patterns(defs: ET.Element, chart_id: str, count: int) -> None:
    """Stripes, dots and checks in the bar colour on white: series differ by shape, not by colour."""
    shapes = {
        "stripes": [("path", {"d": "M0,6 L6,0", "stroke": BAR, "stroke-width": "2"})],
        "dots": [("circle", {"cx": "3", "cy": "3", "r": "1.6", "fill": BAR})],
        "checks": [("rect", {"x": "0", "y": "0", "width": "3", "height": "3", "fill": BAR}),
                   ("rect", {"x": "3", "y": "3", "width": "3", "height": "3", "fill": BAR})],
    }
    for name in PATTERNS[1:count]:
        pattern = ET.SubElement(defs, "pattern", {"id": f"{chart_id}-{name}", "width": "6", "height": "6",
                                                  "patternUnits": "userSpaceOnUse"})
        ET.SubElement(pattern, "rect", {"width": "6", "height": "6", "fill": "#ffffff"})
        for tag, attributes in shapes[name]:
            ET.SubElement(pattern, tag, attributes)


def _legend(svg: ET.Element, chart_id: str, series: Sequence[Series]) -> None:
    x = 0
    for number, one in enumerate(series):
        ET.SubElement(svg, "rect", {"x": str(x), "y": "2", "width": "14", "height": "12",
                                    "fill": _fill(chart_id, number), "stroke": BAR})
        _text(svg, x + 20, 13, one.name, size=12)
        x += 40 + 8 * len(one.name)
