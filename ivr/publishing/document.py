"""A revision's words: every staff file of content/ and prompts/ as one canonical document.

The document maps each file's path ("content/en/topics/key-points.txt", "prompts/es.txt") to its exact
text, so import then export gives the files back byte for byte, READMEs and trailing newlines included.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Mapping

from ivr.content.loader import load_line
from ivr.content.model import Line
from ivr.content.staff_file import ContentError, MemoryFiles, Problem

CONTENT, PROMPTS = "content", "prompts"
Files = Mapping[str, str]  # relative path -> exact text


def read_folders(content_dir: Path, prompts_dir: Path) -> dict[str, str]:
    """Every file under the two folders (hidden ones such as .DS_Store aside); ContentError if one is not UTF-8."""
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for name, folder in ((CONTENT, content_dir), (PROMPTS, prompts_dir)):
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            shown = f"{name}/{relative.as_posix()}"
            try:
                files[shown] = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as error:
                problems.append(Problem(shown, 1, f"is not UTF-8 text ({error.reason} at byte {error.start}); "
                                                  "save it as UTF-8"))
    if problems:
        raise ContentError(problems)
    return files


def write_folders(files: Files, directory: Path) -> list[Path]:
    """Write the files under directory/content and directory/prompts, exactly; return what was written."""
    written = []
    for name, text in sorted(files.items()):
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def strangers(files: Files, directory: Path) -> list[str]:
    """Files already in directory's content/ and prompts/ that the document does not have.

    Export refuses to mix them in: the folders it leaves must be exactly the revision.
    """
    found = read_names(directory / CONTENT, CONTENT) + read_names(directory / PROMPTS, PROMPTS)
    return [name for name in found if name not in files]


def read_names(folder: Path, prefix: str) -> list[str]:
    return sorted(f"{prefix}/{path.relative_to(folder).as_posix()}" for path in folder.rglob("*") if path.is_file())


def encode(files: Files) -> str:
    """The canonical text of a document: the same files always give the same text (and digest)."""
    return json.dumps({"files": dict(sorted(files.items()))}, ensure_ascii=False, sort_keys=True, indent=0)


def decode(document: str) -> dict[str, str]:
    return dict(json.loads(document)["files"])


def digest(files: Files) -> str:
    return hashlib.sha256(encode(files).encode("utf-8")).hexdigest()


def load_document(files: Files) -> Line:
    """The line a document describes, validated by the same loader as the folders (ContentError if broken)."""
    return load_line(Path(CONTENT), Path(PROMPTS), MemoryFiles(files))


def staff_label(name: str) -> str:
    """How staff name a file: 'en / topics/key-points.txt', 'es / prompts', 'all languages / flow.txt'."""
    parts = name.split("/")
    if parts[0] == PROMPTS and len(parts) == 2 and parts[1].endswith(".txt"):
        return f"{parts[1][:-4]} / prompts"
    if parts[0] == CONTENT and len(parts) > 2:
        return f"{parts[1]} / {'/'.join(parts[2:])}"
    return f"all languages / {'/'.join(parts[1:])}"


def staff_time(seconds: int) -> str:
    """A stored time as staff read it in the history and the console: to the minute, in UTC (instances may sit
    anywhere)."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def staff_diff(old: Files, new: Files) -> Iterator[str]:
    """A unified diff per changed file, headed the way staff name the file, ordered by language then file."""
    changed = [name for name in set(old) | set(new) if old.get(name) != new.get(name)]
    for name in sorted(changed, key=staff_label):
        label = staff_label(name)
        before, after = old.get(name), new.get(name)
        yield f"=== {label} ({'added' if before is None else 'removed' if after is None else 'changed'})"
        yield from difflib.unified_diff((before or "").splitlines(), (after or "").splitlines(),
                                        f"{label} (before)", f"{label} (after)", lineterm="")
