"""The Words page with JavaScript off (Flask's test client): read, check, save into a draft, and what is refused."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.audio.build import plan, run
from ivr.audio.store import AudioStore
from ivr.console.words import choose_draft, word_units
from ivr.content.loader import load_line
from ivr.publishing.store import Revision, Revisions
from tests.conftest import PROJECT, build_app
from tests.console_client import console_environ, csrf_from, new_staff, sign_in_client
from tests.test_audio_build import FakeEngine

KEY_POINTS = "content/en/topics/key-points.txt"
CHOICES = [line.split("\t") for line in (Path(__file__).parent / "cases" / "draft_choice.tsv").read_text().splitlines()
           if line and not line.startswith("#")]


def revision(number: int, state: str, author: str) -> Revision:
    return Revision(number, author, "", 0, state, None, None, None, None, "")


EXISTING = [revision(1, "live", "the repository's files"), revision(2, "draft", "ana"), revision(3, "draft", "ana"),
            revision(4, "draft", "ben"), revision(5, "in_review", "ana"), revision(6, "retired", "ana")]


@pytest.mark.parametrize("me,asked,number,editable,reason", CHOICES, ids=["|".join(row) for row in CHOICES])
def test_the_page_works_on_the_revision_the_table_says(me: str, asked: str, number: str, editable: str, reason: str):
    working = choose_draft(EXISTING, me, int(asked) if asked else None)
    assert working.number == (int(number) if number else None)
    assert working.editable == (editable == "yes") and reason in working.reason, working


def test_the_page_is_ordered_as_staff_think_of_the_line():
    menus = {"main": ("about-ot", "key-points"), "about-ot": ("what-is-ot",)}
    names = [f"content/{code}/topics/{topic}.txt" for code in ("en", "es")
             for topic in ("main", "about-ot", "key-points", "what-is-ot", "texted")]
    names += ["prompts/en.txt", "prompts/es.txt", "content/flow.txt", "content/es/README.txt"]
    units = word_units(menus, names, ["en", "es"])
    assert [(unit.key, unit.kind, unit.depth) for unit in units] == [
        ("main", "menu", 0), ("about-ot", "menu", 1), ("what-is-ot", "section", 2), ("key-points", "section", 1),
        ("texted", "texted-only", 0), ("prompts", "prompts", 0), ("flow", "flow", 0)]
    assert units[0].files == (("en", "content/en/topics/main.txt"), ("es", "content/es/topics/main.txt"))
    assert [unit.menu for unit in units[:4]] == [None, "main", "about-ot", "main"]
    assert units[-2].files == (("en", "prompts/en.txt"), ("es", "prompts/es.txt"))


def test_a_menu_inside_itself_does_not_loop():
    units = word_units({"main": ("a",), "a": ("main",)}, ["content/en/topics/main.txt"], ["en"])
    assert [unit.key for unit in units] == ["main", "a", "prompts", "flow"]


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """The console on, with real-voice (fake engine) audio for the English key points only."""
    line = load_line(PROJECT / "content", PROJECT / "prompts")
    store, engine = AudioStore(tmp_path / "audio"), FakeEngine()
    jobs, unchanged = plan(line, store, engine, only="key-points", language_code="en")
    assert not run(jobs, unchanged, engine, store, workers=2).failed
    return build_app(tmp_path, **console_environ(AUDIO_DIR=str(tmp_path / "audio")))


def signed_in(app: Flask, role: str = "editor") -> FlaskClient:
    client = app.test_client()
    client.email = new_staff(app, role)  # type: ignore[attr-defined]
    assert sign_in_client(client, client.email).status_code == 302  # type: ignore[attr-defined]
    return client


def revisions(app: Flask) -> Revisions:
    return app.extensions["otline"].revisions


def text(response) -> str:
    """The page as a person reads it: tags gone, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def post(client: FlaskClient, action: str, words: str, name: str = KEY_POINTS, key: str = "key-points",
         draft: int | None = None):
    token = csrf_from(client, f"/console/words/{key}")
    address = f"/console/words/{key}" + (f"?draft={draft}" if draft else "")
    return client.post(address, data={"csrf_token": token, "name": name, "text": words, "action": action})


