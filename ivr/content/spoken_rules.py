"""Wording rules for what the line says aloud: sentences that read well but sound wrong on the phone.

`content check` runs them over every spoken line staff write (titles, speech words, [voice] parts,
spoken prompts) and names the file and line of each finding. They are warnings, not errors: the
line still starts, but a caller would mishear it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from ivr.content.checks import TEXT_PROMPT_PREFIX, therapy_word_finding
from ivr.content.model import Language, Line
from ivr.content.staff_file import ON_DISK, Problem, StaffFiles, Value

# "birth to 3, press 2", "de 0 a 3 años, oprima 2": two numbers side by side; the caller may press the wrong one.
_NUMBER_BEFORE_KEY = re.compile(r"\d(?:\s+[^\W\d]+)?\s*[,.;:]?\s+(?:press|oprima)\s", re.IGNORECASE)
# "Finding an O T, press 2" sounds like a command in progress; a title names a thing to choose.
_TITLE_START = {"en": re.compile(r"^\W*[A-Za-z]{2,}ing\b"),
                "es": re.compile(r"^\W*\w+(?:ando|iendo|yendo)\b", re.IGNORECASE)}
# A voice says nothing for quotation marks: '"jobs" of childhood' is heard as literal jobs.
_QUOTED = re.compile(r"[\"\u201c\u201d\u00ab\u00bb]\s*[^\"\u201c\u201d\u00ab\u00bb]+[\"\u201c\u201d\u00ab\u00bb]")


def spoken_text_findings(text: str, language: str) -> list[str]:
    """What sounds wrong in one spoken line, in a language ('en', 'es', or another: fewer rules)."""
    found = []
    if _NUMBER_BEFORE_KEY.search(text):
        found.append("a number right before 'press N' / 'oprima N': the caller hears two numbers side by side")
    if quoted := _QUOTED.search(text):
        found.append(f"{quoted.group(0)} in quotes: a voice does not say quotation marks; "
                     "word it so it needs none")
    if therapist := therapy_word_finding(text, language):
        found.append(therapist)
    return found


def title_findings(title: str, language: Language) -> list[str]:
    """A title is said inside the option prompt ("For {label}, press 1"): check it there too."""
    found = []
    start = _TITLE_START.get(_family(language))
    if start and (starting := start.search(title)):
        found.append(f"the title starts with '{starting.group(0).strip()}': name the topic "
                     "(a noun or 'how to ...'), not an action in progress")
    option = " ".join(language.prompt("option", label=title, key="1"))
    found += spoken_text_findings(option, _family(language))
    return list(dict.fromkeys(found))


def spoken_findings(line: Line, content_dir: Path, prompts_dir: Path,
                    files: StaffFiles = ON_DISK) -> list[Problem]:
    """Every finding in every spoken line of every language, with its file and line.

    `files` reads the folders from disk, or a revision's files held in memory (a draft being edited).
    """
    root = content_dir.parent
    problems: list[Problem] = []
    for language in line.languages.values():
        family = _family(language)
        prompts = files.read(prompts_dir / f"{language.code}.txt", [], root)
        lines = [value for name, value in prompts.fields.items() if name.startswith("speech.")]
        lines += [part for name, block in prompts.blocks.items() if not name.startswith(TEXT_PROMPT_PREFIX)
                  for part in block.paragraphs]
        problems += _findings(prompts.path, lines, family)
        for topic_path in files.texts(content_dir / language.code / "topics"):
            topic = files.read(topic_path, [], root)
            spoken = [topic.fields["speech"]] if "speech" in topic.fields else []
            spoken += topic.blocks["voice"].paragraphs if "voice" in topic.blocks else []
            problems += _findings(topic.path, spoken, family)
            title = topic.fields.get("title")
            if title:
                problems += [Problem(topic.path, title.line, finding)
                             for finding in title_findings(title.text, language)]
    return problems


def _findings(path: str, values: list[Value], family: str) -> Iterator[Problem]:
    for value in values:
        for finding in spoken_text_findings(" ".join(value.text.split()), family):
            yield Problem(path, value.line, finding)


def _family(language: Language) -> str:
    """'en' or 'es' from the language's tts-language, which is what decides how it sounds."""
    return language.tts_language.split("-")[0].lower()
