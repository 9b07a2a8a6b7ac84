"""Where a caller goes next: a choice made in one place of the call, decided into the page to play. Pure.

The routes read Twilio's parameters, ask `next_step` (or `after_language`) and render the Step; which usage
events are counted and which side effect runs (a text, remembering the language) is decided here, so the whole
call flow is one table test (tests/cases/voice_navigation.tsv) without HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ivr.content.model import MAIN_MENU, Language, Line
from ivr.store.usage import Event
from ivr.voice.choosing import Choice

# The VoicePages method that plays next; its keyword arguments are Step.arguments.
Page = Literal["choices", "confirm", "part", "topic", "resume", "language_choice", "person"]
# What the route does besides playing the page: text the topic, or remember the caller's language.
Effect = Literal["text", "remember-language"]


@dataclass(frozen=True)
class Step:
    """The page to play and what to note on the way; `notice` is a prompt said first (for a text: its outcome)."""

    page: Page
    arguments: dict[str, Any] = field(default_factory=dict)
    events: tuple[Event, ...] = ()  # usage events to count for this request
    call_place: tuple[str, str] | None = None  # where the call is now, when the choice moved it
    notice: str | None = None
    effect: Effect | None = None


def next_step(line: Line, language: Language, topic: str, index: int | None, choice: Choice, attempt: int) -> Step:
    """What follows `choice` at `topic`: on its choices page (index None) or while its part `index` plays."""
    if index is None:
        return _from_choices(line, language, topic, choice, attempt)
    return _from_part(line, language, topic, index, choice)


def _from_choices(line: Line, language: Language, topic: str, choice: Choice, attempt: int) -> Step:
    here = {"language": language, "topic_id": topic}
    if choice.kind in ("nothing", "wrong"):
        # no choice: ask again, counting the try (the page says goodbye after the last one)
        reason = "silence" if choice.kind == "nothing" else "wrong"
        events, call_place = _unanswered(line, reason, language.code, topic, attempt)
        return Step("choices", {**here, "attempt": attempt + 1, "reason": reason}, events, call_place)
    if choice.kind == "confirm" and choice.unsure:
        # heard with low confidence: ask whether that is what was said
        return Step("confirm", {**here, "attempt": attempt, "unsure": choice.unsure})
    if choice.kind == "declined":
        # it was not what the caller said: offer the same choices again, no mistake counted
        return Step("choices", {**here, "attempt": attempt})
    if choice.kind == "repeat" and not line.flow.menus.get(topic):
        # the end of a section has no menu to repeat: play its last part again
        return Step("part", {**here, "index": len(language.topics[topic].voice_parts) - 1})
    return _leave(language, topic, None, choice, line)


def _from_part(line: Line, language: Language, topic: str, index: int, choice: Choice) -> Step:
    here = {"language": language, "topic_id": topic}
    if choice.kind == "nothing":
        if index + 1 < len(language.topics[topic].voice_parts):
            # the part played out: on to the next one
            return Step("part", {**here, "index": index + 1})
        # the last part played out: the section's choices
        return Step("choices", here, (Event("voice", "finished", language.code, topic),))
    if choice.kind == "wrong":
        # a key that means nothing here: say so and play the part again
        return Step("part", {**here, "index": index}, (Event("voice", "wrong-key", language.code, topic),),
                    notice="reprompt.wrong")
    if choice.kind == "repeat":
        # play this part again
        return Step("part", {**here, "index": index})
    if choice.kind == "confirm" and choice.unsure:
        # heard with low confidence: ask whether that is what was said
        return Step("confirm", {**here, "attempt": 1, "unsure": choice.unsure})
    return _leave(language, topic, index, choice, line)


def _leave(language: Language, topic: str, index: int | None, choice: Choice, line: Line) -> Step:
    """A choice that leaves this place: a topic, back, main, text, person, language or help."""
    here = {"language": language, "topic_id": topic}
    if choice.kind == "topic" and choice.topic:
        # a topic by key or by name: open it
        return Step("topic", {"language": language, "topic_id": choice.topic},
                    (Event("voice", "opened", language.code, choice.topic),), (language.code, choice.topic))
    if choice.kind == "back":
        # one level up
        return Step("choices", {"language": language, "topic_id": line.flow.parent(topic)})
    if choice.kind == "main":
        # the main menu
        return Step("choices", {"language": language, "topic_id": MAIN_MENU})
    if choice.kind == "text":
        # text the topic, then go on from the next part (the outcome is the notice)
        following = None if index is None or index + 1 >= len(language.topics[topic].voice_parts) else index + 1
        return Step("resume", {**here, "index": following}, effect="text")
    if choice.kind == "language":
        # ask the language question again
        return Step("language_choice", {}, (Event("voice", "language-change", language.code, topic),),
                    ("", "language"))
    if choice.kind == "person":
        # put the caller through to staff, or say how to reach a person
        return Step("person", {**here, "index": index}, (Event("voice", "person", language.code, topic),))
    if choice.kind == "help":
        # say what the keys do, then go on from here
        return Step("resume", {**here, "index": index, "with_keys": True})
    # repeat, from a menu: its choices again
    return Step("choices", here)


def after_language(line: Line, language: Language | None, answered: bool, attempt: int) -> Step:
    """What follows the language question: the chosen language's main menu, or the question again."""
    if language is not None:
        # a language chosen: remember it for the next call and welcome the caller in it
        return Step("choices", {"language": language, "topic_id": MAIN_MENU, "welcome": True},
                    (Event("voice", "language-chosen", language.code, ""),), (language.code, MAIN_MENU),
                    effect="remember-language")
    reason = "wrong" if answered else "silence"
    events, call_place = _unanswered(line, reason, "", "language", attempt)
    return Step("language_choice", {"attempt": attempt + 1, "reason": reason}, events, call_place)


def _unanswered(line: Line, reason: str, language: str, place: str,
                attempt: int) -> tuple[tuple[Event, ...], tuple[str, str] | None]:
    """A wrong key or a silence, and whether it was the last try (the line then says goodbye)."""
    mistake = Event("voice", "wrong-key" if reason == "wrong" else "silence", language, place)
    if attempt + 1 > line.flow.tries:
        given_up = Event("voice", "out-of-tries", language, place)
        return (mistake, given_up), (language, f"{place} (after {line.flow.tries} tries)")
    return (mistake,), None
