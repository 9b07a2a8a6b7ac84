"""The Words page: every menu, topic and prompt, per language side by side, with content check's findings
as staff type, each part's audio, and saving into the staff member's own draft (issue 15).

Staff edit a whole staff file (one topic in one language, one language's prompts, or flow.txt): the loader's
problems name a file and a line, and the textarea holds exactly that file, so "line 17" is line 17 of what
they see. A save is kept even when the loader refuses the words (shown with their problems): a draft is
never served, submitting and publishing check it again, and nobody loses what they typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ivr.audio.build import PartAudio, part_audio
from ivr.console.accounts import current_staff, requires
from ivr.console.blueprint import console, page_url
from ivr.content.model import MAIN_MENU, Line
from ivr.content.staff_file import ContentError
from ivr.publishing.checks import check_file
from ivr.publishing.document import load_document, staff_label
from ivr.publishing.rules import DRAFT
from ivr.publishing.store import Refused, Revision
from ivr.services import services
from ivr.sms.replies import Policy
from ivr.store.database import StoreUnavailable
from ivr.voice.utterances import all_utterances

ORIGIN = "console"
FLOW_FILE = "content/flow.txt"
REVISIONS_PAGE = "console.revisions"  # diff, submit, approve, publish (console-flow's page; linked when installed)


@dataclass(frozen=True)
class Working:
    """The revision the page shows and saves into: a draft number, or None (the live words; a save starts a draft)."""

    number: int | None
    editable: bool
    reason: str  # said on the page: which revision this is and why


def choose_draft(revisions: Sequence[Revision], me: str, asked: int | None) -> Working:
    """Which revision the words page works on, for staff member `me` who asked for `asked` (or nothing)."""
    found = {revision.number: revision for revision in revisions}
    if asked is not None and asked not in found:  # an old link, or a typo in the address
        return Working(None, True, f"there is no revision {asked}; showing the live words")
    if asked is not None:
        revision = found[asked]
        if revision.state != DRAFT:  # what a reviewer read or families hear is never edited in place
            return Working(asked, False, f"revision {asked} is {revision.state.replace('_', ' ')}: read only")
        if revision.author != me:  # the two-person rule: its author writes, others review
            return Working(asked, False, f"revision {asked} is {revision.author}'s draft: read only")
        return Working(asked, True, f"your draft, revision {asked}")
    mine = [revision.number for revision in revisions if revision.state == DRAFT and revision.author == me]
    if mine:  # several drafts: the newest is most likely the one being worked on; the others are listed
        return Working(max(mine), True, f"your draft, revision {max(mine)} (your newest)")
    return Working(None, True, "the live words: your first save starts your own draft")


# The words page's sections, each with the kinds of unit it lists, and how a row names its kind.
GROUPS = (("The main menu and its sections", ("menu", "section")),
          ("Texted-only topics (in no menu)", ("texted-only",)),
          ("Prompts and the flow", ("prompts", "flow")))
KIND_LABELS = {"menu": "Menu", "section": "Section", "texted-only": "Topic", "prompts": "Prompts", "flow": "Flow"}


@dataclass(frozen=True)
class Unit:
    """What staff open to edit: a topic in every language, every language's prompts, or the flow."""

    key: str  # a topic id, "prompts" or "flow"
    kind: str  # "menu", "section", "texted-only", "prompts" or "flow"
    depth: int  # how deep under the main menu
    files: tuple[tuple[str, str], ...]  # (language code, or "all"; file name), in the line's language order
    menu: str | None = None  # the menu it is an option of (said in words: indentation alone is only seen)


