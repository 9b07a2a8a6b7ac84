"""The console's Revisions page: the diff staff read, the list, the actions and their refusals, the audit trail."""

from __future__ import annotations

from ivr.console.diff_view import ADDED, PLACE, REMOVED, SAME, DiffLine, file_changes, read_diff
from ivr.publishing.document import staff_diff

LIVE_WORDS = {"content/en/topics/key-points.txt": "One.\nTwo.\nThree.\n", "prompts/es.txt": "[welcome]\nHola.\n",
              "content/flow.txt": "menu main\n"}


def test_the_diff_has_every_line_content_diff_prints_each_with_its_kind():
    new = {**LIVE_WORDS, "content/en/topics/key-points.txt": "One.\n-- Two, said twice.\nThree.\n",
           "prompts/en.txt": "[welcome]\nHello.\n"}
    new.pop("prompts/es.txt")
    changes = file_changes(LIVE_WORDS, new)
    assert [(change.label, change.change) for change in changes] == [
        ("en / prompts", "added"), ("en / topics/key-points.txt", "changed"), ("es / prompts", "removed")]
    key_points = changes[1].lines
    assert key_points == (DiffLine(PLACE, "@@ -1,3 +1,3 @@", 1, 1), DiffLine(SAME, "One."),
                          DiffLine(REMOVED, "Two."), DiffLine(ADDED, "-- Two, said twice."), DiffLine(SAME, "Three."))
    assert (changes[1].added, changes[1].removed) == (1, 1)
    assert [line.text for line in changes[0].lines if line.kind == ADDED] == ["[welcome]", "Hello."]
    assert [line.text for line in changes[2].lines if line.kind == REMOVED] == ["[welcome]", "Hola."]
    printed = [line for line in staff_diff(LIVE_WORDS, new) if not line.startswith(("===", "--- ", "+++ "))]
    assert len(printed) == sum(len(change.lines) for change in changes)  # nothing content diff prints is lost


def test_a_removed_line_that_looks_like_a_file_header_stays_a_removed_line():
    lines = ["=== en / prompts (changed)", "--- en / prompts (before)", "+++ en / prompts (after)",
             "@@ -1,2 +1,1 @@", "--- a dash line", "+++ a plus line", " same"]
    (change,) = read_diff(lines)
    assert [line.kind for line in change.lines] == [PLACE, REMOVED, ADDED, SAME]
    assert change.lines[1].text == "-- a dash line" and change.lines[2].text == "++ a plus line"


def test_the_same_words_have_no_changes():
    assert file_changes(LIVE_WORDS, dict(LIVE_WORDS)) == []
