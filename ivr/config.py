"""Settings from the environment, read once when the app is created."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

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
        )
