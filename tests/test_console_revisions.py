"""The console's Revisions page: the diff staff read, the list, the actions and their refusals, the audit trail."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import astuple, replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.console.accounts import Staff
from ivr.console.diff_view import ADDED, PLACE, REMOVED, SAME, DiffLine, file_changes, read_diff
from ivr.console.revisions import next_steps
from ivr.publishing.document import staff_diff
from ivr.publishing.rules import decide
from ivr.publishing.store import AuditRow, Revision, Revisions
from tests.app_factory import build_app
from tests.console_client import StaffClient, console_environ, csrf_from, new_staff, sign_in_client
from tests.pg_server import PostgresServer
from tests.databases import BACKENDS, empty_postgres

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


def revision_in(state: str, author: str = "ana@hospital.example.org") -> Revision:
    return Revision(2, author, "", 0, state, None, None, None, None, "digest")


@pytest.mark.parametrize("state, role, email, expected_open", [
    ("draft", "editor", "ana@hospital.example.org", ["submit"]),  # an editor sees only the step of their role
    ("draft", "reviewer", "ben@hospital.example.org", ["submit"]),
    ("in_review", "reviewer", "ben@hospital.example.org", ["approve"]),
    ("in_review", "reviewer", "ana@hospital.example.org", []),  # its author: the two-person rule
    ("approved", "admin", "ben@hospital.example.org", ["publish"]),
    ("live", "reviewer", "ben@hospital.example.org", []),
    ("retired", "reviewer", "ben@hospital.example.org", ["rollback"]),
])
def test_the_steps_offered_are_the_ones_the_rules_allow_this_person(state, role, email, expected_open):
    steps = next_steps(revision_in(state), Staff(email, role))
    assert [step.action for step in steps if step.open] == expected_open
    assert [step.action for step in steps] == (["submit"] if role == "editor" else
                                               ["submit", "approve", "publish", "rollback"])
    for step in steps:  # each with the rule's own words, offered or not
        assert step.reason == decide(state, step.action, email, "ana@hospital.example.org",
                                     allow_missing_audio=True).reason


# --- the page, under Flask's test client -------------------------------------------------------------------------

KEY_POINTS = "content/en/topics/key-points.txt"


@pytest.fixture
def console_app(tmp_path: Path) -> Flask:
    """The console on, with its own audio folder (publishing fetches shared audio into it)."""
    return build_app(tmp_path, **console_environ(AUDIO_DIR=str(tmp_path / "audio")))


def revisions_of(app: Flask) -> Revisions:
    return app.extensions["otline"].revisions


def draft(app: Flask, author: str, old: str = "Occupational therapy", new: str = "OCCUPATIONAL THERAPY") -> int:
    """A draft of the live words with one edit of the English key points, written by `author`."""
    files = dict(revisions_of(app).files(revisions_of(app).live_number()))
    assert old in files[KEY_POINTS], "the test no longer matches the content; update it"
    files[KEY_POINTS] = files[KEY_POINTS].replace(old, new, 1)
    return revisions_of(app).import_draft(files, author, "louder", "test")


def post(client: FlaskClient, path: str, **form: str):
    """A console form as the browser sends it: with the session's CSRF token; the page it lands on."""
    return client.post(path, data={"csrf_token": csrf_from(client, "/console/revisions"), **form},
                       follow_redirects=True)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def last_audit(app: Flask) -> AuditRow:
    return revisions_of(app).audit()[-1]


def last_step(app: Flask) -> tuple:
    """The newest audit row without its time: who, what, which revision, outcome, from where."""
    return astuple(last_audit(app))[1:]


def in_review(app: Flask, author: FlaskClient, old: str = "Occupational therapy",
              new: str = "OCCUPATIONAL THERAPY") -> int:
    """A draft by the signed-in `author`, submitted through the page."""
    number = draft(app, author.email, old, new)  # type: ignore[attr-defined]
    assert post(author, f"/console/revisions/{number}/submit").status_code == 200
    return number


def test_the_page_lists_live_waiting_and_retired_revisions_and_the_audit_trail(console_app: Flask,
                                                                               staff_client: StaffClient):
    editor = staff_client("editor")
    number = draft(console_app, editor.email)
    text = page_text(editor.get("/console/revisions"))
    assert "Live now" in text and "Revision 1</a>: by the repository's files" in text
    assert f"Revision {number}</a></th><td>draft</td>" in text and "louder" in text
    assert "No revision was live before this one." in text
    assert "import</td>" in text and "draft: louder" in text  # the audit trail, newest first
    assert text.index("draft: louder") < text.index("live: the line's first revision")
    assert "Roll back" not in text  # an editor is offered no step that needs a reviewer


