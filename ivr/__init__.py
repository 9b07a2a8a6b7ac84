"""The OT Info Line: a Flask service that Twilio calls for voice and SMS."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

from flask import Flask

from ivr.config import Settings
from ivr.line_assembly import answer_webhooks, line_services
from ivr.live_revision import install_live_revision
from ivr.observability import install_request_log
from ivr.publishing.serving import serve
from ivr.publishing.store import Revisions
from ivr.security import harden_http, refuse_unsafe_start, warn_if_unchecked
from ivr.sms.sender import TwilioSender, twilio_client
from ivr.store.database import Database, StoreUnavailable

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
    line = line_services(settings, database, revisions, served, instance, _sender(settings))
    line.texts.refresh_known_opt_outs()  # an outage before this worker's first text must not forget a STOP
    database.close()  # gunicorn forks workers from here: each opens its own connections
    app.extensions["otline"] = line
    answer_webhooks(app)
    install_live_revision(app, settings.revision_poll_seconds)
    warn_if_unchecked(settings)
    if settings.console_enabled:
        from ivr.console import register_console

        register_console(app)

    from ivr.routes.audio import bp as audio_bp
    from ivr.cli import stats  # `content` and `audio` are flask.commands entry points: they need no app
    from ivr.console.cli import staff_cli
    from ivr.health import bp as health_bp
    from ivr.optouts import optouts_cli

    app.register_blueprint(audio_bp)
    app.register_blueprint(health_bp)
    app.cli.add_command(stats)
    app.cli.add_command(optouts_cli)
    app.cli.add_command(staff_cli)
    return app


def _sender(settings: Settings) -> TwilioSender | None:
    """Texting from a call needs REST credentials; without them callers hear it is not set up."""
    if settings.account_sid is None or settings.auth_token is None:
        return None
    client = twilio_client(settings.account_sid, settings.auth_token, settings.twilio_api_base_url)
    return TwilioSender(client, settings.messaging_service_sid)
