"""Loudness (ITU-R BS.1770: K-weighting, gated mean) and true peak, in numpy, so every prompt plays
equally loud without pulling in scipy (pyloudnorm) for two biquad filters.
"""

from __future__ import annotations

import math

import numpy as np

BLOCK_SECONDS = 0.4
STEP_SECONDS = 0.1
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
OVERSAMPLING = 4
SILENT = -math.inf


def _response(b: tuple[float, float, float], a: tuple[float, float, float], n: int) -> np.ndarray:
    """A biquad's frequency response on the bins of an n-point real FFT."""
    z = np.exp(-2j * np.pi * np.arange(n // 2 + 1) / n)
    return np.polyval(b[::-1], z) / np.polyval(a[::-1], z)


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """BS.1770's pre-filter (a +4 dB shelf above ~1.5 kHz) and RLB high-pass (~38 Hz), designed for `rate`.

    Applied as one FFT multiplication (the same result as running the two biquads, without a Python loop).
    """
    w0 = 2 * math.pi * 1500.0 / rate
    gain = 10 ** (4.0 / 40)
    alpha = math.sin(w0) / (2 * (1 / math.sqrt(2)))
    cos, root = math.cos(w0), 2 * math.sqrt(gain) * alpha
    shelf_b = (gain * ((gain + 1) + (gain - 1) * cos + root), -2 * gain * ((gain - 1) + (gain + 1) * cos),
               gain * ((gain + 1) + (gain - 1) * cos - root))
    shelf_a = ((gain + 1) - (gain - 1) * cos + root,
               2 * ((gain - 1) - (gain + 1) * cos),
               (gain + 1) - (gain - 1) * cos - root)
    w0 = 2 * math.pi * 38.0 / rate
    alpha, cos = math.sin(w0) / (2 * 0.5), math.cos(w0)
    high_pass_b = ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2)
    high_pass_a = (1 + alpha, -2 * cos, 1 - alpha)
    n = len(samples) + rate  # a second of room for the filters to ring out, so nothing wraps around
    spectrum = np.fft.rfft(samples, n) * _response(shelf_b, shelf_a, n) * _response(high_pass_b, high_pass_a, n)
    return np.fft.irfft(spectrum, n)[: len(samples)]


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Gated integrated loudness in LUFS of a mono signal (-inf for silence)."""
    weighted = k_weighted(np.asarray(samples, dtype=np.float64), rate) ** 2
    block, step = int(BLOCK_SECONDS * rate), int(STEP_SECONDS * rate)
    if len(weighted) <= block:
        powers = np.array([weighted.mean()]) if len(weighted) else np.array([0.0])
    else:
        starts = range(0, len(weighted) - block + 1, step)
        powers = np.array([weighted[start:start + block].mean() for start in starts])
    gated = powers[_lufs(powers) > ABSOLUTE_GATE_LUFS]
    if not len(gated):
        return SILENT
    relative_gate = _lufs(np.array([gated.mean()]))[0] + RELATIVE_GATE_LU
    gated = gated[_lufs(gated) > relative_gate]
    return float(_lufs(np.array([gated.mean()]))[0])


def _lufs(powers: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(powers)


def oversampled(samples: np.ndarray, factor: int = OVERSAMPLING) -> np.ndarray:
    """Band-limited interpolation by zero-padding the spectrum (with silence around it, so nothing wraps)."""
    padded = np.concatenate([np.zeros(64), np.asarray(samples, dtype=np.float64), np.zeros(64)])
    spectrum = np.fft.rfft(padded)
    return np.fft.irfft(spectrum, len(padded) * factor) * factor


def true_peak_db(samples: np.ndarray) -> float:
    """Peak of the 4x oversampled signal in dBTP: it catches the peaks between samples a phone's DAC makes."""
    peak = float(np.max(np.abs(oversampled(samples)))) if len(samples) else 0.0
    return 20 * math.log10(peak) if peak > 0 else SILENT
