"""Audio shared through the database, so every instance plays what any one of them built.

A build writes into its own audio folder as before, then `share` copies what is new into the database
(tables `audio_clips` and `audio_entries`). Every worker's revision poll (ivr/live_revision.py) asks
for the shared audio's version, one cheap query, and when it changed `fetch` copies the clips this
instance lacks into its folder and rewrites its manifest, which the ManifestCatalog then notices. The
local folder is a cache: an instance on an ephemeral disk gets everything back at its first poll.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Callable

from ivr.audio.folder import AudioFolder, Entry
from ivr.store.database import Database, Transaction

_SHARING_LOCK = 7_052_026  # any constant, other than the migration and publishing locks
_CHUNK = 50  # clips fetched per query: a few MB at most


class SharedAudio:
    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self._clock = clock

    def version(self) -> tuple[int, int]:
        """Changes whenever an entry is added or replaced (its seq grows) or removed (the count drops)."""
        with self.database.transaction() as tx:
            count, newest = tx.row("SELECT COUNT(*), MAX(seq) FROM audio_entries")
        return count, newest or 0

    def share(self, folder: AudioFolder) -> int:
        """Copy this folder's clips and entries the store lacks (or has otherwise) into it; return how many."""
        manifest = folder.read_manifest()
        paths = {entry.file: path for entry in manifest.values() if (path := folder.path_of(entry.file)) is not None}
        local = {key: entry for key, entry in manifest.items() if entry.file in paths}  # files present here only
        with self.database.transaction() as tx:
            self._lock(tx)
            shared = {key: text for key, text in tx.execute("SELECT key, entry FROM audio_entries")}
            changed = {key: entry for key, entry in local.items() if shared.get(key) != _text(entry)}
            if not changed:
                return 0
            names = {entry.file for entry in changed.values()}
            present = {row[0] for row in tx.execute("SELECT name FROM audio_clips")}
            seq = (tx.row("SELECT MAX(seq) FROM audio_entries")[0] or 0)
            for name in sorted(names - present):
                tx.execute("INSERT INTO audio_clips (name, data, created_at) VALUES (?, ?, ?)",
                           (name, paths[name].read_bytes(), int(self._clock())))
            for key, entry in sorted(changed.items()):
                seq += 1
                tx.execute("INSERT INTO audio_entries (key, entry, seq) VALUES (?, ?, ?)"
                           " ON CONFLICT (key) DO UPDATE SET entry = excluded.entry, seq = excluded.seq",
                           (key, _text(entry), seq))
        return len(changed)

    def fetch(self, folder: AudioFolder) -> int:
        """Copy the shared clips this folder lacks into it and add their entries; return how many were added."""
        with self.database.transaction() as tx:
            rows = tx.execute("SELECT key, entry FROM audio_entries")
            shared = {key: Entry(**json.loads(text)) for key, text in rows}
            local = folder.read_manifest()
            arriving = {key: entry for key, entry in shared.items()
                        if local.get(key) != entry or folder.path_of(entry.file) is None}
            missing = sorted({entry.file for entry in arriving.values() if folder.path_of(entry.file) is None})
            for start in range(0, len(missing), _CHUNK):
                chunk = missing[start:start + _CHUNK]
                marks = ", ".join("?" for _ in chunk)
                for name, data in tx.execute(f"SELECT name, data FROM audio_clips WHERE name IN ({marks})", chunk):
                    folder.write_file(name, bytes(data))
        if arriving:
            folder.write_manifest({**local, **arriving})  # the catalog notices the new manifest and plays them
        return len(arriving)

    def prune(self, keep: set[str]) -> int:
        """Forget shared entries whose key is not in `keep`, and clips no remaining entry uses; return how many.

        Instances keep the copies in their own folders (their own prune removes those).
        """
        with self.database.transaction() as tx:
            self._lock(tx)
            gone = [key for (key,) in tx.execute("SELECT key FROM audio_entries") if key not in keep]
            for key in gone:
                tx.execute("DELETE FROM audio_entries WHERE key = ?", (key,))
            used = {json.loads(text)["file"] for (text,) in tx.execute("SELECT entry FROM audio_entries")}
            for (name,) in tx.execute("SELECT name FROM audio_clips"):
                if name not in used:
                    tx.execute("DELETE FROM audio_clips WHERE name = ?", (name,))
        return len(gone)

    def _lock(self, tx: Transaction) -> None:
        if self.database.postgres:
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_SHARING_LOCK,))


def _text(entry: Entry) -> str:
    return json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True)
