"""The store on SQLite, and on PostgreSQL too when TEST_DATABASE_URL points at one (as CI may).

Each PostgreSQL test starts from empty tables: do not point TEST_DATABASE_URL at a database you keep.
"""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from ivr.sms.spool import SPOOL_FILE, OptOutSpool
from ivr.store.database import Database
from ivr.store.migrations import MIGRATIONS
from ivr.store.usage import CallPlace, Event, UsageStore
from ivr.store.numbers import (CLAIM_EXPIRY_SECONDS, REPLY_KEEP_SECONDS, NumberHasher, NumberState, RateLimits,
                               NumberStore, load_or_create_secret)
from tests.databases import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database: Database, clock: Clock) -> NumberStore:
    return NumberStore(database, clock)


def test_migrating_again_changes_nothing(database: Database) -> None:
    assert database.migrate() == len(MIGRATIONS)
    with database.transaction() as tx:
        versions = tx.execute("SELECT version FROM schema_version ORDER BY version")
        assert versions == [(n,) for n in range(1, len(MIGRATIONS) + 1)]


def test_a_failed_transaction_leaves_nothing_behind(database: Database, store: NumberStore) -> None:
    with pytest.raises(RuntimeError):
        with database.transaction() as tx:
            tx.execute("INSERT INTO sms_replies (message_sid, reply, created_at) VALUES (?, ?, ?)",
                       ("SM1", "<Response/>", 1))
            raise RuntimeError("boom")
    assert store.reply_to("SM1") is None and store.claim_message("SM1")


def test_number_state_round_trip(store: NumberStore) -> None:
    assert store.number("h1") == NumberState()
    assert store.update_unless_opted_out("h1", {"language": "en", "topic": "find-ot", "next_part": 1})
    assert store.update_unless_opted_out("h1", {"next_part": None})
    store.record_opt_out("h1", True, language="es")
    assert store.number("h1") == NumberState(language="es", opted_out=True, topic="find-ot", next_part=None)
    assert store.number("h2") == NumberState()


def test_no_other_write_can_undo_an_opt_out(store: NumberStore) -> None:
    store.record_opt_out("h1", True)
    assert not store.update_unless_opted_out("h1", {"topic": "find-ot", "next_part": 1})  # refused, and says so
    assert not store.update_unless_opted_out("h1", {})
    store.set_language("h1", "es")
    store.count_message("h1")
    assert store.number("h1") == NumberState(language="es", opted_out=True)
    store.record_opt_out("h1", False)
    assert store.update_unless_opted_out("h1", {"topic": "find-ot"})
    assert store.number("h1") == NumberState(language="es", topic="find-ot")


def test_only_place_columns_can_be_updated(store: NumberStore) -> None:
    with pytest.raises(ValueError, match="opted_out"):
        store.update_unless_opted_out("h1", {"opted_out": 0})


def test_opt_outs_kept_during_an_outage_apply_in_order(store: NumberStore) -> None:
    store.apply_opt_outs([("h1", True, "es", 1), ("h2", True, None, 1), ("h1", False, None, 1)])  # one second
    assert store.number("h1") == NumberState(language="es") and store.number("h2").opted_out


def test_a_start_kept_during_an_outage_does_not_undo_a_stop_recorded_after_it(store: NumberStore, clock: Clock,
                                                                              tmp_path: Path) -> None:
    """One instance kept a START while the store was down; the number's STOP (another instance, or an import)
    reached the store after it, before this instance applied its spool: the late START must not undo the STOP."""
    spool = OptOutSpool(tmp_path / SPOOL_FILE)
    clock.now = time.time() - 3600
    store.record_opt_out("h1", True)  # opted out long ago
    store.record_opt_out("h2", True)
    spool.append("h1", False, None)  # START from both, kept during an outage
    spool.append("h2", False, None)
    clock.now = time.time() + 60
    store.record_opt_out("h1", True)  # a minute later, STOP again, written by another instance
    assert len(spool.apply(store.apply_opt_outs)) == 2
    assert store.number("h1").opted_out and not store.number("h2").opted_out


def test_a_start_kept_by_an_instance_whose_clock_is_ahead_does_not_undo_a_stop_made_after_it(
        database: Database, store: NumberStore, clock: Clock) -> None:
    """Instance 1's clock runs 30 s ahead (instances' clocks drift apart). It kept a START while the store was down
    for it; ten seconds later the number's STOP reached the store through instance 2, dated 20 s before the START
    by the clocks. When instance 1 applies its spool, the STOP, the number's last word, must stand."""
    ahead = NumberStore(database, lambda: clock.now + 30)
    kept_start = ("h1", False, None, int(clock.now) + 30)  # what instance 1's spool holds
    clock.now += 10
    store.record_opt_out("h1", True)
    clock.now += 60
    ahead.apply_opt_outs([kept_start])
    assert store.number("h1").opted_out


