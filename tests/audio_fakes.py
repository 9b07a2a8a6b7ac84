"""Fakes for the audio tests: Google's TTS endpoint at the HTTP layer, an engine that needs no network, and a tone
as a WAV file."""

from __future__ import annotations

import base64
import io
import json
import re
import wave
from pathlib import Path

import numpy as np
import responses

from ivr.audio.engines import SynthesisError
from ivr.audio.folder import AudioFolder, Entry, file_name, lookup_key
from ivr.audio.telephone import telephone_audio
from ivr.content.model import Language


GOOGLE_URL = re.compile(r"https://translate\.google\.[a-z.]+/_/TranslateWebserverUi/data/batchexecute")
SPEECH_MP3 = (Path(__file__).parent / "data" / "speech-24k.mp3").read_bytes()  # espeak-ng + lame, 24 kHz mono like gTTS


def google_body(mp3: bytes = SPEECH_MP3) -> str:
    """What batchexecute answers: a guard line, a length, and the rpc's JSON with the base64 MP3 in it."""
    payload = json.dumps([base64.b64encode(mp3).decode("ascii")], separators=(",", ":"))
    line = json.dumps([["wrb.fr", "jQ1olc", payload, None, None, None, "generic"], ["di", 42]], separators=(",", ":"))
    return f")]}}'\n\n{len(line)}\n{line}\n"


def google_answers(*answers: int | Exception | str) -> None:
    """Queue Google's answers in order (the last repeats): a status with audio (200) or an error, an exception,
    or a body."""
    for answer in answers:
        if isinstance(answer, Exception):
            responses.add(responses.POST, GOOGLE_URL, body=answer)
        elif isinstance(answer, str):
            responses.add(responses.POST, GOOGLE_URL, body=answer, status=200)
        else:
            responses.add(responses.POST, GOOGLE_URL, body=google_body() if answer == 200 else "", status=answer)


def tone_wav(seconds: float, amplitude: float, rate: int = 22050, silence: float = 0.0) -> bytes:
    """A 16-bit PCM WAV of a 440 Hz tone with optional silence around it (what espeak-ng --stdout gives)."""
    t = np.arange(int(seconds * rate)) / rate
    quiet = np.zeros(int(silence * rate))
    wobble = 1 + 0.5 * np.sin(2 * np.pi * 3 * t)
    samples = np.concatenate([quiet, amplitude * np.sin(2 * np.pi * 440 * t) * wobble / 1.5, quiet])
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((samples * 32767).astype("<i2").tobytes())
    return out.getvalue()


class FakeEngine:
    """Says everything with the same small MP3 and counts what it was asked."""

    def __init__(self, name: str = "gtts", fail_on: str | None = None) -> None:
        self.name = name
        self.fail_on = fail_on
        self.asked: list[str] = []

    def voice(self, language: Language) -> str:
        return f"{self.name} {language.tts_language} {language.tts_tld}"

    def synthesise(self, text: str, language: Language) -> bytes:
        self.asked.append(text)
        if self.fail_on and self.fail_on in text:
            raise SynthesisError("429 (Too Many Requests) from TTS API")
        return SPEECH_MP3


def add_audio(folder: AudioFolder, language, text: str, engine: str = "gtts") -> str:
    """A clip of SPEECH_MP3 in `folder` for `text`, in its manifest as the welcome's audio; its file name."""
    key = lookup_key(text, language)
    name = file_name(key, language, engine)
    folder.write_file(name, telephone_audio(SPEECH_MP3).wav)
    entries = folder.read_manifest()
    entries[key] = Entry(file=name, engine=engine, language=language.code, source="welcome", text=text,
                         seconds=1.0, lufs=-19.0)
    folder.write_manifest(entries)
    return name
