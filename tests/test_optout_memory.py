"""The copy of the opted-out numbers each instance answers an outage with never misses an opt-out.

An instance learns opt-outs three ways: its own STOPs, the store (a refresh every KNOWN_OPT_OUTS_SECONDS), and its
spool once an outage ends. Each is interleaved here with the others, on SQLite and PostgreSQL; then the store goes
down for that instance and the number texts again: it must get no section and no menu.
"""

from __future__ import annotations

import errno
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest

import ivr.sms.spool
from ivr.sms.gate import TextGate
from ivr.sms.replies import Incoming, Policy
from ivr.sms.spool import OptOutChange, OptOutSpool
from ivr.store.database import Database, StoreUnavailable
from ivr.store.numbers import NumberHasher, NumberStore, RateLimits
from tests.shipped import shipped_line
from tests.store_faults import make_read_only, make_writable

LINE = shipped_line()
HASH = NumberHasher(b"test")


class InstanceStore:
    """One instance's way to the shared store; `down` fails every call, as a local outage (its pool) does."""

    def __init__(self, store: NumberStore):
        self.store = store
        self.down = False

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.store, name)
        if not callable(found):
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreUnavailable("this instance cannot reach the store")
            return found(*args, **kwargs)

        return call


def instance(database: Database, folder: Path,
             clock: Callable[[], float] = time.time) -> tuple[TextGate, InstanceStore]:
    """A gate as one instance has it: its own spool, memory and clock, the shared store."""
    store = InstanceStore(NumberStore(database, clock))
    gate = TextGate(LINE, store, HASH, RateLimits(100, 1000), Policy(), OptOutSpool(folder / "spool.jsonl"))  # type: ignore[arg-type]
    return gate, store


def refreshed(gate: TextGate) -> None:
    """A refresh now, whenever the last one was (the line does one at most every KNOWN_OPT_OUTS_SECONDS)."""
    gate._memory.known_at = float("-inf")
    gate.refresh_known_opt_outs()


def texted(gate: TextGate, number: str, body: str) -> str | None:
    return gate.receive(number, "", Incoming(body)).reply


def caller(index: int) -> str:
    return f"+1777{index:07d}"


