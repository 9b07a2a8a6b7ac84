"""Loads content/ and prompts/ into a Line, or fails with every problem's file, line and reason.

The same validation runs when the app starts and in `flask --app app content check`, so a typo
staff make is caught by the check before it can reach a caller. Each staff file has its reader
(flow_file.py, prompts_file.py, topics_file.py); this module puts them together and checks what
spans files.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ivr.content.checks import VALID_KEYS
from ivr.content.flow_file import load_flow
from ivr.content.model import Language, Line, frozen_map
from ivr.content.prompts_file import load_language
from ivr.content.staff_file import ContentError, ON_DISK, StaffFiles, StaffReader
from ivr.content.topics_file import keyword_lines, load_topics
from ivr.matching import exact_form
from ivr.text_rules.compliance import RESERVED_WORDS
from ivr.text_rules.revocation import OptOutWords, is_opt_out_request


def load_line(content_dir: Path, prompts_dir: Path, files: StaffFiles = ON_DISK) -> Line:
    """Load and validate everything; raise ContentError listing every problem found.

    `files` reads the folders from disk, or from a stored revision held in memory (MemoryFiles).
    """
    reader = StaffReader(files, content_dir.parent)
    flow = load_flow(content_dir / "flow.txt", reader)
    languages: dict[str, Language] = {}
    prompt_files = files.texts(prompts_dir)
    if not prompt_files:
        reader.report(str(prompts_dir), 1, "no language files (expected for example en.txt)")
    for prompt_path in prompt_files:
        language = load_language(prompt_path, reader)
        topics = load_topics(content_dir / language.code / "topics", reader, flow, language)
        languages[language.code] = replace(language, topics=frozen_map(topics))
    _check_choice_keys(languages, prompts_dir, reader)
    _check_keywords_are_not_opt_outs(languages, content_dir, reader)
    if reader.problems or flow is None:
        raise ContentError(reader.problems)
    ordered = sorted(languages.values(), key=lambda lang: lang.choice_key)
    return Line(flow=flow, languages=frozen_map({lang.code: lang for lang in ordered}))


def _check_keywords_are_not_opt_outs(languages: dict[str, Language], content_dir: Path, reader: StaffReader) -> None:
    """A keyword that a text would be taken as a request to stop (in any language's words) could never be had."""
    stop_words = OptOutWords.of(languages.values())
    for language in languages.values():
        exact = {exact_form(word) for words in language.compliance_words.values() for word in words}
        already = exact | {exact_form(word) for word in (*RESERVED_WORDS, *language.more_words)}  # told already
        for path in reader.files.texts(content_dir / language.code / "topics"):
            staff = reader.read_quietly(path)
            for keyword, line in keyword_lines(staff):
                if exact_form(keyword) not in already and is_opt_out_request(keyword, stop_words):
                    staff.report(line, f"keyword {keyword!r} would be read as a request to stop"
                                       " texting (the opt-out rule: README, text line)")


def _check_choice_keys(languages: dict[str, Language], prompts_dir: Path, reader: StaffReader) -> None:
    owner: dict[str, str] = {}
    for language in languages.values():
        path = reader.shown(prompts_dir / f"{language.code}.txt")
        if language.choice_key and (len(language.choice_key) != 1 or language.choice_key not in VALID_KEYS):
            reader.report(path, 1, f"choice-key must be one key (0-9, * or #), not {language.choice_key!r}")
        elif language.choice_key in owner:
            reader.report(path, 1, f"choice-key {language.choice_key} is also {owner[language.choice_key]}'s")
        owner[language.choice_key] = language.name
