"""The Python API as a typed program uses it: ``mypy --strict`` checks this file against
tcpscope's type hints (``make test``), and tests/api/test_typed_example.py runs it.

    python examples/typed_api.py examples/http-get.pcap
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

import tcpscope


def summary(path: str | Path) -> list[str]:
    """A line per TCP conversation: its frames, its bytes and its slowest acknowledgement."""
    cap: tcpscope.Capture = tcpscope.open(path)
    lines = [f"{cap.name}: {len(cap)} frames"]
    conv = cap.conversations.to_arrow()
    for stream in conv.column("stream").to_pylist():
        frames: tcpscope.PacketView = cap.stream(stream).packets
        rtt: np.ma.MaskedArray[tuple[int, ...], np.dtype[np.timedelta64]] = frames["tcp.analysis.ack_rtt"]
        lens = frames["tcp.len"]
        slowest = "none" if rtt.count() == 0 else f"{rtt.max() / np.timedelta64(1, 'us'):.0f} µs"
        lines.append(f"tcp.stream {stream}: {len(frames)} frames, {int(lens.sum())} bytes, slowest ACK {slowest}")
    return lines


def retransmissions(path: str | Path) -> pa.Table:
    """Every retransmitted segment of a capture too large to hold, read a piece at a time."""
    fields = ["frame.number", "frame.time_epoch", "tcp.stream", "tcp.seq", "tcp.len"]
    pieces = [piece.to_arrow() for piece in tcpscope.scan(path, fields, display_filter="tcp.analysis.retransmission")]
    return pa.concat_tables(pieces)  # one schema in every piece: no cast


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "examples/http-get.pcap"
    try:
        print("\n".join(summary(path)))
        print(f"{retransmissions(path).num_rows} retransmissions")
    except tcpscope.StreamNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:  # a capture that cannot be read (tcpscope.CaptureError)
        print(f"typed_api: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