def word_units(menus: Mapping[str, Sequence[str]], names: Iterable[str], languages: Sequence[str]) -> list[Unit]:
    """The page's order, as staff think of the line: the main menu and its sections (menus within menus),
    then topics in no menu (texted only, by keyword), then prompts, then the flow."""
    names = set(names)
    topics = sorted({Path(name).stem for name in names if name.startswith("content/") and "/topics/" in name
                     and name.endswith(".txt")})

    def files_of(topic: str) -> tuple[tuple[str, str], ...]:
        return tuple((code, name) for code in languages if (name := f"content/{code}/topics/{topic}.txt") in names)

    units: list[Unit] = []
    seen: set[str] = set()

    def visit(topic: str, depth: int, menu: str | None) -> None:
        seen.add(topic)
        units.append(Unit(topic, "menu" if topic in menus else "section", depth, files_of(topic), menu))
        for option in menus.get(topic, ()):
            if option not in seen:  # a menu inside itself is the loader's error; it must not loop here
                visit(option, depth + 1, topic)

    visit(MAIN_MENU, 0, None)
    units += [Unit(topic, "texted-only", 0, files_of(topic)) for topic in topics if topic not in seen]
    units.append(Unit("prompts", "prompts", 0,
                      tuple((code, name) for code in languages if (name := f"prompts/{code}.txt") in names)))
    units.append(Unit("flow", "flow", 0, (("all", FLOW_FILE),)))
    return units


@dataclass(frozen=True)
class Shown:
    """Everything a words page needs about the revision it works on."""

    working: Working
    revisions: list[Revision]
    files: dict[str, str]
    line: Line  # the working revision's line; the live one while the draft does not load
    loads: bool
    problems: list[str]  # the loader's problems with the working revision, as file:line for staff


def _shown() -> Shown:
    found = services()
    revisions = found.revisions.listing()
    working = choose_draft(revisions, current_staff().email, request.args.get("draft", type=int))
    if working.number is None:
        live = found.revisions.live()
        files = live[1] if live else {}
    else:
        files = found.revisions.files(working.number)
    try:
        return Shown(working, revisions, files, load_document(files), True, [])
    except ContentError as error:
        return Shown(working, revisions, files, found.line, False, [str(problem) for problem in error.problems])


def _policy() -> Policy:
    return services().texts.policy


@console.route("/words")
@requires("editor")
def words() -> str:
    """Every menu, topic and prompt in every language, with its audio and whether the revision passes."""
    shown = _shown()
    units = word_units(shown.line.flow.menus, shown.files, list(shown.line.languages))
    drafts = [revision for revision in shown.revisions if revision.state == DRAFT]
    return _render("words.html", shown=shown, units=units, drafts=drafts,
                   audio=_audio_summaries(shown.line) if shown.loads else {})


def _audio_summaries(line: Line) -> dict[tuple[str, str], str]:
    """Per language, each topic's audio and all its prompts' audio together, in words."""
    by_source = _audio_by_source(line)
    summaries = {(code, source): audio_summary(parts) for (code, source), parts in by_source.items()}
    for code, language in line.languages.items():
        prompts = [part for (of, source), parts in by_source.items() if of == code and source not in language.topics
                   for part in parts]
        summaries[code, "prompts"] = audio_summary(prompts)
    return summaries


def _audio_by_source(line: Line) -> dict[tuple[str, str], list[PartAudio]]:
    found: dict[tuple[str, str], list[PartAudio]] = {}
    for part in part_audio(all_utterances(line), services().audio.folder):
        found.setdefault((part.language, part.source), []).append(part)
    return found


def _unit(shown: Shown, key: str) -> Unit:
    for unit in word_units(shown.line.flow.menus, shown.files, list(shown.line.languages)):
        if unit.key == key and unit.files:
            return unit
    abort(404)


@console.route("/words/<key>", methods=["GET", "POST"])
@requires("editor")
def words_edit(key: str) -> str | Response:
    """One topic (or the prompts, or the flow) in every language side by side, each file in its own form.

    Without JavaScript, "Check" re-renders the page with the typed words checked, "Save" saves them.
    """
    typed: dict[str, str] = {}
    shown = _shown()
    unit = _unit(shown, key)
    if request.method == "POST":
        name, text = request.form.get("name", ""), request.form.get("text", "").replace("\r\n", "\n")
        if name not in {file for _, file in unit.files}:
            abort(400, description=f"{key} has no file {name}; reload the page and try again.")
        if request.form.get("action") == "save":
            saved = _save(shown, name, text)
            if saved is not None:
                return redirect(url_for("console.words_edit", key=key, draft=saved) + f"#{_anchor(name)}")
        typed[name] = text  # checked, or not saved: the page shows the words as typed, nothing is lost
    checks = {name: check_file(shown.files, name, typed.get(name, shown.files[name]), _policy(), shown.line,
                               services().audio.folder.read_manifest()) for _, name in unit.files}
    return _render("words_edit.html", shown=shown, unit=unit, checks=checks,
                   texts={name: typed.get(name, shown.files[name]) for _, name in unit.files},
                   audio=_audio_by_source(shown.line) if shown.loads else {})


