"""The Words page in a real browser: live checks as staff type, saving into a draft, audio players, the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ivr.audio.build import plan, run
from ivr.audio.folder import AudioFolder
from ivr.content.loader import load_line
from ivr.voice.utterances import all_utterances
from tests.browser import Check, ConsoleServer, Shoot, SignIn
from tests.audio_fakes import FakeEngine

ENGLISH = "content/en/topics/key-points.txt"


@pytest.fixture
def server(console_server: ConsoleServer) -> ConsoleServer:
    """The console, with real-voice (fake engine) audio for the English key points only."""
    words = console_server.words
    line = load_line(words / "content", words / "prompts")
    folder, engine = AudioFolder(words / "audio"), FakeEngine()
    jobs, unchanged = plan(all_utterances(line, "key-points", "en"), folder, engine)
    assert not run(jobs, unchanged, engine, folder, workers=2).failed
    return console_server


def test_the_words_page(page: Page, server: ConsoleServer, sign_in: SignIn, check_accessibility: Check,
                        screenshot: Shoot) -> None:
    sign_in(page, server, "editor")
    page.goto(f"{server.url}/console/words")
    expect(page.get_by_role("heading", name="Words", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Edit key-points")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "words")


def test_live_checks_follow_the_typing_and_a_save_makes_a_draft(page: Page, server: ConsoleServer, sign_in: SignIn,
                                                                 check_accessibility: Check, screenshot: Shoot) -> None:
    email = sign_in(page, server, "editor")
    page.goto(f"{server.url}/console/words/key-points")
    english = page.locator("#content-en-topics-key-points")
    checks = english.locator(".checks")
    expect(checks).to_have_attribute("aria-live", "polite")
    first_text = checks.locator("li", has_text="Line 17, [text]")
    expect(first_text).to_contain_text("texted: 305 characters, GSM-7, 2 segment(s)")
    expect(english.locator("audio[controls]")).to_have_count(5)  # its five spoken parts have audio
    expect(page.locator("#content-es-topics-key-points audio")).to_have_count(0)
    check_accessibility(page)
    screenshot(page, "words-topic")

    box = english.get_by_label("Words of en / topics/key-points.txt")
    box.evaluate("""box => {  // the caret after the first text's heading (line 17); arrows move by wrapped line
        const at = box.value.indexOf("Key points about OT:") + "Key points about OT:".length;
        box.focus();
        box.setSelectionRange(at, at);
    }""")
    box.type(" Más.")  # one accented letter makes the whole text UCS-2
    expect(first_text).to_contain_text("UCS-2, 5 segment(s)")  # measured as typed: the revision does not load
    expect(first_text).to_contain_text("this text has characters outside GSM-7 ('á')")
    for _ in range(3):
        box.press("Backspace")
    box.type("as.")  # " Mas.": plain letters again, but five more characters than the two segments held
    expect(first_text).to_contain_text("texted: 310 characters, GSM-7, 3 segment(s)")
    expect(checks).not_to_contain_text("outside GSM-7")
    check_accessibility(page)
    screenshot(page, "words-live-checks")

    english.get_by_role("button", name="Save to a new draft").click()
    expect(page.get_by_role("status")).to_contain_text("Saved en / topics/key-points.txt in revision 2")
    revisions = server.app.extensions["otline"].revisions
    assert revisions.get(2).author == email and "Key points about OT: Mas." in revisions.files(2)[ENGLISH]
    expect(page.get_by_text("Showing your draft, revision 2.")).to_be_visible()


def test_a_keyboard_alone_edits_and_saves(page: Page, server: ConsoleServer, sign_in: SignIn) -> None:
    sign_in(page, server, "editor")
    page.goto(f"{server.url}/console/words")
    page.get_by_role("link", name="Edit about", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/words/about")
    box = page.get_by_label("Words of en / topics/about.txt")
    for _ in range(40):  # Tab from the top of the page until the English box has the focus
        page.keyboard.press("Tab")
        if box.evaluate("element => element === document.activeElement"):
            break
    expect(box).to_be_focused()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# A note for the reviewer.\n")
    page.keyboard.press("Tab")  # Check
    page.keyboard.press("Tab")  # Save
    expect(page.locator(":focus")).to_have_text("Save to a new draft")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved en / topics/about.txt in revision 2.")
    files = server.app.extensions["otline"].revisions.files(2)
    assert files["content/en/topics/about.txt"].endswith("# A note for the reviewer.\n")
