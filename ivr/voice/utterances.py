"""Every sentence the voice line can say, rendered exactly as the pages render it.

The unit of pre-generated audio is the final text of one part, with its {placeholders} filled. The
pages fill templates only through the functions below, and `utterances` calls the same functions
for every value the flow allows, so the audio build cannot miss a sentence the pages say (a test
crawls the call to prove it).
"""

from __future__ import annotations

from typing import Iterator

from ivr.audio.build import Utterance
from ivr.content.checks import TEXT_PROMPT_PREFIX
from ivr.content.model import MAIN_MENU, NAVIGATION_ACTIONS, Language, Line, Topic
from ivr.voice.choosing import ACTIONS, CONFIRM_KEY, Choice


def language_choice_prompt(language: Language) -> tuple[str, ...]:
    return language.prompt("language-choice", key=language.key_word(language.choice_key))


def language_switch_prompt(line: Line, language: Language) -> tuple[str, ...]:
    """The language question's own line with the language key: "Para español, oprima numeral."."""
    return language.prompt("language-choice", key=language.key_word(line.flow.keys["language"]))


def option_prompts(language: Language, options: tuple[str, ...]) -> tuple[str, ...]:
    """A menu's options in order, each described before its key (1, 2, ...)."""
    return tuple(part for key, option in enumerate(options, start=1)
                 for part in language.prompt("option", label=language.topics[option].title, key=str(key)))


def navigation_prompt(line: Line, language: Language, action: str) -> tuple[str, ...]:
    return language.prompt(f"nav.{action}", key=language.key_word(line.flow.keys[action]))


def short_navigation_prompt(line: Line, language: Language) -> tuple[str, ...]:
    keys = line.flow.keys
    return language.prompt("nav.short", repeat=language.key_word(keys["repeat"]), back=language.key_word(keys["back"]))


def confirm_prompt(language: Language, unsure: Choice) -> tuple[str, ...]:
    """"Did you say key points?": a topic by its title, an action by the first words a caller may say for it."""
    if unsure.topic:
        label = language.topics[unsure.topic].title
    else:
        label = language.nav_speech.get(unsure.kind, (unsure.kind,))[0]
    return language.prompt("confirm", label=label, key=CONFIRM_KEY)


def section_end_prompt(language: Language, topic: Topic) -> tuple[str, ...]:
    return language.prompt("section.end", label=topic.title)


FILLED_PROMPTS = {"language-choice", "option", "section.end", "nav.short", "confirm",
                  *(f"nav.{action}" for action in NAVIGATION_ACTIONS)}


def utterances(line: Line, language: Language) -> tuple[Utterance, ...]:
    """Every part the line can say in this language, each once, in a stable order."""
    said = [Utterance("language-choice", text) for text in (*language_choice_prompt(language),
                                                             *language_switch_prompt(line, language))]
    said += [Utterance("nav.short", text) for text in short_navigation_prompt(line, language)]
    unsure = [Choice(action) for action in ACTIONS]
    unsure += [Choice("topic", topic_id) for topic_id in language.topics if topic_id != MAIN_MENU]
    said += [Utterance("confirm", text) for choice in unsure for text in confirm_prompt(language, choice)]
    for options in line.flow.menus.values():
        said += [Utterance("option", text) for text in option_prompts(language, options)]
    for action in NAVIGATION_ACTIONS:
        said += [Utterance(f"nav.{action}", text) for text in navigation_prompt(line, language, action)]
    for topic in language.topics.values():
        if not line.flow.is_menu(topic.id):
            said += [Utterance("section.end", text) for text in section_end_prompt(language, topic)]
    for name in language.prompts:
        if name not in FILLED_PROMPTS and not name.startswith(TEXT_PROMPT_PREFIX):  # sms.* are texts, never spoken
            said += [Utterance(name, text) for text in language.prompt(name)]  # a new placeholder fails here, loudly
    for topic in language.topics.values():
        said += [Utterance(topic.id, text) for text in topic.voice_parts]
    return tuple(dict.fromkeys(said))


def all_utterances(line: Line, only: str | None = None,
                   language_code: str | None = None) -> Iterator[tuple[Language, Utterance]]:
    """What an audio build covers: every utterance of every language, or of one prompt/topic id and/or language."""
    for language in line.languages.values():
        if language_code in (None, language.code):
            for utterance in utterances(line, language):
                if only in (None, utterance.source):
                    yield language, utterance
