"""The diff staff read in the console: `content diff`'s lines (document.py staff_diff) shaped for a page.

The console does not diff on its own: it reads the very lines the command prints and only gives each one
a kind, so a template can mark additions and removals with words, symbols and <ins>/<del>, not colour alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ivr.publishing.document import Files, staff_diff

ADDED, REMOVED, SAME, PLACE = "added", "removed", "same", "place"
_FILE = re.compile(r"^=== (?P<label>.*) \((?P<change>added|removed|changed)\)$")
_HUNK = re.compile(r"^@@ -(?P<before>\d+)(?:,\d+)? \+(?P<after>\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # ADDED, REMOVED, SAME (context), or PLACE (where the next lines are)
    text: str
    before: int | None = None  # PLACE: the line number in the old file where this part starts
    after: int | None = None  # PLACE: and in the new file


@dataclass(frozen=True)
class FileChange:
    label: str  # how staff name the file: 'en / topics/key-points.txt'
    change: str  # 'added', 'removed' or 'changed'
    lines: tuple[DiffLine, ...]

    @property
    def added(self) -> int:
        return sum(line.kind == ADDED for line in self.lines)

    @property
    def removed(self) -> int:
        return sum(line.kind == REMOVED for line in self.lines)


def file_changes(old: Files, new: Files) -> list[FileChange]:
    """What `new` changes from `old`, file by file, exactly as `content diff` says it."""
    return read_diff(staff_diff(old, new))


def read_diff(lines: Iterable[str]) -> list[FileChange]:
    """Group staff_diff's lines by file, each line with its kind (the file headers '---'/'+++' dropped)."""
    changes: list[FileChange] = []
    body: list[DiffLine] = []
    label, change, headers = "", "", 0
    for line in lines:
        heading = _FILE.match(line)
        if heading:  # a new file starts; its next two lines are unified diff's own headers
            if label:
                changes.append(FileChange(label, change, tuple(body)))
            label, change, body, headers = heading["label"], heading["change"], [], 2
        elif headers and line.startswith(("--- ", "+++ ")):  # '--- label (before)', '+++ label (after)'
            headers -= 1
        else:
            headers = 0
            body.append(_diff_line(line))
    if label:
        changes.append(FileChange(label, change, tuple(body)))
    return changes


def _diff_line(line: str) -> DiffLine:
    place = _HUNK.match(line)
    if place:  # '@@ -3,7 +3,8 @@': read as 'from line 3 (before), line 3 (after)'
        return DiffLine(PLACE, line, int(place["before"]), int(place["after"]))
    if line.startswith("+"):
        return DiffLine(ADDED, line[1:])
    if line.startswith("-"):
        return DiffLine(REMOVED, line[1:])
    return DiffLine(SAME, line[1:])  # context lines start with one space