def test_a_revision_shows_what_it_changes_from_live_marked_in_words_not_colour(console_app: Flask,
                                                                              staff_client: StaffClient):
    editor = staff_client("editor")
    number = draft(console_app, editor.email)
    text = page_text(editor.get(f"/console/revisions/{number}"))
    assert "en / topics/key-points.txt" in text and "(file changed: 1 added, 1 removed)" in text
    assert re.search(r'<del><span class="diff-mark" aria-hidden="true">−</span><span class="diff-word">removed</span> '
                     r'[^<]*Occupational therapy', text)
    assert re.search(r'<ins><span class="diff-mark" aria-hidden="true">\+</span><span class="diff-word">added</span> '
                     r'[^<]*OCCUPATIONAL THERAPY', text)
    assert f"Submit revision {number} for review" in text
    assert "Approve, publish and roll back need the reviewer role." in text


def test_submit_puts_a_draft_in_review_and_the_audit_trail_says_it_came_from_the_console(console_app: Flask,
                                                                                         staff_client: StaffClient):
    editor = staff_client("editor")
    number = draft(console_app, editor.email)
    text = page_text(post(editor, f"/console/revisions/{number}/submit"))
    assert f"Revision {number} is in review. A reviewer other than {editor.email} approves it next." in text
    assert revisions_of(console_app).get(number).state == "in_review"
    assert last_step(console_app) == (editor.email, "submit", number, "submitted for review", "console")


def test_submitting_again_is_refused_with_the_rules_reason(console_app: Flask, staff_client: StaffClient):
    editor = staff_client("editor")
    number = in_review(console_app, editor)
    text = page_text(post(editor, f"/console/revisions/{number}/submit"))
    assert (f"Not done: revision {number} cannot be submitted: it is in review; only a draft can be submitted for "
            "review") in text
    assert last_audit(console_app).outcome.startswith("refused: ")


def test_an_editor_cannot_approve_publish_or_roll_back(console_app: Flask, staff_client: StaffClient):
    editor = staff_client("editor")
    number = in_review(console_app, editor)
    for path in (f"/console/revisions/{number}/approve", f"/console/revisions/{number}/publish",
                 "/console/revisions/rollback"):
        answer = editor.post(path, data={"csrf_token": csrf_from(editor, "/console/revisions")})
        assert answer.status_code == 403 and "This page needs the reviewer role" in page_text(answer)
    assert editor.get(f"/console/revisions/{number}/publish").status_code == 403
    assert revisions_of(console_app).get(number).state == "in_review"


def test_the_author_cannot_approve_their_own_revision_and_reads_the_rules_reason(console_app: Flask,
                                                                                 staff_client: StaffClient):
    author = staff_client("reviewer")
    number = in_review(console_app, author)
    reason = decide("in_review", "approve", author.email, author.email).reason  # the rule's own words
    shown = page_text(author.get(f"/console/revisions/{number}"))
    assert f"Approve: {reason}" in shown and f"Approve revision {number}</button>" not in shown
    refused = page_text(post(author, f"/console/revisions/{number}/approve"))
    assert f"Not done: revision {number} cannot be approved: {reason}" in refused
    assert revisions_of(console_app).get(number).state == "in_review"
    assert last_step(console_app) == (author.email, "approve", number, f"refused: {reason}", "console")


def test_a_second_person_approves(console_app: Flask, staff_client: StaffClient):
    number = in_review(console_app, staff_client("editor"))
    reviewer = staff_client("reviewer")
    assert f"Approve revision {number}</button>" in page_text(reviewer.get(f"/console/revisions/{number}"))
    assert f"Revision {number} is approved." in page_text(post(reviewer, f"/console/revisions/{number}/approve"))
    assert revisions_of(console_app).get(number).approved_by == reviewer.email


def approved(app: Flask, staff_client: StaffClient) -> tuple[int, FlaskClient]:
    """A revision written by an editor and approved by a reviewer; its number and the reviewer."""
    number = in_review(app, staff_client("editor"))
    reviewer = staff_client("reviewer")
    post(reviewer, f"/console/revisions/{number}/approve")
    return number, reviewer


