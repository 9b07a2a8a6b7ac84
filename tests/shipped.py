"""The line as shipped (content/ and prompts/), loaded once per run.

Its model is frozen, so every test may share one: the `line` fixture returns it, and the few modules that need it
while pytest collects (to parametrize, or for a Hypothesis state machine) call shipped_line() themselves.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ivr.content.loader import load_line
from ivr.content.model import Line

PROJECT = Path(__file__).resolve().parent.parent


@cache
def shipped_line() -> Line:
    return load_line(PROJECT / "content", PROJECT / "prompts")
