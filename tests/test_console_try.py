"""Try it: the simulators run the real webhooks with a chosen revision's words and never touch families' data."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from ivr.console.simulator import Simulator, simulator
from ivr.console.trial import KEPT_TURNS, NO_REPLY, Chat, CallState, hang_up, press, start_call, text
from ivr.publishing.document import CONTENT
from ivr.services import Services
from ivr.sms.replies import compliance_reply
from ivr.store.usage import UsageStore
from tests.app_factory import build_app
from tests.twilio_fakes import FakeTwilioApi
from tests.twilio_requests import CALLER, TEST_BASE, replies, sms_post
from tests.console_client import console_environ, new_staff, sign_in_client
from tests.audio_fakes import add_audio
from tests.databases import BACKENDS, TABLES, empty_postgres

ACCOUNT = "AC" + "1" * 32
CALLS_AT_ONCE = 8
# The console's own records (accounts, sign-ins, revisions): signing in writes them; no family's data is in them.
CONSOLE_TABLES = ("staff_accounts", "sign_in_failures", "revisions", "revision_audit")
_MENU = re.compile(r"^/voice/[^/]+/choices/([^/?]+)/choose")


def _real(app: Flask) -> Services:
    return app.extensions["otline"]


def _live(app: Flask) -> tuple[Simulator, Services]:
    real = _real(app)
    found = simulator(app)
    return found, found.revision(real.revision or 0, real.revisions.files(real.revision or 0))


def _every_row(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table of the real line's database (SQLite or PostgreSQL)."""
    with _real(app).revisions.database.transaction() as tx:
        return {table: sorted(tx.execute(f"SELECT * FROM {table}"), key=repr) for table in TABLES}


def _heard(state: CallState) -> list[str]:
    return [part.text for turn in state.turns for page in turn.pages for part in page.parts]


def _last_heard(state: CallState) -> list[str]:
    return [part.text for page in state.turns[-1].pages for part in page.parts]


def _reach_everything(sim: Simulator, services: Services, language: str) -> list[str]:
    """Every menu option pressed from every menu reached, as a caller would: the words heard on the way."""
    heard: list[str] = []
    queue = [start_call(sim, services, CALLER, language)]
    seen: set[str] = set()
    while queue:
        state = queue.pop()
        heard += _last_heard(state)
        menu = _MENU.match(state.listens_at)
        if not menu or menu.group(1) in seen:
            continue
        seen.add(menu.group(1))
        options = services.line.flow.menus.get(menu.group(1), ())
        queue += [press(sim, services, state, str(key)) for key in range(1, len(options) + 1)]
    return heard


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_topic_is_reached_through_the_phone_simulator(app: Flask, language: str) -> None:
    sim, services = _live(app)
    heard = _reach_everything(sim, services, language)
    topics = services.line.language(language).topics
    for topic in topics.values():
        assert topic.voice_parts[0] in heard, f"{language}/{topic.title} never heard"


def test_a_new_caller_is_asked_the_language_and_hears_the_chosen_ones_welcome(app: Flask) -> None:
    sim, services = _live(app)
    state = start_call(sim, services, CALLER, "")
    spanish = services.line.language("es")
    assert any("español" in said for said in _heard(state)) and state.listens_at.startswith("/voice/language/choose")
    state = press(sim, services, state, spanish.choice_key)
    assert spanish.prompt("welcome")[0] in _last_heard(state)


def test_silence_goes_where_twilios_gather_timeout_goes_and_ends_after_the_last_try(app: Flask) -> None:
    sim, services = _live(app)
    state = start_call(sim, services, CALLER, "en")
    english = services.line.language("en")
    for _ in range(services.line.flow.tries - 1):
        state = press(sim, services, state, "silence")
        assert english.prompt("reprompt.silence")[0] in _last_heard(state)
    state = press(sim, services, state, "silence")
    assert english.prompt("goodbye")[0] in _last_heard(state)
    assert state.turns[-1].pages[-1].ended and not state.in_call
    assert press(sim, services, state, "1") == state, "a call that ended takes no more keys"


