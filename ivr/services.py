"""The long-lived objects a request needs, built once by create_app and kept on the Flask app."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app, g, has_request_context, request

from ivr.audio.catalog import ManifestCatalog
from ivr.config import Settings
from ivr.content.model import Line
from ivr.publishing.store import Revisions
from ivr.sms.line import TextLine
from ivr.store.numbers import NumberHasher, TextStore
from ivr.store.offload import Offload
from ivr.usage import UsageRecorder
from ivr.voice.twiml import VoicePages
from ivr.voice.urls import REVISION_PARAMETER

PREVIOUS = "otline.previous"  # app.extensions key: the Services of the revision live before the current one


@dataclass(frozen=True)
class Services:
    settings: Settings
    line: Line
    pages: VoicePages
    audio: ManifestCatalog
    texts: TextLine  # the texting gate: texts coming in, and "text me this" from a call
    store: TextStore
    hasher: NumberHasher
    usage: UsageRecorder
    offload: Offload  # the store's reader and writer threads: a request never waits on the store for long
    revisions: Revisions
    revision: int | None  # the live revision this line is; None when read from the folders (store down)


def serving(current: Services, line: Line, revision: int | None) -> Services:
    """The same services answering with another revision's words (a publish, or the console's simulator)."""
    return replace(current, line=line, revision=revision, pages=replace(current.pages, line=line, revision=revision),
                   texts=replace(current.texts, line=line))


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