def live_words(app: Flask, name: str = KEY_POINTS) -> str:
    return revisions(app).files(1)[name]


def test_every_menu_topic_and_prompt_is_listed_with_its_audio(app: Flask):
    page = text(signed_in(app).get("/console/words"))
    for title in ("the main menu", "key points", "escuchar los puntos clave", "en / prompts", "Edit flow"):
        assert title in page
    assert "Audio: 5 current" in page and "Audio: 5 missing" in page  # English key points have audio, Spanish not
    assert page.index("Edit main") < page.index("Edit key-points") < page.index("Edit prompts")


def test_a_topic_shows_both_languages_checked_with_a_player_where_audio_exists(app: Flask):
    response = signed_in(app).get("/console/words/key-points")
    html, page = response.get_data(as_text=True), text(response)
    assert "English" in page and "Español" in page and page.count("Save to a new draft") == 2
    assert html.count("<audio controls") == 5 and "Audio: 1 current" in page  # five English voice parts
    assert "Audio: 1 missing" in page  # the Spanish ones
    assert "Line 17, [text] , texted: " in page and "GSM-7, 2 segment(s), reading grade" in page
    assert 'aria-live="polite"' in html


def test_check_without_javascript_shows_the_typed_words_checked_and_saves_nothing(app: Flask):
    client = signed_in(app)
    typed = live_words(app).replace("Key points about OT:", "Key points about OT, ó:")
    response = post(client, "check", typed)
    assert response.status_code == 200
    page = text(response)
    assert "UCS-2, 5 segment(s)" in page and "outside GSM-7" in page and "2 error(s)" in page
    assert "Key points about OT, ó:" in page  # the box keeps what was typed
    assert len(revisions(app).listing()) == 1


def test_the_first_save_starts_a_draft_and_the_next_edits_it(app: Flask):
    client = signed_in(app)
    first = post(client, "save", live_words(app).replace("key points", "the key points", 1))
    assert first.status_code == 302 and first.location.startswith("/console/words/key-points?draft=2")
    draft = revisions(app).get(2)
    assert (draft.state, draft.author) == ("draft", client.email)  # type: ignore[attr-defined]
    spanish = "content/es/topics/key-points.txt"
    second = post(client, "save", live_words(app, spanish) + "\n", name=spanish, draft=2)
    assert second.status_code == 302 and len(revisions(app).listing()) == 2
    files = revisions(app).files(2)
    assert files[KEY_POINTS].startswith("title: the key points") and files[spanish].endswith("\n\n")
    audit = revisions(app).audit()
    assert [(row.action, row.origin) for row in audit[-2:]] == [("import", "console"), ("edit", "console")]
    assert audit[-1].outcome == f"{spanish}: edited"
    assert "Saved es / topics/key-points.txt in revision 2." in text(client.get(second.location))


def test_words_the_loader_refuses_are_saved_and_shown_with_their_problems(app: Flask):
    client = signed_in(app)
    broken = live_words(app).replace("title: key points", "titel: key points")
    saved = post(client, "save", broken)
    assert saved.status_code == 302 and revisions(app).files(2)[KEY_POINTS] == broken
    page = text(client.get(saved.location))
    assert "with 2 problem(s) to fix before it can go live" in page
    assert "Line 1, error: unknown field 'titel'" in page and "This revision does not pass" not in page
    assert "does not pass content check" in text(client.get("/console/words?draft=2"))


