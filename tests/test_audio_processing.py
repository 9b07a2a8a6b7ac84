"""Phone-ready audio: μ-law WAV format, silence trimming, loudness and peaks, measured on the decoded file."""

from __future__ import annotations

import numpy as np
import pytest

from ivr.audio.loudness import integrated_loudness, true_peak_db
from ivr.audio.telephone import AudioError, telephone_audio
from ivr.audio.wav import TELEPHONE_RATE, WavError, mulaw_decode, mulaw_encode, mulaw_wav, read_mulaw_wav
from tests.audio_fakes import SPEECH_MP3, tone_wav


def assert_phone_ready(wav: bytes) -> float:
    """Decode the file and check what Twilio and the caller get; return its duration."""
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    audio = read_mulaw_wav(wav)  # raises unless 8 kHz, mono, 8-bit μ-law
    assert integrated_loudness(audio.samples, TELEPHONE_RATE) == pytest.approx(-19.0, abs=0.5)
    assert true_peak_db(audio.samples) <= -2.0
    return audio.seconds


def test_mulaw_round_trip_is_within_the_g711_step():
    samples = np.linspace(-0.99, 0.99, 2001)
    decoded = mulaw_decode(mulaw_encode(samples))
    assert np.all(np.abs(decoded - samples) <= np.maximum(np.abs(samples) / 16, 2 / 32768))
    assert mulaw_encode(np.zeros(1)) == b"\xff"  # G.711's code for silence


def test_wav_header_says_8khz_mono_mulaw():
    wav = mulaw_wav(np.zeros(800))
    assert int.from_bytes(wav[20:22], "little") == 7  # WAVE_FORMAT_MULAW
    assert read_mulaw_wav(wav).seconds == pytest.approx(0.1)
    with pytest.raises(WavError):
        read_mulaw_wav(tone_wav(0.5, 0.5))  # linear PCM is not what we serve
    with pytest.raises(WavError):
        read_mulaw_wav(b"ID3\x03junk")


def test_reference_loudness_of_a_1khz_sine():
    """BS.1770: a 1 kHz sine at -20 dBFS on one channel reads -23 LUFS."""
    t = np.arange(48000 * 3) / 48000
    assert integrated_loudness(0.1 * np.sin(2 * np.pi * 1000 * t), 48000) == pytest.approx(-23.0, abs=0.1)


def test_gtts_like_mp3_becomes_a_trimmed_normalised_phone_prompt():
    prompt = telephone_audio(SPEECH_MP3)
    seconds = assert_phone_ready(prompt.wav)
    assert 0.8 < seconds < 1.75  # the 1.73 s MP3 without its silent edges
    assert prompt.lufs == pytest.approx(-19.0, abs=0.5) and prompt.peak_dbtp <= -2.0


def test_quiet_and_loud_sources_come_out_equally_loud_and_silence_is_trimmed():
    quiet = telephone_audio(tone_wav(1.0, 0.02, silence=1.0))
    loud = telephone_audio(tone_wav(1.0, 0.9))
    assert abs(quiet.lufs - loud.lufs) < 0.5
    assert assert_phone_ready(quiet.wav) == pytest.approx(1.0, abs=0.15)  # the 2 s of silence are gone
    assert_phone_ready(loud.wav)


@pytest.mark.parametrize("encoded", [b"", b"not audio at all", tone_wav(0.0, 0.0, silence=1.0), tone_wav(0.05, 0.5)])
def test_no_speech_is_refused(encoded):
    with pytest.raises(AudioError):
        telephone_audio(encoded)
