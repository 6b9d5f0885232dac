"""Memory stays flat on a long stream through a pipe: the issue's 10-million-packet test,
small (the full size is ``bench/memory_chart.py``: 1.25M to 10M packets, +4 MiB).

``bench/short_connections.py``'s stream (ten-packet connections 10 ms apart on 500
client ports, so that closed conversations are retired and ports come back within the
stream) is written into a pipe by a thread and read with ``tcpscope.scan`` of the pipe,
the analysis on, as ``cat FILE | tcpscope fields -`` reads it. The pipe's batches are cut
to 512 KiB (a monkeypatch of ``capture.pipe``'s sizes, 16 and 64 MiB otherwise) so that
120,000 packets are 20 pieces. The process's resident memory after each piece must stop
growing once the first pieces have warmed the pipeline: from the 6th piece (36,000
packets read) to the last (120,000), at most 8 MiB more, while 7 MiB more input went
through (kept pieces would grow by about 1 MiB a piece: checked once).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import pytest

import tcpscope
from tcpscope.capture import pipe

ROOT = Path(__file__).resolve().parents[2]
PACKETS = 120_000
FIELDS = ["frame.number", "tcp.stream", "tcp.analysis.ack_rtt", "tcp.analysis.flags", "tcp.analysis.bytes_in_flight"]
#: The piece from which memory is warm, and the growth allowed after it (MiB)
WARM_PIECE, GROWTH_MIB = 6, 8


def _resident_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads the resident size from /proc")
def test_memory_is_flat_through_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("short_connections", ROOT / "bench" / "short_connections.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    monkeypatch.setattr(pipe, "BATCH_BYTES", 1 << 19)
    monkeypatch.setattr(pipe, "OPENING_BYTES", 1 << 19)
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as out:
            generator.write(out, PACKETS, 10_000, 500)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    resident, frames = [], 0
    try:
        for piece in tcpscope.scan(f"/dev/fd/{read_end}", FIELDS):
            frames += len(piece)
            resident.append(_resident_mib())
    finally:
        feeder.join()
        os.close(read_end)
    assert frames == PACKETS and len(resident) > 3 * WARM_PIECE
    growth = max(resident[WARM_PIECE:]) - resident[WARM_PIECE - 1]
    assert growth <= GROWTH_MIB, [round(r) for r in resident]
