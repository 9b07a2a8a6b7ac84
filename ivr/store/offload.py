"""Store work kept off a request's own thread: reads waited on for at most a deadline, writes queued.

The voice line must answer Twilio whatever the database does, and a hung PostgreSQL holds a query for as
long as it hangs (no client-side timeout exists for a query already sent). So a read runs on one of a few
reader threads and the request waits for it only until its deadline; a write (a language to remember, usage
counts) goes into a bounded queue that one writer thread empties, and is dropped with a warning when the
queue is full. A read that misses its deadline counts as a slow failure for the database's breaker, so a
hung store is soon skipped without even a wait.

Threads belong to a process: gunicorn forks its workers after create_app, so each worker starts its own.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as DeadlineMissed
from typing import Callable, TypeVar

from ivr.store.database import CONNECTION, Breaker, StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
READERS = 4
QUEUE_SIZE = 1000


class Offload:
    """One per app: `read(work, deadline)` and `write(work, what)`, both safe from a request thread."""

    def __init__(self, breaker: Breaker, readers: int = READERS, queue_size: int = QUEUE_SIZE):
        self.breaker = breaker
        self.readers, self.queue_size = readers, queue_size
        self._pid = 0
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._queue: queue.Queue[tuple[Callable[[], object], str]] = queue.Queue(queue_size)

    def read(self, work: Callable[[], T], deadline: float) -> T:
        """work()'s result if it comes within `deadline` seconds; StoreUnavailable otherwise (it goes on alone)."""
        self.breaker.refuse_while_skipping()
        future = self._started().submit(work)
        try:
            return future.result(timeout=deadline)
        except DeadlineMissed:
            self.breaker.failed(CONNECTION, deadline)
            raise StoreUnavailable(f"no answer within {deadline * 1000:.0f} ms", CONNECTION) from None

    def write(self, work: Callable[[], object], what: str) -> None:
        """Queue a write for the writer thread; never waits. A full queue drops it, with a warning."""
        self._started()
        try:
            self._queue.put_nowait((work, what))
        except queue.Full:
            log.warning("%s not saved: %d writes are already waiting for the store", what, self.queue_size)

    def wait_until_written(self, timeout: float = 5.0) -> bool:
        """Wait until every queued write is done; False if not (tests, to read what a request just queued)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.002)
        return True

    def _started(self) -> ThreadPoolExecutor:
        if self._executor is None or self._pid != os.getpid():
            with self._lock:
                if self._executor is None or self._pid != os.getpid():
                    self._queue = queue.Queue(self.queue_size)  # a forked copy's queue belongs to the parent
                    self._executor = ThreadPoolExecutor(self.readers, thread_name_prefix="store-reader")
                    threading.Thread(target=self._write_forever, args=(self._queue,), name="store-writer",
                                     daemon=True).start()
                    self._pid = os.getpid()
        return self._executor

    @staticmethod
    def _write_forever(writes: queue.Queue[tuple[Callable[[], object], str]]) -> None:
        while True:
            work, what = writes.get()
            try:
                work()
            except StoreUnavailable as error:
                log.warning("%s not saved: the store is unavailable (%s: %s)", what, error.kind, error)
            except Exception:  # a bug in one write must not stop every later one
                log.exception("%s not saved", what)
            finally:
                writes.task_done()
