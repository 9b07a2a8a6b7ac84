"""Reads prompts/<language>.txt: a language's settings, its words for keys and actions, and its prompts.

The language's topics are read by topics_file.py; loader.py puts the two together.
"""

from __future__ import annotations

import string
from pathlib import Path

from ivr.content.checks import TEXT_PROMPT_PREFIX, TextRules, check_voice_part, spoken, text_message
from ivr.content.model import NAVIGATION_ACTIONS, Language, frozen_map
from ivr.content.staff_file import StaffFile, StaffReader, Value, split_list

# Every prompt the engine says, and the {placeholders} each may use.
PROMPT_PLACEHOLDERS: dict[str, set[str]] = {
    "language-choice": {"key"},
    "welcome": set(),
    "option": {"label", "key"},
    "nav.repeat": {"key"},
    "nav.back": {"key"},
    "nav.main": {"key"},
    "nav.text": {"key"},
    "nav.person": {"key"},
    "nav.language": {"key"},
    "nav.help": {"key"},
    "nav.short": {"repeat", "back"},
    "nav.speech": set(),
    "keys.intro": set(),
    "confirm": {"label", "key"},
    "reprompt.silence": set(),
    "reprompt.wrong": set(),
    "section.end": {"label"},
    "goodbye.no-choice": set(),
    "goodbye": set(),
    "person.connecting": set(),
    "person.unanswered": set(),
    "person.none": set(),
    "place.changed": set(),
    "text.unavailable": set(),
    "text.sent": set(),
    "text.opted-out": set(),
    "text.no-caller-id": set(),
    "text.cannot-receive": set(),
    "text.too-many": set(),
    "text.failed": set(),
    "text.over-budget": set(),
    "text.country": set(),
    "sms.help": {"contact"},
    "sms.contact": set(),
    "sms.start": set(),
    "sms.stopped": set(),
    "sms.more": {"part", "parts", "next"},
    "sms.last": {"part", "parts"},
    "sms.no-more": set(),
    "sms.limit-minute": set(),
    "sms.limit-day": set(),
    "error": set(),
}
LANGUAGE_FIELDS = ("name", "choice-key", "voice", "speech-language", "tts-language", "tts-tld", "keywords.more")
COMPLIANCE_KINDS = ("stop", "start", "help")
OPT_OUT_CONTEXT = {"opt-out.after": ",", "opt-out.before": ",", "opt-out.phrases": "|",  # field: its separator
                   "opt-out.alone": ","}
OPTIONAL_LANGUAGE_FIELDS = ("choice-words", "yes-words", "text-encoding",
                            *(f"keywords.{kind}" for kind in COMPLIANCE_KINDS), *OPT_OUT_CONTEXT)
TEXT_ENCODINGS = ("GSM-7", "UCS-2")  # optional field text-encoding; GSM-7 unless a language needs more letters
SAMPLE_PART_NUMBER = 99  # fills {part}, {parts}, {next} when measuring the part line, with room to spare


def load_language(prompt_path: Path, reader: StaffReader) -> Language:
    """The language this prompts file describes, without its topics yet (topics_file.py reads them)."""
    code = prompt_path.stem
    staff = reader.read(prompt_path)
    settings = {}
    for name in LANGUAGE_FIELDS:
        value = staff.fields.get(name)
        if value is None or not value.text:
            staff.report(1, f"missing '{name}: ...'")
        settings[name] = value.text if value else ""
    key_names, nav_speech = {}, {}
    for name, value in staff.fields.items():
        if name.startswith("key."):
            key_names[name[4:]] = value.text
        elif name.startswith("speech."):
            if name[7:] not in NAVIGATION_ACTIONS:
                staff.report(value.line, f"unknown navigation action in '{name}'")
            nav_speech[name[7:]] = split_list(value, "|")
        elif name not in LANGUAGE_FIELDS + OPTIONAL_LANGUAGE_FIELDS:
            staff.report(value.line, f"unknown field '{name}'")
    for action in NAVIGATION_ACTIONS:
        if action not in nav_speech:
            staff.report(1, f"missing 'speech.{action}: ...' (words a caller can say for {action})")
    gsm_only = _gsm_only(staff)
    choice_words = (settings["name"], *_optional_list(staff, "choice-words", "|"))
    return Language(
        code=code,
        name=settings["name"],
        choice_key=settings["choice-key"],
        voice=settings["voice"],
        speech_language=settings["speech-language"],
        tts_language=settings["tts-language"],
        tts_tld=settings["tts-tld"],
        key_names=frozen_map(key_names),
        nav_speech=frozen_map(nav_speech),
        prompts=frozen_map(_prompts(staff, TextRules(gsm_only, language=code))),
        topics=frozen_map({}),
        choice_words=tuple(dict.fromkeys(word for word in choice_words if word)),
        compliance_words=frozen_map({kind: _optional_list(staff, f"keywords.{kind}", ",")
                                     for kind in COMPLIANCE_KINDS}),
        opt_out_context=frozen_map({name: _optional_list(staff, name, sep) for name, sep in OPT_OUT_CONTEXT.items()}),
        more_words=_optional_list(staff, "keywords.more", ","),
        yes_words=_optional_list(staff, "yes-words", "|"),
        gsm_only=gsm_only,
    )


def _gsm_only(staff: StaffFile) -> bool:
    value = staff.fields.get("text-encoding")
    if value is not None and value.text.upper() not in TEXT_ENCODINGS:
        staff.report(value.line, f"text-encoding must be {' or '.join(TEXT_ENCODINGS)}, not {value.text!r}")
    return value is None or value.text.upper() != "UCS-2"


def part_line_room(language: Language) -> int:
    """The longest "(1/3) Reply MORE ..." line, plus its line break."""
    sample = {name: SAMPLE_PART_NUMBER for name in ("part", "parts", "next")}
    lines = [part.format(**sample) for name in ("sms.more", "sms.last") for part in language.prompts.get(name, ())]
    return max((len(line) + 1 for line in lines), default=0)


def _optional_list(staff: StaffFile, name: str, separator: str) -> tuple[str, ...]:
    value = staff.fields.get(name)
    return split_list(value, separator) if value else ()


def _prompts(staff: StaffFile, rules: TextRules) -> dict[str, tuple[str, ...]]:
    prompts = {}
    for name, block in staff.blocks.items():
        if name not in PROMPT_PLACEHOLDERS:
            staff.report(block.line, f"unknown prompt [{name}]")
            continue
        for part in block.paragraphs:
            _check_placeholders(staff, name, part, PROMPT_PLACEHOLDERS[name])
            check_voice_part(staff, part)
        if not block.paragraphs:
            staff.report(block.line, f"prompt [{name}] is empty")
        if name.startswith(TEXT_PROMPT_PREFIX):
            prompts[name] = tuple(text_message(staff, part, rules) for part in block.paragraphs)
        else:
            prompts[name] = tuple(spoken(part) for part in block.paragraphs)
    for name in PROMPT_PLACEHOLDERS:
        if name not in staff.blocks:
            staff.report(1, f"missing prompt [{name}]")
    return prompts


def _check_placeholders(staff: StaffFile, name: str, part: Value, allowed: set[str]) -> None:
    try:
        used = {field for _, field, _, _ in string.Formatter().parse(part.text) if field is not None}
    except ValueError as error:
        staff.report(part.line, f"prompt [{name}] has a stray brace: {error}")
        return
    for field in sorted(used - allowed):
        hint = f"; it may use {', '.join('{' + a + '}' for a in sorted(allowed))}" if allowed else ""
        staff.report(part.line, f"prompt [{name}] uses {{{field}}}, which it cannot fill{hint}")