def test_an_opt_out_kept_through_one_instance_s_outage_is_known_to_every_instance_after_it(
        database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Instance 1 cannot reach the store for a minute (its pool timed out); a STOP it takes is kept in its spool.
    Instance 2 refreshes meanwhile. Once instance 1 applies its spool, both must know the number opted out."""
    first, first_store = instance(database, tmp_path / "one")
    second, second_store = instance(database, tmp_path / "two")
    refreshed(first)
    refreshed(second)
    first_store.down = True
    a_minute_ago = time.time() - 60
    monkeypatch.setattr(ivr.sms.spool.time, "time", lambda: a_minute_ago)
    assert texted(first, caller(1), "STOP") is None  # kept in the spool, dated a minute ago
    monkeypatch.undo()
    refreshed(second)  # instance 2 reads the store now: nothing about the number yet
    first_store.down = False
    first.catch_up(force=True)  # instance 1 is back and applies its spool (it needs no refresh to know)
    assert not first.spool.holds_entries()
    refreshed(second)  # instance 2 looks again
    for gate, store in ((first, first_store), (second, second_store)):
        store.down = True  # the next outage, on either instance
        assert texted(gate, caller(1), "KEYPOINTS") is None
        assert texted(gate, caller(1), "MENU") is None
        assert texted(gate, caller(2), "KEYPOINTS")  # a number that never opted out is answered


def test_an_opt_out_learnt_while_a_refresh_reads_the_store_is_not_undone_by_it(
        database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refresh reads the number as opted in (it texted before); the number's STOP lands and is learnt before the
    refresh applies what it read. The older read must not take the opt-out back out of the copy."""
    gate, store = instance(database, tmp_path)
    assert texted(gate, caller(3), "KEYPOINTS")  # a row for the number, opted in, changed just now
    reading: Callable[[int], Any] = store.store.opt_outs_changed_since

    def read_then_stop_arrives(since: int) -> Any:
        read = reading(since)
        monkeypatch.setattr(store.store, "opt_outs_changed_since", reading)
        assert texted(gate, caller(3), "STOP") is None  # another request thread, between the read and its use
        return read

    monkeypatch.setattr(store.store, "opt_outs_changed_since", read_then_stop_arrives)
    refreshed(gate)
    store.down = True
    assert texted(gate, caller(3), "KEYPOINTS") is None


def test_a_kept_start_the_store_refuses_does_not_take_the_opt_out_out_of_the_copy(
        database: Database, tmp_path: Path) -> None:
    """A START kept in instance 1's spool is skipped when applied, since the number sent STOP through instance 2
    after it: the number is opted out in the store, and instance 1's copy must say so too, though it has not
    refreshed since (its next outage comes within KNOWN_OPT_OUTS_SECONDS)."""
    first, first_store = instance(database, tmp_path / "one")
    second, _ = instance(database, tmp_path / "two")
    refreshed(first)
    assert texted(first, caller(4), "STOP please")  # opted out, and in instance 1's copy
    first_store.down = True
    assert texted(first, caller(4), "START")  # kept in instance 1's spool: opted back in there
    texted(second, caller(4), "please stop texting me")  # then out again, through instance 2 (already out there)
    first_store.down = False
    first.catch_up(force=True)  # the kept START is skipped: the store's opt-out is as late or later
    assert not first.spool.holds_entries() and first.store.number(HASH(caller(4))).opted_out
    first_store.down = True  # the next outage, before instance 1's next refresh
    assert texted(first, caller(4), "KEYPOINTS") is None
    assert texted(first, caller(4), "MENU") is None


def test_an_opt_out_written_by_an_instance_whose_clock_is_behind_reaches_the_copy_of_one_that_refreshed_before(
        database: Database, tmp_path: Path) -> None:
    """Each instance dates its writes by its own clock; one 30 s behind (a VM resumed after a pause, NTP not yet
    caught up) writes a STOP just after another instance refreshed. That instance's later refreshes read the rows
    changed since its last one, by its clock: the STOP must be among them, or its next outage texts the number."""
    reader, reader_store = instance(database, tmp_path / "one")
    behind, _ = instance(database, tmp_path / "two", clock=lambda: time.time() - 30)
    refreshed(reader)
    assert texted(behind, caller(5), "STOP please")
    refreshed(reader)
    reader_store.down = True
    assert texted(reader, caller(5), "KEYPOINTS") is None
    assert texted(reader, caller(5), "MENU") is None


def test_a_start_through_another_instance_is_answered_though_this_copy_still_says_opted_out(
        database: Database, tmp_path: Path) -> None:
    """An opt-out the store lost is written again from an instance's copy, but only when the store has no row for
    the number: a START through another instance, not yet in this copy, is the store's newer word and stands."""
    first, _ = instance(database, tmp_path / "one")
    second, _ = instance(database, tmp_path / "two")
    refreshed(first)
    assert texted(first, caller(6), "STOP please")
    assert texted(second, caller(6), "START")
    assert texted(first, caller(6), "KEYPOINTS")  # before instance 1's next refresh
    assert not first.store.number(HASH(caller(6))).opted_out


def test_a_start_kept_in_an_outage_after_other_writes_to_the_number_is_applied(
        database: Database, tmp_path: Path) -> None:
    """Opted out days ago; AYUDA (the store up) writes the number's language; COMENZAR during an outage is confirmed
    and kept. Once applied, the number must be back in: it was told so. (The START yields only to an opt-out dated
    near it, never to any recent write.)"""
    gate, store = instance(database, tmp_path)
    texted(gate, caller(20), "STOP")
    with database.transaction() as tx:  # that STOP was three days ago
        tx.execute("UPDATE numbers SET updated_at = updated_at - 3 * 86400, opted_out_at = opted_out_at - 3 * 86400")
    refreshed(gate)
    assert texted(gate, caller(20), "AYUDA")  # HELP is answered to an opted-out number, and sets its language
    store.down = True
    assert "otra vez" in (texted(gate, caller(20), "COMENZAR") or "")  # confirmed: back in
    store.down = False
    gate.catch_up(force=True)
    assert not store.store.number(HASH(caller(20))).opted_out
    assert texted(gate, caller(20), "MENU")


def test_a_start_kept_long_ago_is_known_to_every_instance_once_applied(
        database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A START kept ten minutes into instance 1's outage, applied when it is back: instance 2's copy must let the
    number in (else it keeps writing the opt-out back, and answers nothing in its next outage)."""
    first, first_store = instance(database, tmp_path / "one")
    second, second_store = instance(database, tmp_path / "two")
    texted(second, caller(21), "STOP")
    with database.transaction() as tx:  # an hour ago
        tx.execute("UPDATE numbers SET updated_at = updated_at - 3600, opted_out_at = opted_out_at - 3600")
    refreshed(first)
    refreshed(second)
    first_store.down = True
    ten_minutes_ago = time.time() - 600
    monkeypatch.setattr(ivr.sms.spool.time, "time", lambda: ten_minutes_ago)
    assert "again" in (texted(first, caller(21), "START") or "")  # confirmed: back in
    monkeypatch.undo()
    first_store.down = False
    first.catch_up(force=True)
    assert not first_store.store.number(HASH(caller(21))).opted_out
    refreshed(second)
    second_store.down = True
    assert texted(second, caller(21), "MENU")  # back in, on every instance


def test_a_spool_file_turned_read_only_fails_no_text_and_keeps_what_it_holds(database: Database,
                                                                              tmp_path: Path) -> None:
    """The disk holding the spool turns read-only (ext4 errors=remount-ro) with a STOP in it: the texts after must
    still be answered and new STOPs recorded; the kept STOP is honoured, and applied once the file can be written."""
    gate, store = instance(database, tmp_path / "instance")
    refreshed(gate)
    store.down = True
    texted(gate, caller(30), "STOP")  # kept in the spool file
    spool_path = tmp_path / "instance" / "spool.jsonl"
    assert spool_path.stat().st_size > 0
    store.down = False
    make_read_only(spool_path)
    try:
        assert texted(gate, caller(31), "PARAR")  # answered (a confirmation), not an error
        assert store.store.number(HASH(caller(31))).opted_out
        assert texted(gate, caller(30), "MENU") is None  # the kept STOP is still honoured
        assert texted(gate, caller(32), "MENU")  # anyone else is answered
    finally:
        make_writable(spool_path)
    gate.catch_up(force=True)
    assert store.store.number(HASH(caller(30))).opted_out and not gate.spool.holds_entries()


def test_two_workers_threads_applying_the_changes_kept_in_memory_lose_none(tmp_path: Path) -> None:
    """The spool file cannot be written (a full disk): changes wait in memory. Two threads apply them at once (a
    request and the background retry) while a third STOP is kept: every STOP reaches the store."""
    spool = OptOutSpool(tmp_path / "spool.jsonl")

    def full_disk(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    object.__setattr__(spool, "_write", full_disk)
    spool.append("X", True, None)
    first_writing, second_writing = threading.Event(), threading.Event()
    first_may_finish = threading.Event()
    stored: list[str] = []

    def first(changes: Iterable[OptOutChange]) -> None:
        first_writing.set()
        first_may_finish.wait(5)
        stored.extend(change[0] for change in changes)

    def second(changes: Iterable[OptOutChange]) -> None:
        second_writing.set()
        stored.extend(change[0] for change in changes)

    one = threading.Thread(target=spool.apply, args=(first,))
    one.start()
    assert first_writing.wait(5)
    two = threading.Thread(target=spool.apply, args=(second,))
    two.start()
    second_writing.wait(0.5)  # (with the applies one at a time, the second waits for the first instead)
    spool.append("B", True, None)  # a STOP kept meanwhile
    first_may_finish.set()
    one.join(5)
    two.join(5)
    assert "B" in stored or spool.pending("B") is True, (stored, spool.pending("B"))
