"""The immutable description of the line that both channels render: topics, menus, prompts, languages.

Built once by the loader from the staff files; nothing here is edited at run time, so it is safe to
share between threads and requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

NAVIGATION_ACTIONS = ("repeat", "back", "main", "text", "person", "language", "help")
MAIN_MENU = "main"


def frozen_map(items: Mapping) -> Mapping:
    """A read-only view, so a model handed to a request cannot be changed by it."""
    return MappingProxyType(dict(items))


@dataclass(frozen=True)
class Topic:
    """One thing the line can tell: a menu's own words or a section of the guide."""

    id: str
    title: str
    speech: tuple[str, ...]
    keywords: tuple[str, ...]
    voice_parts: tuple[str, ...]
    text_messages: tuple[str, ...]
    extra: Mapping[str, str] = field(default_factory=lambda: frozen_map({}))


@dataclass(frozen=True)
class Language:
    """Everything the line says in one language, and how that language is spoken and heard."""

    code: str
    name: str
    choice_key: str
    voice: str
    speech_language: str
    tts_language: str
    tts_tld: str
    key_names: Mapping[str, str]
    nav_speech: Mapping[str, tuple[str, ...]]
    prompts: Mapping[str, tuple[str, ...]]
    topics: Mapping[str, Topic]
    # What a caller may say to choose this language, in any language ("Spanish", "español"); includes the name.
    choice_words: tuple[str, ...] = ()
    # This language's own words for opting out, back in, and asking for help by text ("PARAR", "AYUDA").
    compliance_words: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: frozen_map({}))
    # Words around an opt-out word that make a text a request to stop, and phrases that are one on their own
    # (opt-out.after, opt-out.before, opt-out.phrases; see ivr/text_rules/revocation.py).
    opt_out_context: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: frozen_map({}))
    more_words: tuple[str, ...] = ()  # texted to get the next part of a section ("MORE")
    yes_words: tuple[str, ...] = ()  # said to confirm a choice the line was unsure it heard ("yes")
    gsm_only: bool = True  # texts must stay in GSM-7 (English); UCS-2 costs 67 characters a segment

    def prompt(self, name: str, **values: str) -> tuple[str, ...]:
        """The parts of a prompt with its {placeholders} filled in."""
        return tuple(part.format(**values) for part in self.prompts[name])

    def key_word(self, key: str) -> str:
        """How a key is said: digits as they are, symbols by their word ("star")."""
        return self.key_names.get(key, key)


@dataclass(frozen=True)
class Flow:
    """The call tree and navigation keys, the same in every language."""

    menus: Mapping[str, tuple[str, ...]]
    keys: Mapping[str, str]
    parents: Mapping[str, str]
    menu_wait_seconds: int
    part_wait_seconds: int
    tries: int

    def is_menu(self, topic_id: str) -> bool:
        return topic_id in self.menus

    def parent(self, topic_id: str) -> str:
        return self.parents.get(topic_id, MAIN_MENU)

    def action_for_key(self, key: str) -> str | None:
        return next((action for action, bound in self.keys.items() if bound == key), None)


@dataclass(frozen=True)
class Line:
    """The whole line: its flow and its languages, in the order callers are offered them."""

    flow: Flow
    languages: Mapping[str, Language]

    @property
    def default_language(self) -> Language:
        return next(iter(self.languages.values()))

    def language(self, code: str | None) -> Language:
        """The language with this code, or the default one for an unknown or missing code."""
        return self.languages.get(code or "", self.default_language)
