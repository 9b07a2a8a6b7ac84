"""Who may move a revision where, from a table next to this test (tests/cases/revision_steps.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.publishing.rules import ACTIONS, STATES, decide

ROWS = [line.split("\t") for line in (Path(__file__).parent / "cases" / "revision_steps.tsv").read_text().splitlines()
        if line and not line.startswith("#")]


@pytest.mark.parametrize("state,action,actor,author,flags,expected", ROWS, ids=["|".join(row) for row in ROWS])
def test_a_step_does_what_the_table_says(state, action, actor, author, flags, expected):
    named = dict(flag.partition("=")[::2] for flag in flags.split(",") if flag)
    assert set(named) <= {"self-approve", "missing-audio", "allow-missing-audio"}, f"unknown flag in {flags}"
    step = decide(state, action, actor, author, "self-approve" in named, int(named.get("missing-audio") or 0),
                  "allow-missing-audio" in named)
    if expected.startswith("refused: "):
        assert step.state is None and expected.removeprefix("refused: ") in step.reason, step
    else:
        assert step.state == expected, step
        assert step.reason


def test_the_table_covers_every_state_and_action():
    assert {row[0] for row in ROWS} == set(STATES)
    assert set(ACTIONS) <= {row[1] for row in ROWS}


def test_a_self_approval_says_so():
    assert "self-approved" in decide("in_review", "approve", "ana", "ana", self_approve=True).reason
