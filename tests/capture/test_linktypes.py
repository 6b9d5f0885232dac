"""Wiretap's link-type tables: known types, record limits, pseudo-headers."""

from __future__ import annotations

import numpy as np

from tcpscope.capture.linktypes import KNOWN_LINKTYPES, PSEUDO_HEADERS, max_packet_size, strip_pseudo_headers


def test_tables() -> None:
    assert {0, 1, 101, 108, 113, 228, 229, 276} <= KNOWN_LINKTYPES
    assert 17 not in KNOWN_LINKTYPES  # OpenBSD's old pflog: not on a Linux build
    assert max_packet_size(1) == 262144
    assert max_packet_size(231) == 128 * 2**20
    assert PSEUDO_HEADERS[204].length == 1


def test_strip_pseudo_headers() -> None:
    data = np.frombuffer(b"\0\0\0\1abcd" + b"\1xy" + b"\0\0\0", dtype=np.uint8)
    off = np.array([0, 8, 11], dtype=np.int64)
    cap = np.array([8, 3, 3], dtype=np.int64)
    wire = np.array([8, 2, 3], dtype=np.int64)
    lt = np.array([201, 204, 201], dtype=np.int32)
    o, c, w, first, msg = strip_pseudo_headers(data, off, cap, wire, lt)
    assert (o[:2].tolist(), c[:2].tolist(), w[:2].tolist()) == ([4, 9], [4, 2], [4, 1])
    assert first == 2
    assert msg == "pcap/pcapng: Bluetooth file has a 3-byte packet, too small to have even a pseudo-header"
    # frame.len wraps below the pseudo-header, as wiretap's unsigned subtraction does
    _, _, w, _, _ = strip_pseudo_headers(data, off[:1], cap[:1], np.array([2], dtype=np.int64), lt[:1])
    assert w.tolist() == [2**32 - 2]


def test_nothing_to_strip() -> None:
    off = np.array([0], dtype=np.int64)
    o, _, _, first, msg = strip_pseudo_headers(np.zeros(4, np.uint8), off, off + 4, off + 4,
                                               np.array([1], dtype=np.int32))
    assert (o is off, first, msg) == (True, 1, "")
