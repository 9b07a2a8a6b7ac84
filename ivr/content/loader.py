"""Loads content/ and prompts/ into a Line, or fails with every problem's file, line and reason.

The same validation runs when the app starts and in `flask --app app content check`, so a typo
staff make is caught by the check before it can reach a caller.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ivr.content.model import MAIN_MENU, NAVIGATION_ACTIONS, Flow, Language, Line, Topic, frozen_map
from ivr.content.staff_file import ContentError, DiskFiles, Problem, StaffFile, StaffFiles, Value, split_list
from ivr.sms.compliance import RESERVED_WORDS
from ivr.sms.revocation import OptOutWords, is_opt_out_request
from ivr.sms.encoding import MAX_SEGMENTS, UCS2_PART, non_gsm_characters, normalise_text

MAX_MENU_OPTIONS = 4
MAX_VOICE_PART_CHARS = 500  # one part is one breath of listening; Polly's hard limit is 3,000
MAX_TEXT_MESSAGE_CHARS = 320  # Twilio's recommended maximum for one message
VALID_KEYS = set("0123456789*#")
CONTENT_KEYS = {str(n) for n in range(1, MAX_MENU_OPTIONS + 1)}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

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
OPT_OUT_CONTEXT = {"opt-out.after": ",", "opt-out.before": ",", "opt-out.phrases": "|"}  # field: its separator
OPTIONAL_LANGUAGE_FIELDS = ("choice-words", "yes-words", "text-encoding",
                            *(f"keywords.{kind}" for kind in COMPLIANCE_KINDS), *OPT_OUT_CONTEXT)
TEXT_ENCODINGS = ("GSM-7", "UCS-2")  # optional field text-encoding; GSM-7 unless a language needs more letters
TEXT_PROMPT_PREFIX = "sms."  # prompts sent as text messages rather than spoken
SAMPLE_PART_NUMBER = 99  # fills {part}, {parts}, {next} when measuring the part line, with room to spare
TOPIC_FIELDS = {"title", "speech", "keywords", "source", "reviewed"}
TOPIC_BLOCKS = ("voice", "text")
# OT means occupational therapy, the therapy (as in the guide); the person is an occupational therapist.
# Per language: words that use OT for the person or leave it unexplained, written ("an OT") or as a voice
# spells it ("an O T"); "the OT Info Line" is the line's name. And what to write instead.
THERAPY_WORDS = {
    "en": (re.compile(r"\b(?:[Aa]n|[Tt]he|[Yy]our)\s+O\.?\s?T\b(?!\s+Info)|\bO\.?\s?T'?s\b"),
           "'occupational therapist' or 'therapist'"),
    "es": (re.compile(r"\bT\.?\s?O\b"), "'terapia ocupacional' in full (TO is not explained), 'terapeuta ocupacional'"),
}


def therapy_word_finding(text: str, language: str) -> str | None:
    """What to write instead, when a text or a spoken line uses OT for the therapist (one rule, both channels)."""
    rule = THERAPY_WORDS.get(language)
    found = rule[0].search(text) if rule else None
    if rule is None or found is None:
        return None
    return f"OT means occupational therapy, the therapy: instead of {found.group()!r} write {rule[1]}"


ON_DISK = DiskFiles()  # it holds nothing, so one serves every load


def load_line(content_dir: Path, prompts_dir: Path, files: StaffFiles = ON_DISK) -> Line:
    """Load and validate everything; raise ContentError listing every problem found.

    `files` reads the folders from disk, or from a stored revision held in memory (MemoryFiles).
    """
    problems: list[Problem] = []
    root = content_dir.parent
    flow = _load_flow(content_dir / "flow.txt", root, files, problems)
    languages: dict[str, Language] = {}
    prompt_files = files.texts(prompts_dir)
    if not prompt_files:
        problems.append(Problem(str(prompts_dir), 1, "no language files (expected for example en.txt)"))
    for prompt_path in prompt_files:
        language = _load_language(prompt_path, content_dir, root, flow, files, problems)
        if language:
            languages[language.code] = language
    _check_choice_keys(languages, prompts_dir, root, problems)
    _check_keywords_are_not_opt_outs(languages, content_dir, root, files, problems)
    if problems or flow is None:
        raise ContentError(problems)
    ordered = sorted(languages.values(), key=lambda lang: lang.choice_key)
    return Line(flow=flow, languages=frozen_map({lang.code: lang for lang in ordered}))


def _check_keywords_are_not_opt_outs(languages: dict[str, Language], content_dir: Path, root: Path,
                                     files: StaffFiles, problems: list[Problem]) -> None:
    """A keyword that a text would be taken as a request to stop (in any language's words) could never be had."""
    stop_words = OptOutWords.of(languages.values())
    for language in languages.values():
        exact = {normalise_keyword(word) for words in language.compliance_words.values() for word in words}
        already = exact | {normalise_keyword(word) for word in (*RESERVED_WORDS, *language.more_words)}  # told already
        for path in files.texts(content_dir / language.code / "topics"):
            staff = files.read(path, [], root)
            for keyword, line in _keyword_lines(staff):
                if normalise_keyword(keyword) not in already and is_opt_out_request(keyword, stop_words):
                    problems.append(staff.problem(line, f"keyword {keyword!r} would be read as a request to stop"
                                                        " texting (the opt-out rule: README, text line)"))


def _load_flow(path: Path, root: Path, files: StaffFiles, problems: list[Problem]) -> Flow | None:
    if not files.is_file(path):
        problems.append(Problem(str(path), 1, "the flow file is missing"))
        return None
    staff = files.read(path, problems, root)
    menus: dict[str, tuple[str, ...]] = {}
    keys: dict[str, str] = {}
    for name, value in staff.fields.items():
        if name.startswith("menu."):
            menus[name[5:]] = _menu_options(staff, name[5:], value, problems)
        elif name.startswith("key."):
            keys[name[4:]] = _navigation_key(staff, name[4:], value, keys, problems)
        elif name not in ("wait.menu", "wait.between-parts", "tries"):
            problems.append(staff.problem(value.line, f"unknown setting '{name}'"))
    for action in NAVIGATION_ACTIONS:
        if action not in keys:
            problems.append(staff.problem(1, f"missing 'key.{action}: ...' (the key for {action})"))
    if MAIN_MENU not in menus:
        problems.append(staff.problem(1, "missing 'menu.main: ...' (the menu a call starts in)"))
    parents = _parents(staff, menus, problems)
    return Flow(
        menus=frozen_map(menus),
        keys=frozen_map(keys),
        parents=frozen_map(parents),
        menu_wait_seconds=_number(staff, "wait.menu", 10, 3, 60, problems),
        part_wait_seconds=_number(staff, "wait.between-parts", 2, 1, 10, problems),
        tries=_number(staff, "tries", 3, 1, 5, problems),
    )


def _menu_options(staff: StaffFile, menu: str, value: Value, problems: list[Problem]) -> tuple[str, ...]:
    options = split_list(value, ",")
    if not _ID.match(menu):
        problems.append(staff.problem(value.line, f"menu name {menu!r} may use only a-z, 0-9 and -"))
    if not options:
        problems.append(staff.problem(value.line, f"menu '{menu}' has no options"))
    if len(options) > MAX_MENU_OPTIONS:
        problems.append(staff.problem(value.line,
                                      f"menu '{menu}' has {len(options)} options; at most {MAX_MENU_OPTIONS}"))
    return options


def _navigation_key(staff: StaffFile, action: str, value: Value, keys: dict[str, str], problems: list[Problem]) -> str:
    key = value.text
    if action not in NAVIGATION_ACTIONS:
        expected = ", ".join(NAVIGATION_ACTIONS)
        problems.append(staff.problem(value.line, f"unknown navigation action '{action}'; expected one of {expected}"))
    elif len(key) != 1 or key not in VALID_KEYS:
        problems.append(staff.problem(value.line, f"key for {action} must be one of 0-9, * or #, not {key!r}"))
    elif key in CONTENT_KEYS:
        problems.append(staff.problem(value.line, f"key {key} is kept for menu options (1 to {MAX_MENU_OPTIONS}); "
                                                  f"choose another for {action}"))
    elif key in keys.values():
        problems.append(staff.problem(value.line, f"key {key} is already used for another navigation action"))
    return key


def _parents(staff: StaffFile, menus: dict[str, tuple[str, ...]], problems: list[Problem]) -> dict[str, str]:
    parents: dict[str, str] = {}
    for menu, options in menus.items():
        line = staff.fields[f"menu.{menu}"].line
        for option in options:
            if option == MAIN_MENU:
                problems.append(staff.problem(line, "the main menu cannot be an option of another menu"))
            elif option in parents:
                problems.append(staff.problem(line, f"'{option}' is in menu '{parents[option]}' and in '{menu}'; "
                                                    "a topic belongs to one menu"))
            else:
                parents[option] = menu
    for menu in menus:
        if menu != MAIN_MENU and menu not in parents:
            problems.append(staff.problem(staff.fields[f"menu.{menu}"].line,
                                          f"menu '{menu}' is not an option of any menu, so no caller can reach it"))
    for menu in menus:  # a cycle would make "go back" loop forever
        seen, node = {menu}, menu
        while node in parents:
            node = parents[node]
            if node in seen:
                problems.append(staff.problem(staff.fields[f"menu.{menu}"].line, f"menu '{menu}' is inside itself"))
                break
            seen.add(node)
    return parents


def _number(staff: StaffFile, name: str, default: int, low: int, high: int, problems: list[Problem]) -> int:
    value = staff.fields.get(name)
    if value is None:
        return default
    if not (value.text.isascii() and value.text.isdigit()) or not low <= int(value.text) <= high:
        problems.append(staff.problem(value.line,
                                      f"'{name}' must be a whole number from {low} to {high}, not {value.text!r}"))
        return default
    return int(value.text)


def _load_language(prompt_path: Path, content_dir: Path, root: Path, flow: Flow | None, files: StaffFiles,
                   problems: list[Problem]) -> Language | None:
    code = prompt_path.stem
    staff = files.read(prompt_path, problems, root)
    settings = {}
    for name in LANGUAGE_FIELDS:
        value = staff.fields.get(name)
        if value is None or not value.text:
            problems.append(staff.problem(1, f"missing '{name}: ...'"))
        settings[name] = value.text if value else ""
    key_names, nav_speech = {}, {}
    for name, value in staff.fields.items():
        if name.startswith("key."):
            key_names[name[4:]] = value.text
        elif name.startswith("speech."):
            if name[7:] not in NAVIGATION_ACTIONS:
                problems.append(staff.problem(value.line, f"unknown navigation action in '{name}'"))
            nav_speech[name[7:]] = split_list(value, "|")
        elif name not in LANGUAGE_FIELDS + OPTIONAL_LANGUAGE_FIELDS:
            problems.append(staff.problem(value.line, f"unknown field '{name}'"))
    for action in NAVIGATION_ACTIONS:
        if action not in nav_speech:
            problems.append(staff.problem(1, f"missing 'speech.{action}: ...' (words a caller can say for {action})"))
    more_words = _optional_list(staff, "keywords.more", ",")
    compliance = {kind: _optional_list(staff, f"keywords.{kind}", ",") for kind in COMPLIANCE_KINDS}
    rules = TextRules(gsm_only=_gsm_only(staff, problems), language=code)
    prompts = _prompts(staff, rules, problems)
    rules = TextRules(rules.gsm_only, part_line_room=_part_line_room(prompts), language=code)
    reserved = {normalise_keyword(word): "a word Twilio keeps for STOP, START or HELP" for word in RESERVED_WORDS}
    reserved.update({normalise_keyword(word): "the word for the next part (keywords.more)" for word in more_words})
    for kind, words in compliance.items():
        reserved.update({normalise_keyword(word): f"this language's word for {kind.upper()} (keywords.{kind})"
                         for word in words})
    topics = _load_topics(content_dir / code / "topics", root, flow, rules, reserved, files, problems)
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
        prompts=frozen_map(prompts),
        topics=frozen_map(topics),
        choice_words=tuple(dict.fromkeys(
            word for word in (settings["name"], *_optional_list(staff, "choice-words", "|")) if word)),
        compliance_words=frozen_map(compliance),
        opt_out_context=frozen_map({name: _optional_list(staff, name, sep) for name, sep in OPT_OUT_CONTEXT.items()}),
        more_words=more_words,
        yes_words=_optional_list(staff, "yes-words", "|"),
        gsm_only=rules.gsm_only,
    )


