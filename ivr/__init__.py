"""The OT Info Line: a Flask service that Twilio calls for voice and SMS."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

from flask import Flask

from ivr.audio.catalog import ManifestCatalog
from ivr.audio.store import AudioStore
from ivr.config import Settings
from ivr.health import StoreCheck
from ivr.observability import install_request_log
from ivr.publishing.live import install_live_revision
from ivr.publishing.serving import serve
from ivr.publishing.store import Revisions
from ivr.security import harden_http, refuse_unsafe_start, warn_if_unchecked
from ivr.services import Services
from ivr.sms.line import TextLine
from ivr.sms.measure import refuse_long_help
from ivr.sms.replies import Policy
from ivr.sms.sender import TwilioSender, twilio_client
from ivr.sms.spool import SPOOL_FILE, OptOutSpool
from ivr.store.database import Database, StoreUnavailable
from ivr.store.numbers import NumberHasher, RateLimits, TextStore, load_or_create_secret
from ivr.store.offload import Offload
from ivr.store.usage import UsageStore
from ivr.usage import UsageRecorder, install_usage_counting
from ivr.voice.caller_language import CallerLanguages
from ivr.voice.twiml import VoicePages

log = logging.getLogger(__name__)


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (or a given mapping, for tests).

    Content is loaded and validated here, so a broken staff edit stops the start-up with the
    file and line of each problem instead of failing a caller later.
    """
    settings = Settings.from_environment(environ)
    refuse_unsafe_start(settings)
    app = Flask(__name__, instance_path=str(settings.instance_dir) if settings.instance_dir else None,
                instance_relative_config=True)
    app.config["SETTINGS"] = settings
    harden_http(app, settings)
    install_request_log(app)
    instance = Path(app.instance_path)
    database = Database(settings.database_url or f"sqlite:///{instance / 'otline.sqlite3'}",
                        pool_max=settings.database_pool_max)
    try:
        database.migrate()
    except StoreUnavailable as error:  # the voice line needs no database: start, and migrate when it is back
        log.error("the database is unavailable (%s: %s): calls work, texting answers without memory until it is back",
                  error.kind, error)
    revisions = Revisions(database)
    served = serve(revisions, settings.content_dir, settings.prompts_dir)
    database.close()  # gunicorn forks workers from here: each opens its own connections
    line = served.line
    policy = Policy(settings.help_contact, settings.twilio_answers_help)
    refuse_long_help(line, policy)
    audio = ManifestCatalog(AudioStore(settings.audio_dir), audio_url_prefix(settings))
    store = TextStore(database)
    offload = Offload(database.breaker)
    hasher = NumberHasher(load_or_create_secret(settings.number_hash_secret, instance))
    limits = RateLimits(settings.sms_per_minute, settings.sms_per_day, settings.text_budget_per_day)
    texts = TextLine(line, store, hasher, limits, policy, OptOutSpool(instance / SPOOL_FILE), _sender(settings),
                     settings.text_countries)
    pages = VoicePages(line=line, audio=audio, staff_number=settings.staff_phone_number,
                       texting=texts.sender is not None, revision=served.revision)
    usage = UsageRecorder(UsageStore(database), offload)
    app.extensions["otline"] = Services(
        pages=pages, texts=texts, caller_languages=CallerLanguages(store, hasher, offload), usage=usage,
        revisions=revisions, store_check=StoreCheck(database, offload))
    install_usage_counting(app, usage)
    install_live_revision(app, settings.revision_poll_seconds)
    app.before_request(texts.retry_kept_opt_outs)  # a restarted instance applies what its spool kept, unasked
    warn_if_unchecked(settings)

    from ivr.audio.routes import bp as audio_bp
    from ivr.cli import stats  # `content` and `audio` are flask.commands entry points: they need no app
    from ivr.health import bp as health_bp
    from ivr.optouts import optouts_cli
    from ivr.sms.routes import bp as sms_bp
    from ivr.voice.routes import bp as voice_bp

    app.register_blueprint(voice_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(audio_bp)
    app.register_blueprint(health_bp)
    app.cli.add_command(stats)
    app.cli.add_command(optouts_cli)
    return app


def audio_url_prefix(settings: Settings) -> str:
    """Where <Play> finds a file: a CDN folder (AUDIO_BASE_URL), or this app's /audio/ route."""
    if settings.audio_base_url:
        return f"{settings.audio_base_url}/"
    return f"{settings.public_base_url or ''}/audio/"


def _sender(settings: Settings) -> TwilioSender | None:
    """Texting from a call needs REST credentials; without them callers hear it is not set up."""
    if settings.account_sid is None or settings.auth_token is None:
        return None
    client = twilio_client(settings.account_sid, settings.auth_token, settings.twilio_api_base_url)
    return TwilioSender(client, settings.messaging_service_sid)
