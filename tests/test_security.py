"""Signature validation on every Twilio URL, behind a proxy or not, and the start-up and size guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr import create_app
from ivr.config import ConfigurationError
from tests.app_factory import build_app
from tests.shipped import PROJECT
from tests.twilio_requests import TEST_BASE, TEST_TOKEN, sign, twilio_get, twilio_post
from tests.webhooks import POST_ONLY

CALL = {"CallSid": "CA" + "1" * 32, "From": "+15005550006", "Digits": "1"}


def status_of(client, url: str, signature: str, headers: dict[str, str] | None = None) -> int:
    """The status a POST of CALL to `url` gets with this X-Twilio-Signature."""
    return client.post(url, data=CALL, headers={**(headers or {}), "X-Twilio-Signature": signature}).status_code


def test_the_walk_reaches_every_kind_of_page(every_url):
    kinds = {"/voice", "/voice/language", "/voice/language/choose", "/choices/", "/choose", "/part/", "/person/done",
             "/status", "/sms"}
    assert all(any(kind in url for url in every_url) for kind in kinds)


def test_every_url_answers_a_signed_post_and_every_voice_url_a_signed_get(staffed_app, every_url):
    client = staffed_app.test_client()
    for url in every_url:
        assert twilio_post(client, url, CALL).status_code == 200, url
        expected = 405 if url in POST_ONLY else 200  # a texter's number must never stand in a URL
        assert twilio_get(client, url, CALL).status_code == expected, url


def test_every_url_refuses_missing_wrong_and_misapplied_signatures(staffed_app, every_url):
    client = staffed_app.test_client()
    other_params = sign(TEST_BASE + "/voice", {**CALL, "Digits": "2"})
    for url in every_url:
        assert client.post(url, data=CALL).status_code == 403, url
        assert client.get(url).status_code == (405 if url in POST_ONLY else 403), url
        assert status_of(client, url, "bm90IGEgc2lnbmF0dXJl") == 403
        assert status_of(client, url, sign(TEST_BASE + url, {**CALL, "Digits": "2"})) == 403
        assert status_of(client, url, other_params) == 403
        assert twilio_post(client, url, CALL, token="another-account-token").status_code == 403, url


def test_a_signature_for_another_url_or_scheme_is_refused(client):
    for signed_over in ("https://evil.example/voice", "http://ot-line.example.org/voice",
                        TEST_BASE + "/voice/en/choices/main"):
        assert status_of(client, "/voice", sign(signed_over, CALL)) == 403


def test_public_base_url_is_what_counts_behind_a_tls_proxy(client):
    """Flask sees http://app.internal:8000 but Twilio signed the public https URL."""
    signature = sign(TEST_BASE + "/voice", CALL)
    response = client.post("/voice", data=CALL, base_url="http://app.internal:8000",
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def test_public_base_url_wins_over_forwarded_headers(tmp_path):
    client = build_app(tmp_path, TRUST_PROXY="1").test_client()
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    assert status_of(client, "/voice", sign("https://evil.example/voice", CALL), headers=forged) == 403
    assert status_of(client, "/voice", sign(TEST_BASE + "/voice", CALL), headers=forged) == 200


def test_a_trusted_proxy_forwarded_scheme_and_host_rebuild_the_url(tmp_path):
    client = build_app(tmp_path, PUBLIC_BASE_URL="", TRUST_PROXY="1").test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ot-line.example.org"}
    signature = sign("https://ot-line.example.org/voice/en/choices/main?attempt=2", CALL)
    response = client.post("/voice/en/choices/main?attempt=2", data=CALL, base_url="http://app.internal:8000",
                           headers={**forwarded, "X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert twilio_get(client, "/voice", CALL).status_code == 403  # signed over TEST_BASE, but the proxy says otherwise


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(tmp_path):
    client = build_app(tmp_path, PUBLIC_BASE_URL="").test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ot-line.example.org"}
    public = sign("https://ot-line.example.org/voice", CALL)
    assert client.post("/voice", data=CALL, headers={**forwarded, "X-Twilio-Signature": public}).status_code == 403
    direct = sign("http://localhost/voice", CALL)
    assert client.post("/voice", data=CALL, headers={**forwarded, "X-Twilio-Signature": direct}).status_code == 200


def test_a_host_with_an_impossible_port_is_refused_not_apologised_for(tmp_path):
    client = build_app(tmp_path, PUBLIC_BASE_URL="").test_client()
    response = client.post("/voice", data=CALL, headers={"Host": "localhost:99999", "X-Twilio-Signature": "x"})
    assert response.status_code == 403


def test_without_a_token_requests_pass_and_a_warning_is_said_once_on_stderr(tmp_path, capsys):
    client = build_app(tmp_path, TWILIO_AUTH_TOKEN="").test_client()
    said = capsys.readouterr()
    assert said.err.count("DEVELOPMENT MODE") == 1 and "DEVELOPMENT MODE" not in said.out
    assert client.post("/voice", data=CALL).status_code == 200


@pytest.mark.parametrize("missing", [["TWILIO_AUTH_TOKEN"], ["NUMBER_HASH_SECRET"],
                                     ["TWILIO_AUTH_TOKEN", "NUMBER_HASH_SECRET"]])
def test_production_mode_refuses_to_start_without_its_secrets(missing):
    environ = {"LINE_ENV": "production", "TWILIO_AUTH_TOKEN": TEST_TOKEN, "NUMBER_HASH_SECRET": "s3cret",
               "CONTENT_DIR": str(PROJECT / "content"), "PROMPTS_DIR": str(PROJECT / "prompts")}
    for name in missing:
        environ[name] = ""
    with pytest.raises(ConfigurationError) as error:
        create_app(environ)
    assert all(name in str(error.value) for name in missing)


def test_production_mode_starts_with_its_secrets(tmp_path: Path):
    app = build_app(tmp_path, LINE_ENV="production", NUMBER_HASH_SECRET="s3cret")
    assert twilio_post(app.test_client(), "/voice").status_code == 200


def test_a_body_over_the_limit_gets_a_clean_413(client):
    huge = {**CALL, "SpeechResult": "a" * 100_000}
    response = client.post("/voice", data=huge, headers={"X-Twilio-Signature": sign(TEST_BASE + "/voice", huge)})
    assert response.status_code == 413


def test_a_twilio_sized_body_is_accepted(client):
    assert twilio_post(client, "/voice", {"SpeechResult": "é" * 1600, "Body": "x" * 1600}).status_code == 200


def test_a_flood_of_multipart_fields_is_refused(client):
    fields = {f"f{n}": "1" for n in range(500)}
    response = client.post("/voice", data=fields, content_type="multipart/form-data",
                           headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 413
