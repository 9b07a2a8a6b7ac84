"""The fault table: each real database fault, what callers and texters got, and how long the line took to recover.

    .venv/bin/python bench/faults.py [--exchanges 10]

For each fault (a broken SQLite file; a private PostgreSQL made read-only, stopped, crashed, hung with
SIGSTOP, restarted), an app is built, the fault injected, and `exchanges` rounds of what a call and a text
do are sent (POST /voice, the language key, a menu key, a text, /healthz). Counted: 5xx answers, voice
apologies, the slowest voice, text and health answers and the health check's status; then the fault is
healed (or not, for faults the line must get over by itself) and the seconds until /healthz says ok
and the line remembers a language again. Runs in-process through Flask's test client; copy this file,
tests/store_faults.py, tests/pg_server.py, tests/app_factory.py and tests/twilio_requests.py into an older
checkout (one with the store's writer thread, which twilio_requests waits for) to get its "before" row.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.app_factory import build_app
from tests.pg_server import PostgresServer, postgres_bin
from tests.store_faults import SQLITE_FAULTS, exchange, full_disk, remembers_a_language, sqlite_path

RECOVERY_LIMIT_SECONDS = 30.0


def seconds_to_recover(client) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_LIMIT_SECONDS:
        health = client.get("/healthz")
        if health.status_code == 200 and health.get_json().get("status") == "ok" and remembers_a_language(client):
            return round(time.monotonic() - started, 1)
        time.sleep(0.1)
    return None


def measure(name: str, app, inject: Callable[[], None], heal: Callable[[], None] | None, rounds: int) -> dict:
    app.testing = False  # an unhandled error is a 500, as in production, not an exception in this process
    client = app.test_client()
    exchange(client)
    with app.app_context():
        services = app.extensions["otline"]
        apology = str(services.pages.apology(services.line.default_language, repeated=False)).encode()
    inject()
    requests = server_errors = apologies = 0
    slowest: dict[str, float] = {"/voice": 0.0, "/sms": 0.0, "/healthz": 0.0}
    health: set[str] = set()
    try:
        for _ in range(rounds):
            answers = exchange(client)
            for answer in answers:
                kind = "/" + answer.path.split("/")[1].split("?")[0]
                slowest[kind] = max(slowest[kind], answer.seconds)
            requests += len(answers)
            server_errors += sum(answer.status >= 500 for answer in answers)
            apologies += sum(answer.path.startswith("/voice") and answer.body == apology for answer in answers)
            if answers[-1].status == 200:
                health.add(json.loads(answers[-1].body).get("status"))
    finally:
        if heal:
            heal()
    return {"fault": name, "requests": requests, "5xx": server_errors, "apologies": apologies,
            **{f"slowest {path} s": round(seconds, 2) for path, seconds in slowest.items()},
            "healthz": "/".join(sorted(h for h in health if h)),
            "recovered_s": seconds_to_recover(client)}


def sqlite_rows(rounds: int) -> list[dict]:
    rows = []
    for fault in SQLITE_FAULTS:
        app = build_app(Path(tempfile.mkdtemp(prefix="otline-fault-")))
        path = sqlite_path(app.test_client())
        heal = partial(fault.heal, path) if fault.heal else None
        rows.append(measure(fault.name, app, partial(fault.inject, path), heal, rounds))
    app = build_app(Path(tempfile.mkdtemp(prefix="otline-fault-")))
    path = sqlite_path(app.test_client())
    disk = full_disk(path)
    rows.append(measure("full disk (RLIMIT_FSIZE)", app, disk.__enter__, lambda: disk.__exit__(None, None, None),
                        rounds))
    return rows


def postgres_rows(rounds: int) -> list[dict]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        return []
    folder = Path(tempfile.mkdtemp(prefix="otline-pg-"))
    folder.chmod(0o755)
    server = PostgresServer(folder / "cluster", bin_dir)
    server.start()
    admin = server.url.replace("/otline_test?", "/postgres?")

    def read_only(on_or_off: str) -> None:
        subprocess.run([str(bin_dir / "psql"), admin, "-qAt",
                        "-c", f"ALTER DATABASE otline_test SET default_transaction_read_only = {on_or_off}",
                        "-c", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'otline_test'"],
                       check=True, capture_output=True)

    def restart() -> None:
        server.stop()
        server.start()

    faults = [("PostgreSQL read-only", lambda: read_only("on"), lambda: read_only("off")),
              ("PostgreSQL stopped", server.stop, server.start),
              ("PostgreSQL crashed (SIGKILL)", server.crash, server.start),
              ("PostgreSQL hung (SIGSTOP)", server.hang, server.resume),
              ("PostgreSQL restarted", restart, None)]
    rows = []
    try:
        for name, inject, heal in faults:
            app = build_app(Path(tempfile.mkdtemp(prefix="otline-fault-")), DATABASE_URL=server.url)
            rows.append(measure(name, app, inject, heal, rounds))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=10, help="rounds of call + text + health check per fault")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # thousands of expected warnings; the table says what happened
    rows = sqlite_rows(args.exchanges) + postgres_rows(args.exchanges)
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join("never" if value is None else str(value) for value in row.values()) + " |")


if __name__ == "__main__":
    main()
