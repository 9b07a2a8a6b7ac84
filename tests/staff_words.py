"""What staff do to a copy of the line's words (the `words` fixture) in the tests: edit a file, run `content check`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from ivr.cli import content_cli


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in one staff file; `old` must be there, or the test no longer matches the content."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer says {old!r}; update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def content_check(words: Path, *args: str, **env: str) -> Result:
    """`flask ... content check` (a plugin command: it reads the files itself) on the copy."""
    return CliRunner().invoke(content_cli, ["check", *args],
                              env={"CONTENT_DIR": str(words / "content"), "PROMPTS_DIR": str(words / "prompts"), **env})
