"""Publishing one revision: the checks before it goes live, shared by `content publish` and the staff console.

The two-person rule and the missing-audio rule stay in rules.py `decide`; this module only gathers what
`decide` needs (how many parts have no audio in the line's voice) and refuses a revision this instance
could not serve (e.g. HELP_CONTACT changed since the import and now makes HELP too long).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from ivr.audio.build import Gap, gaps
from ivr.audio.folder import AudioFolder
from ivr.audio.shared import SharedAudio
from ivr.config import Settings
from ivr.publishing.document import Files, load_document
from ivr.publishing.rules import PUBLISH, ROLLBACK
from ivr.publishing.serving import check_document
from ivr.publishing.store import Refused, Revision, Revisions
from ivr.sms.replies import Policy
from ivr.text_rules.revocation import stop_words_taken_away
from ivr.store.database import Database
from ivr.voice.utterances import all_utterances


_DONE = {PUBLISH: "published", ROLLBACK: "rolled back to"}


@dataclass(frozen=True)
class Published:
    revision: Revision
    spoken_with_say: int  # parts published without audio in the line's voice (allow_missing_audio)


def refusal_here(number: int, files: Files, settings: Settings) -> str | None:
    """Why this instance cannot serve revision `number` (the first problem and how many more), or None."""
    problems = check_document(files, Policy(settings.help_contact, settings.twilio_answers_help))
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"revision {number} cannot be published here: {problems[0]}{more}"


def missing_audio(files: Files, settings: Settings, database: Database) -> list[Gap]:
    """The parts with no audio in the line's voice, here or shared by another instance (the count publish needs).

    Fetches the shared audio first, so what another instance built counts too.
    """
    folder = AudioFolder(settings.audio_dir)
    SharedAudio(database).fetch(folder)
    return gaps(all_utterances(load_document(files)), folder)


def fewer_ways_to_stop(number: int, files: Files, live: tuple[Revision, Files] | None, action: str) -> str | None:
    """Why revision `number` may not replace the live words (by `action`): it understands fewer requests to stop."""
    if live is None:
        return None
    gone = stop_words_taken_away(load_document(live[1]).languages, load_document(files).languages)
    if not gone:
        return None
    return (f"revision {number} cannot be {_DONE[action]}: texts that ask to stop today would no longer stop the "
            f"line's texts ({'; '.join(gone)}). STOP means stop: put these words back (more may be added, none "
            "taken away); retiring one is a decision for whoever runs the line, with --allow-fewer-stop-words")


def keeping_ways_to_stop(revisions: Revisions, number: int, action: str, actor: str, origin: str,
                         allowed: bool) -> int | None:
    """Refuse (audited) a revision that would go live understanding fewer requests to stop than the live words,
    unless `allowed`: then the override goes on the record. The live revision it compared with: the swap must
    find that one still live, or the check no longer holds."""
    live = revisions.live()
    fewer = fewer_ways_to_stop(number, revisions.files(number), live, action)
    if fewer and not allowed:
        refuse(revisions, action, number, actor, origin, fewer)
    if fewer:
        revisions.record(actor, action, number, f"allowed fewer stop words: {fewer}", origin)
    return live[0].number if live else None


def refuse(revisions: Revisions, action: str, number: int, actor: str, origin: str, refusal: str) -> NoReturn:
    """Refused steps are audited like the rules' refusals (Revisions.act records those)."""
    revisions.record(actor, action, number, f"refused: {refusal}", origin)
    raise Refused(refusal)


def publish(revisions: Revisions, number: int, actor: str, origin: str, settings: Settings,
            allow_missing_audio: bool = False, allow_fewer_stop_words: bool = False) -> Published:
    """Make approved revision `number` live as `decide` allows; Refused (with the line staff read) otherwise."""
    files = revisions.files(number)
    refusal = refusal_here(number, files, settings)
    if refusal:
        refuse(revisions, PUBLISH, number, actor, origin, refusal)
    checked_against = keeping_ways_to_stop(revisions, number, PUBLISH, actor, origin, allow_fewer_stop_words)
    missing = missing_audio(files, settings, revisions.database)
    revision = revisions.act(number, PUBLISH, actor, origin, missing_audio=len(missing),
                             allow_missing_audio=allow_missing_audio, checked_against=checked_against)
    return Published(revision, len(missing))


def roll_back(revisions: Revisions, actor: str, origin: str, number: int | None = None,
              allow_fewer_stop_words: bool = False) -> Revision:
    """Put back the revision live before (or `number`) as a new live one, as `Revisions.rollback` does, unless its
    words understand fewer requests to stop than the live ones (an opt-out word added since must stay)."""
    target = revisions.previous() if number is None else revisions.get(number)
    if target is None:
        return revisions.rollback(actor, origin, number)  # (refused there: nothing to roll back to)
    checked_against = keeping_ways_to_stop(revisions, target.number, ROLLBACK, actor, origin, allow_fewer_stop_words)
    return revisions.rollback(actor, origin, target.number, checked_against)
