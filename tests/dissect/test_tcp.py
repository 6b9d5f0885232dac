"""TCP options as packet-tcp.c reads them: exceptions, partial values and SACK blocks."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from craft import V4_A, V4_B, Frame, eth, frames, ip4, pcap_bytes, tcp

from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect


def _seg(opts: bytes, flags: int = 0x10, ack: int = 1, **kw: int) -> bytes:
    return eth(ip4(tcp(b"", sport=2000, flags=flags, ack=ack, options=opts, pseudo=(V4_A, V4_B, 4), **kw)))


TS = struct.pack("!BBII", 8, 10, 11, 22)


def test_timestamp_value_before_the_echo_reply(decode) -> None:  # type: ignore[no-untyped-def]
    seg = _seg(b"\x01\x01" + TS)
    rows = decode([Frame(seg, 1, 0, caplen=14 + 20 + 20 + 8), Frame(seg, 1, 1)],
                  "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr")
    assert rows == [("11", ""), ("11", "22")]


def test_sack_without_a_whole_block_ends_the_options(decode) -> None:  # type: ignore[no-untyped-def]
    """The D-SACK check reads the first block even when the option has none: an exception."""
    empty = _seg(bytes([5, 2]) + TS)
    half = _seg(bytes([5, 6, 0, 0, 0, 1]) + b"\x01\x01" + TS)
    after_a_block = _seg(bytes([5, 10]) + struct.pack("!II", 10, 20) + bytes([5, 6, 0, 0, 0, 9]) + b"\x01\x01" + TS)
    rows = decode([empty, half, after_a_block], "tcp.options.timestamp.tsval", "tcp.option_kind")
    assert rows == [("", "5"), ("", "5"), ("11", "5,5,1,1,8")]


def test_sack_permitted_needs_its_length_byte(decode) -> None:  # type: ignore[no-untyped-def]
    seg = _seg(b"\x02\x04\x05\xb4\x04\x02\x01\x01", flags=0x02, ack=0)
    rows = decode([Frame(seg, 1, 0, caplen=14 + 20 + 20 + 5), Frame(seg, 1, 1)], "tcp.options.sack_perm",
                  "tcp.options.mss_val")
    assert rows == [("", "1460"), ("0402", "1460")]


def test_options_with_bad_lengths_have_no_item(decode) -> None:  # type: ignore[no-untyped-def]
    rows = decode([_seg(bytes([4, 1, 1, 1])), _seg(bytes([4, 9, 1, 1])), _seg(bytes([4, 3, 1, 1]))],
                  "tcp.options.sack_perm", "tcp.option_kind", "tcp.option_len")
    assert rows == [("", "", ""), ("", "", ""), ("040301", "4,1", "3")]


def test_raw_sack_edges_include_a_partial_block(tmp_path: Path) -> None:
    """The tcp.sack table (for the TCP analysis) holds what tshark shows with absolute numbers."""
    seg = _seg(bytes([5, 14]) + struct.pack("!III", 100, 200, 300) + b"\x01\x01")
    p = tmp_path / "s.pcap"
    p.write_bytes(pcap_bytes(frames([seg]), 1))
    sack = dissect(read_records(p)).layer("tcp.sack")
    assert sack.cols["le_raw"].tolist() == [100, 300]
    assert np.asarray(sack.cols["has_re"]).tolist() == [True, False]


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["lossy-seed7.pcap", "zeek-tcp-option-sack.pcap", "craft-tcp-options.pcap",
                                  "craft-tcp-badopts.pcap", "craft-tcp-truncated.pcap"])
def test_raw_sack_edges_match_tshark(name: str, tshark: str) -> None:
    """The raw edges in the tcp.sack table are tshark's sack_le/sack_re with absolute numbers,
    which the TCP analysis turns into relative ones."""
    import subprocess

    path = Path(__file__).resolve().parent.parent / "golden" / "captures" / name
    out = subprocess.run([tshark, "-o", "tcp.relative_sequence_numbers:FALSE", "-r", str(path), "-T", "fields",
                          "-e", "tcp.options.sack_le", "-e", "tcp.options.sack_re"],
                         capture_output=True, check=True).stdout.decode()
    table = dissect(read_records(path))
    sack = table.layer("tcp.sack")
    got = [["", ""] for _ in range(table.n)]
    for p, le, re_, has_re in zip(sack.pkt.tolist(), sack.cols["le_raw"].tolist(), sack.cols["re_raw"].tolist(),
                                  np.asarray(sack.cols["has_re"]).tolist(), strict=True):
        got[p][0] += ("," if got[p][0] else "") + str(le)
        if has_re:
            got[p][1] += ("," if got[p][1] else "") + str(re_)
    assert [line.split("\t") for line in out.splitlines()] == got
