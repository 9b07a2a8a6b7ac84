"""Speech engines: gTTS (the real voice of the line) and espeak-ng (for development without Google).

An engine turns one sentence into encoded audio (MP3 or WAV); telephone.py makes it phone-ready.
`voice()` names every setting that shapes the sound, so it can be part of the file's content hash.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import threading
import time
from typing import Callable, Protocol

import requests
from gtts import gTTS, gTTSError

from ivr.content.model import Language

GOOGLE_MAX_CHARS = gTTS.GOOGLE_TTS_MAX_CHARS
RETRY_STATUSES = {429, 500, 502, 503, 504}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
ESPEAK_VOICES = {"en-US": "en-us", "es-US": "es-419", "es-MX": "es-419"}  # espeak-ng names by speech language
ESPEAK_WORDS_PER_MINUTE = 160
# Requests in a row, across all workers, that never reached Google before a build gives up: offline, a
# build would otherwise retry every part (152 parts x 5 tries took 12 minutes to fail).
CONNECTION_FAILURES_TO_GIVE_UP = 3
UNREACHABLE = "cannot reach Google's text-to-speech; check the network or use --engine espeak for development audio"


class SynthesisError(RuntimeError):
    """The engine gave no usable audio for a sentence (after any retries)."""


class GoogleUnreachable(SynthesisError):
    """Several requests in a row could not connect to Google: the build should stop, not retry every part."""


class Engine(Protocol):
    name: str

    def voice(self, language: Language) -> str:
        """Every setting that changes how this engine says something in this language."""

    def synthesise(self, text: str, language: Language) -> bytes:
        """Encoded audio of the text; raise SynthesisError when there is none."""


def _packed(pieces: list[str], limit: int) -> list[str]:
    """Join neighbouring pieces while the result stays within the limit: fewer requests, smoother speech."""
    packed: list[str] = []
    for piece in pieces:
        if packed and len(packed[-1]) + 1 + len(piece) <= limit:
            packed[-1] += " " + piece
        else:
            packed.append(piece)
    return packed


def sentence_tokens(text: str, limit: int = GOOGLE_MAX_CHARS) -> list[str]:
    """Split at sentence ends only, into parts of at most `limit` characters.

    gTTS's default splits at every comma once a text is over 100 characters. A sentence longer than
    the limit is split at its clauses; gTTS itself cuts anything still too long at a space.
    """
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        pieces += [sentence] if len(sentence) <= limit else _packed(_CLAUSE_END.split(sentence), limit)
    return _packed([piece for piece in pieces if piece], limit)


class Throttle:
    """At most one request start per interval, shared by all workers: Google rate-limits by IP."""

    def __init__(self, interval_seconds: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval_seconds
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class GttsEngine:
    """gTTS's own client with a sentence tokenizer, a pinned tld, a timeout, a throttle and retries."""

    name = "gtts"

    def __init__(self, timeout_seconds: float = 10.0, throttle: Throttle | None = None, retries: int = 4,
                 backoff_seconds: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                 give_up_after: int = CONNECTION_FAILURES_TO_GIVE_UP,
                 notify: Callable[[str], None] = lambda message: None) -> None:
        self.timeout = timeout_seconds
        self.throttle = throttle or Throttle(0.0)
        self.retries = retries
        self.backoff = backoff_seconds
        self.give_up_after = give_up_after
        self._notify = notify  # hears of each failed request as it happens (staff see a slow build is not stuck)
        self._sleep = sleep
        self._count_lock = threading.Lock()
        self.requests_sent = 0
        self._connection_failures_in_a_row = 0

    def voice(self, language: Language) -> str:
        return f"gtts lang={language.tts_language} tld={language.tts_tld} slow=no"

    def synthesise(self, text: str, language: Language) -> bytes:
        attempt = 0
        while True:
            self._stop_if_unreachable()
            try:
                audio = self._once(text, language)
            except gTTSError as error:
                self._count_connection(failed=_could_not_connect(error))
                self._stop_if_unreachable()
                if attempt >= self.retries or not _worth_retrying(error):
                    raise SynthesisError(str(error)) from error
                wait = self.backoff * 2 ** attempt * random.uniform(1.0, 1.5)
                self._notify(f"Google, try {attempt + 1} of {self.retries + 1} for {text[:40]!r}: {error}; "
                             f"trying again in {wait:.0f} s")
            else:
                self._count_connection(failed=False)
                return audio
            self._sleep(wait)
            attempt += 1

    def _count_connection(self, failed: bool) -> None:
        with self._count_lock:
            self._connection_failures_in_a_row = self._connection_failures_in_a_row + 1 if failed else 0

    def _stop_if_unreachable(self) -> None:
        if self._connection_failures_in_a_row >= self.give_up_after:
            raise GoogleUnreachable(UNREACHABLE)

    def _once(self, text: str, language: Language) -> bytes:
        """One try: each part's request waits for the throttle (gTTS sends it when the stream is advanced)."""
        try:
            tts = gTTS(text, lang=language.tts_language, tld=language.tts_tld, tokenizer_func=sentence_tokens,
                       timeout=self.timeout)
            parts = len(tts.get_bodies())
        except (AssertionError, ValueError) as error:
            raise SynthesisError(f"gTTS refused the text: {error or 'nothing to say'}") from error
        stream = tts.stream()
        audio = bytearray()
        for _ in range(parts):
            self.throttle.wait()
            with self._count_lock:
                self.requests_sent += 1
            chunk = next(stream, None)
            if not chunk:
                raise SynthesisError("Google answered without audio for part of the text")
            audio += chunk
        return bytes(audio)


def _could_not_connect(error: gTTSError) -> bool:
    """No connection at all (DNS, refused, connect timeout), unlike a slow answer or an HTTP error.

    gTTS raises its error while handling requests' exception, so that exception is the context.
    """
    return error.rsp is None and isinstance(error.__context__, requests.exceptions.ConnectionError)


def _worth_retrying(error: gTTSError) -> bool:
    """Rate limits, server errors and connection failures or timeouts (no response at all) pass with time."""
    return error.rsp is None or error.rsp.status_code in RETRY_STATUSES


class EspeakEngine:
    """Debian's espeak-ng: robotic but offline, so the whole line can be built and tried without Google."""

    name = "espeak"

    def __init__(self, executable: str = "espeak-ng", timeout_seconds: float = 30.0) -> None:
        found = shutil.which(executable)
        if found is None:
            raise SynthesisError(f"{executable} is not installed (Debian: apt-get install -y espeak-ng)")
        self.executable = found
        self.timeout = timeout_seconds

    def voice(self, language: Language) -> str:
        return f"espeak-ng -v {_espeak_voice(language)} -s {ESPEAK_WORDS_PER_MINUTE}"

    def synthesise(self, text: str, language: Language) -> bytes:
        command = [self.executable, "-v", _espeak_voice(language), "-s", str(ESPEAK_WORDS_PER_MINUTE),
                   "--stdin", "--stdout"]
        try:
            done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=self.timeout,
                                  check=False)
        except subprocess.TimeoutExpired as error:
            raise SynthesisError(f"espeak-ng took longer than {self.timeout} s") from error
        if done.returncode != 0 or not done.stdout:
            reason = done.stderr.decode("utf-8", "replace").strip()
            raise SynthesisError(f"espeak-ng failed ({done.returncode}): {reason}")
        return done.stdout


def _espeak_voice(language: Language) -> str:
    return ESPEAK_VOICES.get(language.speech_language, language.tts_language)
