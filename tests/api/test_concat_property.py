"""Property: the tables of any two captures concatenate without a cast (issue 19). Two
small captures of random contents (TCP over IPv4 or IPv6 or bytes that are neither, with
or without options, SACK blocks, payloads; an empty one) give Arrow tables of one schema and pandas frames of one set of
dtypes, whatever fields each capture happens to have."""

from __future__ import annotations

import socket
import struct
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tcp_craft import ACK, NS, Frame, tcp4, write_pcap

import tcpscope

FIELDS = ["frame.number", "frame.time_epoch", "frame.time_relative", "frame.len", "ip.src", "ip.dst", "ipv6.src",
          "ipv6.dst", "ip.ttl", "tcp.stream", "tcp.srcport", "tcp.port", "tcp.seq", "tcp.len", "tcp.flags.syn",
          "tcp.window_size_scalefactor", "tcp.options.sack_le", "tcp.options.timestamp.tsval", "tcp.option_kind",
          "tcp.payload", "tcp.analysis.ack_rtt", "tcp.analysis.retransmission", "tcp.analysis.flags", "udp.port",
          "eth.src", "_ws.expert.message"]

addresses = st.sampled_from(["10.0.0.1", "10.0.0.2", "192.168.1.7"])
options = st.sampled_from([
    b"",
    b"\x02\x04\x05\xb4",  # MSS
    b"\x01\x01\x08\x0a" + struct.pack("!II", 7, 3),  # NOP NOP timestamps
    b"\x01\x01\x05\x0a" + struct.pack("!II", 100, 200),  # NOP NOP one SACK block
    b"\x01\x01\x05\x12" + struct.pack("!IIII", 100, 200, 300, 400),  # two SACK blocks
])


@st.composite
def segment(draw: st.DrawFn) -> bytes:
    opts = draw(options)
    if draw(st.booleans()):
        return draw(st.binary(min_size=1, max_size=40))  # not a well-formed IP packet
    packet = tcp4(draw(addresses), draw(addresses), draw(st.sampled_from([80, 443, 51000])),
                  draw(st.sampled_from([80, 51000])), draw(st.integers(0, 2**32 - 1)),
                  ack=draw(st.integers(0, 2**32 - 1)), flags=draw(st.sampled_from([0x02, 0x12, ACK, 0x18, 0x11])),
                  payload=draw(st.binary(max_size=30)), doff=5 + len(opts) // 4, options=opts)
    return ipv6(packet[20:]) if draw(st.booleans()) else packet


def ipv6(segment: bytes) -> bytes:
    """The TCP segment of an IPv4 packet in an IPv6 header instead (its checksum left 0)."""
    return struct.pack("!IHBB16s16s", 6 << 28, len(segment), 6, 64, socket.inet_pton(socket.AF_INET6, "fd00::1"),
                       socket.inet_pton(socket.AF_INET6, "fd00::2")) + segment


captures = st.lists(segment(), max_size=8)


def table_of(frames: list[bytes], folder: Path, name: str) -> tuple[pa.Table, pd.DataFrame]:
    path = write_pcap(folder / name, [Frame(1_700_000_000 * NS + i * 1000, data) for i, data in enumerate(frames)])
    packets = tcpscope.open(path).packets
    return packets.to_arrow(FIELDS), packets.to_pandas(FIELDS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(captures, captures)
def test_two_captures_concatenate_without_a_cast(a: list[bytes], b: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (ta, da), (tb, db) = table_of(a, Path(folder), "a.pcap"), table_of(b, Path(folder), "b.pcap")
    assert ta.schema == tb.schema
    both = pa.concat_tables([ta, tb])  # no promote_options: the schemas must be equal
    assert both.num_rows == len(a) + len(b)
    assert da.dtypes.to_dict() == db.dtypes.to_dict()
    assert pd.concat([da, db]).dtypes.to_dict() == da.dtypes.to_dict()
