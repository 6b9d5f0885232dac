"""The vectorized ones'-complement sums of dissect/checksum.py against a plain word-by-word sum."""

from __future__ import annotations

import numpy as np

from tcpscope.dissect.checksum import _fold, _segment_sums, _word_sum


def _reference(data: bytes) -> int:
    """RFC 1071: the ones' complement sum of the 16-bit big-endian words, an odd last byte
    padded with zero, carries folded back in."""
    padded = data + b"\0" * (len(data) & 1)
    total = sum(int.from_bytes(padded[i:i + 2], "big") for i in range(0, len(padded), 2))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def test_segment_sums_at_any_offset_and_length() -> None:
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, 5000, dtype=np.uint8)
    data[:300] = 0xFF  # sums that carry many times
    start = rng.integers(0, 4000, 300).astype(np.int64)
    end = start + rng.integers(0, 1000, 300).astype(np.int64)
    got = _fold(_segment_sums(data, start, end))
    want = [_reference(bytes(data[s:e])) for s, e in zip(start, end, strict=True)]
    assert got.tolist() == want


def test_address_word_sums() -> None:
    v4 = np.array([0xC0A80001, 0xFFFFFFFF], dtype=np.uint32)
    assert _word_sum(v4).tolist() == [0xC0A8 + 0x0001, 0x1FFFE]
    v6 = np.arange(32, dtype=np.uint8).reshape(2, 16)
    assert _word_sum(v6).tolist() == [sum(int.from_bytes(bytes(r[i:i + 2]), "big") for i in range(0, 16, 2))
                                      for r in v6]