def test_publish_asks_first_and_says_what_changes_in_words(console_app: Flask, staff_client: StaffClient):
    number, reviewer = approved(console_app, staff_client)
    text = page_text(reviewer.get(f"/console/revisions/{number}/publish"))
    assert f"Publish revision {number}?" in text and "Revision 1, live now, is retired." in text
    assert "en / topics/key-points.txt: 1 line(s) added, 1 removed" in text
    assert "within about 0 seconds" not in text  # this test app does not poll: it says a restart is needed
    assert "REVISION_POLL_SECONDS=0" in text
    assert "have parts with no audio in the line's voice" in text and "no audio yet, spoken with <Say>" in text
    assert 'name="allow_missing_audio"' in text and "Publish with spoken fallback" in text
    assert revisions_of(console_app).live_number() == 1  # asking changed nothing


def test_publish_refuses_missing_audio_unless_spoken_fallback_is_ticked(console_app: Flask,
                                                                        staff_client: StaffClient):
    number, reviewer = approved(console_app, staff_client)
    refused = page_text(post(reviewer, f"/console/revisions/{number}/publish"))
    reason = last_audit(console_app).outcome.removeprefix("refused: ")
    assert reason.endswith("to speak them with <Say>") and f"Not published: revision {number} cannot be published: " \
                                                            f"{reason}" in refused
    assert revisions_of(console_app).live_number() == 1
    done = page_text(post(reviewer, f"/console/revisions/{number}/publish", allow_missing_audio="yes"))
    assert f"Revision {number} is live." in done and "spoken with the computer voice (<Say>)" in done
    assert revisions_of(console_app).live_number() == number
    row = last_audit(console_app)
    assert (row.actor, row.action, row.origin) == (reviewer.email, "publish", "console")
    assert row.outcome.endswith("spoken with <Say> (--allow-missing-audio)")


def test_publish_says_within_how_many_seconds_callers_hear_it(tmp_path: Path):
    app = build_app(tmp_path, **console_environ(AUDIO_DIR=str(tmp_path / "audio"), REVISION_POLL_SECONDS="3"))
    reviewer = app.test_client()
    assert sign_in_client(reviewer, new_staff(app, "reviewer")).status_code == 302
    number = draft(app, "ana@hospital.example.org")
    revisions_of(app).act(number, "submit", "ana@hospital.example.org", "test")
    revisions_of(app).act(number, "approve", "ben@hospital.example.org", "test")
    assert "within about 3 seconds (REVISION_POLL_SECONDS) on every instance" in page_text(
        reviewer.get(f"/console/revisions/{number}/publish"))
    done = page_text(post(reviewer, f"/console/revisions/{number}/publish", allow_missing_audio="yes"))
    assert f"Revision {number} is live. Callers and texters get it within about 3 seconds" in done
    app.extensions["otline.live"].stop()


@pytest.mark.parametrize("action, asked, done, form, said", [
    ("publish", "/console/revisions/{n}/publish", "/console/revisions/{n}/publish", {"allow_missing_audio": "yes"},
     "Not published: revision {n} cannot be published: "),
    ("rollback", "/console/revisions/rollback?to={n}", "/console/revisions/rollback", {"to": "{n}"},
     "Not rolled back: cannot roll back to revision {n}: "),
])
def test_publishing_or_rolling_back_to_a_draft_is_refused_with_the_rules_reason(
        console_app: Flask, staff_client: StaffClient, action: str, asked: str, done: str, form: dict, said: str):
    reviewer = staff_client("reviewer")
    number = draft(console_app, "ana@hospital.example.org")
    reason = decide("draft", action, reviewer.email, "ana@hospital.example.org").reason
    confirmation = page_text(reviewer.get(asked.format(n=number)))
    assert reason in confirmation and 'type="submit"' not in confirmation.split("<main")[1]  # no button to press
    refused = page_text(post(reviewer, done.format(n=number), **{key: value.format(n=number)
                                                                 for key, value in form.items()}))
    assert said.format(n=number) + reason in refused
    assert revisions_of(console_app).get(number).state == "draft" and revisions_of(console_app).live_number() == 1


