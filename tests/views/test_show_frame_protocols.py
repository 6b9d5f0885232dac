"""frame.protocols for some frames only (what one frame's tree reads): each frame's text
is the one the whole table's column gives it, and only those frames' HTTP messages are
read (a spy on the Content-Type lookup, which fails when every message is handed over)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tcpscope
from tcpscope.analysis import http_fields
from tcpscope.filter.extra_fields import frame_protocols

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"


@pytest.mark.parametrize("name", ["zeek-http-pipelined-requests.pcap", "scapy-http_chunk.pcap.gz",
                                  "craft-ipv6-ext.pcap", "craft-encap-mpls.pcap", "tls-dns.pcap"])
def test_some_frames_as_the_whole_column(name: str) -> None:
    table = tcpscope.open(CAPTURES / name).table
    whole = frame_protocols(table).tolist()
    rng = np.random.default_rng(7)
    for size in (1, 3, 9):
        frames = np.sort(rng.choice(table.n, size=min(size, table.n), replace=False)).astype(np.int64)
        assert frame_protocols(table, frames).tolist() == [whole[f] for f in frames.tolist()]


def test_one_frame_reads_its_messages_only(monkeypatch: pytest.MonkeyPatch) -> None:
    table = http_fields.message_table(tcpscope.open(CAPTURES / "zeek-http-pipelined-requests.pcap").table)
    messages = table.layer(http_fields.LAYER)
    frame = int(messages.pkt[-1])
    asked: list[int] = []
    real = http_fields.first_headers

    def spy(t: object, col: str, msgs: object = None) -> dict[int, str]:
        asked.append(len(messages) if msgs is None else int(np.asarray(msgs).shape[0]))
        return real(t, col, msgs)  # type: ignore[arg-type]  # (the spy passes the table through)

    monkeypatch.setattr(http_fields, "first_headers", spy)
    got = frame_protocols(table, np.array([frame], dtype=np.int64)).tolist()
    assert got[0].endswith(":http") or ":http:" in got[0]
    assert asked == [int((messages.pkt == frame).sum())] and asked[0] < len(messages)
