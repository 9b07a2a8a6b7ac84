"""Opt-outs and opt-ins that could not be written because the store was down, kept on the instance until it is back.

An append-only file of JSON lines (hashed numbers only, never a number), each line fsync'd before the
texter is answered, so a crash or a restart loses nothing. Entries are applied to the store in the order
they were written, all in one transaction, then the file is emptied. An flock on the file keeps the
workers of one instance from appending while another applies (appends wait; a second applier skips).
A change the file cannot take either (a full or read-only disk, often the store's own) is kept in the worker's
memory: lost to a restart, but honoured and applied like the others until then.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

log = logging.getLogger(__name__)

SPOOL_FILE = "optout-spool.jsonl"

# Bytes a disk garbled are read as U+FFFD, so their line is skipped like a torn one: an error would refuse every
# text after it, a STOP with the rest, and leave the spool's other changes waiting for good.
_GARBLED = "replace"
OptOutChange = tuple[str, bool, "str | None", int]  # number hash, opted out, the word's language, when (epoch s)


@dataclass(frozen=True)
class OptOutSpool:
    path: Path
    _unwritten: list[OptOutChange] = field(default_factory=list, compare=False, repr=False)  # the file refused them
    _applying_memory: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def append(self, number_hash: str, opted_out: bool, language: str | None) -> None:
        """Keep one change durably (written and fsync'd) before anyone is told it was done; in memory if the file
        cannot take it."""
        try:
            self._write(number_hash, opted_out, language)
        except OSError as error:
            log.critical("opt-out kept in this worker's memory only (a restart loses it): the spool %s cannot be "
                         "written: %s", self.path, error)
            self._unwritten.append((number_hash, opted_out, language, int(time.time())))

    def _write(self, number_hash: str, opted_out: bool, language: str | None) -> None:
        line = json.dumps({"number": number_hash, "opted_out": opted_out, "language": language, "at": int(time.time())})
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if os.fstat(descriptor).st_size and not self._ends_with_newline():
                line = "\n" + line  # a crash cut the last line short: keep this one whole
            os.write(descriptor, (line + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)  # closing releases the lock
        if created:
            _fsync_folder(self.path.parent)

    def holds_entries(self) -> bool:
        return bool(self._unwritten) or self._file_holds_entries()

    def _file_holds_entries(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def pending(self, number_hash: str) -> bool | None:
        """The latest kept change for a number (True: opted out) until it is applied; None if there is none."""
        if not self.holds_entries():
            return None
        latest = None
        written = self._read(self.path.read_text(errors=_GARBLED)) if self._file_holds_entries() else ()
        for number, opted_out, *_ in [*written, *self._unwritten]:
            if number == number_hash:
                latest = opted_out
        return latest

    def apply(self, write: Callable[[Iterable[OptOutChange]], None]) -> list[OptOutChange]:
        """Hand every kept change, in order, to `write`; empty the file (and memory) once it returns. Return the
        changes.

        If `write` raises (the store is still down) the file is left as it was. If another worker is applying
        the file already, it is left to that worker; a file that cannot be emptied (a disk turned read-only) is left
        too, still answering for its numbers, and tried again next time.
        """
        try:
            applied = self._apply_file(write) if self._file_holds_entries() else []
        except OSError as error:
            log.critical("opt-outs kept in the spool %s wait: the file cannot be changed: %s", self.path, error)
            applied = []
        with self._applying_memory:  # one thread at a time: each applies, then forgets, exactly what it copied
            unwritten = list(self._unwritten)  # (kept after the file's: the disk filled up after they were written)
            if unwritten:
                write(unwritten)
                del self._unwritten[:len(unwritten)]  # appends only add at the end
        return applied + unwritten

    def _apply_file(self, write: Callable[[Iterable[OptOutChange]], None]) -> list[OptOutChange]:
        with self._locked() as spool:
            if spool is None:
                return []
            changes = list(self._read(spool.read()))
            if changes:
                write(changes)
            spool.truncate(0)
            os.fsync(spool.fileno())
            return changes

    @contextmanager
    def _locked(self) -> Iterator[IO[str] | None]:
        try:
            spool = open(self.path, "r+", errors=_GARBLED)
        except FileNotFoundError:
            yield None
            return
        with spool:
            try:
                fcntl.flock(spool.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            yield spool

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as spool:
            spool.seek(-1, os.SEEK_END)
            return spool.read(1) == b"\n"

    @staticmethod
    def _read(text: str) -> Iterator[OptOutChange]:
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                yield str(entry["number"]), bool(entry["opted_out"]), entry.get("language"), int(entry["at"])
            except (ValueError, KeyError, TypeError):
                log.error("opt-out spool: skipped a line cut short or garbled (%d characters)", len(line))


def _fsync_folder(folder: Path) -> None:
    """Make a new file's name durable too, not only its contents."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
