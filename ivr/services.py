"""The long-lived objects a request needs, built once by create_app and kept on the Flask app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ivr.audio.catalog import ManifestCatalog
from ivr.config import Settings
from ivr.content.model import Line
from ivr.sms.line import TextLine
from ivr.store.numbers import NumberHasher, TextStore
from ivr.store.offload import Offload
from ivr.usage import UsageRecorder
from ivr.voice.twiml import VoicePages


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


def services() -> Services:
    return current_app.extensions["otline"]
