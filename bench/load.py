"""Load benchmark: the app under gunicorn on this machine, and signed Twilio-like requests from this process.

    .venv/bin/python bench/load.py [--duration 20] [--concurrency 32] [--workers N] [--threads N] [--worker-class sync]

Starts gunicorn (gunicorn.conf.py, bound to 127.0.0.1 on a free port, TWILIO_AUTH_TOKEN and
PUBLIC_BASE_URL set, logs to a temp file), waits for /healthz, then keeps `concurrency` keep-alive
connections busy with the request mix in mix.py for `duration` seconds. Prints requests per second,
p50/p99 latency, errors and memory per worker (RSS, and PSS which counts shared pages fairly).
Only loopback traffic; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from mix import PUBLIC_BASE_URL, TOKEN, Prepared, prepared_requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, port: int, workers: int | None, threads: int | None, worker_class: str | None,
                 log_path: Path, app: str = "app:app", settings: dict[str, str] | None = None) -> subprocess.Popen:
    """gunicorn serving `app` from root on 127.0.0.1:port; `settings` adds to (or replaces) its environment."""
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "BIND": f"127.0.0.1:{port}"}
    env.pop("DATABASE_URL", None)
    env.update(settings or {})
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    if worker_class:
        env["GUNICORN_WORKER_CLASS"] = worker_class
    with log_path.open("wb") as log:
        command = [sys.executable, "-m", "gunicorn", app, *os.environ.get("BENCH_GUNICORN_ARGS", "").split()]
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz within 30 s; see {log_path}")


def workers_of(master_pid: int) -> list[dict[str, float]]:
    """Each gunicorn worker (the master's children): CPU seconds used so far, RSS and PSS in MiB, from /proc."""
    workers = []
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master_pid:
                continue
            rollup = dict(line.split(":", 1) for line in (stat.parent / "smaps_rollup").read_text().splitlines()[1:])
        except (OSError, IndexError, ValueError):
            continue
        memory = {name: int(rollup[name].split()[0]) / 1024 for name in ("Rss", "Pss")}
        workers.append({"cpu_s": (int(fields[11]) + int(fields[12])) / ticks, **memory})
    return workers


def connections_held(master_pid: int, database_url: str | None) -> int:
    """Database connections the instance holds now: PostgreSQL sessions, or the workers' open SQLite files."""
    if database_url and database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as connection:
            row = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                     " AND pid <> pg_backend_pid()").fetchone()
        return int(row[0]) if row else 0
    held = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != master_pid:
                continue
            held += sum(1 for fd in (stat.parent / "fd").iterdir() if os.readlink(fd).endswith(".sqlite3"))
        except (OSError, IndexError, ValueError):
            continue
    return held


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return status, await reader.readexactly(length)


async def client(port: int, requests: list[Prepared], start: int, stop_at: float,
                 latencies: list[float], errors: list[str]) -> None:
    """One keep-alive connection sending the mix in turn (each client starting at a different step)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for request in itertools.islice(itertools.cycle(requests), start, None):
        if time.perf_counter() >= stop_at:
            break
        began = time.perf_counter()
        try:
            writer.write(request.raw)
            status, body = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError) as error:
            errors.append(f"{request.path}: {error!r}")
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            continue
        latencies.append(time.perf_counter() - began)
        if status != 200 or not body.startswith(b"<?xml") or b"something went wrong" in body:
            errors.append(f"{request.path}: HTTP {status}")
    writer.close()


async def generate_load(port: int, duration: float, concurrency: int) -> tuple[list[float], list[str]]:
    requests = prepared_requests(f"127.0.0.1:{port}")
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + duration
    await asyncio.gather(*(client(port, requests, n, stop_at, latencies, errors) for n in range(concurrency)))
    return latencies, errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--worker-class", help="gunicorn worker class (default: gunicorn.conf.py's)")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout to serve (e.g. an export of an older commit)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--database-url", help="DATABASE_URL for the app (default: its own SQLite file)")
    parser.add_argument("--app", default="app:app",
                        help="the WSGI app to serve (bench.floor_app:app is the floor the line is compared with)")
    args = parser.parse_args()

    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="otline-bench-")) / "gunicorn.log"
    server = start_server(args.root, port, args.workers, args.threads, args.worker_class, log_path, args.app,
                          {"DATABASE_URL": args.database_url} if args.database_url else None)
    try:
        asyncio.run(generate_load(port, 1.0, min(args.concurrency, 8)))  # warm up every worker
        server_cpu_started = sum(worker["cpu_s"] for worker in workers_of(server.pid))
        started, cpu_started = time.perf_counter(), time.process_time()
        latencies, errors = asyncio.run(generate_load(port, args.duration, args.concurrency))
        elapsed, client_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        memory = workers_of(server.pid)
        connections = connections_held(server.pid, args.database_url)
        server_cpu = sum(worker["cpu_s"] for worker in memory) - server_cpu_started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    result = {
        "requests": len(latencies), "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2), "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "errors": len(errors), "workers": len(memory), "db_connections": connections,
        "rss_mib_per_worker": round(max((m["Rss"] for m in memory), default=0), 1),
        "pss_mib_per_worker": round(max((m["Pss"] for m in memory), default=0), 1),
        # CPU the workers spent per request: unlike latency, barely moved by other load on the machine
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(len(latencies), 1), 3),
        "client_cpu_pct": round(100 * client_cpu / elapsed),  # of one core: the generator's own share of the machine
        "worker_class": args.worker_class or "default", "threads": args.threads or "default",
        "concurrency": args.concurrency, "duration_s": args.duration, "server_log": str(log_path),
    }
    if args.json:
        print(json.dumps(result))
        return
    for name, value in result.items():
        print(f"{name:20} {value}")
    for error in errors[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
