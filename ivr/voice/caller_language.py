"""The language a caller chose before, by phone or by text, remembered by their hashed number.

A call never waits on the store for longer than VOICE_STORE_DEADLINE_SECONDS: past it, or with the store down,
the caller is simply asked the language question, and a choice is written on the store's writer thread.
"""

from __future__ import annotations

import logging

from ivr.store.database import StoreUnavailable
from ivr.store.numbers import NumberHasher, NumberStore, has_caller_id
from ivr.store.offload import Offload

log = logging.getLogger(__name__)
VOICE_STORE_DEADLINE_SECONDS = 0.1


class CallerLanguages:
    """Reads and remembers a caller's language code; a hidden caller ID has nothing to remember by."""

    def __init__(self, store: NumberStore, hasher: NumberHasher, offload: Offload):
        self._store = store
        self._hasher = hasher
        self._offload = offload

    def remembered(self, caller: str) -> str | None:
        """The code this caller chose before; None when unknown, hidden, or the store is slow or down."""
        if not has_caller_id(caller):
            return None
        key, store = self._hasher(caller), self._store
        try:
            return self._offload.read(lambda: store.number(key).language, VOICE_STORE_DEADLINE_SECONDS)
        except StoreUnavailable as error:
            log.warning("cannot look up the caller's language, asking for it: %s", error)
            return None

    def remember(self, caller: str, code: str) -> None:
        """Queued: the caller hears the menu at once, whatever the store does."""
        if has_caller_id(caller):
            key, store = self._hasher(caller), self._store
            self._offload.write(lambda: store.set_language(key, code), "a caller's language")
