"""Profile the app in one process over the benchmark's request mix, to see what each request costs.

    .venv/bin/python bench/profile_app.py [--requests 5000] [--sort tottime|cumulative] [--top 30]

Calls the WSGI app directly (no server, no sockets), so only the app's own work is measured.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from werkzeug.test import EnvironBuilder

from mix import CALL, PUBLIC_BASE_URL, STEPS, TOKEN

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ivr import create_app


def environs() -> list[dict]:
    validator = RequestValidator(TOKEN)
    built = []
    for path, extra in STEPS:
        params = {**CALL, **extra}
        headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC_BASE_URL + path, params)}
        body = urlencode(params)
        built.append(EnvironBuilder(path=path, method="POST", data=body, headers=headers,
                                    content_type="application/x-www-form-urlencoded").get_environ())
    return built


def run(app, requests: int) -> None:
    templates = environs()
    for n in range(requests):
        environ = dict(templates[n % len(templates)])
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].getvalue())
        body = b"".join(app(environ, lambda status, headers: None))
        assert body.startswith(b"<?xml"), body[:200]


def _timed(app, requests: int) -> float:
    started = time.perf_counter()
    run(app, requests)
    return (time.perf_counter() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    app = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": PUBLIC_BASE_URL})
    logging.getLogger("ivr").handlers[0].stream = open("/dev/null", "w")  # measure formatting, not the terminal
    run(app, 200)  # warm up
    plain = min(_timed(app, args.requests // 5) for _ in range(5))  # the least disturbed of five rounds
    profiler = cProfile.Profile()
    profiler.runcall(run, app, args.requests)
    stats = pstats.Stats(profiler)
    print(f"{plain * 1e6:.0f} µs per request without the profiler ({args.requests} requests)")
    print(f"{stats.total_calls / args.requests:.0f} Python function calls per request (not moved by other load)\n")
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
