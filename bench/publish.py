"""Publish benchmark: two instances (two gunicorn servers) on one database; a revision published on the store.

    .venv/bin/python bench/publish.py [--workers 2] [--database-url postgresql://...] [--steady 3]

Starts two gunicorn servers (each `--workers` gthread workers, REVISION_POLL_SECONDS as set, default 2)
sharing one database (a temp SQLite file, or --database-url), keeps both busy with a caller walking
through the key points section, then imports, reviews and publishes a revision that changes that
section's words. Prints, per instance, the seconds from publish until every answer has the new words,
and the request latency (p50/p99) in steady state and in the 5 s after the publish, with errors.
Only loopback traffic; the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from load import ROOT, free_port, start_server
from mix import CALL, PUBLIC_BASE_URL, TOKEN

sys.path.insert(0, str(ROOT))
from ivr.publishing.document import read_folders  # the repo's package, beside bench/
from ivr.publishing.store import Revisions
from ivr.store.database import Database

OLD, NEW = "Occupational therapy, or O T", "OCCUPATIONAL THERAPY, or O T"
PART = "/voice/en/topic/key-points/part/1"


def signed_post(connection: http.client.HTTPConnection) -> tuple[int, str]:
    body = urlencode(CALL)
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE_URL + PART, CALL)
    connection.request("POST", PART, body, {"Content-Type": "application/x-www-form-urlencoded",
                                            "X-Twilio-Signature": signature})
    response = connection.getresponse()
    return response.status, response.read().decode()


class Caller(threading.Thread):
    """Requests one instance again and again; records (time, latency, status, new words heard)."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.samples: list[tuple[float, float, int, bool]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():  # a new connection each time, so every worker of the instance answers some
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                status, text = signed_post(connection)
            except (OSError, http.client.HTTPException):
                status, text = 0, ""
            finally:
                connection.close()
            self.samples.append((started, time.monotonic() - started, status, NEW in text))


def publish(database_url: str, words: Path) -> int:
    """A revision with the section's words changed, imported by one person, approved by another, published."""
    flow = words / "content" / "en" / "topics" / "key-points.txt"
    flow.write_text(flow.read_text(encoding="utf-8").replace(OLD, NEW, 1), encoding="utf-8")
    revisions = Revisions(Database(database_url))
    number = revisions.import_draft(read_folders(words / "content", words / "prompts"), "ana", "bench", "bench")
    revisions.act(number, "submit", "ana", "bench")
    revisions.act(number, "approve", "ben", "bench")
    revisions.act(number, "publish", "ben", "bench")
    return number


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url")
    parser.add_argument("--steady", type=float, default=3.0, help="seconds of load before the publish")
    parser.add_argument("--after", type=float, default=6.0, help="seconds of load after it")
    parser.add_argument("--callers", type=int, default=3, help="callers per instance, one request at a time each")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="otline-publish-bench-"))
    words = folder / "words"
    shutil.copytree(ROOT / "content", words / "content")
    shutil.copytree(ROOT / "prompts", words / "prompts")
    database_url = args.database_url or f"sqlite:///{folder / 'line.db'}"
    settings = {"DATABASE_URL": database_url, "CONTENT_DIR": str(words / "content"),
                "PROMPTS_DIR": str(words / "prompts"), "NUMBER_HASH_SECRET": "bench", "GUNICORN_THREADS": "4"}
    servers, callers = [], []
    try:
        for name in ("one", "two"):
            port = free_port()
            log = folder / f"{name}.log"
            servers.append(start_server(ROOT, port, args.workers, None, None, log, settings=settings))
            callers.append([Caller(port) for _ in range(args.callers)])
        for caller in sum(callers, []):
            caller.start()
        time.sleep(args.steady)
        started = time.monotonic()
        number = publish(database_url, words)
        published = time.monotonic()  # committed: from here every instance should serve it within 5 s
        print(f"revision {number}: import, submit, approve and publish took {published - started:.3f} s")
        time.sleep(max(0.0, published + args.after - time.monotonic()))
    finally:
        for caller in sum(callers, []):
            caller.stop.set()
        for server in servers:
            server.terminate()
            server.wait(10)
    for index, group in enumerate(callers, start=1):
        samples = [sample for caller in group for sample in caller.samples]
        old_after = [at for at, _, _, heard in samples if at >= published and not heard]
        reached = (max(old_after) - published) if old_after else 0.0
        steady = [latency for at, latency, _, _ in samples if at < published]
        swap = [latency for at, latency, _, _ in samples if published <= at < published + 5]
        errors = sum(status != 200 for _, _, status, _ in samples)
        print(f"instance {index}: every answer new {reached:.2f} s after publish; steady p50 "
              f"{percentile(steady, .5):.1f} ms p99 {percentile(steady, .99):.1f} ms ({len(steady)} requests); "
              f"during swap p50 {percentile(swap, .5):.1f} ms p99 {percentile(swap, .99):.1f} ms "
              f"({len(swap)} requests); errors {errors}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
