"""The long-lived objects a request needs, built once by create_app and kept on the Flask app.

Each object is reachable once: the line, its revision and its audio catalog are the ones the voice pages are
rendered from, so a new live revision is swapped in by replacing the pages and the texting gate, and nothing
else can be left pointing at the old words. The settings are the app's config (app.config["SETTINGS"]).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from flask import current_app, g, has_request_context, request

from ivr.audio.catalog import ManifestCatalog
from ivr.content.model import Line
from ivr.publishing.store import Revisions
from ivr.sms.gate import TextGate
from ivr.counting import UsageRecorder
from ivr.voice.caller_language import CallerLanguages
from ivr.voice.twiml import VoicePages
from ivr.voice.urls import REVISION_PARAMETER

PREVIOUS = "otline.previous"  # app.extensions key: the Services of the revision live before the current one


@dataclass(frozen=True)
class Services:
    pages: VoicePages[ManifestCatalog]  # the voice line's pages, rendered from the line, its revision and audio
    texts: TextGate  # the texting gate: texts coming in, "text me this" from a call; its store and number hasher
    caller_languages: CallerLanguages  # the language a caller chose before, by phone or by text
    usage: UsageRecorder  # counts, written on the store's writer thread
    revisions: Revisions  # every revision of the line's words, and which one is live
    store_check: Callable[[], dict[str, str]]  # can the store read and write? ({"read": "ok", "write": ...})

    @property
    def line(self) -> Line:
        return self.pages.line

    @property
    def revision(self) -> int | None:
        """The live revision this line is; None when read from the folders (store down)."""
        return self.pages.revision

    @property
    def audio(self) -> ManifestCatalog:
        return self.pages.audio



def serving(current: Services, line: Line, revision: int | None) -> Services:
    """The same services answering with another revision's words (a publish, or the console's simulator)."""
    return replace(current, pages=replace(current.pages, line=line, revision=revision),
                   texts=current.texts.answering_from(line))

def services() -> Services:
    """The app's services for this request, pinned at first use so one answer never mixes two revisions.

    A call whose URL names the revision live just before (`rev`, see ivr/voice/urls.py) keeps hearing it.
    """
    if "otline" not in g:
        g.otline = current_app.extensions["otline"]
        previous = current_app.extensions.get(PREVIOUS)
        if previous is not None and has_request_context() and \
                request.args.get(REVISION_PARAMETER) == str(previous.revision):
            g.otline = previous
    return g.otline