@dataclass(frozen=True)
class TextRules:
    """What every text message of a language must respect."""

    gsm_only: bool
    part_line_room: int = 0  # characters kept free in each part of a section sent in several texts
    language: str = ""  # its code, for the words it must not use (THERAPY_WORDS)


def _gsm_only(staff: StaffFile, problems: list[Problem]) -> bool:
    value = staff.fields.get("text-encoding")
    if value is not None and value.text.upper() not in TEXT_ENCODINGS:
        expected = " or ".join(TEXT_ENCODINGS)
        problems.append(staff.problem(value.line, f"text-encoding must be {expected}, not {value.text!r}"))
    return value is None or value.text.upper() != "UCS-2"


def _part_line_room(prompts: dict[str, tuple[str, ...]]) -> int:
    """The longest "(1/3) Reply MORE ..." line, plus its line break."""
    sample = {name: SAMPLE_PART_NUMBER for name in ("part", "parts", "next")}
    lines = [part.format(**sample) for name in ("sms.more", "sms.last") for part in prompts.get(name, ())]
    return max((len(line) + 1 for line in lines), default=0)


def _text_message(staff: StaffFile, message: Value, rules: TextRules, problems: list[Problem],
                  several: bool = False) -> str:
    """A text as it will be sent: look-alike punctuation folded, then checked for encoding and length."""
    text = normalise_text(message.text)
    _check_therapy_words(staff, message.line, text, rules.language, problems)
    if rules.gsm_only and non_gsm_characters(text):
        shown = " ".join(repr(ch) for ch in non_gsm_characters(text))
        problems.append(staff.problem(message.line,
                                      f"this text has characters outside GSM-7 ({shown}); they make every part of it "
                                      "cost more than twice as much. Use plain letters, or set text-encoding: UCS-2 "
                                      "for this language"))
    needs_ucs2 = bool(non_gsm_characters(text))
    room = MAX_SEGMENTS * UCS2_PART if needs_ucs2 else MAX_TEXT_MESSAGE_CHARS
    room -= rules.part_line_room if several else 0
    if len(text) > room:
        why = " (the rest is kept for the part line, like '(1/3) Reply MORE')" if several else ""
        if needs_ucs2:
            why += (f" (its accented letters make it UCS-2: {UCS2_PART} characters a segment, "
                    f"{MAX_SEGMENTS} segments at most)")
        problems.append(staff.problem(message.line, f"this text is {len(text)} characters; "
                                                    f"split it (blank line) so each is at most {room}{why}"))
    return text


