"""Opt-outs from elsewhere come in hashed, and the audit export gives counts and dates, never numbers.

Store tests run on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (as in tests/test_store.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ivr.optouts import audit_lines, e164, optouts_cli, read_opt_out_list
from ivr.store.database import Database
from ivr.store.numbers import NumberState, NumberStore
from tests.app_factory import build_app
from tests.databases import BACKENDS, Clock, empty_postgres
from tests.twilio_requests import CALLER, replies, sms_post

DAY = 86400


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path: Path) -> NumberStore:
    database = Database(f"sqlite:///{tmp_path / 'store.db'}") if request.param == "sqlite" else empty_postgres()
    database.migrate()
    return NumberStore(database, Clock(20_000 * DAY + 5))


def test_an_imported_opt_out_changes_nothing_else_and_keeps_the_earlier_date(store: NumberStore) -> None:
    store.set_place("reading", {"language": "es", "topic": "find-ot", "next_part": 1})
    store.opt_out("reading", 19_000 * DAY)
    assert store.number("reading") == NumberState(language="es", opted_out=True, topic="find-ot", next_part=1)
    store.opt_out("reading", 19_500 * DAY)  # imported again later: still the first date
    assert store.opt_outs_by_day() == [(19_000, "import", 1)]


def test_an_opt_out_by_text_is_dated_and_start_clears_it(store: NumberStore) -> None:
    store.record_opt_out("texter", True)
    store.record_opt_out("texter", True, "en")  # recorded again: the same opt-out
    store.opt_out("texter", 1)  # and imported too: it stays the text's
    assert store.opt_outs_by_day() == [(20_000, "text", 1)]
    store.record_opt_out("texter", False)
    assert store.opt_outs_by_day() == []


def test_importing_while_others_import_the_same_numbers_loses_nothing(store: NumberStore) -> None:
    hashes = [f"hash-{number}" for number in range(60)]
    errors: list[BaseException] = []

    def import_all() -> None:
        try:
            for number_hash in hashes:
                store.opt_out(number_hash, 19_999 * DAY)
        except BaseException as error:  # any failure, reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=import_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and all(store.number(number_hash).opted_out for number_hash in hashes)
    assert store.opt_outs_by_day() == [(19_999, "import", 60)]


@pytest.mark.parametrize(("written", "number"), [
    ("+15005550006", "+15005550006"), (" +44 20 7946 0958 ", "+442079460958"), ("(500) 555-0006", "+15005550006"),
    ("1-500-555-0006", "+15005550006"), ("5005550006", "+15005550006"), ('"+15005550006"', "+15005550006"),
    ("+2904567", "+2904567"),  # St Helena: 7 digits, a number the line texts and remembers (has_caller_id)
    ("+1500", None), ("hello", None), ("", None), ("0123456789", None), ("+0 500 555 0006", None),
])
def test_numbers_are_read_as_e164(written: str, number: str | None) -> None:
    assert e164(written) == number


def test_a_twilio_style_export_is_read_by_its_phone_number_column() -> None:
    text = "date_created,phone_number,messaging_service_sid\n2025-04-02,+15005550006,MG1\n2025-04-03,+15005550007,MG1\n"
    assert read_opt_out_list(text, "f.csv").numbers == ("+15005550006", "+15005550007")


def test_a_plain_list_keeps_each_number_once_and_names_each_bad_line() -> None:
    found = read_opt_out_list("+15005550006\n\n(500) 555-0007\nnot a number\n+15005550006\n+1 23\n", "list.txt")
    assert found.numbers == ("+15005550006", "+15005550007")
    assert [problem.split(": ")[0] for problem in found.problems] == ["list.txt:4", "list.txt:6"]
    assert "not a number" not in "".join(found.problems)


def test_a_csv_without_a_number_column_is_refused_whole() -> None:
    found = read_opt_out_list("name,phone\nAna,+15005550006\n", "other.csv")
    assert found.numbers == () and found.problems[0].startswith("other.csv:1: no column named phone_number")


@pytest.mark.parametrize("header", ["Phone Number", "number", "PHONE_NUMBER"])
def test_the_number_column_is_found_by_any_of_its_usual_names(header: str) -> None:
    assert read_opt_out_list(f"when,{header}\nx,+15005550006\n", "f.csv").numbers == ("+15005550006",)


def test_the_audit_counts_per_day_and_source_with_totals() -> None:
    assert audit_lines([(None, "text", 1), (20_000, "import", 3), (20_000, "text", 2)]) == [
        "day,source,opted_out", "before-dates,text,1", "2024-10-04,import,3", "2024-10-04,text,2",
        "total,text,3", "total,import,3", "total,all,6",
    ]


def test_import_then_texts_from_that_number_get_nothing_and_the_export_shows_no_numbers(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    client = app.test_client()
    assert replies(sms_post(client, "MENU")) != []
    export_file = tmp_path / "twilio-opt-outs.csv"
    export_file.write_text(f"phone_number,date\n{CALLER},2025-04-02\n+15005550111,2025-04-02\nbroken,2025-04-03\n")
    runner = app.test_cli_runner()
    imported = runner.invoke(optouts_cli, ["import", str(export_file)])
    assert imported.exit_code == 1 and f"{export_file}:4: not a phone number" in imported.output
    assert "opted out 2 number(s)" in imported.output
    assert replies(sms_post(client, "MENU")) == []
    exported = runner.invoke(optouts_cli, ["export"])
    assert exported.exit_code == 0 and "total,import,2" in exported.output and "total,all,2" in exported.output
    hashes = [app.extensions["otline"].texts.hasher(number) for number in (CALLER, "+15005550111")]
    assert not any(secret in exported.output for secret in (CALLER, "5005550111", *hashes))
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("line.db*"))
    assert b"5005550111" not in stored and CALLER.encode() not in stored
