"""Real servers for tests that need them: gunicorn with gunicorn.conf.py (and nginx in front, see deploy/).

Everything binds to 127.0.0.1 on free ports and is stopped by its process id when the test ends.
Every wait is bounded in time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from string import Template
from typing import Iterator

from tests.shipped import PROJECT
from tests.twilio_requests import TEST_BASE, TEST_TOKEN

START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(port: int, process: subprocess.Popen, log: Path) -> None:
    """Until GET /healthz answers (200 or 503); fail with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer on port {port} within {START_SECONDS} s: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def gunicorn(tmp_path: Path, **environ: str) -> Iterator[int]:
    """`gunicorn app:app` as in production (gunicorn.conf.py), signed with the tests' token; yields its port."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "TWILIO_AUTH_TOKEN": TEST_TOKEN, "PUBLIC_BASE_URL": TEST_BASE, "NUMBER_HASH_SECRET": "test-secret",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'line.db'}", "GUNICORN_LOG_LEVEL": "warning", **environ}
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:app"], cwd=PROJECT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_answering(port, process, log)
        yield port
    finally:
        stop(process)


NGINX_TEMPLATE = PROJECT / "deploy" / "nginx.conf.template"
NGINX_MAIN = """daemon off;
user root;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/ot-line.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)


def render_front_end(listen: str, upstream: str) -> str:
    """deploy/nginx.conf.template with its two values filled in, as envsubst does in production."""
    return Template(NGINX_TEMPLATE.read_text()).safe_substitute(LISTEN=listen, GUNICORN=upstream)


@contextmanager
def nginx(tmp_path: Path, upstream_port: int) -> Iterator[int]:
    """Debian's nginx with deploy/nginx.conf.template in front of gunicorn on upstream_port; yields its port."""
    binary = nginx_binary()
    assert binary, "nginx is not installed"
    port = free_port()
    run = tmp_path / f"nginx-{port}"
    run.mkdir()
    (run / "ot-line.conf").write_text(render_front_end(f"127.0.0.1:{port}", f"127.0.0.1:{upstream_port}"))
    (run / "nginx.conf").write_text(NGINX_MAIN.format(run=run))
    log = run / "nginx-error.log"
    with (run / "nginx.out").open("wb") as out:
        process = subprocess.Popen([binary, "-e", str(log), "-p", str(run), "-c", str(run / "nginx.conf")],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(port, process, run / "nginx.out")
        yield port
    finally:
        stop(process)