def test_a_draft_in_review_is_not_edited_and_the_typed_words_stay(app: Flask):
    client = signed_in(app)
    post(client, "save", live_words(app) + "\n")
    revisions(app).act(2, "submit", client.email, "test")  # type: ignore[attr-defined]
    typed = live_words(app) + "\n\n"
    response = post(client, "save", typed, draft=2)
    assert response.status_code == 200
    page = text(response)
    assert "Not saved: revision 2 cannot be edited: it is in review; only a draft can be edited" in page
    assert "read only" in page and "Save to" not in page
    assert typed in unescape(response.get_data(as_text=True))
    assert revisions(app).files(2)[KEY_POINTS] == live_words(app) + "\n"
    assert revisions(app).audit()[-1].outcome.startswith("refused: ")


def test_another_persons_draft_is_read_only(app: Flask):
    ana, ben = signed_in(app), signed_in(app)
    post(ana, "save", live_words(app) + "\n")
    response = post(ben, "save", live_words(app) + "\n\n", draft=2)
    assert "it is " + ana.email + "'s draft" in text(response)  # type: ignore[attr-defined]
    assert revisions(app).files(2)[KEY_POINTS] == live_words(app) + "\n"


def test_a_form_without_the_csrf_token_is_refused(app: Flask):
    client = signed_in(app)
    response = client.post("/console/words/key-points", data={"name": KEY_POINTS, "text": "x", "action": "save"})
    assert response.status_code == 400 and len(revisions(app).listing()) == 1
    script = client.post("/console/words/checks.json", json={"name": KEY_POINTS, "text": "x"})
    assert script.status_code == 400


def test_the_script_gets_the_checks_of_the_words_as_typed(app: Flask):
    client = signed_in(app)
    token = csrf_from(client, "/console/words/key-points")
    typed = live_words(app).replace("Key points about OT:", "Key points about OT, ó:")
    answer = client.post("/console/words/checks.json", json={"name": KEY_POINTS, "text": typed},
                         headers={"X-CSRF-Token": token})
    assert answer.status_code == 200 and answer.json["errors"] == 2 and not answer.json["loads"]
    first_text = next(part for part in answer.json["parts"] if part["block"] == "text")
    assert (first_text["encoding"], first_text["segments"]) == ("UCS-2", 5)
    assert "UCS-2, 5 segment(s)" in answer.json["html"]
    unknown = client.post("/console/words/checks.json", json={"name": "content/en/x.txt", "text": ""},
                          headers={"X-CSRF-Token": token})
    assert unknown.status_code == 400


def test_a_file_that_is_not_part_of_the_topic_is_refused(app: Flask):
    response = post(signed_in(app), "save", "x", name="prompts/en.txt")
    assert response.status_code == 400 and len(revisions(app).listing()) == 1


def test_an_unknown_topic_is_not_found(app: Flask):
    assert signed_in(app).get("/console/words/nothing-here").status_code == 404


def test_the_page_needs_a_signed_in_editor(app: Flask):
    assert app.test_client().get("/console/words").status_code == 302
    assert signed_in(app, "reviewer").get("/console/words").status_code == 200  # a reviewer is an editor too


def test_a_saved_change_to_a_spoken_part_shows_its_audio_as_stale_and_the_rest_current(app: Flask):
    client = signed_in(app)
    saved = post(client, "save", live_words(app).replace("Here are the key points", "Here are the main points"))
    page = client.get(saved.location)
    assert "Audio: 1 stale." in text(page) and text(page).count("Audio: 1 current.") == 4
    assert page.get_data(as_text=True).count("<audio controls") == 4  # the stale part is spoken with <Say>


def test_a_file_comes_back_from_the_box_exactly_even_starting_with_a_blank_line(app: Flask):
    client = signed_in(app)
    post(client, "save", "\n" + live_words(app))
    page = client.get("/console/words/key-points?draft=2").get_data(as_text=True)
    box = re.search(r'<textarea id="text-content-en-topics-key-points"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert box is not None and unescape(box.group(1)).removeprefix("\n") == "\n" + live_words(app)