def test_rate_counts_per_minute_and_per_day(store: NumberStore, clock: Clock) -> None:
    limits = RateLimits(per_minute=2, per_day=3)
    counts = [store.count_message("h1") for _ in range(3)]
    assert [count["minute"] for count in counts] == [1, 2, 3]
    assert [limits.allow(count) for count in counts] == [True, True, False]
    clock.now += 60
    assert store.count_message("h1") == {"minute": 1, "day": 4, "line": 4}  # a new minute, the same day
    assert store.count_message("h2") == {"minute": 1, "day": 1, "line": 5}  # numbers are counted apart
    assert store.count_message("h2", per_minute=False) == {"day": 2, "line": 6}  # MORE: the day only
    assert store.count_message("h2")["minute"] == 2
    clock.now += 86400
    assert store.count_message("h1") == {"minute": 1, "day": 1, "line": 1}


def test_old_rate_windows_are_deleted(store: NumberStore, clock: Clock, database: Database) -> None:
    for _ in range(3):
        store.count_message("h1")
        clock.now += 86400
    with database.transaction() as tx:
        assert tx.one("SELECT COUNT(*) FROM rate_counts")[0] == 3  # this minute and this day, and the line's day


def test_a_message_sid_is_claimed_once_and_its_reply_remembered_then_forgotten(store: NumberStore,
                                                                               clock: Clock) -> None:
    assert store.claim_message("SM1") and not store.claim_message("SM1")
    assert store.reply_to("SM1") is None  # claimed, still being decided
    store.remember_reply("SM1", '"hi"')
    store.remember_reply("SM1", "null")  # a second answer never replaces the first
    assert store.reply_to("SM1") == '"hi"' and not store.claim_message("SM1")
    clock.now += REPLY_KEEP_SECONDS + 1
    assert store.claim_message("SM2")
    assert store.reply_to("SM1") is None and store.claim_message("SM1")


def test_a_claim_whose_request_died_can_be_taken_over(store: NumberStore, clock: Clock) -> None:
    assert store.claim_message("SM1")
    clock.now += CLAIM_EXPIRY_SECONDS - 1
    assert not store.claim_message("SM1")
    clock.now += 2
    assert store.claim_message("SM1") and not store.claim_message("SM1")


def test_unknown_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        Database("mysql://somewhere/db")


def test_number_hash_is_keyed() -> None:
    first, other = NumberHasher(b"secret-one"), NumberHasher(b"secret-two")
    assert first("+15005550006") == first(" +15005550006 ") != other("+15005550006")
    assert len(first("+15005550006")) == 64 and "5005550006" not in first("+15005550006")


def test_development_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    made = load_or_create_secret(None, tmp_path / "instance")
    assert load_or_create_secret(None, tmp_path / "instance") == made and len(made) == 64
    assert stat.S_IMODE((tmp_path / "instance" / "number-hash-secret").stat().st_mode) == 0o600
    assert load_or_create_secret("from-env", tmp_path / "instance") == b"from-env"


def test_usage_counts_add_up_per_day_and_a_call_place_is_forgotten_when_it_ends(database: Database,
                                                                                clock: Clock) -> None:
    usage = UsageStore(database, clock)
    opened = Event("voice", "opened", "en", "key-points")
    usage.record({opened: 1}, [CallPlace("CA1", "en", "key-points")])
    usage.record({opened: 1, Event("sms", "text", "es", "help"): 1})
    clock.now += 86400
    usage.record({opened: 1}, [CallPlace("CA1", "en", "main")])
    assert [(count.day, count.event.name, count.count) for count in usage.counts(days=2)] == [
        ("2023-11-14", "text", 1), ("2023-11-14", "opened", 2), ("2023-11-15", "opened", 1)]
    assert [count.day for count in usage.counts(days=1)] == ["2023-11-15"]
    assert usage.call_ended("CA1") == CallPlace("CA1", "en", "main")
    assert usage.call_ended("CA1") is None


def test_a_language_chosen_on_the_phone_forgets_paging_in_the_other_language_only(store: NumberStore) -> None:
    """MORE counts the parts of the language a section was sent in: after a change it would read the wrong ones."""
    store.set_place("caller", {"language": "en", "topic": "key-points", "next_part": 1})
    store.set_language("caller", "en")  # the same language: MORE still goes on
    assert store.number("caller") == NumberState(language="en", topic="key-points", next_part=1)
    store.set_language("caller", "es")
    assert store.number("caller") == NumberState(language="es")