def test_rollback_asks_first_then_restores_the_revision_live_before(console_app: Flask, staff_client: StaffClient):
    number, reviewer = approved(console_app, staff_client)
    post(reviewer, f"/console/revisions/{number}/publish", allow_missing_audio="yes")
    asked = page_text(reviewer.get("/console/revisions/rollback"))
    assert "Roll back to revision 1?" in asked and f"Revision {number}, live now, is retired" in asked
    assert 'name="to" value="1"' in asked and "OCCUPATIONAL THERAPY" in asked  # the words that change back
    assert revisions_of(console_app).live_number() == number
    done = page_text(post(reviewer, "/console/revisions/rollback", to="1"))
    restored = revisions_of(console_app).get(number + 1)
    assert f"Revision {restored.number} is live: a copy of revision 1." in done
    assert (restored.state, restored.restores, restored.approved_by) == ("live", 1, reviewer.email)
    assert last_step(console_app) == (reviewer.email, "rollback", restored.number, "live: a copy of revision 1",
                                      "console")


def test_rollback_to_a_chosen_retired_revision(console_app: Flask, staff_client: StaffClient):
    first, reviewer = approved(console_app, staff_client)
    post(reviewer, f"/console/revisions/{first}/publish", allow_missing_audio="yes")
    second = in_review(console_app, staff_client("editor"), "OCCUPATIONAL THERAPY", "Occupational Therapy")
    post(reviewer, f"/console/revisions/{second}/approve")
    post(reviewer, f"/console/revisions/{second}/publish", allow_missing_audio="yes")
    listing = page_text(reviewer.get("/console/revisions"))
    assert f"Roll back to\n        revision {first}" in listing and "Roll back to\n        revision 1" in listing
    post(reviewer, "/console/revisions/rollback", to="1")
    assert revisions_of(console_app).get(revisions_of(console_app).live_number()).restores == 1


def test_with_nothing_live_before_there_is_nothing_to_roll_back_to(staff_client: StaffClient):
    reviewer = staff_client("reviewer")
    assert "Nothing to roll back to" in page_text(reviewer.get("/console/revisions/rollback"))
    nothing = page_text(post(reviewer, "/console/revisions/rollback"))
    assert "Not rolled back: nothing to roll back to: no revision was live before this one" in nothing


def test_a_form_without_its_csrf_token_changes_nothing(console_app: Flask, staff_client: StaffClient):
    editor, reviewer = staff_client("editor"), staff_client("reviewer")
    number = draft(console_app, editor.email)
    before = len(revisions_of(console_app).audit())
    assert editor.post(f"/console/revisions/{number}/submit").status_code == 400
    assert reviewer.post("/console/revisions/rollback", data={"to": "1"}).status_code == 400
    assert reviewer.post(f"/console/revisions/{number}/submit", data={"csrf_token": "forged"}).status_code == 400
    assert revisions_of(console_app).get(number).state == "draft" and len(revisions_of(console_app).audit()) == before


def test_signed_out_the_revisions_ask_to_sign_in(console_app: Flask):
    client = console_app.test_client()
    asked = client.get("/console/revisions/1")
    assert asked.status_code == 302 and asked.location == "/console/sign-in?next=/console/revisions/1"
    assert client.post("/console/revisions/1/submit").status_code in (302, 400)  # never a step without a person


def test_a_revision_that_does_not_exist_is_not_found(staff_client: StaffClient):
    reviewer = staff_client("reviewer")
    assert reviewer.get("/console/revisions/99").status_code == 404
    assert reviewer.get("/console/revisions/rollback?to=99").status_code == 404
    assert reviewer.get("/console/revisions/rollback?to=one").status_code == 400


