"""Settings that fail closed: a typo or an unreadable value stops the start with one line, never a default.

`LINE_ENV=prod` used to start with webhooks unsigned; `MAX_REQUEST_BYTES=64k` printed a traceback.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from ivr.config import ConfigurationError, Settings
from tests.servers import free_port, gunicorn
from tests.shipped import PROJECT


@pytest.mark.parametrize(("name", "value"), [
    ("LINE_ENV", "prod"), ("LINE_ENV", "staging"), ("LINE_ENV", "productoin"), ("MAX_REQUEST_BYTES", "64k"),
    ("MAX_REQUEST_BYTES", "0"), ("MAX_REQUEST_BYTES", "-1"), ("SMS_LIMIT_PER_MINUTE", "six"),
    ("SMS_LIMIT_PER_DAY", "4.5"), ("TRUST_PROXY", "maybe"), ("TRUST_PROXY", "2"), ("SMS_HELP_BY_TWILIO", "sure"),
])
def test_a_value_that_is_not_understood_refuses_to_start_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_environment({name: value})
    message = str(error.value)
    assert name in message and repr(value) in message and "\n" not in message


def test_the_refusal_for_line_env_names_the_values_allowed() -> None:
    with pytest.raises(ConfigurationError, match="development or production"):
        Settings.from_environment({"LINE_ENV": "prod"})


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LINE_ENV": " Production "}, {"production": True}),
    ({"LINE_ENV": "DEVELOPMENT"}, {"production": False}),
    ({}, {"production": False, "trust_proxy": False, "twilio_answers_help": False}),
    ({"TRUST_PROXY": "on", "SMS_HELP_BY_TWILIO": "1"}, {"trust_proxy": True, "twilio_answers_help": True}),
    ({"TRUST_PROXY": "False", "SMS_HELP_BY_TWILIO": "no"}, {"trust_proxy": False, "twilio_answers_help": False}),
    ({"MAX_REQUEST_BYTES": " 32768 ", "SMS_LIMIT_PER_DAY": "60"}, {"max_request_bytes": 32768, "sms_per_day": 60}),
])
def test_values_that_are_understood_are_read_the_same_way_everywhere(environ: dict, expected: dict) -> None:
    settings = Settings.from_environment(environ)
    assert {name: getattr(settings, name) for name in expected} == expected


def _start(command: list[str], tmp_path: Path, **environ: str) -> subprocess.CompletedProcess:
    """Start a server that should refuse to start: it must exit by itself, quickly, with one line."""
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'line.db'}",
           "BIND": f"127.0.0.1:{free_port()}",
           "WEB_CONCURRENCY": "1", **environ}
    return subprocess.run([sys.executable, "-m", *command], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=60)


SERVERS = {"flask run": ["flask", "--app", "app", "run", "--port", str(free_port())],
           "gunicorn": ["gunicorn", "app:app"]}


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(("name", "value"), [
    ("LINE_ENV", "prod"), ("MAX_REQUEST_BYTES", "64k"), ("TRUST_PROXY", "maybe"),
])
def test_servers_refuse_to_start_with_one_clear_line(tmp_path: Path, server: str, name: str, value: str) -> None:
    done = _start(SERVERS[server], tmp_path, **{name: value})
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert name in done.stderr and value in done.stderr


@pytest.mark.parametrize(("name", "value"), [("GUNICORN_THREADS", "four"), ("PORT", "80a"), ("TRUST_PROXY", "perhaps")])
def test_gunicorns_own_settings_refuse_to_start_with_one_clear_line(tmp_path: Path, name: str, value: str) -> None:
    env = {name: value, "BIND": ""} if name == "PORT" else {name: value}
    done = _start(SERVERS["gunicorn"], tmp_path, **env)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert name in done.stderr and value in done.stderr


@pytest.mark.parametrize(("trust_proxy", "allowed"), [("", ""), ("1", "127.0.0.1,::1")])
def test_gunicorn_trusts_no_forwarder_unless_trust_proxy(monkeypatch, trust_proxy: str, allowed: str) -> None:
    monkeypatch.setenv("TRUST_PROXY", trust_proxy)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    conf = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))
    assert conf["forwarded_allow_ips"] == allowed
    assert conf["forwarder_headers"] == "" and conf["secure_scheme_headers"] == {}


@pytest.mark.parametrize("trust_proxy", ["", "1"])
def test_a_client_cannot_move_the_app_with_a_script_name_header(tmp_path: Path, trust_proxy: str) -> None:
    """gunicorn used to take SCRIPT_NAME from any client on 127.0.0.1: /evil/healthz answered as /healthz."""
    with gunicorn(tmp_path, TRUST_PROXY=trust_proxy) as port:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/evil/healthz",
                                         headers={"SCRIPT_NAME": "/evil", "X-Forwarded-Proto": "https"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 404
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as healthy:
            assert healthy.status == 200
