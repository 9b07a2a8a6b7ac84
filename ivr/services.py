"""The long-lived objects a request needs, built once by create_app and kept on the Flask app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from ivr.audio.catalog import ManifestCatalog
from ivr.config import Settings
from ivr.content.model import Line
from ivr.publishing.store import Revisions
from ivr.store.numbers import NumberHasher, RateLimits, TextStore
from ivr.texting import TopicTexter
from ivr.usage import UsageRecorder
from ivr.voice.twiml import VoicePages


@dataclass(frozen=True)
class Services:
    settings: Settings
    line: Line
    pages: VoicePages
    audio: ManifestCatalog
    texter: TopicTexter
    store: TextStore
    hasher: NumberHasher
    limits: RateLimits
    usage: UsageRecorder
    revisions: Revisions
    revision: int | None  # the live revision this line is; None when read from the folders (store down)


def services() -> Services:
    """The app's services, pinned for the rest of the request: a new revision swapped in meanwhile waits for
    the next request, so one answer never mixes two revisions of the line."""
    if "otline" not in g:
        g.otline = current_app.extensions["otline"]
    return g.otline
