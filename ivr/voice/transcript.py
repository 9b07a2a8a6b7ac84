"""What a caller hears, read back from the pages the line really renders (never a second copy of them).

Staff and translators read a first call as text (`flask --app app content transcript`), and
`content check` times each menu from the same pages. The pages are rendered without audio, so each
part is a <Say> with its text and the voice that speaks it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from typing import Callable, Mapping

from twilio.twiml.voice_response import VoiceResponse

from ivr.audio.catalog import NoAudio
from ivr.audio.store import Entry, lookup_key
from ivr.content.model import MAIN_MENU, Language
from ivr.voice.twiml import VoicePages

WORDS_PER_MINUTE = 155  # a neural voice's everyday pace (comfortable listening is 150-200 wpm)
MAIN_MENU_LIMIT_SECONDS = 20.0  # the options of the first menu, welcome excluded
MENU_LIMIT_SECONDS = 15.0  # any other menu


@dataclass(frozen=True)
class Heard:
    """One part as the caller hears it: its words and the voice (and language) that says them."""

    voice: str
    speech_language: str
    text: str
    audio: str | None = None  # the URL a <Play> plays (voice and speech_language are then empty)

    def __str__(self) -> str:
        return f"[{self.voice}, {self.speech_language}] {self.text}"


def heard(response: VoiceResponse) -> list[Heard]:
    """The parts a page says, in order (pages rendered without audio say everything with <Say>)."""
    return heard_in(ET.fromstring(str(response)))


def heard_in(root: ET.Element, audio_texts: Mapping[str, str] | None = None) -> list[Heard]:
    """The parts a TwiML page says, in order: a <Say>'s text, and a <Play>'s words looked up by its URL in
    `audio_texts` (empty when unknown), so a page rendered with audio reads as the same words."""
    parts = []
    for element in root.iter():
        if element.tag == "Say":
            parts.append(Heard(element.get("voice", ""), element.get("language", ""), element.text or ""))
        elif element.tag == "Play":
            url = (element.text or "").strip()
            parts.append(Heard("", "", (audio_texts or {}).get(url, ""), audio=url))
    return parts


def without_audio(pages: VoicePages) -> VoicePages:
    """The same pages (line, staff number, texting) with every part said as text."""
    return replace(pages, audio=NoAudio())


def first_call(pages: VoicePages, language: Language) -> list[tuple[str, list[Heard]]]:
    """A first call, step by step: the language question, the welcome and main menu, every submenu,
    one section to its end, and the goodbye after the last try."""
    pages, line = without_audio(pages), pages.line
    steps = [("The language question", heard(pages.language_choice()))] if len(line.languages) > 1 else []
    steps.append(("The welcome and the main menu", heard(pages.choices(language, MAIN_MENU, welcome=True))))
    steps += [(f"Menu: {language.topics[menu].title}", heard(pages.choices(language, menu)))
              for menu in line.flow.menus if menu != MAIN_MENU]
    section = next(topic for menu in line.flow.menus.values() for topic in menu if not line.flow.is_menu(topic))
    parts = len(language.topics[section].voice_parts)
    steps += [(f"Section: {language.topics[section].title}, part {index + 1} of {parts}",
               heard(pages.part(language, section, index))) for index in range(parts)]
    steps.append((f"The end of {language.topics[section].title}", heard(pages.choices(language, section))))
    steps.append(("Silence after the last try", heard(pages.choices(language, MAIN_MENU, attempt=line.flow.tries + 1,
                                                                   reason="silence"))))
    return steps


@dataclass(frozen=True)
class MenuLength:
    """How long one menu takes to say, and whether that was measured from its audio or estimated."""

    language: str
    menu: str
    seconds: float
    words: int
    measured: bool
    limit: float

    @property
    def too_long(self) -> bool:
        return self.seconds > self.limit

    def __str__(self) -> str:
        how = "from its audio" if self.measured else f"estimated, {self.words} words at {WORDS_PER_MINUTE} a minute"
        return f"menu {self.language}/{self.menu}: {self.seconds:.1f} s ({how}); at most {self.limit:.0f} s"


def spoken_seconds(text: str) -> float:
    """How long the voice takes to say text that has no audio yet: its words at the voice's everyday pace."""
    return len(text.split()) * 60 / WORDS_PER_MINUTE


def menu_lengths(pages: VoicePages, entries: Mapping[str, Entry]) -> list[MenuLength]:
    """Every menu's spoken length (the main menu without the welcome), from real-voice audio where
    every part has it, otherwise from its words."""
    pages, line = without_audio(pages), pages.line
    lengths = []
    for language in line.languages.values():
        by_voice = {(language.voice, language.speech_language): language}
        for menu in line.flow.menus:
            said = heard(pages.choices(language, menu))
            seconds = _audio_seconds(said, by_voice.get, entries)
            words = sum(len(part.text.split()) for part in said)
            limit = MAIN_MENU_LIMIT_SECONDS if menu == MAIN_MENU else MENU_LIMIT_SECONDS
            estimate = spoken_seconds(" ".join(part.text for part in said))
            lengths.append(MenuLength(language.code, menu, estimate if seconds is None else seconds, words,
                                      seconds is not None, limit))
    return lengths


def _audio_seconds(said: list[Heard], language_of: Callable[[tuple[str, str]], Language | None],
                   entries: Mapping[str, Entry]) -> float | None:
    """The sum of the parts' audio durations, or None unless every part has real-voice audio."""
    total = 0.0
    for part in said:
        language = language_of((part.voice, part.speech_language))
        entry = entries.get(lookup_key(part.text, language)) if language else None
        if entry is None or entry.development_only:
            return None
        total += entry.seconds
    return total
