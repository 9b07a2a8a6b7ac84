"""How one line's services are put together and answer Twilio: for the app Twilio calls (create_app) and for
the console's simulator, which builds the same line over its own database and a sender that only records."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ivr.audio.catalog import ManifestCatalog
from ivr.audio.folder import AudioFolder
from ivr.config import Settings
from ivr.counting import UsageRecorder, install_usage_counting
from ivr.health import StoreCheck
from ivr.publishing.serving import Served
from ivr.publishing.store import Revisions
from ivr.services import Services
from ivr.sms.gate import TextGate
from ivr.sms.measure import refuse_long_help
from ivr.sms.replies import Policy
from ivr.sms.sender import Sender
from ivr.sms.spool import SPOOL_FILE, OptOutSpool
from ivr.store.database import Database
from ivr.store.numbers import NumberHasher, NumberStore, RateLimits, load_or_create_secret
from ivr.store.offload import Offload
from ivr.store.usage import UsageStore
from ivr.voice.caller_language import CallerLanguages
from ivr.voice.twiml import VoicePages


def line_services(settings: Settings, database: Database, revisions: Revisions, served: Served, instance: Path,
                  sender: Sender | None) -> Services:
    """What answers calls and texts for one line: the app's own, or the console simulator's (its own
    database, instance folder and a sender that only records), built the one same way."""
    line = served.line
    policy = Policy(settings.help_contact, settings.twilio_answers_help)
    refuse_long_help(line, policy)
    audio = ManifestCatalog(AudioFolder(settings.audio_dir), audio_url_prefix(settings))
    store = NumberStore(database)
    offload = Offload(database.breaker)
    hasher = NumberHasher(load_or_create_secret(settings.number_hash_secret, instance))
    limits = RateLimits(settings.sms_per_minute, settings.sms_per_day, settings.text_budget_per_day)
    texts = TextGate(line, store, hasher, limits, policy, OptOutSpool(instance / SPOOL_FILE), sender,
                     settings.text_countries)
    pages = VoicePages(line=line, audio=audio, staff_number=settings.staff_phone_number,
                       texting=texts.sender is not None, revision=served.revision)
    return Services(pages=pages, texts=texts, caller_languages=CallerLanguages(store, hasher, offload),
                    usage=UsageRecorder(UsageStore(database), offload), revisions=revisions,
                    store_check=StoreCheck(database, offload))


def answer_webhooks(app: Flask) -> None:
    """Answer Twilio's voice and text webhooks with app.extensions["otline"]: on the line's app, and on the
    console simulator's app (never served over HTTP)."""
    from ivr.routes.sms import bp as sms_bp
    from ivr.routes.voice import bp as voice_bp

    services: Services = app.extensions["otline"]
    install_usage_counting(app, services.usage)
    app.before_request(services.texts.retry_kept_opt_outs)  # a restarted instance applies what its spool kept, unasked
    app.register_blueprint(voice_bp)
    app.register_blueprint(sms_bp)


def audio_url_prefix(settings: Settings) -> str:
    """Where <Play> finds a file: a CDN folder (AUDIO_BASE_URL), or this app's /audio/ route."""
    if settings.audio_base_url:
        return f"{settings.audio_base_url}/"
    return f"{settings.public_base_url or ''}/audio/"
