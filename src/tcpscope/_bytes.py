"""Reading fixed-layout headers at many offsets of one byte buffer, in one numpy call.

``gather(data, offsets, width)`` copies ``width`` bytes from each offset into a
contiguous ``(n, width)`` array; viewing that array with a big- or little-endian
structured dtype then gives every header field as a column. Offsets near the end of
the buffer are padded with zeros, never read out of bounds. Callers check lengths
themselves: bytes past a frame's captured length belong to the next record.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcpscope._types import Array

__all__ = ["gather", "u16be", "u32be", "uint_at"]


def gather(data: NDArray[np.uint8], offsets: NDArray[np.int64], width: int) -> NDArray[np.uint8]:
    """``width`` bytes at each offset, as a C-contiguous ``(len(offsets), width)`` array."""
    n = int(data.shape[0])
    m = int(offsets.shape[0])
    if m == 0 or width == 0:
        return np.zeros((m, width), dtype=np.uint8)
    if n >= width:
        # Each offset as one ``width``-byte void item of an overlapping view (stride 1): numpy
        # then copies whole items, several times faster than indexing a 2-D sliding window.
        win = np.ndarray((n - width + 1,), dtype=np.dtype((np.void, width)), buffer=np.ascontiguousarray(data),
                         strides=(1,))
        last = n - width
        over = offsets > last
        rows: NDArray[np.uint8] = win[np.minimum(np.maximum(offsets, 0), last)].view(np.uint8).reshape(m, width)
        if over.any():
            rows[over] = _gather_slow(data, offsets[over], width)
        return rows
    return _gather_slow(data, offsets, width)


def _gather_slow(data: NDArray[np.uint8], offsets: NDArray[np.int64], width: int) -> NDArray[np.uint8]:
    idx = offsets[:, None] + np.arange(width, dtype=np.int64)[None, :]
    ok = (idx >= 0) & (idx < data.shape[0])
    out = np.zeros(idx.shape, dtype=np.uint8)
    out[ok] = data[idx[ok]]
    return out


def u16be(rows: NDArray[np.uint8], col: int) -> Array:
    """The big-endian 16-bit value at byte ``col`` of every row."""
    out: Array = (rows[:, col].astype(np.uint16) << 8) | rows[:, col + 1]
    return out


def u32be(rows: NDArray[np.uint8], col: int) -> Array:
    """The big-endian 32-bit value at byte ``col`` of every row."""
    r = rows[:, col : col + 4].astype(np.uint32)
    out: Array = (r[:, 0] << 24) | (r[:, 1] << 16) | (r[:, 2] << 8) | r[:, 3]
    return out


def uint_at(data: NDArray[np.uint8], pos: int, size: int, big: bool) -> int:
    """The unsigned ``size``-byte number at ``data[pos:]``, big- or little-endian (one header
    field of a file whose byte order is known only when it is read, as pcapng's)."""
    return int.from_bytes(bytes(data[pos : pos + size]), "big" if big else "little")
