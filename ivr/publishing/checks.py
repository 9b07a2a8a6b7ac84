"""What `content check` says about one staff file of a revision, part by part, as data for the staff console.

Nothing here is a rule of its own: every figure and finding comes from the functions `content check` calls
(the loader, ivr/sms/measure.py, ivr/content/readability.py, ivr/content/spoken_rules.py, the voice's
menu lengths). The file is checked inside its whole revision, because many problems (a keyword used by two
topics, a menu offering a missing topic) are only true of the files together; each finding keeps the line
of the file it is about, so staff read it next to the words it points at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from ivr.audio.catalog import NoAudio
from ivr.audio.store import Entry
from ivr.content.loader import TEXT_PROMPT_PREFIX
from ivr.content.model import Language, Line
from ivr.content.readability import Reading, reading_level, spanish_reading_notes, voice_reading
from ivr.content.spoken_rules import spoken_findings
from ivr.content.staff_file import Block, ContentError, MemoryFiles, Problem, parse_staff_text
from ivr.publishing.document import CONTENT, PROMPTS, Files, load_document
from ivr.sms.encoding import normalise_text
from ivr.sms.measure import Measured, every_text, measure, texts_as_sent
from ivr.sms.replies import Policy
from ivr.voice.transcript import menu_lengths, spoken_seconds
from ivr.voice.twiml import VoicePages

ERROR, WARNING, NOTE = "error", "warning", "note"
_WHERE = re.compile(r"^(?P<file>\S+) \[(?P<block>[^\]]+)\](?: (?P<index>\d+)/\d+)?$")  # Measured.where


@dataclass(frozen=True)
class Finding:
    """One thing `content check` says about a file: an error stops the words going live, a warning advises."""

    severity: str
    problem: Problem  # the file, line and words


@dataclass(frozen=True)
class PartCheck:
    """One part of a staff file (a paragraph of a block) as it will be said or sent, with its measures."""

    block: str
    line: int  # where the part starts in the file
    last_line: int
    channel: str  # "voice" or "text"
    text: str  # as said or sent: look-alike punctuation folded, a section's "(1/3) Reply MORE" line added
    encoding: str | None  # texts only: GSM-7 or UCS-2
    segments: int | None  # texts only
    reading: Reading | None
    seconds: float | None  # voice only: the estimate `content check` times menus with when there is no audio
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class FileCheck:
    """A staff file's parts and what `content check` says about it; `elsewhere`: the revision's other errors."""

    name: str
    loads: bool  # the whole revision, with this file, passes the loader
    parts: tuple[PartCheck, ...]
    findings: tuple[Finding, ...]  # about the file but no one part (a missing field, a menu's length...)
    elsewhere: tuple[str, ...]

    @property
    def errors(self) -> int:
        return sum(finding.severity == ERROR for finding in self.every_finding())

    def every_finding(self) -> list[Finding]:
        return [*self.findings, *(finding for part in self.parts for finding in part.findings)]


def check_file(files: Files, name: str, text: str, policy: Policy, fallback: Line,
               audio: Mapping[str, Entry] | None = None) -> FileCheck:
    """Check `text` as file `name` of the revision `files`.

    `fallback` (the live line) gives the language's settings to measure the parts with while the revision
    does not load, so staff still see characters, encoding and segments as they fix it. `audio` (the
    manifest) times a menu from its audio where every part has it, as `content check` does.
    """
    changed = {**files, name: text}
    blocks = parse_staff_text(text, name, []).blocks
    try:
        line = load_document(changed)
    except ContentError as error:
        findings = [Finding(ERROR, problem) for problem in error.problems if problem.path == name]
        others = tuple(str(problem) for problem in error.problems if problem.path != name)
        return _placed(FileCheck(name, False, _parts(blocks, _language_of(name, fallback), {}), (), others), findings)
    sent: dict[tuple[str, int], Measured] = {}
    others_list = []
    for measured in every_text(line, policy):
        where = _WHERE.match(measured.where)
        if where and where["file"] == name:
            sent[where["block"], int(where["index"] or 1) - 1] = measured
        else:
            others_list += [f"{measured.where}: {problem}" for problem in measured.problems]
    findings = []
    for (block, index), measured in sent.items():
        at = _line_of(blocks, block, index)
        findings += [Finding(ERROR, Problem(name, at, problem)) for problem in measured.problems]
        if measured.reading is not None and measured.reading.too_hard:
            findings.append(Finding(WARNING, Problem(name, at, _too_hard(measured.reading))))
    findings += _voice_warnings(line, changed, name, blocks, audio or {})
    parts = _parts(blocks, _language_of(name, line), sent)
    return _placed(FileCheck(name, True, parts, (), tuple(others_list)), findings)


def _too_hard(reading: Reading) -> str:
    return f"reading level ({reading}) is harder than the line aims for; use shorter words and sentences"


def _language_of(name: str, line: Line) -> Language | None:
    """The language a file is written in ('prompts/es.txt', 'content/es/topics/x.txt'); None for flow.txt."""
    parts = Path(name).parts
    code = Path(name).stem if parts[0] == PROMPTS else parts[1] if len(parts) > 2 else ""
    return line.languages.get(code)


def _parts(blocks: dict[str, Block], language: Language | None,
           sent: dict[tuple[str, int], Measured]) -> tuple[PartCheck, ...]:
    """Each paragraph of each block, measured: texts as `content check` measures them, voice parts by the
    voice's estimate; without a language (flow.txt, or a prompts file too broken to say) only the words."""
    parts = []
    for block in blocks.values():
        for index, paragraph in enumerate(block.paragraphs):
            said = " ".join(paragraph.text.split())
            lines = (block.name, paragraph.line, paragraph.line + paragraph.text.count("\n"))
            if language is None:
                parts.append(PartCheck(*lines, "voice", said, None, None, None, None))
            elif block.name == "text" or block.name.startswith(TEXT_PROMPT_PREFIX):
                measured = sent.get((block.name, index)) or \
                    measure(block.name, normalise_text(paragraph.text), language)  # not in every_text: as typed
                parts.append(PartCheck(*lines, "text", measured.text, measured.cost.encoding, measured.cost.segments,
                                       measured.reading, None))
            else:
                parts.append(PartCheck(*lines, "voice", said, None, None, reading_level(said, language.tts_language),
                                       spoken_seconds(said)))
    return tuple(parts)


