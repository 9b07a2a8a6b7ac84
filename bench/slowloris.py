"""Slow clients against the line: gunicorn alone, then behind the production front end (deploy/nginx.conf.template).

    .venv/bin/python -m bench.slowloris                  # 64 slow sockets, 100 signed calls, both set-ups
    .venv/bin/python -m bench.slowloris --slow 16 --calls 30 --front-end none

Each slow socket sends a request line, then one header line every 2 s, never finishing its request
(and is reopened when the server drops it). While they are held, signed POST /voice calls are sent one
after another; each counts as answered when a 200 comes back within --timeout seconds.
Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from tests.servers import gunicorn, nginx
from tests.twilio_requests import CALLER, LINE_NUMBER, TEST_BASE, sign

SLOW_INTERVAL = 2.0  # seconds between two header lines of a slow client
MAX_ATTACK_SECONDS = 300  # a slow-client thread ends by itself even if nobody stops it
REOPENS_PER_SOCKET = 200  # and never opens more than this many connections per socket it holds


class SlowClients:
    """`count` connections to 127.0.0.1:port, each sending a header line every 2 s and never finishing."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.opened = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._hold, name="slow-clients", daemon=True)

    def __enter__(self) -> "SlowClients":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)

    def _open(self) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
            sock.sendall(b"POST /voice HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n")
            return sock
        except OSError:
            return None
        finally:
            self.opened += 1

    def _hold(self) -> None:
        held: list[socket.socket] = []
        deadline = time.monotonic() + MAX_ATTACK_SECONDS
        try:
            while not self.stop.is_set() and time.monotonic() < deadline:
                while len(held) < self.count and self.opened < self.count * REOPENS_PER_SOCKET:
                    sock = self._open()
                    if sock is None:
                        break
                    held.append(sock)
                for sock in list(held):
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:  # the server dropped it: reopen on the next round
                        sock.close()
                        held.remove(sock)
                self.stop.wait(SLOW_INTERVAL)
        finally:
            for sock in held:
                sock.close()


@dataclass(frozen=True)
class Calls:
    seconds: list[float | None]  # per call: seconds to a 200, or None when none came within the timeout

    @property
    def answered(self) -> int:
        return sum(1 for seconds in self.seconds if seconds is not None)

    @property
    def slowest(self) -> float | None:
        answered = [seconds for seconds in self.seconds if seconds is not None]
        return max(answered) if answered else None


def signed_calls(port: int, count: int, timeout: float) -> Calls:
    """`count` signed calls (POST /voice, as Twilio starts one), one after another, each on a new connection."""
    seconds: list[float | None] = []
    for number in range(count):
        params = {"CallSid": f"CA{number:032x}", "From": CALLER, "To": LINE_NUMBER, "AccountSid": "AC" + "0" * 32}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": sign(TEST_BASE + "/voice", params)}
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("POST", "/voice", body=urlencode(params), headers=headers)
            ok = connection.getresponse().status == 200
            elapsed = time.monotonic() - started
            seconds.append(elapsed if ok and elapsed <= timeout else None)
        except OSError:
            seconds.append(None)
        finally:
            connection.close()
    return Calls(seconds)


def attack(port: int, slow: int, calls: int, timeout: float, settle: float = SLOW_INTERVAL + 0.5) -> tuple[Calls, int]:
    """Hold `slow` slow sockets, let them settle, then send the calls; the calls' times and sockets opened."""
    with SlowClients(port, slow) as clients:
        clients.stop.wait(settle)
        result = signed_calls(port, calls, timeout)
    return result, clients.opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=64, help="slow sockets held open (64)")
    parser.add_argument("--calls", type=int, default=100, help="signed calls sent while they are held (100)")
    parser.add_argument("--timeout", type=float, default=1.0, help="seconds a call may take to count as answered")
    parser.add_argument("--front-end", choices=("both", "none", "nginx"), default="both")
    parser.add_argument("--workers", default="2", help="gunicorn workers (WEB_CONCURRENCY)")
    args = parser.parse_args()
    print(f"{args.slow} slow sockets, {args.calls} signed calls, answered = a 200 within {args.timeout} s")
    print("| set-up | calls sent | answered | slowest answer (s) | slow connections opened | wall time (s) |")
    print("|---|---|---|---|---|---|")
    for front_end in (("none", "nginx") if args.front_end == "both" else (args.front_end,)):
        with tempfile.TemporaryDirectory() as folder, ExitStack() as servers:
            port = servers.enter_context(gunicorn(Path(folder), WEB_CONCURRENCY=args.workers))
            if front_end == "nginx":
                port = servers.enter_context(nginx(Path(folder), port))
            started = time.monotonic()
            calls, opened = attack(port, args.slow, args.calls, args.timeout)
            slowest = f"{calls.slowest:.3f}" if calls.slowest is not None else "-"
            label = "gunicorn alone" if front_end == "none" else "nginx + gunicorn"
            wall = time.monotonic() - started
            print(f"| {label} | {args.calls} | {calls.answered} | {slowest} | {opened} | {wall:.1f} |")


if __name__ == "__main__":
    main()
