"""Reads content/<language>/topics/*.txt: one topic a file, its spoken parts, its texts and its keywords."""

from __future__ import annotations

from pathlib import Path

from ivr.content.checks import ID, TextRules, check_voice_part, spoken, text_message
from ivr.content.model import Flow, Language, Topic, frozen_map
from ivr.content.prompts_file import part_line_room
from ivr.content.staff_file import StaffFile, StaffReader, split_list
from ivr.matching import exact_form
from ivr.text_rules.compliance import RESERVED_WORDS

TOPIC_FIELDS = {"title", "speech", "keywords", "source", "reviewed"}
TOPIC_BLOCKS = ("voice", "text")


def load_topics(folder: Path, reader: StaffReader, flow: Flow | None, language: Language) -> dict[str, Topic]:
    """The topics of one language; a keyword may belong to one topic, and never be a word the line keeps."""
    if not reader.files.is_dir(folder):
        reader.report(reader.shown(folder), 1, "the topics folder for this language is missing")
        return {}
    rules = TextRules(language.gsm_only, part_line_room=part_line_room(language), language=language.code)
    reserved = _reserved_words(language)
    topics: dict[str, Topic] = {}
    keyword_owner: dict[str, str] = {}
    for path in reader.files.texts(folder):
        staff = reader.read(path)
        topic = _topic(path.stem, staff, rules)
        topics[topic.id] = topic
        for keyword, line in keyword_lines(staff):
            if exact_form(keyword) in reserved:
                staff.report(line, f"keyword {keyword!r} is {reserved[exact_form(keyword)]}")
                continue
            owner = keyword_owner.setdefault(exact_form(keyword), topic.id)
            if owner != topic.id:
                staff.report(line, f"keyword {keyword!r} is also used by topic '{owner}'")
    if flow is not None:
        _check_topics_against_flow(folder, reader, flow, topics)
    return topics


def _reserved_words(language: Language) -> dict[str, str]:
    """The words no topic may take as a keyword, and whose they are."""
    reserved = {exact_form(word): "a word Twilio keeps for STOP, START or HELP" for word in RESERVED_WORDS}
    reserved.update({exact_form(word): "the word for the next part (keywords.more)"
                     for word in language.more_words})
    for kind, words in language.compliance_words.items():
        reserved.update({exact_form(word): f"this language's word for {kind.upper()} (keywords.{kind})"
                         for word in words})
    return reserved


def _topic(topic_id: str, staff: StaffFile, rules: TextRules) -> Topic:
    if not ID.match(topic_id):
        staff.report(1, f"file name {topic_id!r} may use only a-z, 0-9 and -")
    for name, value in staff.fields.items():
        if name not in TOPIC_FIELDS:
            staff.report(value.line, f"unknown field '{name}'; expected one of {', '.join(sorted(TOPIC_FIELDS))}")
    for name, block in staff.blocks.items():
        if name not in TOPIC_BLOCKS:
            staff.report(block.line, f"unknown block [{name}]; expected [voice] or [text]")
    title = staff.fields.get("title")
    if title is None or not title.text:
        staff.report(1, "missing 'title: ...' (how menus name this topic)")
    for block_name in TOPIC_BLOCKS:
        declared = staff.blocks.get(block_name)
        if declared is None or not declared.paragraphs:
            staff.report(declared.line if declared else 1, f"missing or empty [{block_name}] block")
    voice = staff.blocks["voice"].paragraphs if "voice" in staff.blocks else ()
    text = staff.blocks["text"].paragraphs if "text" in staff.blocks else ()
    for part in voice:
        check_voice_part(staff, part)
    text_messages = tuple(text_message(staff, message, rules, several=len(text) > 1) for message in text)
    speech = staff.fields.get("speech")
    keywords = staff.fields.get("keywords")
    return Topic(
        id=topic_id,
        title=title.text if title else topic_id,
        speech=split_list(speech, "|") if speech else (),
        keywords=split_list(keywords, ",") if keywords else (),
        voice_parts=tuple(spoken(part) for part in voice),
        text_messages=text_messages,
        extra=frozen_map({name: value.text for name, value in staff.fields.items() if name in ("source", "reviewed")}),
    )


def keyword_lines(staff: StaffFile) -> list[tuple[str, int]]:
    """Each keyword of a topic file, with the line it is on."""
    value = staff.fields.get("keywords")
    return [(keyword, value.line) for keyword in split_list(value, ",")] if value else []


def _check_topics_against_flow(folder: Path, reader: StaffReader, flow: Flow, topics: dict[str, Topic]) -> None:
    shown = reader.shown(folder)
    needed = set(flow.menus) | set(flow.parents)
    for topic_id in sorted(needed - set(topics)):
        reader.report(f"{shown}/{topic_id}.txt", 1,
                      f"missing: content/flow.txt offers '{topic_id}', but this file does not exist")
    for topic_id in sorted(set(topics) - needed):
        reader.report(f"{shown}/{topic_id}.txt", 1,
                      "this topic is in no menu of content/flow.txt, so callers cannot reach it")
