"""The line plays audio only for its exact current words, and serves only files the manifest lists."""

from __future__ import annotations

import os

import pytest

from tests.app_factory import build_app
from tests.audio_fakes import add_audio, tone_wav
from tests.twilio_requests import TEST_BASE, twilio_post

WELCOME = "Welcome to the O T Info Line. Here you can learn about occupational therapy for children."


@pytest.fixture
def audio_app(tmp_path):
    return build_app(tmp_path, AUDIO_DIR=str(tmp_path / "audio"))


def services(app):
    return app.extensions["otline"]


def test_play_only_for_the_exact_text_and_a_new_build_is_noticed_without_restart(audio_app):
    client = audio_app.test_client()
    assert b"<Play>" not in twilio_post(client, "/voice/en/choices/main?welcome=1").data
    language = services(audio_app).line.default_language
    name = add_audio(services(audio_app).audio.folder, language, WELCOME)
    page = twilio_post(client, "/voice/en/choices/main?welcome=1").data.decode()
    assert f"<Play>{TEST_BASE}/audio/{name}</Play>" in page
    assert "<Say" in page  # everything else still spoken
    assert services(audio_app).audio.url_for(WELCOME + " ", language) is None
    assert services(audio_app).audio.url_for(WELCOME.replace("O T", "OT"), language) is None
    other = language.prompt("keys.intro")[0]  # a second build replaces the manifest: noticed too, not only the first
    other_name = add_audio(services(audio_app).audio.folder, language, other)
    page = twilio_post(client, "/voice/en/choices/main?welcome=1").data.decode()
    assert f"<Play>{TEST_BASE}/audio/{other_name}</Play>" in page


def test_a_manifest_entry_whose_file_is_gone_falls_back_to_say(audio_app):
    catalog = services(audio_app).audio
    language = services(audio_app).line.default_language
    name = add_audio(catalog.folder, language, WELCOME)
    (catalog.folder.files / name).unlink()
    os.utime(catalog.folder.manifest_path, ns=(1, 1))  # a new manifest stamp, as a rebuild would give
    assert catalog.url_for(WELCOME, language) is None


def test_audio_is_served_unsigned_with_immutable_caching_and_etag(audio_app):
    client = audio_app.test_client()
    name = add_audio(services(audio_app).audio.folder, services(audio_app).line.default_language, WELCOME)
    response = client.get(f"/audio/{name}")  # no X-Twilio-Signature: Twilio does not sign media fetches
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"].strip('"') in name
    assert response.data == (services(audio_app).audio.folder.files / name).read_bytes()
    assert client.get(f"/audio/{name}", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.head(f"/audio/{name}").status_code == 200


def test_only_manifest_files_are_served(audio_app):
    client = audio_app.test_client()
    folder = services(audio_app).audio.folder
    add_audio(folder, services(audio_app).line.default_language, WELCOME)
    stray = "en-0123456789abcdef0123.wav"
    folder.write_file(stray, tone_wav(0.5, 0.5))  # in the folder, but in no manifest entry
    for path in (f"/audio/{stray}", "/audio/manifest.json", "/audio/..%2fmanifest.json",
                 "/audio/../audio/manifest.json", "/audio/%2e%2e/manifest.json", "/audio/", "/audio/store"):
        assert client.get(path).status_code == 404, path


def test_audio_base_url_points_play_at_a_cdn(tmp_path):
    app = build_app(tmp_path, AUDIO_DIR=str(tmp_path / "audio"), AUDIO_BASE_URL="https://cdn.example.org/ot-line/")
    name = add_audio(services(app).audio.folder, services(app).line.default_language, WELCOME)
    page = twilio_post(app.test_client(), "/voice/en/choices/main?welcome=1").data.decode()
    assert f"<Play>https://cdn.example.org/ot-line/{name}</Play>" in page