def _check_therapy_words(staff: StaffFile, line: int, text: str, language: str, problems: list[Problem]) -> None:
    """A text never says "an OT" or "OTs" for the therapist (families read OT as the therapy)."""
    finding = therapy_word_finding(text, language)
    if finding:
        problems.append(staff.problem(line, finding))


def _optional_list(staff: StaffFile, name: str, separator: str) -> tuple[str, ...]:
    value = staff.fields.get(name)
    return split_list(value, separator) if value else ()


def _prompts(staff: StaffFile, rules: TextRules, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    prompts = {}
    for name, block in staff.blocks.items():
        if name not in PROMPT_PLACEHOLDERS:
            problems.append(staff.problem(block.line, f"unknown prompt [{name}]"))
            continue
        for part in block.paragraphs:
            _check_placeholders(staff, name, part, PROMPT_PLACEHOLDERS[name], problems)
            _check_voice_part(staff, part, problems)
        if not block.paragraphs:
            problems.append(staff.problem(block.line, f"prompt [{name}] is empty"))
        if name.startswith(TEXT_PROMPT_PREFIX):
            prompts[name] = tuple(_text_message(staff, part, rules, problems) for part in block.paragraphs)
        else:
            prompts[name] = tuple(_spoken(part) for part in block.paragraphs)
    for name in PROMPT_PLACEHOLDERS:
        if name not in staff.blocks:
            problems.append(staff.problem(1, f"missing prompt [{name}]"))
    return prompts


def _check_placeholders(staff: StaffFile, name: str, part: Value, allowed: set[str], problems: list[Problem]) -> None:
    try:
        used = {field for _, field, _, _ in string.Formatter().parse(part.text) if field is not None}
    except ValueError as error:
        problems.append(staff.problem(part.line, f"prompt [{name}] has a stray brace: {error}"))
        return
    for field in sorted(used - allowed):
        hint = f"; it may use {', '.join('{' + a + '}' for a in sorted(allowed))}" if allowed else ""
        problems.append(staff.problem(part.line, f"prompt [{name}] uses {{{field}}}, which it cannot fill{hint}"))


def _check_voice_part(staff: StaffFile, part: Value, problems: list[Problem]) -> None:
    if len(part.text) > MAX_VOICE_PART_CHARS:
        problems.append(staff.problem(part.line, f"this part is {len(part.text)} characters; split it (blank line) "
                                                 f"so each part is at most {MAX_VOICE_PART_CHARS}"))


def _spoken(part: Value) -> str:
    return " ".join(part.text.split())


def _load_topics(folder: Path, root: Path, flow: Flow | None, rules: TextRules, reserved: dict[str, str],
                 files: StaffFiles, problems: list[Problem]) -> dict[str, Topic]:
    if not files.is_dir(folder):
        shown = folder.relative_to(root) if folder.is_relative_to(root) else folder
        problems.append(Problem(str(shown), 1, "the topics folder for this language is missing"))
        return {}
    topics: dict[str, Topic] = {}
    keyword_owner: dict[str, str] = {}
    for path in files.texts(folder):
        staff = files.read(path, problems, root)
        topic = _topic(path.stem, staff, rules, problems)
        topics[topic.id] = topic
        for keyword, line in _keyword_lines(staff):
            if normalise_keyword(keyword) in reserved:
                problems.append(staff.problem(line, f"keyword {keyword!r} is {reserved[normalise_keyword(keyword)]}"))
                continue
            owner = keyword_owner.setdefault(normalise_keyword(keyword), topic.id)
            if owner != topic.id:
                problems.append(staff.problem(line, f"keyword {keyword!r} is also used by topic '{owner}'"))
    if flow is not None:
        _check_topics_against_flow(folder, root, flow, topics, problems)
    return topics


def _topic(topic_id: str, staff: StaffFile, rules: TextRules, problems: list[Problem]) -> Topic:
    if not _ID.match(topic_id):
        problems.append(staff.problem(1, f"file name {topic_id!r} may use only a-z, 0-9 and -"))
    for name, value in staff.fields.items():
        if name not in TOPIC_FIELDS:
            expected = ", ".join(sorted(TOPIC_FIELDS))
            problems.append(staff.problem(value.line, f"unknown field '{name}'; expected one of {expected}"))
    for name, block in staff.blocks.items():
        if name not in TOPIC_BLOCKS:
            problems.append(staff.problem(block.line, f"unknown block [{name}]; expected [voice] or [text]"))
    title = staff.fields.get("title")
    if title is None or not title.text:
        problems.append(staff.problem(1, "missing 'title: ...' (how menus name this topic)"))
    for block_name in TOPIC_BLOCKS:
        declared = staff.blocks.get(block_name)
        if declared is None or not declared.paragraphs:
            line = declared.line if declared else 1
            problems.append(staff.problem(line, f"missing or empty [{block_name}] block"))
    voice = staff.blocks["voice"].paragraphs if "voice" in staff.blocks else ()
    text = staff.blocks["text"].paragraphs if "text" in staff.blocks else ()
    for part in voice:
        _check_voice_part(staff, part, problems)
    text_messages = tuple(_text_message(staff, message, rules, problems, several=len(text) > 1) for message in text)
    speech = staff.fields.get("speech")
    keywords = staff.fields.get("keywords")
    return Topic(
        id=topic_id,
        title=title.text if title else topic_id,
        speech=split_list(speech, "|") if speech else (),
        keywords=split_list(keywords, ",") if keywords else (),
        voice_parts=tuple(_spoken(part) for part in voice),
        text_messages=text_messages,
        extra=frozen_map({name: value.text for name, value in staff.fields.items() if name in ("source", "reviewed")}),
    )


def _keyword_lines(staff: StaffFile) -> list[tuple[str, int]]:
    value = staff.fields.get("keywords")
    return [(keyword, value.line) for keyword in split_list(value, ",")] if value else []


def normalise_keyword(keyword: str) -> str:
    """Keywords compare without case, accents, spaces or punctuation: 'Key points!' is KEYPOINTS, 'Más' is MAS."""
    folded = unicodedata.normalize("NFKD", keyword).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.upper() if ch.isalnum())


