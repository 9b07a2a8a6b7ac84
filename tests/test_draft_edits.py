"""Editing a draft's files in place (Revisions.edit_draft): only a draft, only by its author, always audited.

Each test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (the `database` fixture).
"""

from __future__ import annotations

import threading

import pytest

from ivr.publishing.document import read_folders
from ivr.publishing.store import Refused, Revisions
from ivr.store.database import Database
from tests.conftest import PROJECT
from tests.test_store import database  # noqa: F401  (the fixture: SQLite, and PostgreSQL when configured)

KEY_POINTS = "content/en/topics/key-points.txt"


@pytest.fixture
def revisions(database: Database) -> Revisions:  # noqa: F811
    found = Revisions(database)
    found.start(read_folders(PROJECT / "content", PROJECT / "prompts"), "test")
    return found


def draft_by(revisions: Revisions, author: str) -> int:
    files = revisions.files(1)
    files[KEY_POINTS] += "\nOne more line.\n"
    return revisions.import_draft(files, author, "a draft", "console")


def test_the_author_edits_a_draft_and_the_audit_trail_says_which_file(revisions: Revisions):
    number = draft_by(revisions, "ana")
    before = revisions.get(number).digest
    revisions.edit_draft(number, KEY_POINTS, "title: short\n", "ana", "console")
    assert revisions.files(number)[KEY_POINTS] == "title: short\n"
    assert revisions.get(number).digest != before and revisions.get(number).state == "draft"
    last = revisions.audit()[-1]
    assert (last.actor, last.action, last.revision, last.origin) == ("ana", "edit", number, "console")
    assert last.outcome == f"{KEY_POINTS}: edited"


def test_words_the_loader_refuses_are_kept_in_the_draft(revisions: Revisions):
    number = draft_by(revisions, "ana")
    revisions.edit_draft(number, KEY_POINTS, "no colon here\n[voice]\n", "ana", "console")
    assert revisions.files(number)[KEY_POINTS] == "no colon here\n[voice]\n"


@pytest.mark.parametrize("step,words", [("submit", "only a draft can be edited"),
                                        (None, "ana's draft")], ids=["in review", "another person's draft"])
def test_an_edit_the_rules_refuse_changes_nothing_and_is_audited(revisions: Revisions, step: str | None,
                                                                 words: str):
    number = draft_by(revisions, "ana")
    if step:
        revisions.act(number, step, "ana", "console")
    before = revisions.files(number)
    with pytest.raises(Refused, match=words):
        revisions.edit_draft(number, KEY_POINTS, "title: changed\n", "ana" if step else "ben", "console")
    assert revisions.files(number) == before
    assert revisions.audit()[-1].outcome.startswith(f"refused: {KEY_POINTS}: ")


def test_the_live_revision_cannot_be_edited(revisions: Revisions):
    with pytest.raises(Refused, match="revision 1 cannot be edited: it is live"):
        revisions.edit_draft(1, KEY_POINTS, "title: changed\n", "the repository's files", "console")


def test_only_a_file_the_revision_has_can_be_edited(revisions: Revisions):
    number = draft_by(revisions, "ana")
    with pytest.raises(Refused, match="it has no file content/en/topics/new.txt"):
        revisions.edit_draft(number, "content/en/topics/new.txt", "title: new\n", "ana", "console")
    assert "content/en/topics/new.txt" not in revisions.files(number)


def test_a_revision_that_does_not_exist_is_refused(revisions: Revisions):
    with pytest.raises(Refused, match="there is no revision 9"):
        revisions.edit_draft(9, KEY_POINTS, "", "ana", "console")


def test_edits_racing_on_one_draft_all_land(revisions: Revisions):
    """Two browser tabs saving different files of one draft at once: each edit reads the document inside its
    locked transaction, so no save writes back a copy that lacks another's file."""
    number = draft_by(revisions, "ana")
    names = sorted(name for name in revisions.files(number) if name.startswith("content/en/topics/"))
    start = threading.Barrier(len(names))
    failures: list[BaseException] = []

    def edit(name: str) -> None:
        start.wait()
        try:
            revisions.edit_draft(number, name, f"title: {name}\n", "ana", "console")
        except BaseException as error:  # noqa: BLE001  (reported below, with the others)
            failures.append(error)

    threads = [threading.Thread(target=edit, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    files = revisions.files(number)
    assert [files[name] for name in names] == [f"title: {name}\n" for name in names]
    assert sum(row.action == "edit" for row in revisions.audit()) == len(names)
