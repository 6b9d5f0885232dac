"""The stream graphs of one connection, as the page draws them: the time-sequence graph
(tcptrace's, after Stevens), throughput, round-trip time and window size over time.

Made from ``Capture.stream(N).packets`` (the Python API), for the direction that sends
the most bytes (the data sender; ties: the first frame's sender), every series aligned on
the connection's frames in order, null where a frame adds no point, as uPlot takes them:

* ``seq``: a data segment's sequence number after its last byte (relative), at its time;
* ``ack``: the other side's acknowledgment number, at each of its segments;
* ``rtt``: ``tcp.analysis.ack_rtt`` of the other side's ACKs (ms): how long the data
  they acknowledge took to be acknowledged;
* ``win``: the other side's window (``tcp.window_size``, scaled), what the sender may
  have in flight;
* ``throughput``: the sender's bytes per interval (a hundredth of the connection's
  duration, at least 1 ms) in bits per second, on times of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tcpscope.api import Capture

__all__ = ["BINS", "stream_graphs"]

#: Intervals of the throughput graph over the connection's duration.
BINS = 100
#: The fields read, in order.
FIELDS = ("frame.number", "frame.time_relative", "tcp.srcport", "tcp.dstport", "ip.src", "ipv6.src", "tcp.seq",
          "tcp.len", "tcp.ack", "tcp.flags.ack", "tcp.analysis.ack_rtt", "tcp.window_size")


def _column(table: Any, name: str, fill: float = np.nan) -> np.ndarray:
    import pyarrow as pa

    if name not in table.column_names:
        return np.full(table.num_rows, fill)
    col = table.column(name)
    if pa.types.is_duration(col.type):
        col = col.cast(pa.int64())
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.int8())
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def _nullable(values: np.ndarray, keep: np.ndarray) -> list[float | None]:
    return [float(v) if k and not np.isnan(v) else None for v, k in zip(values.tolist(), keep.tolist(), strict=True)]


def stream_graphs(part: Capture) -> dict[str, Any]:
    """The graphs of ``part``, one connection's frames (see the module docstring)."""
    names = [f for f in FIELDS if not f.startswith("ipv6.") or part.table.has_layer("ipv6")]
    names = [f for f in names if not f.startswith("ip.") or part.table.has_layer("ip")]
    table = part.packets.to_arrow(names, lists=())
    frames = _column(table, "frame.number").astype(np.int64)
    t = _column(table, "frame.time_relative") / 1e9
    src = [a if a is not None else b for a, b in zip(
        table.column("ip.src").to_pylist() if "ip.src" in names else [None] * len(frames),
        table.column("ipv6.src").to_pylist() if "ipv6.src" in names else [None] * len(frames), strict=True)]
    sport = _column(table, "tcp.srcport")
    sender_key = [f"{a}:{int(p)}" for a, p in zip(src, sport.tolist(), strict=True)]
    length = np.nan_to_num(_column(table, "tcp.len"))
    sums: dict[str, float] = {}
    for key, n in zip(sender_key, length.tolist(), strict=True):
        sums[key] = sums.get(key, 0.0) + n
    sender = max(sums, key=lambda k: (sums[k], -sender_key.index(k))) if sums else ""
    mine = np.array([k == sender for k in sender_key], dtype=np.bool_)
    other = ~mine
    seq = _column(table, "tcp.seq") + length
    acked = other & (np.nan_to_num(_column(table, "tcp.flags.ack")) > 0)
    receiver = next((k for k in sender_key if k != sender), "")
    duration = float(t[-1] - t[0]) if len(t) else 0.0
    width = max(duration / BINS, 0.001)
    bins = np.floor((t[mine] - (t[0] if len(t) else 0.0)) / width).astype(np.int64)
    per_bin = np.bincount(bins, weights=length[mine], minlength=int(duration / width) + 1) if bins.size else np.zeros(1)
    return {
        "sender": sender, "receiver": receiver, "frames": frames.tolist(), "t": t.tolist(),
        "seq": _nullable(seq, mine & (length > 0)),
        "ack": _nullable(_column(table, "tcp.ack"), acked),
        "rtt": _nullable(_column(table, "tcp.analysis.ack_rtt") / 1e6, other),
        "win": _nullable(_column(table, "tcp.window_size"), other),
        "throughput": {"t": ((np.arange(per_bin.shape[0]) * width) + (t[0] if len(t) else 0.0)).tolist(),
                       "bps": (per_bin * 8 / width).tolist()},
    }