def _check_topics_against_flow(folder: Path, root: Path, flow: Flow, topics: dict[str, Topic],
                               problems: list[Problem]) -> None:
    shown = folder.relative_to(root) if folder.is_relative_to(root) else folder
    needed = set(flow.menus) | set(flow.parents)
    for topic_id in sorted(needed - set(topics)):
        problems.append(Problem(f"{shown}/{topic_id}.txt", 1,
                                f"missing: content/flow.txt offers '{topic_id}', but this file does not exist"))
    for topic_id in sorted(set(topics) - needed):
        problems.append(Problem(f"{shown}/{topic_id}.txt", 1,
                                "this topic is in no menu of content/flow.txt, so callers cannot reach it"))


def _check_choice_keys(languages: dict[str, Language], prompts_dir: Path, root: Path, problems: list[Problem]) -> None:
    owner: dict[str, str] = {}
    for language in languages.values():
        prompts = prompts_dir / f"{language.code}.txt"
        path = str(prompts.relative_to(root) if prompts_dir.is_relative_to(root) else prompts)
        if language.choice_key and (len(language.choice_key) != 1 or language.choice_key not in VALID_KEYS):
            problems.append(Problem(path, 1, f"choice-key must be one key (0-9, * or #), not {language.choice_key!r}"))
        elif language.choice_key in owner:
            problems.append(Problem(path, 1,
                                    f"choice-key {language.choice_key} is also {owner[language.choice_key]}'s"))
        owner[language.choice_key] = language.name