def test_the_audit_trail_is_paged_newest_first(console_app: Flask, staff_client: StaffClient):
    editor = staff_client("editor")
    for index in range(30):
        revisions_of(console_app).record(editor.email, "export", 1, f"export number {index}", "test")
    first = page_text(editor.get("/console/revisions"))
    assert "page 1 of 2" in first and "export number 29" in first and "export number 4<" not in first
    assert 'rel="next">Older actions' in first and "Newer actions" not in first
    second = page_text(editor.get("/console/revisions?page=2"))
    assert "export number 4<" in second and "export number 29" not in second and "Newer actions" in second
    assert "live: the line's first revision" in second


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_reviewers_publishing_at_once_make_it_live_once(tmp_path: Path, backend: str):
    url = f"sqlite:///{tmp_path / 'race.db'}" if backend == "sqlite" else empty_postgres().url
    console_app = build_app(tmp_path, **console_environ(AUDIO_DIR=str(tmp_path / "audio"), DATABASE_URL=url))

    def staff_client(role: str) -> FlaskClient:
        client = console_app.test_client()
        client.email = new_staff(console_app, role)  # type: ignore[attr-defined]
        assert sign_in_client(client, client.email).status_code == 302  # type: ignore[attr-defined]
        return client

    number, first = approved(console_app, staff_client)
    second = staff_client("reviewer")
    tokens = {id(client): csrf_from(client, "/console/revisions") for client in (first, second)}
    start, answers = threading.Barrier(2), []

    def publish(client: FlaskClient) -> None:
        start.wait()
        answers.append(page_text(client.post(f"/console/revisions/{number}/publish", follow_redirects=True, data={
            "csrf_token": tokens[id(client)], "allow_missing_audio": "yes"})))

    racers = [threading.Thread(target=publish, args=(client,)) for client in (first, second)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    assert sorted(f"Revision {number} is live." in answer for answer in answers) == [False, True]
    assert any("cannot be published: it is already live" in answer for answer in answers)
    assert [revision.number for revision in revisions_of(console_app).listing(("live",))] == [number]


def test_a_publish_while_the_database_is_stopped_says_so_and_changes_nothing(tmp_path: Path,
                                                                               postgres_server: PostgresServer):
    app = build_app(tmp_path, **console_environ(AUDIO_DIR=str(tmp_path / "audio"), DATABASE_URL=postgres_server.url))
    reviewer = app.test_client()
    assert sign_in_client(reviewer, new_staff(app, "reviewer")).status_code == 302
    number = draft(app, "ana@hospital.example.org")
    revisions_of(app).act(number, "submit", "ana@hospital.example.org", "test")
    revisions_of(app).act(number, "approve", "ben@hospital.example.org", "test")
    token = csrf_from(reviewer, "/console/revisions")
    postgres_server.stop()
    try:
        down = reviewer.post(f"/console/revisions/{number}/publish", data={"csrf_token": token,
                                                                           "allow_missing_audio": "yes"})
        assert down.status_code == 503 and "Callers are not affected" in page_text(down)
    finally:
        postgres_server.start()
    assert revisions_of(app).get(number).state == "approved" and revisions_of(app).live_number() == 1
    again = page_text(post(reviewer, f"/console/revisions/{number}/publish", allow_missing_audio="yes"))
    assert f"Revision {number} is live." in again


def test_a_revision_this_instance_could_not_serve_is_refused_and_the_refusal_is_audited(console_app: Flask,
                                                                                        staff_client: StaffClient):
    number, reviewer = approved(console_app, staff_client)
    settings = console_app.config["SETTINGS"]  # configured so that HELP would be too long with any revision
    console_app.config["SETTINGS"] = replace(settings, help_contact="x" * 400)
    asked = page_text(reviewer.get(f"/console/revisions/{number}/publish"))
    assert f"revision {number} cannot be published here: " in asked and "This instance could not serve it" in asked
    assert f'<button type="submit">Publish revision {number}' not in asked
    refused = page_text(post(reviewer, f"/console/revisions/{number}/publish", allow_missing_audio="yes"))
    assert f"Not published: revision {number} cannot be published here: " in refused
    assert revisions_of(console_app).get(number).state == "approved"
    row = last_audit(console_app)  # refused steps are in the audit trail too (README: refused ones included)
    assert (row.actor, row.action, row.revision, row.origin) == (reviewer.email, "publish", number, "console")
    assert row.outcome.startswith(f"refused: revision {number} cannot be published here: ")


def test_a_revision_links_to_trying_it_and_a_draft_to_the_words_page(console_app: Flask, staff_client: StaffClient):
    editor = staff_client("editor")
    number = draft(console_app, editor.email)
    text = page_text(editor.get(f"/console/revisions/{number}"))
    assert f'href="/console/try?revision={number}">Try revision {number} in the phone simulator' in text
    assert f'href="/console/words?draft={number}">Open revision {number} on the Words page' in text
    live = page_text(editor.get("/console/revisions/1"))  # live: it can be tried; not a draft: no words link
    assert "Try revision 1 in the phone simulator" in live and "on the Words page" not in live


def test_a_refusal_is_shown_as_a_problem_and_a_step_done_as_done(console_app: Flask, staff_client: StaffClient):
    """Both say so in words ("Not done: …"); the style agrees with the words, so a refusal never looks done."""
    author = staff_client("reviewer")
    number = in_review(console_app, author)
    refused = page_text(post(author, f"/console/revisions/{number}/approve"))
    assert re.search(r'<p class="message error">Not done: revision \d+ cannot be approved', refused)
    approved = page_text(post(staff_client("reviewer"), f"/console/revisions/{number}/approve"))
    assert re.search(r'<p class="message done">[^<]*approved', approved), approved[:2000]
