"""The content-addressed audio folder: `store/<lang>-<hash>.wav` files and `manifest.json`.

(The subfolder keeps its name `store/`: deployed audio folders have it, and URLs never show it.)

The lookup key hashes what a caller should hear (text, language, voice settings, audio format); the
file name also hashes the engine and its voice. So an edited sentence gets a new key and a new URL
(Twilio's caches can never play stale words), an unchanged one is never made again, and a file made
by espeak-ng for development is playable but never mistaken for the real voice.

Every write goes to a temporary file in the same folder and is moved into place with os.replace, so
an interrupted build leaves either the old file or the new one, never a partial one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping

from ivr.content.model import Language

AUDIO_FORMAT = "wav mulaw 8000 Hz mono, -19 LUFS, -2 dBTP, trimmed, v1"  # change it to remake every file
MANIFEST_VERSION = 1
REAL_ENGINE = "gtts"
FILE_NAME = re.compile(r"^[a-z0-9-]+-[0-9a-f]{20}\.wav$")


@dataclass(frozen=True)
class Entry:
    """One made prompt: where it is and what it says (the text is kept so staff can read the manifest)."""

    file: str
    engine: str
    language: str
    source: str
    text: str
    seconds: float
    lufs: float

    @property
    def development_only(self) -> bool:
        return self.engine != REAL_ENGINE


def _hash(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def lookup_key(text: str, language: Language) -> str:
    """What the line asks the manifest for: exactly this text, in this language's voice and format."""
    return _hash(AUDIO_FORMAT, language.code, language.tts_language, language.tts_tld, text)


def file_name(key: str, language: Language, engine_voice: str) -> str:
    return f"{language.code.lower()}-{_hash(key, engine_voice)[:20]}.wav"


def etag_of(name: str) -> str:
    """The content hash in the file name is the file's identity, so it serves as its ETag."""
    return name.rsplit("-", 1)[-1].removesuffix(".wav")


class ManifestError(ValueError):
    """The manifest cannot be read (edited by hand?)."""


class AudioFolder:
    """The audio folder: files under store/ and the manifest that says which text each one speaks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "store"
        self.manifest_path = root / "manifest.json"

    def read_manifest(self) -> dict[str, Entry]:
        """The entries by lookup key; an absent manifest is an empty one (a fresh checkout)."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            return {key: Entry(**entry) for key, entry in data["entries"].items()}
        except FileNotFoundError:
            return {}
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise ManifestError(f"{self.manifest_path} is damaged ({error}); delete it and run `audio build` again, "
                                "which records the files already made without remaking them") from error

    def write_manifest(self, entries: Mapping[str, Entry]) -> None:
        ordered = dict(sorted(entries.items(), key=lambda item: (item[1].language, item[1].source, item[1].file)))
        data = {"version": MANIFEST_VERSION, "format": AUDIO_FORMAT,
                "entries": {key: asdict(entry) for key, entry in ordered.items()}}
        _write_atomically(self.manifest_path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")

    def write_file(self, name: str, data: bytes) -> None:
        if not FILE_NAME.match(name) or not data:
            raise ValueError(f"refusing to store {name!r} ({len(data)} bytes)")
        _write_atomically(self.files / name, data)

    def path_of(self, name: str) -> Path | None:
        """The file's path, only for a well-formed name that exists in the store (no path tricks)."""
        if not FILE_NAME.match(name):
            return None
        path = self.files / name
        return path if path.is_file() else None

    def prune(self, keep: set[str]) -> list[str]:
        """Forget entries whose key is not in `keep` and delete every file no remaining entry uses."""
        entries = {key: entry for key, entry in self.read_manifest().items() if key in keep}
        self.write_manifest(entries)
        used = {entry.file for entry in entries.values()}
        removed = []
        for path in sorted(self.files.glob("*")) if self.files.is_dir() else ():
            if path.is_file() and path.name not in used:
                path.unlink()
                removed.append(path.name)
        return removed


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
