"""The columnar packet table: frames, their protocol layers, and the bytes behind them.

A :class:`PacketTable` is what the dissectors build and every later stage reads:

* frame columns, one value per frame: capture time (int64 ns), lengths, interface,
  link type, where the frame's bytes are, and a malformed flag;
* :class:`~tcpscope.table.layers.Layer` tables, one per protocol, one row per header;
* ``buffers``: the capture bytes (buffer 0) and any reassembled payloads (IPv4 fragments),
  which byte-valued fields point into.

The table is immutable; the TCP analysis returns a new table whose ``tcp`` layer has
more columns. Frames are numbered from 0 internally; ``frame.number`` is index + 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from tcpscope.capture.records import Records
from tcpscope.table.layers import Layer

__all__ = ["PacketTable"]


@dataclass(frozen=True)
class PacketTable:
    """Frames of one capture with their decoded layers (see the module docstring)."""

    records: Records
    layers: Mapping[str, Layer]
    malformed: NDArray[np.bool_]
    buffers: tuple[NDArray[np.uint8], ...] = ()
    frame_cols: Mapping[str, NDArray[np.generic]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.records)

    def __len__(self) -> int:
        return self.n

    @property
    def ts_ns(self) -> NDArray[np.int64]:
        return self.records.ts_ns

    @property
    def data(self) -> NDArray[np.uint8]:
        return self.records.data

    def layer(self, name: str) -> Layer:
        """The layer table of a protocol (empty when no frame has that protocol)."""
        got = self.layers.get(name)
        return got if got is not None else Layer.empty(name)

    def has_layer(self, name: str) -> bool:
        return name in self.layers and len(self.layers[name]) > 0

    def with_layer(self, layer: Layer) -> PacketTable:
        """A copy of this table with ``layer`` added or replaced."""
        layers = dict(self.layers)
        layers[layer.name] = layer
        return replace(self, layers=layers)

    def with_frame_cols(self, **cols: NDArray[np.generic]) -> PacketTable:
        merged = dict(self.frame_cols)
        merged.update(cols)
        return replace(self, frame_cols=merged)

    def frame_bytes(self, i: int) -> bytes:
        """The captured bytes of frame index ``i`` (for tests and the details view)."""
        r = self.records
        start = int(r.offset[i])
        return bytes(r.data[start : start + int(r.caplen[i])])