def test_words_heard_unclearly_are_asked_back_before_the_line_acts(app: Flask) -> None:
    """Staff can try the line's "did you say...?": the words go with a confidence the line doubts."""
    sim, services = _live(app)
    english = services.line.language("en")
    title = english.topics["key-points"].title
    state = press(sim, services, start_call(sim, services, CALLER, "en"), "unclear-speech", title)
    asked = " ".join(_last_heard(state))
    assert "Did you say" in asked and title.lower() in asked.lower(), asked
    assert english.topics["key-points"].voice_parts[0] not in _last_heard(state)  # not acted on yet
    assert state.turns[-1].did == "unclear-speech" and state.turns[-1].words == title
    state = press(sim, services, state, "speech", "yes")
    assert english.topics["key-points"].voice_parts[0] in _last_heard(state)


def test_words_typed_as_speech_choose_like_keys(app: Flask) -> None:
    sim, services = _live(app)
    english = services.line.language("en")
    state = press(sim, services, start_call(sim, services, CALLER, "en"), "speech", english.topics["key-points"].title)
    assert english.topics["key-points"].voice_parts[0] in _last_heard(state)


@pytest.fixture(params=BACKENDS)
def real_database_url(request, tmp_path: Path) -> str:
    """The real line's database: SQLite, and PostgreSQL when TEST_DATABASE_URL names a throwaway one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'line.db'}"
    return empty_postgres().url


def test_stop_texted_in_the_simulator_changes_nothing_of_the_real_number(tmp_path: Path,
                                                                         real_database_url: str) -> None:
    app = build_app(tmp_path, DATABASE_URL=real_database_url)
    client = app.test_client()
    real = _real(app)
    assert replies(sms_post(client, "KEYPOINTS"))  # the family reads a section by text: the real store has a place
    key = real.texts.hasher(CALLER)
    real.usage.flush()
    before = _every_row(app)
    assert real.texts.store.number(key).topic == "key-points" and UsageStore(real.revisions.database).counts(1)

    sim, services = _live(app)
    chat = Chat(services.revision or 0, CALLER)
    for body in ("STOP", "PARAR", "MENU", "AYUDA", "KEYPOINTS", "MORE", "STOP"):
        chat = text(sim, services, chat, body)
    state = press(sim, services, start_call(sim, services, CALLER, ""), services.line.language("es").choice_key)
    hang_up(sim, services, state)

    real.usage.flush()
    assert _every_row(app) == before, "opt-outs, places, languages, limits, budget and usage of the real line"
    family_still_gets_more = replies(sms_post(client, "MORE"))
    assert not real.texts.store.number(key).opted_out and family_still_gets_more
    assert sim.base.texts.store.number(sim.base.texts.hasher(CALLER)).opted_out, "the simulator's own line did opt out"
    assert chat.messages[-1].text == NO_REPLY or chat.messages[-1].from_line


def test_the_text_simulator_answers_keywords_in_both_languages(app: Flask) -> None:
    sim, services = _live(app)
    chat = text(sim, services, Chat(services.revision or 0, "+15555550142"), "KEYPOINTS")
    chat = text(sim, services, chat, "AYUDA")
    english, spanish = services.line.language("en"), services.line.language("es")
    [_, keypoints, _, ayuda] = chat.messages
    assert keypoints.from_line and keypoints.text.startswith(english.topics["key-points"].text_messages[0][:40])
    assert ayuda.from_line and ayuda.text == compliance_reply(spanish, "help", services.texts.policy)


def test_text_me_this_in_the_simulator_shows_the_text_and_sends_nothing(tmp_path: Path,
                                                                         fake_twilio: FakeTwilioApi) -> None:
    app = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url)
    sim, services = _live(app)
    state = start_call(sim, services, CALLER, "en")
    state = press(sim, services, state, "3")  # key points, a section
    state = press(sim, services, state, services.line.flow.keys["text"])
    [texted] = [sent for page in state.turns[-1].pages for sent in page.texted]
    assert texted[0] == CALLER and services.line.language("en").topics["key-points"].text_messages[0][:40] in texted[1]
    assert fake_twilio.requests == []


def test_a_drafts_changed_words_are_heard_in_its_simulator_and_not_in_the_live_one(app: Flask) -> None:
    real = _real(app)
    files = real.revisions.files(real.revision or 0)
    name = f"{CONTENT}/en/topics/key-points.txt"
    old = real.line.language("en").topics["key-points"].voice_parts[0]
    new = "Here is a sentence only the draft says."
    files[name] = files[name].replace(old, new)
    assert files[name] != real.revisions.files(real.revision or 0)[name]
    draft = real.revisions.import_draft(files, "editor@example.org", "a try", "console")
    sim, live = _live(app)
    drafted = sim.revision(draft, files)

    def heard_key_points(services: Services) -> list[str]:
        return _last_heard(press(sim, services, start_call(sim, services, CALLER, "en"), "3"))

    assert new in heard_key_points(drafted) and old not in heard_key_points(drafted)
    assert old in heard_key_points(live) and new not in heard_key_points(live)
    assert sim.revision(draft, files) is drafted, "kept by its words' digest"


# --- the pages, through the console (signed in, CSRF, forms as a browser without JavaScript posts them) ---------

_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def _form_state(html: str) -> dict[str, str]:
    """The hidden fields of the page's last form (the speech form: the call state and the CSRF token)."""
    return {name: unescape(value) for name, value in _HIDDEN.findall(html)}


