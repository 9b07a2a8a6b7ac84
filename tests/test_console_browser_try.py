"""Try it in a real browser: the phone simulator by keyboard and clicks in both languages, the text simulator,
the same with JavaScript off, audio played in order; axe on each page, screenshots try-phone and try-text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from ivr.line_assembly import audio_url_prefix
from ivr.audio.catalog import ManifestCatalog
from ivr.audio.folder import AudioFolder
from tests.browser import Check, ConsoleServer, Shoot, SignIn, sign_in_through_form
from tests.shipped import shipped_line
from tests.audio_fakes import add_audio

LINE = shipped_line()
ENGLISH, SPANISH = LINE.language("en"), LINE.language("es")


def _latest(page: Page):
    return page.locator(".turn.latest")


def test_the_phone_simulator_reaches_a_topic_by_keyboard_and_clicks_in_both_languages(
        page: Page, console_server: ConsoleServer, sign_in: SignIn, check_accessibility: Check,
        screenshot: Shoot) -> None:
    sign_in(page, console_server, "editor")
    page.goto(f"{console_server.url}/console/try")
    expect(page.get_by_role("link", name="Try it")).to_have_attribute("aria-current", "page")
    check_accessibility(page)
    page.get_by_role("button", name="Call the line").click()
    expect(_latest(page)).to_contain_text("Para español, oprima 2.")
    page.keyboard.press(SPANISH.choice_key)  # typed on the keyboard: the keypad's key is pressed
    expect(_latest(page)).to_contain_text(SPANISH.prompt("welcome")[0])
    expect(page.get_by_role("button", name="2", exact=True)).to_be_focused()
    page.get_by_role("button", name="3", exact=True).click()
    expect(_latest(page)).to_contain_text(SPANISH.topics["key-points"].voice_parts[0])
    expect(page.locator("#simulator-status")).to_contain_text(SPANISH.topics["key-points"].voice_parts[0][:30])
    check_accessibility(page)
    screenshot(page, "try-phone")

    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Start a new call").click()
    expect(_latest(page)).to_contain_text(ENGLISH.prompt("welcome")[0])
    page.get_by_role("button", name="3", exact=True).focus()
    page.keyboard.press("Enter")  # a keypad key is a real button: Enter presses it
    expect(_latest(page)).to_contain_text(ENGLISH.topics["key-points"].voice_parts[0])
    page.get_by_label("What the caller says").fill("go back")
    page.keyboard.press("Enter")
    expect(_latest(page)).to_contain_text("You say: “go back”")
    page.get_by_label("What the caller says").fill("key points")
    page.get_by_role("button", name="Say it unclearly").click()
    expect(_latest(page)).to_contain_text("You say, and the line hears it unclearly: “key points”")
    expect(_latest(page)).to_contain_text("Did you say")
    expect(page.get_by_label("What the caller says")).to_be_focused()  # ready for "yes"
    page.get_by_role("button", name="Stay silent").click()
    expect(_latest(page)).to_contain_text("You stay silent")
    page.get_by_role("button", name="Hang up").click()
    expect(_latest(page)).to_contain_text("The call has ended.")
    expect(page.get_by_role("button", name="Stay silent")).to_have_count(0)


def test_the_text_simulator_answers_keypoints_and_ayuda(page: Page, console_server: ConsoleServer, sign_in: SignIn,
                                                        check_accessibility: Check, screenshot: Shoot) -> None:
    sign_in(page, console_server, "editor")
    page.goto(f"{console_server.url}/console/try")
    page.get_by_role("link", name="Text messages").click()
    check_accessibility(page)
    page.get_by_label("Text", exact=True).fill("KEYPOINTS")
    page.keyboard.press("Enter")
    expect(page.locator(".chat .from-line").last).to_contain_text(ENGLISH.topics["key-points"].text_messages[0][:40])
    expect(page.get_by_label("Text", exact=True)).to_be_focused()
    page.get_by_label("Text", exact=True).fill("AYUDA")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chat .from-line").last).to_contain_text("PARAR")
    check_accessibility(page)
    screenshot(page, "try-text")


def test_the_phone_simulator_works_with_javascript_off(browser: Browser, console_server: ConsoleServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in_through_form(page, console_server, "editor")
        page.goto(f"{console_server.url}/console/try")
        page.get_by_role("button", name="Call the line").click()
        page.get_by_role("button", name=ENGLISH.choice_key, exact=True).click()
        page.get_by_role("button", name="3", exact=True).click()
        expect(_latest(page)).to_contain_text(ENGLISH.topics["key-points"].voice_parts[0])
        expect(page.locator(".transcript > li")).to_have_count(3)
    finally:
        context.close()


def test_the_audio_of_a_page_plays_as_the_line_answers(page: Page, console_server: ConsoleServer, sign_in: SignIn,
                                                       tmp_path: Path) -> None:
    """Where the line has audio, it plays in order as the line answers (from this app, under the console's CSP)."""
    real = console_server.app.extensions["otline"]
    settings = replace(console_server.app.config["SETTINGS"], audio_dir=tmp_path / "audio")  # not the project's
    audio = ManifestCatalog(AudioFolder(settings.audio_dir), audio_url_prefix(settings))
    console_server.app.config["SETTINGS"] = settings
    console_server.app.extensions["otline"] = replace(real, pages=replace(real.pages, audio=audio))
    english = real.line.language("en")
    name = add_audio(audio.folder, english, english.prompt("welcome")[0])
    sign_in(page, console_server, "editor")
    page.goto(f"{console_server.url}/console/try")
    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Call the line").click()
    played = page.locator(".latest audio")
    expect(played).to_have_attribute("src", f"/audio/{name}")
    page.wait_for_function("() => document.querySelector('.latest audio').currentTime > 0", timeout=10_000)
