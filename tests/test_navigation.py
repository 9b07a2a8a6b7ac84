"""Where each choice leads in each place of the call, from a table next to this test: the call flow without HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.content.model import NAVIGATION_ACTIONS, Line
from ivr.voice.choosing import ACTIONS, Choice, from_meaning
from ivr.voice.navigation import Step, after_language, next_step

COLUMNS = 9
ROWS = [(row.split("\t") + [""] * COLUMNS)[:COLUMNS]  # trailing empty columns may be left off
        for row in (Path(__file__).parent / "cases" / "voice_navigation.tsv").read_text().splitlines()
        if row and not row.startswith("#")]
UNNAMED_KINDS = ("nothing", "wrong", "declined")  # kinds no URL names, so from_meaning does not read them


def _choice(line: Line, meaning: str) -> Choice:
    if meaning in UNNAMED_KINDS:
        return Choice(meaning)  # type: ignore[arg-type]  # one of UNNAMED_KINDS
    kind, _, asked = meaning.partition(":")
    choice = Choice("confirm", unsure=from_meaning(line.language("en"), asked)) if kind == "confirm" else \
        from_meaning(line.language("en"), meaning)
    assert choice is not None and (choice.kind != "confirm" or choice.unsure), f"the table names no choice: {meaning}"
    return choice


def _page(step: Step) -> str:
    """'choices main attempt=2 reason=wrong': the page, its topic, its other arguments (the language left out)."""
    described = [step.page]
    for name, value in step.arguments.items():
        if name == "topic_id":
            described.append(value)
        elif name != "language":
            described.append(f"{name}={value.meaning if isinstance(value, Choice) else value}")
    return " ".join(described)


@pytest.mark.parametrize("where,part,meaning,attempt,page,notice,effect,events,call_place", ROWS,
                         ids=["|".join(row[:4]) for row in ROWS])
def test_each_choice_leads_where_the_table_says(line, where, part, meaning, attempt, page, notice, effect, events,
                                                call_place):
    if where == "language":
        chosen = line.languages.get(meaning)
        step = after_language(line, chosen, meaning != "nothing", int(attempt or 1))
        spoken_in = chosen
    else:
        spoken_in = line.language("en")
        step = next_step(line, spoken_in, where, int(part) if part else None, _choice(line, meaning), int(attempt or 1))
    assert _page(step) == page
    assert step.arguments.get("language", spoken_in) is spoken_in
    assert (step.notice or "", step.effect or "") == (notice, effect)
    assert ",".join(f"{event.name}:{event.language}:{event.place}" for event in step.events) == events
    assert (":".join(step.call_place) if step.call_place else "") == call_place


def test_every_kind_of_choice_has_a_row_in_menus_sections_and_parts():
    kinds = {"topic", *ACTIONS, "confirm", *UNNAMED_KINDS}
    menus = ("main", "find-ot")
    in_menus = {row[2].partition(":")[0] for row in ROWS if row[0] in menus}
    in_sections = {row[2].partition(":")[0] for row in ROWS if row[0] not in (*menus, "language") and not row[1]}
    in_parts = {row[2].partition(":")[0] for row in ROWS if row[1]}
    assert in_menus == kinds and in_sections == kinds
    assert in_parts == kinds - {"declined"}  # a part never asks "did you say", so "no" there is just wrong


def test_the_typed_actions_are_the_content_models_actions_in_its_order():
    assert ACTIONS == NAVIGATION_ACTIONS