def _post(client: FlaskClient, path: str, state: dict[str, str], **fields: str) -> str:
    response = client.post(path, data={**state, **fields})
    assert response.status_code == 200, response.get_data(as_text=True)[-800:]
    return response.get_data(as_text=True)


def test_try_it_needs_an_editor_and_a_csrf_token(console_app: Flask, staff_client) -> None:
    anonymous = console_app.test_client()
    assert anonymous.get("/console/try").status_code == 302
    assert anonymous.get("/console/try/text").status_code == 302
    editor = staff_client("editor")
    assert editor.get("/console/try").status_code == 200
    assert editor.post("/console/try", data={"press": "call"}).status_code == 400
    assert editor.post("/console/try/text", data={"body": "STOP"}).status_code == 400


def test_a_call_through_the_console_pages_reaches_a_section_in_spanish(console_app: Flask, staff_client) -> None:
    client = staff_client("editor")
    spanish = _real(console_app).line.language("es")
    state = _form_state(client.get("/console/try").get_data(as_text=True))
    html = _post(client, "/console/try", {"csrf_token": state["csrf_token"]}, press="call", language="",
                 caller="+15555550123")
    assert "Para español, oprima 2." in html and "TwiML of this answer" in html
    html = _post(client, "/console/try", _form_state(html), press=spanish.choice_key)
    assert escape(spanish.prompt("welcome")[0]) in html
    html = _post(client, "/console/try", _form_state(html), press="3")
    assert escape(spanish.topics["key-points"].voice_parts[0]) in html
    assert "Para español, oprima 2." in html, "the transcript so far travels with the page"
    spanish_repeat = _real(console_app).line.flow.keys["repeat"]
    for _ in range(KEPT_TURNS):  # a long call: the page keeps carrying only its latest turns
        html = _post(client, "/console/try", _form_state(html), press=spanish_repeat)
    assert "Only the latest steps of this call are shown." in html and "Para español, oprima 2." not in html
    html = _post(client, "/console/try", _form_state(html), press="hang-up")
    assert "You hang up." in html and 'name="press" value="1"' not in html


def test_the_text_simulator_page_answers_and_stop_leaves_the_real_number_alone(console_app: Flask,
                                                                               staff_client) -> None:
    real = _real(console_app)
    before = _every_row(console_app)
    client = staff_client("editor")
    token = _form_state(client.get("/console/try/text").get_data(as_text=True))["csrf_token"]
    html = _post(client, "/console/try/text", {"csrf_token": token}, number=CALLER, body="STOP")
    html = _post(client, "/console/try/text", _form_state(html), number=CALLER, body="AYUDA")
    assert escape(compliance_reply(real.line.language("es"), "help", real.texts.policy)) in html
    after = _every_row(console_app)
    assert {table: rows for table, rows in after.items() if table not in CONSOLE_TABLES} == \
        {table: rows for table, rows in before.items() if table not in CONSOLE_TABLES}
    assert not real.texts.store.number(real.texts.hasher(CALLER)).opted_out


