"""Settings from the environment, read once when the app is created."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A person reads and answers a few texts a minute; an auto-responder answering our reply answers
# within seconds, so 6 a minute stops such a loop in its first minute. 40 a day lets a family read
# every section (about 20 texts) twice; at 3 segments a text it caps one number at 120 segments a day.
DEFAULT_SMS_PER_MINUTE = 6
DEFAULT_SMS_PER_DAY = 40
PRODUCTION = "production"
# Twilio sends at most 1,600 characters of text plus about 30 short parameters: 64 KB is generous.
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024
# A publish must reach every worker within 5 s: each checks the live revision's number this often.
DEFAULT_REVISION_POLL_SECONDS = 2.0


class ConfigurationError(RuntimeError):
    """The environment is not safe to start in (production mode without its secrets)."""


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
    revision_poll_seconds: float = DEFAULT_REVISION_POLL_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def count(name: str, default: int) -> int:
            value = get(name)
            if value is None:
                return default
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
            return int(value)

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
            twilio_answers_help=(get("SMS_HELP_BY_TWILIO") or "").lower() in ("1", "true", "yes", "on"),
            sms_per_minute=count("SMS_LIMIT_PER_MINUTE", DEFAULT_SMS_PER_MINUTE),
            sms_per_day=count("SMS_LIMIT_PER_DAY", DEFAULT_SMS_PER_DAY),
            line_env=(get("LINE_ENV") or "development").lower(),
            trust_proxy=(get("TRUST_PROXY") or "0").lower() in ("1", "true", "yes"),
            max_request_bytes=int(get("MAX_REQUEST_BYTES") or DEFAULT_MAX_REQUEST_BYTES),
            revision_poll_seconds=float(get("REVISION_POLL_SECONDS") or DEFAULT_REVISION_POLL_SECONDS),
        )

    @property
    def production(self) -> bool:
        return self.line_env == PRODUCTION

    def missing_production_secrets(self) -> list[str]:
        """The secrets production mode refuses to start without: unsigned webhooks, numbers in clear."""
        required = {"TWILIO_AUTH_TOKEN": self.auth_token, "NUMBER_HASH_SECRET": self.number_hash_secret}
        return [name for name, value in required.items() if not value] if self.production else []
