"""The plain-text format staff edit, parsed with the line number of everything.

A staff file has optional fields at the top, then named blocks of paragraphs:

    # A comment line.
    title: what O T is
    speech: what is O T | occupational therapy

    [voice]
    First part, one paragraph. It may wrap
    over several lines.

    Second part.

Paragraphs are separated by blank lines; a paragraph keeps its line breaks (a text message may
want them; the voice line joins them with spaces).
Every value keeps the line it came from, so a problem found later can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Protocol

_FIELD = re.compile(r"^([A-Za-z][\w.\-]*(?:\.[*#])?)\s*:\s*(.*)$")
_BLOCK = re.compile(r"^\[\s*([^\]\s]+)\s*\]\s*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a staff file, worded for the person who edits it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found, so staff can fix them all in one go."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Value:
    """A piece of text and the line it starts on."""

    text: str
    line: int


@dataclass(frozen=True)
class Block:
    name: str
    line: int
    paragraphs: tuple[Value, ...]


@dataclass(frozen=True)
class StaffFile:
    path: str
    fields: dict[str, Value]
    blocks: dict[str, Block]
    problems: list[Problem] = field(default_factory=list, compare=False, repr=False)  # where report() adds

    def report(self, line: int, message: str) -> None:
        """Note a problem at this line of this file (with the others of the same load)."""
        self.problems.append(Problem(self.path, line, message))


def parse_staff_text(text: str, path: str, problems: list[Problem]) -> StaffFile:
    """Parse one file's text; problems are appended, never raised, so all are reported."""
    fields: dict[str, Value] = {}
    blocks: dict[str, Block] = {}
    current: str | None = None
    current_line = 0
    paragraphs: list[Value] = []
    pending: list[str] = []
    pending_line = 0

    def end_paragraph() -> None:
        nonlocal pending
        if pending:
            paragraphs.append(Value("\n".join(pending), pending_line))
            pending = []

    def end_block() -> None:
        end_paragraph()
        if current is not None:
            blocks[current] = Block(current, current_line, tuple(paragraphs))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if "\t" in raw or "\x00" in raw:
            problems.append(Problem(path, number, "contains a tab or control character; use spaces"))
        block_match = _BLOCK.match(line)
        if block_match:
            end_block()
            current, current_line, paragraphs = block_match.group(1), number, []
            if current in blocks:
                problems.append(Problem(path, number, f"block [{current}] appears twice"))
            continue
        if current is None:
            if not line:
                continue
            field_match = _FIELD.match(line)
            if not field_match:
                problems.append(Problem(path, number, f"expected 'name: value' or a [block] heading, found {line!r}"))
                continue
            name, value = field_match.group(1).lower(), field_match.group(2).strip()
            if name in fields:
                first = fields[name].line
                problems.append(Problem(path, number, f"field '{name}' appears twice (first on line {first})"))
            fields[name] = Value(value, number)
            continue
        if not line:
            end_paragraph()
        else:
            if not pending:
                pending_line = number
            pending.append(" ".join(line.split()))
    end_block()
    return StaffFile(path, fields, blocks, problems)


def read_staff_file(path: Path, problems: list[Problem], root: Path | None = None) -> StaffFile:
    """Read and parse a file; a file that is not UTF-8 is reported, not raised."""
    shown = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(shown, 1,
                                f"is not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"))
        text = ""
    return parse_staff_text(text, shown, problems)


class StaffFiles(Protocol):
    """Where the loader reads staff files from: the four questions it asks."""

    def read(self, path: Path, problems: list[Problem], root: Path) -> StaffFile: ...

    def is_file(self, path: Path) -> bool: ...

    def is_dir(self, path: Path) -> bool: ...

    def texts(self, folder: Path) -> list[Path]:
        """The .txt files directly in a folder, sorted."""


class DiskFiles:
    """Staff files as they are on disk: what `content check` and a line without a database read."""

    def read(self, path: Path, problems: list[Problem], root: Path) -> StaffFile:
        return read_staff_file(path, problems, root)

    def is_file(self, path: Path) -> bool:
        return path.is_file()

    def is_dir(self, path: Path) -> bool:
        return path.is_dir()

    def texts(self, folder: Path) -> list[Path]:
        return sorted(folder.glob("*.txt"))


ON_DISK = DiskFiles()  # it holds nothing, so one serves every load


class MemoryFiles:
    """Staff files held in memory by relative path ("content/flow.txt"), as a stored revision keeps them.

    The loader reads them through the same four questions as files on disk, so a revision is
    validated by exactly the code that validates the folders.
    """

    def __init__(self, texts: Mapping[str, str]):
        self._texts = texts
        self._folders = {Path(name).parent.as_posix() for name in texts}

    def read(self, path: Path, problems: list[Problem], root: Path) -> StaffFile:
        return parse_staff_text(self._texts[path.as_posix()], path.as_posix(), problems)

    def is_file(self, path: Path) -> bool:
        return path.as_posix() in self._texts

    def is_dir(self, path: Path) -> bool:
        return path.as_posix() in self._folders

    def texts(self, folder: Path) -> list[Path]:
        return sorted(Path(name) for name in self._texts
                      if Path(name).parent == folder and name.endswith(".txt"))


class StaffReader:
    """Reads the staff files of one load and keeps every problem found in them, each with its file and line.

    The checks of each file report to it (`report`, or `StaffFile.report` for a line of a file read by it),
    so no problems list is handed down from function to function.
    """

    def __init__(self, files: StaffFiles, root: Path):
        self.files = files
        self.root = root
        self.problems: list[Problem] = []

    def read(self, path: Path) -> StaffFile:
        return self.files.read(path, self.problems, self.root)

    def read_quietly(self, path: Path) -> StaffFile:
        """A file read again for one more check: its parse problems were reported at its first reading."""
        return replace(self.files.read(path, [], self.root), problems=self.problems)

    def report(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def shown(self, path: Path) -> str:
        """A path as problems name it: relative to the project's root when it is inside it."""
        return str(path.relative_to(self.root) if path.is_relative_to(self.root) else path)


def split_list(value: Value, separator: str) -> tuple[str, ...]:
    """Split a field like 'a | b | c' into its non-empty items."""
    return tuple(item.strip() for item in value.text.split(separator) if item.strip())