def test_a_revision_that_cannot_be_served_is_said_not_raised(console_app: Flask, staff_client) -> None:
    real = _real(console_app)
    files = real.revisions.files(real.revision or 0)
    files[f"{CONTENT}/flow.txt"] = "menu.main: nowhere\n"
    draft = real.revisions.import_draft(files, "editor@example.org", "broken", "console")
    client = staff_client("editor")
    token = _form_state(client.get("/console/try").get_data(as_text=True))["csrf_token"]
    response = client.post("/console/try", data={"csrf_token": token, "press": "call", "revision": str(draft)})
    assert response.status_code == 400 and "cannot be tried" in response.get_data(as_text=True)


def test_audio_that_exists_is_played_from_this_app_and_read_as_its_words(tmp_path: Path) -> None:
    app = build_app(tmp_path, AUDIO_DIR=str(tmp_path / "audio"), **console_environ())
    real = _real(app)
    english = real.line.language("en")
    welcome = english.prompt("welcome")[0]
    name = add_audio(real.audio.folder, english, welcome)
    client = app.test_client()
    assert sign_in_client(client, new_staff(app, "editor")).status_code == 302
    token = _form_state(client.get("/console/try").get_data(as_text=True))["csrf_token"]
    html = _post(client, "/console/try", {"csrf_token": token}, press="call", language="en")
    assert f'<Play>{TEST_BASE}/audio/{name}</Play>' in unescape(html), "the TwiML is the line's own"
    assert f'src="/audio/{name}"' in html and escape(welcome) in html
    assert client.get(f"/audio/{name}").status_code == 200, "the browser plays it from this app"


def test_key_8_on_the_console_page_shows_what_would_be_texted_and_sends_nothing(
        tmp_path: Path, fake_twilio: FakeTwilioApi) -> None:
    app = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url,
                    **console_environ())
    client = app.test_client()
    assert sign_in_client(client, new_staff(app, "editor")).status_code == 302
    token = _form_state(client.get("/console/try").get_data(as_text=True))["csrf_token"]
    html = _post(client, "/console/try", {"csrf_token": token}, press="call", language="en", caller=CALLER)
    html = _post(client, "/console/try", _form_state(html), press="3")
    html = _post(client, "/console/try", _form_state(html), press=_real(app).line.flow.keys["text"])
    assert f"Would have texted {CALLER}" in html
    assert escape(_real(app).line.language("en").topics["key-points"].text_messages[0][:40]) in html
    assert fake_twilio.requests == []


def test_simulated_calls_at_once_each_see_only_their_own_text(tmp_path: Path, fake_twilio: FakeTwilioApi) -> None:
    """Many staff pressing 8 at the same moment: each call's page shows its own recorded text, none goes out."""
    app = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url,
                    SMS_LIMIT_PER_MINUTE="100")
    sim, services = _live(app)
    callers = [f"+1555555{index:04d}" for index in range(CALLS_AT_ONCE)]
    in_sections = [press(sim, services, start_call(sim, services, caller, "en"), "3") for caller in callers]
    barrier = threading.Barrier(CALLS_AT_ONCE)

    def text_me(state: CallState) -> CallState:
        barrier.wait()
        return press(sim, services, state, services.line.flow.keys["text"])

    with ThreadPoolExecutor(CALLS_AT_ONCE) as pool:
        done = list(pool.map(text_me, in_sections))
    for caller, state in zip(callers, done, strict=True):
        assert [sent[0] for page in state.turns[-1].pages for sent in page.texted] == [caller]
    assert fake_twilio.requests == []


def test_key_0_rings_nobody_and_goes_on_as_twilio_does_when_no_one_answers(tmp_path: Path) -> None:
    app = build_app(tmp_path, STAFF_PHONE_NUMBER="+15005550001")
    sim, services = _live(app)
    english = services.line.language("en")
    state = press(sim, services, start_call(sim, services, CALLER, "en"), services.line.flow.keys["person"])
    [ringing, back] = state.turns[-1].pages
    assert ringing.dialled == "+15005550001"
    assert english.prompt("person.connecting")[0] in [part.text for part in ringing.parts]
    assert english.prompt("person.unanswered")[0] in [part.text for part in back.parts]
    assert state.in_call, "back at the main menu, waiting for a key"
