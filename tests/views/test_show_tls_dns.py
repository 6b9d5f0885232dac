"""The TLS and DNS trees (views/tree_tls.py, views/tree_dns.py) on tls-dns.pcap. The frames
whose whole text equals tshark's are compared by test_show_golden.py (the TLS records of
frames 16-17, 57-58, 69-72, 116-117); this compares the DNS trees of frame 125 (two
queries in one segment), whose frame is declared for a TCP line (``[PDU Size: N]``), and
checks that a record or message not whole in the segment is not written."""

from __future__ import annotations

import numpy as np
import pytest
from compare import CAPTURES
from test_show_golden import _golden, split_frames

import tcpscope
from tcpscope.views.columns import full_registry
from tcpscope.views.tree_dns import dns_text
from tcpscope.views.tree_frames import show_text

pytestmark = pytest.mark.usefixtures("utc")

NAME = "tls-dns.pcap"


def _tree(n: int) -> tuple[str, tuple[str, ...]]:
    for piece in tcpscope.scan(CAPTURES / NAME):
        first = piece.table.records.first_frame
        if first <= n - 1 < first + piece.table.n:
            tree = next(show_text(piece.table, np.array([n - 1 - first], dtype=np.int64), full_registry()))
            return tree.text, tree.missing
    raise AssertionError(f"no frame {n}")


def test_dns_queries_of_one_segment_equal_tsharks() -> None:
    want = split_frames(_golden(NAME))[125]
    text, missing = _tree(125)
    assert missing == ()
    start = want.index("Domain Name System (query)\n")
    assert text + "\n" != want  # (the frame differs: tshark's [PDU Size: N] lines, declared)
    assert text[text.index("Domain Name System (query)\n"):] + "\n" == want[start:]
    assert text.count("Domain Name System (query)\n") == 2


def test_a_message_not_whole_in_the_segment_is_not_written() -> None:
    query = bytes.fromhex("000101000001000000000000036269670874637073636f706504746573740000100001")
    whole = len(query).to_bytes(2, "big") + query
    assert dns_text(1, whole, 1) is not None
    assert dns_text(1, whole + whole, 2) is not None
    assert dns_text(1, whole[:-1], 1) is None  # cut short
    assert dns_text(1, (len(query) + 5).to_bytes(2, "big") + query, 1) is None  # its length says more
    assert dns_text(1, whole, 2) is None  # the framing completed one more, begun in an earlier segment
    assert dns_text(2, whole, 1) is None  # one dns in frame.protocols for every message


def test_a_reassembled_pdu_is_left_out() -> None:
    """Frame 32 completes a record begun in frame 18: its TLS tree is not written (pending)."""
    text, missing = _tree(32)
    assert "tls" in missing
    assert "Transport Layer Security" not in text


def test_a_segment_beginning_a_longer_record_has_the_protocols_line_alone() -> None:
    """Frame 18 begins an Application Data record of 0x4018 bytes in 1,448: the empty
    "Transport Layer Security" line tshark adds when it asks TCP for more."""
    text, missing = _tree(18)
    assert missing == ()
    assert text.endswith("    TCP segment data (1448 bytes)\nTransport Layer Security\n")
