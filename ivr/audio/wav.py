"""8 kHz mono μ-law WAV, the format a phone call carries, so Twilio plays our files without transcoding.

The standard library's `wave` module only handles linear PCM (format 1) on Python 3.11, so the few
bytes of RIFF header for G.711 μ-law (format 7) are written and read here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

TELEPHONE_RATE = 8000
WAVE_FORMAT_MULAW = 7
_BIAS = 0x84
_CLIP = 32635


class WavError(ValueError):
    """The bytes are not an 8 kHz mono μ-law WAV file."""


def mulaw_encode(samples: np.ndarray) -> bytes:
    """G.711 μ-law bytes for float samples in [-1, 1]."""
    linear = np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32768), -32768, 32767).astype(np.int32)
    sign = (linear < 0).astype(np.int32) << 7
    magnitude = np.minimum(np.abs(linear), _CLIP) + _BIAS
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def mulaw_decode(data: bytes) -> np.ndarray:
    """Float samples in [-1, 1] for G.711 μ-law bytes."""
    code = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    exponent = (code >> 4) & 0x07
    magnitude = ((((code & 0x0F) << 3) + _BIAS) << exponent) - _BIAS
    return np.where(code & 0x80, -magnitude, magnitude).astype(np.float64) / 32768


def mulaw_wav(samples: np.ndarray) -> bytes:
    """A complete WAV file (fmt, fact and data chunks) of 8 kHz mono μ-law audio."""
    data = mulaw_encode(samples)
    fmt = struct.pack("<HHIIHHH", WAVE_FORMAT_MULAW, 1, TELEPHONE_RATE, TELEPHONE_RATE, 1, 8, 0)
    fact = struct.pack("<I", len(data))
    pad = b"\x00" if len(data) % 2 else b""
    body = b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"fact", fact) + _chunk(b"data", data) + pad
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _chunk(name: bytes, payload: bytes) -> bytes:
    return name + struct.pack("<I", len(payload)) + payload


@dataclass(frozen=True)
class TelephoneAudio:
    samples: np.ndarray

    @property
    def seconds(self) -> float:
        return len(self.samples) / TELEPHONE_RATE


def read_mulaw_wav(data: bytes) -> TelephoneAudio:
    """Parse and check a WAV file; raise WavError unless it is 8 kHz mono μ-law with some audio."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError("not a RIFF/WAVE file")
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        name, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        chunks[name] = data[offset + 8:offset + 8 + size]
        offset += 8 + size + (size % 2)
    if len(chunks.get(b"fmt ", b"")) < 16 or b"data" not in chunks:
        raise WavError("missing or short fmt chunk, or no data chunk")
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", chunks[b"fmt "][:16])
    if (tag, channels, rate, bits) != (WAVE_FORMAT_MULAW, 1, TELEPHONE_RATE, 8):
        raise WavError(f"format {tag}, {channels} channel(s), {rate} Hz, {bits} bits; expected 8 kHz mono μ-law")
    if not chunks[b"data"]:
        raise WavError("no audio in the data chunk")
    return TelephoneAudio(mulaw_decode(chunks[b"data"]))
