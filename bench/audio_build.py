"""Benchmark of `audio build`: the whole line against a fake Google that answers in 300 ms.

Run from the repository root:  .venv/bin/python -m bench.audio_build
It starts an HTTP server on 127.0.0.1 that answers like Google's batchexecute endpoint (the same
small MP3 for every request), points gTTS at it, and builds every prompt into a temporary folder:
with 1 and 4 workers (no throttle), with 4 workers and the default throttle, then a second build
that must send 0 requests. With espeak-ng installed it also builds the line with it and reports
the loudness and true peak measured on every finished file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import gtts.tts

from ivr.audio.build import plan, run
from ivr.audio.engines import Engine, EspeakEngine, GttsEngine, Throttle
from ivr.audio.folder import AudioFolder
from ivr.audio.loudness import integrated_loudness, true_peak_db
from ivr.audio.telephone import decode
from ivr.audio.wav import TELEPHONE_RATE, read_mulaw_wav
from ivr.voice.utterances import all_utterances
from tests.audio_fakes import SPEECH_MP3, google_body
from tests.shipped import shipped_line

ANSWER_SECONDS = 0.3
DEFAULT_THROTTLE = 0.25


class FakeGoogle(BaseHTTPRequestHandler):
    requests = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with FakeGoogle.lock:
            FakeGoogle.requests += 1
        time.sleep(ANSWER_SECONDS)
        body = google_body(SPEECH_MP3).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def build_once(folder: AudioFolder, engine: Engine, workers: int) -> tuple[float, int, int]:
    """Seconds, requests Google received, prompts made."""
    before = FakeGoogle.requests
    jobs, unchanged = plan(all_utterances(shipped_line()), folder, engine)
    report = run(jobs, unchanged, engine, folder, workers)
    assert not report.failed, report.failed
    return report.seconds, FakeGoogle.requests - before, report.made


def measured(folder: AudioFolder) -> tuple[int, float, list[float], list[float]]:
    """Bytes, seconds of speech, loudness and true peak of every file, decoded from disk."""
    total_bytes, seconds, loudness, peaks = 0, 0.0, [], []
    for entry in folder.read_manifest().values():
        data = (folder.files / entry.file).read_bytes()
        audio = read_mulaw_wav(data)
        total_bytes, seconds = total_bytes + len(data), seconds + audio.seconds
        loudness.append(integrated_loudness(audio.samples, TELEPHONE_RATE))
        peaks.append(true_peak_db(audio.samples))
    return total_bytes, seconds, loudness, peaks


def main() -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)  # gTTS passes the environment's proxies explicitly; 127.0.0.1 must be direct
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGoogle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gtts.tts._translate_url = lambda tld="com", path="": f"http://127.0.0.1:{server.server_port}/{path}"
    work = Path(tempfile.mkdtemp(prefix="audio-bench-"))
    prompts = len(plan(all_utterances(shipped_line()), AudioFolder(work / 'none'), GttsEngine())[0])
    print(f"{prompts} prompts, fake Google answers in {ANSWER_SECONDS * 1000:.0f} ms\n")
    print(f"{'build':<34} {'workers':>7} {'throttle s':>10} {'seconds':>8} {'requests':>8} {'made':>5}")
    try:
        runs = [("first build", 1, 0.0, "one"), ("first build", 4, 0.0, "four"),
                ("first build", 4, DEFAULT_THROTTLE, "throttled"),
                ("second build (nothing changed)", 4, DEFAULT_THROTTLE, "four")]
        for label, workers, throttle, name in runs:
            engine = GttsEngine(timeout_seconds=10, throttle=Throttle(throttle))
            seconds, sent, made = build_once(AudioFolder(work / name), engine, workers)
            print(f"{label:<34} {workers:>7} {throttle:>10.2f} {seconds:>8.2f} {sent:>8} {made:>5}")
        size, speech, _, _ = measured(AudioFolder(work / "four"))
        print(f"\nWAV (8 kHz μ-law): {size / speech:,.0f} bytes per second of speech "
              f"({size:,} bytes for {speech:.1f} s); "
              f"gTTS-like MP3 in: {len(SPEECH_MP3) * TELEPHONE_RATE / len(decode(SPEECH_MP3)):,.0f} bytes/s")
        if shutil.which("espeak-ng"):
            espeak = AudioFolder(work / "espeak")
            seconds, _, made = build_once(espeak, EspeakEngine(), 4)
            size, speech, loudness, peaks = measured(espeak)
            print(f"espeak-ng build: {made} prompts in {seconds:.1f} s, {speech:.0f} s of speech, "
                  f"{size / speech:,.0f} bytes/s; "
                  f"loudness {min(loudness):.2f} to {max(loudness):.2f} LUFS, true peak at most {max(peaks):.2f} dBTP")
    finally:
        server.shutdown()
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