def _line_of(blocks: dict[str, Block], name: str, index: int) -> int:
    block = blocks.get(name)
    if block is None:
        return 1
    return block.paragraphs[index].line if index < len(block.paragraphs) else block.line


def _voice_warnings(line: Line, files: Files, name: str, blocks: dict[str, Block],
                    audio: Mapping[str, Entry]) -> list[Finding]:
    """The advice `content check` prints about this file's spoken words: wording, reading level, a menu's length."""
    found = [Finding(WARNING, problem) for problem in
             spoken_findings(line, Path(CONTENT), Path(PROMPTS), MemoryFiles(files)) if problem.path == name]
    language = _language_of(name, line)
    topic = language.topics.get(Path(name).stem) if language and Path(name).parts[0] == CONTENT else None
    if language is None or topic is None:
        return found
    voice_line = blocks["voice"].line if "voice" in blocks else 1
    reading = voice_reading(line, language, topic)
    if reading is not None and reading.too_hard:
        found.append(Finding(WARNING, Problem(name, voice_line, f"all [voice] parts together: {_too_hard(reading)}")))
    found += [Finding(WARNING, Problem(name, voice_line, note.removeprefix(f"{name}: ")))
              for note in spanish_reading_notes(line, texts_as_sent) if note.startswith(f"{name}: ")]
    for length in menu_lengths(VoicePages(line, NoAudio()), audio):
        if (length.language, length.menu) == (language.code, topic.id):
            found.append(Finding(WARNING if length.too_long else NOTE, Problem(name, 1, str(length))))
    return found


def _placed(check: FileCheck, findings: list[Finding]) -> FileCheck:
    """Each finding under the part whose lines it falls in; the rest (line 1, a block heading) on the file."""
    by_part: dict[int, list[Finding]] = {}
    whole = []
    for finding in findings:
        owner = next((part.line for part in check.parts if part.line <= finding.problem.line <= part.last_line),
                     None)
        if owner is None:
            whole.append(finding)
        else:
            by_part.setdefault(owner, []).append(finding)
    parts = tuple(replace(part, findings=tuple(by_part.get(part.line, []))) for part in check.parts)
    return replace(check, parts=parts, findings=tuple(whole))
