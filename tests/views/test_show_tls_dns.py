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
from tcpscope.views.tree_tls_handshake import handshake_body

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


def _client_hello(extensions: bytes) -> bytes:
    suites = bytes.fromhex("0a0a1301")  # a GREASE value, then TLS_AES_128_GCM_SHA256
    return (bytes.fromhex("0303") + bytes(32) + b"\x00" + len(suites).to_bytes(2, "big") + suites + b"\x01\x00"
            + len(extensions).to_bytes(2, "big") + extensions)


def test_a_client_hello_body_names_grease_and_leaves_it_out_of_ja3() -> None:
    versions = bytes.fromhex("002b" "0003" "02" "0304")
    items = handshake_body(1, _client_hello(versions), 0)
    assert items is not None
    labels = [i.label for i in items]
    suites = next(i for i in items if i.key == "tls.handshake.ciphersuites")
    assert [c.label for c in suites.children] == ["Cipher Suite: Reserved (GREASE) (0x0a0a)",
                                                  "Cipher Suite: TLS_AES_128_GCM_SHA256 (0x1301)"]
    assert "[JA3 Fullstring: 771,4865,43,,]" in labels
    assert items[1].children[0].label == "GMT Unix Time: Jan  1, 1970 00:00:00.000000000 UTC"


def test_a_hello_with_an_extension_not_written_has_no_body() -> None:
    assert handshake_body(1, _client_hello(bytes.fromhex("fe00" "0000")), 0) is None  # no name here
    assert handshake_body(1, _client_hello(bytes.fromhex("002b" "0009" "02" "0304")), 0) is None  # past its end
    assert handshake_body(11, b"\x00\x00\x00", 0) is None  # a Certificate: not written