def _save(shown: Shown, name: str, text: str) -> int | None:
    """Save into the working draft, or start one from the live words; the draft's number, or None if refused."""
    revisions, me = services().revisions, current_staff().email
    try:
        if shown.working.number is None:
            number = revisions.import_draft({**shown.files, name: text}, me, f"edited in the console: "
                                            f"{staff_label(name)}", ORIGIN)
        else:
            number = revisions.edit_draft(shown.working.number, name, text, me, ORIGIN).number
    except Refused as refusal:
        flash(f"Not saved: {refusal}. Your words are still in the box.", "error")
        return None
    except StoreUnavailable as error:
        flash(f"Not saved: the database is unavailable ({error}). Your words are still in the box; save again "
              "in a minute.", "error")
        return None
    problems = check_file(shown.files, name, text, _policy(), shown.line).errors
    flash(f"Saved {staff_label(name)} in revision {number}" + (f", with {problems} problem(s) to fix before it can "
                                                               "go live (listed beside it)" if problems else "."))
    return number


@console.route("/words/checks.json", methods=["POST"])
@requires("editor")
def words_checks() -> Response | tuple[Response, int]:
    """The checks of one file as typed, for the page's script: the same HTML the page renders, and the figures."""
    asked = request.get_json(silent=True) or {}
    name, text = str(asked.get("name", "")), str(asked.get("text", ""))
    shown = _shown()
    if name not in shown.files:
        return jsonify(error=f"no file {name} in this revision"), 400
    check = check_file(shown.files, name, text, _policy(), shown.line, services().audio.folder.read_manifest())
    audio = _audio_by_source(shown.line) if shown.loads else {}
    html = _render("words_checks.html", check=check, audio=audio)
    return jsonify(html=html, errors=check.errors, loads=check.loads,
                   parts=[{"line": part.line, "block": part.block, "characters": len(part.text),
                           "encoding": part.encoding, "segments": part.segments} for part in check.parts])


def _anchor(name: str) -> str:
    """An id for a file's form on the page ("content-en-topics-key-points")."""
    return name.removesuffix(".txt").replace("/", "-")


def audio_of(audio: Mapping[tuple[str, str], list[PartAudio]], name: str, block: str, text: str) -> list[PartAudio]:
    """A part's audio: a topic's part by its exact words (edited words have none yet), a prompt's parts by the
    prompt's name (it is filled in many ways: "For key points, press 3"); the flow says nothing itself."""
    parts = Path(name).parts
    if parts[0] == "prompts":
        return audio.get((Path(name).stem, block), [])
    if len(parts) == 4 and block == "voice":
        return [part for part in audio.get((parts[1], Path(name).stem), []) if part.text == text]
    return []


def audio_summary(parts: Iterable[PartAudio]) -> str:
    """'4 current, 1 stale': how many parts have audio in each state, in words (never colour alone)."""
    counts: dict[str, int] = {}
    for part in parts:
        counts[part.state] = counts.get(part.state, 0) + 1
    return ", ".join(f"{count} {state}" for state, count in sorted(counts.items())) or "nothing spoken"


def _render(template: str, **values: object) -> str:
    """A words template, with the helpers it calls (so the templates hold no rule)."""
    return render_template(f"console/{template}", audio_of=audio_of, audio_summary=audio_summary, anchor=_anchor,
                           staff_label=staff_label, revisions_page=page_url(REVISIONS_PAGE), groups=GROUPS,
                           kind_labels=KIND_LABELS, **values)
