"""What a caller's key press or words mean in a given place of the call. Pure: no HTTP, no TwiML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from ivr.content.model import MAIN_MENU, NAVIGATION_ACTIONS, Language, Line
from ivr.matching import best_match

CONFIRM_BELOW = 0.5  # a spoken choice heard with less confidence is asked back, not acted on or called wrong
CONFIRM_KEY = "1"  # "Did you say key points? If so, press 1"


# The navigation actions a key or words can ask for anywhere, in the order of content/model.py NAVIGATION_ACTIONS.
Action = Literal["repeat", "back", "main", "text", "person", "language", "help"]
# 'topic' (go to .topic), an Action, 'nothing' (silence), 'wrong', 'confirm' (ask whether .unsure is what was said)
# or 'declined' (it was not: ask again).
Kind = Literal["topic", Action, "nothing", "wrong", "confirm", "declined"]
ACTIONS: tuple[Action, ...] = get_args(Action)


@dataclass(frozen=True)
class Choice:
    """What the caller chose: see Kind."""

    kind: Kind
    topic: str | None = None
    unsure: Choice | None = None

    @property
    def meaning(self) -> str:
        """How the choice travels in a URL and reads in the test table: 'topic:key-points', 'back'."""
        return f"{self.kind}:{self.topic}" if self.topic else self.kind


NOTHING = Choice("nothing")
WRONG = Choice("wrong")
DECLINED = Choice("declined")


def from_meaning(language: Language, meaning: str) -> Choice | None:
    """The choice a URL's `confirm` names, or None when it names nothing this language has (an odd URL)."""
    kind, _, topic = meaning.partition(":")
    if kind == "topic" and topic in language.topics and topic != MAIN_MENU:
        return Choice("topic", topic)
    action = _action(kind)
    return Choice(action) if action and not topic else None


def _action(name: str | None) -> Action | None:
    """The navigation action `name` names, typed as one; None for anything else."""
    return next((action for action in ACTIONS if action == name), None)


def interpret(line: Line, language: Language, options: tuple[str, ...], digits: str, speech: str,
              confidence: str | None, unsure: Choice | None = None) -> Choice:
    """Map Digits or SpeechResult to a Choice; `options` are the content options on offer here.

    `unsure` is the choice the caller was just asked to confirm ("Did you say key points?").
    """
    digits, speech = (digits or "").strip(), (speech or "").strip()
    if unsure is not None and (digits[:1] == CONFIRM_KEY or (speech and _is_yes(language, speech))):
        return unsure  # the caller confirmed what the line was unsure it heard
    if digits:
        return _from_key(line, options, digits[0])
    if not speech:
        return NOTHING
    choice = _from_words(line, language, options, speech)
    if choice is WRONG and unsure is not None:
        return DECLINED  # "no", or anything else that is no choice: ask the menu again, it is no mistake
    if choice is not WRONG and _unsure(confidence):
        return Choice("confirm", unsure=choice)  # a low-confidence guess is asked back, not acted on
    return choice


def _from_key(line: Line, options: tuple[str, ...], key: str) -> Choice:
    if key in "123456789" and int(key) <= len(options):
        return Choice("topic", options[int(key) - 1])
    action = _action(line.flow.action_for_key(key))
    return Choice(action) if action else WRONG


def _from_words(line: Line, language: Language, options: tuple[str, ...], speech: str) -> Choice:
    """Navigation words, the options on offer, and any other topic by name ("school" from the main menu)."""
    candidates: list[tuple[Choice, tuple[str, ...]]] = [
        (Choice(action), language.nav_speech.get(action, ())) for action in ACTIONS
    ]
    for topic in language.topics.values():
        if topic.id != MAIN_MENU:
            candidates.append((Choice("topic", topic.id), (topic.title, *topic.speech)))
    # "help" competes only with every topic: "how does O T help" means the topic even where it is not on offer
    on_offer = [(choice, phrases) for choice, phrases in candidates
                if choice.topic in options or (choice.topic is None and choice.kind != "help")]
    return best_match(speech, on_offer) or best_match(speech, candidates) or WRONG


def _is_yes(language: Language, speech: str) -> bool:
    return best_match(speech, [(True, language.yes_words)]) is True


def _unsure(confidence: str | None) -> bool:
    """Twilio's Confidence is optional: a missing or unreadable one is no reason to doubt."""
    try:
        return confidence is not None and confidence != "" and float(confidence) < CONFIRM_BELOW
    except ValueError:
        return False


def offered_actions(line: Line, staff_number: str | None, texting: bool) -> tuple[str, ...]:
    """The navigation keys worth telling a caller about: only what works on this line.

    0 and 8 still answer everywhere (how to reach a person, why no text was sent); they are just
    not offered where they would lead nowhere.
    """
    offered = []
    for action in NAVIGATION_ACTIONS:
        if action == "help":
            continue  # the list is what the help key says; naming itself there would be noise
        if action == "text" and not texting:
            continue  # texting is not set up: the key would only say so
        if action == "person" and not staff_number:
            continue  # no staff number: the key would only say to ask the care team
        if action == "language" and len(line.languages) < 2:
            continue  # one language: nothing to choose
        offered.append(action)
    return tuple(offered)


def speech_hints(language: Language, options: tuple[str, ...]) -> str:
    """Words Twilio should listen for here: the options' phrases and the navigation words."""
    phrases: list[str] = []
    for topic_id in options:
        topic = language.topics[topic_id]
        phrases.extend((topic.title, *topic.speech))
    for action in NAVIGATION_ACTIONS:
        phrases.extend(language.nav_speech.get(action, ()))
    phrases.extend(language.yes_words)
    return _hints(phrases)


def choose_language(line: Line, digits: str, speech: str) -> Language | None:
    """The language a caller picked by its key, or by saying it in any language ("Spanish", "español", "2").

    All languages compete at once, so a near miss between two names is no choice rather than a guess.
    """
    digits, speech = (digits or "").strip(), (speech or "").strip()
    if digits:
        return next((language for language in line.languages.values() if language.choice_key == digits[0]), None)
    if not speech:
        return None
    names = [(language.code, (language.choice_key, *language.choice_words)) for language in line.languages.values()]
    code = best_match(speech, names)
    return line.languages[code] if code else None


def language_hints(line: Line) -> str:
    """One Gather hears one language, so its hints name every language in each way a caller may say it."""
    return _hints([word for language in line.languages.values() for word in language.choice_words])


def _hints(phrases: list[str]) -> str:
    """Twilio's hints: comma-separated, at most 500 phrases of at most 100 characters."""
    unique = dict.fromkeys(" ".join(phrase.replace(",", " ").split())[:100] for phrase in phrases if phrase)
    return ", ".join(list(unique)[:500])
