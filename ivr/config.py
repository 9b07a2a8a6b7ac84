"""Settings from the environment, read once when the app is created."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from flask import current_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A person reads and answers a few texts a minute; an auto-responder answering our reply answers
# within seconds, so 6 a minute stops such a loop in its first minute (MORE within a section does not
# count toward the minute: a family paging through a section is not a loop). 80 a day lets a family
# read every section twice in Spanish (32 texts once, 64 twice) with room for MENU and HELP; at 5
# UCS-2 segments a text at most, it caps one number at 400 segments a day.
DEFAULT_SMS_PER_MINUTE = 6
DEFAULT_SMS_PER_DAY = 80
# A family reading every section twice in Spanish is about 64 texts; 1,000 a day is fifteen such
# families, and caps the line's bill at about 5,000 segments a day (a Spanish text is at most 5 UCS-2
# segments), whatever caller IDs callers claim.
DEFAULT_LINE_TEXTS_PER_DAY = 1000
DEFAULT_TEXT_COUNTRIES = ("1",)  # the country code of the line's own numbers: texts from a call go nowhere else
PRODUCTION = "production"
# Twilio sends at most 1,600 characters of text plus about 30 short parameters: 64 KB is generous.
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024
# PostgreSQL connections per gunicorn worker: 4 request threads, a store reader and writer share them (a store
# call takes about a millisecond). With the default 2 x cores + 1 workers, a 12-core host holds 75, under
# PostgreSQL's default limit of 100.
DEFAULT_DATABASE_POOL_MAX = 3

# A publish must reach every worker within 5 s: each checks the live revision's number this often.
DEFAULT_REVISION_POLL_SECONDS = 2.0

# A console left open on a ward computer signs itself out after this long without a request.
DEFAULT_CONSOLE_IDLE_MINUTES = 30
# Flask signs the console's cookie with SECRET_KEY: shorter than this, it could be guessed offline.
MIN_SECRET_KEY_LENGTH = 32
# What the sign-in page's button says when single sign-on is on and OIDC_NAME does not name the provider.
DEFAULT_OIDC_NAME = "your organisation's sign-in"
# The three settings single sign-on needs together (OIDC_NAME is optional).
OIDC_REQUIRED = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


LINE_ENVIRONMENTS = ("development", PRODUCTION)
SWITCH_VALUES = {"1": True, "true": True, "yes": True, "on": True,
                 "0": False, "false": False, "no": False, "off": False}


class ConfigurationError(RuntimeError):
    """The environment is not safe to start in: production without its secrets, or a value not understood.

    The message is one line for the person starting the line; app.py and gunicorn.conf.py print it and exit.
    """


def whole_number(name: str, value: str | None, default: int) -> int:
    """A count of at least 1: a value that is not one ("64k") stops the start instead of becoming a default."""
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit() or int(value) < 1:
        raise ConfigurationError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def switch(name: str, value: str | None) -> bool:
    """On or off; "maybe" stops the start: a switch read wrongly could trust what it must not."""
    if value is None or not value.strip():
        return False
    if value.strip().lower() not in SWITCH_VALUES:
        raise ConfigurationError(f"{name} must be one of {', '.join(SWITCH_VALUES)}, not {value!r}")
    return SWITCH_VALUES[value.strip().lower()]


def seconds(name: str, value: str | None, default: float) -> float:
    """A number of seconds, 0 or more ("2", "0.5"); anything else ("2s") stops the start."""
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not (0 <= number < float("inf")):
        raise ConfigurationError(f"{name} must be a number of seconds, 0 or more, not {value!r}")
    return number


def line_environment(value: str | None) -> str:
    """development or production; anything else (a typo like "prod") could start with webhooks unsigned."""
    chosen = (value or "development").strip().lower() or "development"
    if chosen not in LINE_ENVIRONMENTS:
        raise ConfigurationError(f"LINE_ENV must be development or production, not {value!r}")
    return chosen


@dataclass(frozen=True)
class Settings:
    auth_token: str | None
    account_sid: str | None
    public_base_url: str | None
    twilio_api_base_url: str | None
    database_url: str | None
    staff_phone_number: str | None
    content_dir: Path
    prompts_dir: Path
    audio_dir: Path
    audio_base_url: str | None
    messaging_service_sid: str | None = None
    number_hash_secret: str | None = None
    help_contact: str | None = None
    twilio_answers_help: bool = False
    sms_per_minute: int = DEFAULT_SMS_PER_MINUTE
    sms_per_day: int = DEFAULT_SMS_PER_DAY
    line_env: str = "development"
    trust_proxy: bool = False
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    text_budget_per_day: int = DEFAULT_LINE_TEXTS_PER_DAY
    text_countries: tuple[str, ...] = DEFAULT_TEXT_COUNTRIES
    instance_dir: Path | None = None  # INSTANCE_DIR: this instance's own files (the opt-out spool); default instance/
    database_pool_max: int = DEFAULT_DATABASE_POOL_MAX
    revision_poll_seconds: float = DEFAULT_REVISION_POLL_SECONDS
    console_enabled: bool = False  # CONSOLE_ENABLED: serve the staff console under /console
    secret_key: str | None = None  # SECRET_KEY: signs the console's session cookie, the same on every instance
    console_idle_minutes: int = DEFAULT_CONSOLE_IDLE_MINUTES
    oidc_issuer: str | None = None  # OIDC_ISSUER: the hospital's OpenID Connect provider, for console single sign-on
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_name: str = DEFAULT_OIDC_NAME  # OIDC_NAME: the provider as staff know it ("St Jude sign-in")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def count(name: str, default: int) -> int:
            return whole_number(name, env.get(name), default)

        return cls(
            auth_token=get("TWILIO_AUTH_TOKEN"),
            account_sid=get("TWILIO_ACCOUNT_SID"),
            public_base_url=(get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            twilio_api_base_url=get("TWILIO_API_BASE_URL"),
            database_url=get("DATABASE_URL"),
            staff_phone_number=get("STAFF_PHONE_NUMBER"),
            content_dir=Path(get("CONTENT_DIR") or PROJECT_ROOT / "content"),
            prompts_dir=Path(get("PROMPTS_DIR") or PROJECT_ROOT / "prompts"),
            audio_dir=Path(get("AUDIO_DIR") or PROJECT_ROOT / "audio"),
            audio_base_url=(get("AUDIO_BASE_URL") or "").rstrip("/") or None,
            messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
            number_hash_secret=get("NUMBER_HASH_SECRET"),
            help_contact=get("HELP_CONTACT"),
            twilio_answers_help=switch("SMS_HELP_BY_TWILIO", env.get("SMS_HELP_BY_TWILIO")),
            sms_per_minute=count("SMS_LIMIT_PER_MINUTE", DEFAULT_SMS_PER_MINUTE),
            sms_per_day=count("SMS_LIMIT_PER_DAY", DEFAULT_SMS_PER_DAY),
            line_env=line_environment(env.get("LINE_ENV")),
            trust_proxy=switch("TRUST_PROXY", env.get("TRUST_PROXY")),
            max_request_bytes=count("MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES),
            text_budget_per_day=count("TEXT_BUDGET_PER_DAY", DEFAULT_LINE_TEXTS_PER_DAY),
            text_countries=country_codes(get("TEXT_COUNTRIES")),
            instance_dir=Path(found).resolve() if (found := get("INSTANCE_DIR")) else None,
            database_pool_max=count("DATABASE_POOL_MAX", DEFAULT_DATABASE_POOL_MAX),
            revision_poll_seconds=seconds("REVISION_POLL_SECONDS", env.get("REVISION_POLL_SECONDS"),
                                          DEFAULT_REVISION_POLL_SECONDS),
            console_enabled=switch("CONSOLE_ENABLED", env.get("CONSOLE_ENABLED")),
            secret_key=get("SECRET_KEY"),
            console_idle_minutes=count("CONSOLE_IDLE_MINUTES", DEFAULT_CONSOLE_IDLE_MINUTES),
            oidc_issuer=get("OIDC_ISSUER"),  # exactly as the provider names itself: ID tokens must say the same
            oidc_client_id=get("OIDC_CLIENT_ID"),
            oidc_client_secret=get("OIDC_CLIENT_SECRET"),
            oidc_name=get("OIDC_NAME") or DEFAULT_OIDC_NAME,
        )

    @property
    def production(self) -> bool:
        return self.line_env == PRODUCTION

    def missing_production_secrets(self) -> list[str]:
        """The secrets production mode refuses to start without: unsigned webhooks, numbers in clear."""
        required = {"TWILIO_AUTH_TOKEN": self.auth_token, "NUMBER_HASH_SECRET": self.number_hash_secret}
        return [name for name, value in required.items() if not value] if self.production else []

    def console_key_problem(self) -> str | None:
        """Why the console cannot start with this SECRET_KEY (anyone who knows or guesses it can sign in as anyone)."""
        if not self.console_enabled:
            return None
        if self.secret_key is None:
            return "CONSOLE_ENABLED is on but SECRET_KEY is not set"
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            return f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters for the console"
        return None

    @property
    def single_sign_on(self) -> bool:
        """Whether the console offers sign-in with the hospital's OpenID Connect provider."""
        return self.console_enabled and self.oidc_issuer is not None

    def single_sign_on_problem(self) -> str | None:
        """Why the console cannot start with these OIDC_* settings: half a configuration would leave staff with a
        button that fails, and an issuer over plain http would let anyone on the path hand out sign-ins."""
        given = {"OIDC_ISSUER": self.oidc_issuer, "OIDC_CLIENT_ID": self.oidc_client_id,
                 "OIDC_CLIENT_SECRET": self.oidc_client_secret}
        missing = [name for name in OIDC_REQUIRED if not given[name]]
        if not self.console_enabled or len(missing) == len(OIDC_REQUIRED):
            return None
        if missing:
            return f"single sign-on needs {', '.join(OIDC_REQUIRED)} together; {' and '.join(missing)} not set"
        issuer = self.oidc_issuer or ""
        if not issuer.startswith("https://") and (self.production or not _loopback_http(issuer)):
            return (f"OIDC_ISSUER must be an https:// address (plain http only to 127.0.0.1 or localhost, and not "
                    f"in production), not {issuer!r}")
        if self.production and not self.public_base_url:  # else the way back is built from the request's Host
            return "single sign-on in production needs PUBLIC_BASE_URL (the provider's registered way back)"
        return None


def _loopback_http(url: str) -> bool:
    """http://127.0.0.1:PORT/... or http://localhost...: a provider on this machine, for development and tests."""
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def country_codes(value: str | None) -> tuple[str, ...]:
    """TEXT_COUNTRIES: country calling codes separated by commas ("1,44"); the default when unset."""
    if value is None:
        return DEFAULT_TEXT_COUNTRIES
    codes = tuple(code.strip().lstrip("+") for code in value.split(","))
    if not all(code.isdigit() and len(code) <= 3 for code in codes):
        raise ValueError(f"TEXT_COUNTRIES must be country calling codes separated by commas (1,44), not {value!r}")
    return codes


def app_settings() -> Settings:
    """The settings create_app started with (kept in app.config), for code running inside the app."""
    settings: Settings = current_app.config["SETTINGS"]
    return settings
