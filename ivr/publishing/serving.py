"""Which words the line serves: the live revision from the store, or the folders when there is no store."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path

from ivr.content.loader import load_line
from ivr.content.model import Line
from ivr.content.staff_file import ContentError
from ivr.publishing.document import Files, load_document, read_folders
from ivr.publishing.rules import RETIRED
from ivr.publishing.store import Revisions
from ivr.sms.measure import every_text
from ivr.sms.replies import Policy
from ivr.store.database import StoreUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Served:
    """The line in memory and the revision it is (None: read from the folders, the store being down)."""

    line: Line
    revision: int | None


def check_document(files: Files, policy: Policy) -> list[str]:
    """Every problem `content check` would fail on, as lines for staff: file:line first, then texts."""
    try:
        line = load_document(files)
    except ContentError as error:
        return [str(problem) for problem in error.problems]
    return [f"{text.where}: {problem}" for text in every_text(line, policy) for problem in text.problems]


def serve(revisions: Revisions, content_dir: Path, prompts_dir: Path) -> Served:
    """The live revision; on a new database the folders become revision 1, live, so a first start is as before.

    The folders are always read and checked against the live revision, so they cannot drift from it unnoticed.
    """
    try:
        live = revisions.live()
        if live is None:
            line = load_line(content_dir, prompts_dir)  # refuses a broken folder exactly as before revisions
            number = revisions.start(read_folders(content_dir, prompts_dir), f"app start on {socket.gethostname()}")
            return Served(line, number)
    except StoreUnavailable as error:
        log.warning("the database is unavailable (%s): serving the words in %s and %s, which may not be the live "
                    "revision", error, content_dir, prompts_dir)
        return Served(load_line(content_dir, prompts_dir), None)
    revision, files = live
    warn_about_drift(revision.number, files, content_dir, prompts_dir)
    try:
        return Served(load_document(files), revision.number)
    except ContentError as error:  # e.g. a check this version of the line added: callers must still be answered
        log.error("live revision %d does not pass this version's checks, so the line serves the words in %s and "
                  "%s until one that does is published: %s", revision.number, content_dir, prompts_dir, error)
        return Served(load_line(content_dir, prompts_dir), None)


def warn_about_drift(number: int, live: Files, content_dir: Path, prompts_dir: Path) -> list[str]:
    """Warn (and return) the files on disk that differ from the live revision: the line serves the revision."""
    try:
        files = read_folders(content_dir, prompts_dir)
    except ContentError as error:
        files, unreadable = {}, [problem.path for problem in error.problems]
    else:
        unreadable = []
    differ = sorted(unreadable + [name for name in set(files) | set(live) if files.get(name) != live.get(name)])
    if differ:
        log.warning("the files in %s and %s differ from live revision %d in %s; the line serves revision %d. "
                    "Import them (content import) for review, or write the live words over them "
                    "(content export %d <folder>)", content_dir, prompts_dir, number, ", ".join(differ), number, number)
    return differ


def lines_in_use(revisions: Revisions) -> list[Line]:
    """The lines whose audio must be kept: the live revision, the one live before it (calls in progress
    finish in it; rollback brings it back), and every one waiting for review or publishing.

    Raises StoreUnavailable when the store cannot say (then nothing may be pruned).
    """
    every = revisions.listing()
    retired = [revision for revision in every if revision.state == RETIRED]
    last_retired = max(retired, key=lambda revision: (revision.published_at or 0, revision.number), default=None)
    lines = []
    for revision in every:
        if revision.state == RETIRED and revision != last_retired:
            continue
        try:
            lines.append(load_document(revisions.files(revision.number)))
        except ContentError:  # a revision this version refuses is not served; it has no audio to keep
            continue
    return lines
