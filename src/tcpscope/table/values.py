"""The values of one field over a whole capture: one row per occurrence, long format.

tshark collects every occurrence of a field in a frame: ``ip.src`` once per IP header
(two in a tunnel), ``tcp.port`` twice, ``tcp.options.sack_le`` once per SACK block.
:class:`Values` holds them all in three parallel arrays: the frame each value belongs
to (non-decreasing, so a frame's values are contiguous and in tshark's order), the
value, and the protocol layer number used by the ``#`` filter operator.

Value arrays by field type: integers, booleans and times as int64 (times in ns);
IPv4 as uint32; IPv6 as ``(m, 16)`` uint8; Ethernet as ``(m, 6)`` uint8; doubles as
float64; strings as a numpy unicode array; bytes, protocols and FT_NONE items as
``(m, 2)`` int64 ``[start, length]`` spans of ``buf``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Values", "concat_by_frame", "interleave"]


@dataclass(frozen=True, slots=True)
class Values:
    """Occurrences of one field: ``pkt[i]`` is the frame index of ``data[i]``."""

    pkt: NDArray[np.int64]
    data: NDArray[np.generic]
    layer: NDArray[np.int32] | None = None
    buf: NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return int(self.pkt.shape[0])

    def layers(self) -> NDArray[np.int32]:
        """1-based layer number of each value (1 everywhere unless the field repeats per layer)."""
        if self.layer is None:
            return np.ones(self.pkt.shape[0], dtype=np.int32)
        return self.layer

    def present(self, n: int) -> NDArray[np.bool_]:
        """A mask over ``n`` frames: which frames have at least one value."""
        out = np.zeros(n, dtype=np.bool_)
        out[self.pkt] = True
        return out

    def counts(self, n: int) -> NDArray[np.int64]:
        """How many values each of ``n`` frames has."""
        return np.bincount(self.pkt, minlength=n).astype(np.int64)

    def take(self, keep: NDArray[np.bool_] | NDArray[np.int64]) -> Values:
        """The values selected by a mask or index array over values."""
        return Values(
            self.pkt[keep],
            self.data[keep],
            None if self.layer is None else self.layer[keep],
            self.buf,
        )

    @staticmethod
    def empty(dtype: np.dtype[np.generic] | type = np.int64, width: int = 0) -> Values:
        shape: tuple[int, ...] = (0, width) if width else (0,)
        return Values(np.zeros(0, dtype=np.int64), np.zeros(shape, dtype=dtype))


def interleave(a: Values, b: Values) -> Values:
    """Values of two fields read from the same rows, in the order a0, b0, a1, b1, ...

    This is how tshark adds ``ip.addr`` (src, then dst of each header) and ``tcp.port``.
    Both inputs must have one value per row of the same layer table.
    """
    m = a.pkt.shape[0]
    pkt = np.repeat(a.pkt, 2)
    data = np.empty((2 * m, *a.data.shape[1:]), dtype=a.data.dtype)
    data[0::2] = a.data
    data[1::2] = b.data
    layer = None if a.layer is None else np.repeat(a.layer, 2)
    return Values(pkt, data, layer, a.buf)


def concat_by_frame(parts: list[tuple[Values, NDArray[np.int64]]]) -> Values:
    """Merge values from several layer tables, ordered by frame, then by ``order`` key.

    ``order`` is each value's position in its frame's protocol stack (its depth), so
    ``ip.version`` from an IPv6 header and an inner IPv4 header come out outer first.
    """
    parts = [(v, o) for v, o in parts if len(v)]
    if not parts:
        return Values.empty()
    if len(parts) == 1:
        return parts[0][0]
    pkt = np.concatenate([v.pkt for v, _ in parts])
    order = np.concatenate([o for _, o in parts])
    data = np.concatenate([v.data for v, _ in parts])
    srt = np.lexsort((order, pkt))
    layer = None
    if any(v.layer is not None for v, _ in parts):
        layer = np.concatenate([v.layers() for v, _ in parts])[srt]
    return Values(pkt[srt], data[srt], layer, parts[0][0].buf)
