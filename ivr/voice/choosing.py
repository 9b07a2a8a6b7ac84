"""What a caller's key press or words mean in a given place of the call. Pure: no HTTP, no TwiML."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.content.model import MAIN_MENU, NAVIGATION_ACTIONS, Language, Line
from ivr.matching import best_match

MIN_SPEECH_CONFIDENCE = 0.3  # below this, Twilio's guess is more likely wrong than right


@dataclass(frozen=True)
class Choice:
    """One of: 'topic' (go to .topic), a navigation action, 'nothing' (silence) or 'wrong'."""

    kind: str
    topic: str | None = None


NOTHING = Choice("nothing")
WRONG = Choice("wrong")


def interpret(line: Line, language: Language, options: tuple[str, ...], digits: str, speech: str, confidence: str | None) -> Choice:
    """Map Digits or SpeechResult to a Choice; `options` are the content options on offer here."""
    digits, speech = (digits or "").strip(), (speech or "").strip()
    if digits:
        return _from_key(line, options, digits[0])
    if speech:
        if _too_unsure(confidence):
            return WRONG
        return _from_words(line, language, options, speech)
    return NOTHING


def _from_key(line: Line, options: tuple[str, ...], key: str) -> Choice:
    if key in "123456789" and int(key) <= len(options):
        return Choice("topic", options[int(key) - 1])
    action = line.flow.action_for_key(key)
    return Choice(action) if action else WRONG


def _from_words(line: Line, language: Language, options: tuple[str, ...], speech: str) -> Choice:
    """Navigation words, the options on offer, and any other topic by name ("school" from the main menu)."""
    candidates: list[tuple[Choice, tuple[str, ...]]] = [
        (Choice(action), language.nav_speech.get(action, ())) for action in NAVIGATION_ACTIONS
    ]
    for topic in language.topics.values():
        if topic.id != MAIN_MENU:
            candidates.append((Choice("topic", topic.id), (topic.title, *topic.speech)))
    on_offer = [(choice, phrases) for choice, phrases in candidates if choice.topic is None or choice.topic in options]
    return best_match(speech, on_offer) or best_match(speech, candidates) or WRONG


def _too_unsure(confidence: str | None) -> bool:
    try:
        return confidence is not None and confidence != "" and float(confidence) < MIN_SPEECH_CONFIDENCE
    except ValueError:
        return False


def speech_hints(language: Language, options: tuple[str, ...]) -> str:
    """Words Twilio should listen for here: the options' phrases and the navigation words."""
    phrases: list[str] = []
    for topic_id in options:
        topic = language.topics[topic_id]
        phrases.extend((topic.title, *topic.speech))
    for action in NAVIGATION_ACTIONS:
        phrases.extend(language.nav_speech.get(action, ()))
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
    code = best_match(speech, [(language.code, (language.choice_key, *language.choice_words)) for language in line.languages.values()])
    return line.languages[code] if code else None


def language_hints(line: Line) -> str:
    """One Gather hears one language, so its hints name every language in each way a caller may say it."""
    return _hints([word for language in line.languages.values() for word in language.choice_words])


def _hints(phrases: list[str]) -> str:
    """Twilio's hints: comma-separated, at most 500 phrases of at most 100 characters."""
    unique = dict.fromkeys(" ".join(phrase.replace(",", " ").split())[:100] for phrase in phrases if phrase)
    return ", ".join(list(unique)[:500])
