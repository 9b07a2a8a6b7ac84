"""Turn what a speech engine returns (MP3 or WAV) into phone-ready audio.

Decode and resample to 8 kHz mono, trim the silence around the words, bring the loudness to about
-19 LUFS with peaks at or below -2 dBTP, encode μ-law WAV, then read the result back to prove it.
"""

from __future__ import annotations

from dataclasses import dataclass

import miniaudio
import numpy as np

from ivr.audio.loudness import integrated_loudness, oversampled, true_peak_db
from ivr.audio.wav import TELEPHONE_RATE, mulaw_wav, read_mulaw_wav

TARGET_LUFS = -19.0
PEAK_CEILING_DBTP = -2.5  # half a dB under -2 dBTP leaves room for μ-law rounding
SILENCE_BELOW_PEAK_DB = 40.0  # a 10 ms frame this far under the loudest is silence
SILENCE_FLOOR_DBFS = -55.0
KEEP_AROUND_WORDS_SECONDS = 0.04
MIN_SPEECH_SECONDS = 0.15
LIMITER_WINDOW_SECONDS = 0.005
NORMALISE_PASSES = 3


class AudioError(ValueError):
    """What the engine returned is not usable speech."""


@dataclass(frozen=True)
class TelephoneAudio:
    """A finished phone-ready WAV (one utterance) and what was measured on it after encoding."""

    wav: bytes
    seconds: float
    lufs: float
    peak_dbtp: float


def decode(encoded: bytes) -> np.ndarray:
    """MP3 or WAV bytes to float mono samples at 8 kHz (miniaudio: no system library needed)."""
    try:
        sound = miniaudio.decode(encoded, output_format=miniaudio.SampleFormat.FLOAT32, nchannels=1,
                                 sample_rate=TELEPHONE_RATE)
    except miniaudio.DecodeError as error:
        raise AudioError(f"cannot decode the audio ({error})") from error
    return np.asarray(sound.samples, dtype=np.float64)


def trimmed(samples: np.ndarray) -> np.ndarray:
    """Without the silence before the first and after the last word, so menus do not drag."""
    frame = TELEPHONE_RATE // 100
    count = len(samples) // frame
    if count == 0:
        return samples[:0]
    rms = np.sqrt(np.mean(samples[:count * frame].reshape(count, frame) ** 2, axis=1))
    with np.errstate(divide="ignore"):
        level = 20 * np.log10(rms)
    threshold = max(SILENCE_FLOOR_DBFS, float(level.max()) - SILENCE_BELOW_PEAK_DB)
    loud = np.flatnonzero(level > threshold)
    if not len(loud):
        return samples[:0]
    keep = int(KEEP_AROUND_WORDS_SECONDS * TELEPHONE_RATE)
    return samples[max(0, loud[0] * frame - keep):min(len(samples), (loud[-1] + 1) * frame + keep)]


def limited(samples: np.ndarray, ceiling_db: float) -> np.ndarray:
    """A look-ahead peak limiter: a smooth gain that is, at every sample, low enough for the peaks near it."""
    ceiling = 10 ** (ceiling_db / 20)
    peaks = np.abs(oversampled(samples))[64 * 4:][: len(samples) * 4].reshape(len(samples), 4).max(axis=1)
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    width = max(1, int(LIMITER_WINDOW_SECONDS * TELEPHONE_RATE))
    padded = np.pad(needed, width, constant_values=1.0)
    held = np.lib.stride_tricks.sliding_window_view(padded, 2 * width + 1).min(axis=1)
    kernel = np.ones(width) / width
    smooth = np.convolve(np.pad(held, (width // 2, width - 1 - width // 2), mode="edge"), kernel, mode="valid")
    return samples * np.minimum(smooth, needed)


def loudness_normalised(samples: np.ndarray) -> np.ndarray:
    """Loudness at the target with peaks under the ceiling; re-measured because limiting lowers loudness."""
    for _ in range(NORMALISE_PASSES):
        loudness = integrated_loudness(samples, TELEPHONE_RATE)
        if abs(loudness - TARGET_LUFS) < 0.1 and true_peak_db(samples) <= PEAK_CEILING_DBTP:
            break
        samples = limited(samples * 10 ** ((TARGET_LUFS - loudness) / 20), PEAK_CEILING_DBTP)
    return samples


def telephone_audio(encoded: bytes) -> TelephoneAudio:
    """The whole chain, ending with the written WAV decoded and checked, so a bad file never reaches the store."""
    speech = trimmed(decode(encoded))
    if len(speech) < MIN_SPEECH_SECONDS * TELEPHONE_RATE:
        raise AudioError("no speech in the audio")
    return measured(mulaw_wav(loudness_normalised(speech)))


def measured(wav: bytes) -> TelephoneAudio:
    """Read a finished file back (raising WavError unless it is phone-ready) and measure it."""
    written = read_mulaw_wav(wav)
    return TelephoneAudio(wav=wav, seconds=written.seconds,
                          lufs=round(integrated_loudness(written.samples, TELEPHONE_RATE), 2),
                          peak_dbtp=round(true_peak_db(written.samples), 2))
