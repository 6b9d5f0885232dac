"""MPLS label stacks and GRE headers (packet-mpls.c, packet-gre.c)."""

from __future__ import annotations

import struct

from craft import eth, gre, ip4, mpls, tcp

T = ip4(tcp(b"", sport=777), src="203.0.113.3", dst="203.0.113.4")


def test_label_stack_to_the_bottom(decode) -> None:  # type: ignore[no-untyped-def]
    many = eth(mpls(T, list(range(16, 40))), 0x8847)  # more than 16 labels
    no_bottom = eth(mpls(b"", [5, 6])[:4] * 2, 0x8847)
    gach = eth(mpls(T, [13]), 0x8847)
    rows = decode([many, no_bottom, gach], "ip.src", "tcp.srcport")
    assert rows == [("203.0.113.3", "777"), ("", ""), ("", "")]


def test_gre_optional_words_and_routing(decode) -> None:  # type: ignore[no-untyped-def]
    routing = struct.pack("!HH", 0x4000, 0x0800) + bytes(4) + struct.pack("!HBB", 0x0800, 0, 4) + bytes(4) + bytes(4)
    frames = [
        eth(ip4(gre(T, key=1, seq=2, checksum=True), proto=47)),
        eth(ip4(routing + T, proto=47)),
        eth(ip4(gre(T, version=1), proto=47)),
        eth(ip4(gre(T, proto=0x8100), proto=47)),  # not in gre.proto
    ]
    rows = decode(frames, "ip.src", "tcp.srcport")
    assert rows == [("192.0.2.1,203.0.113.3", "777")] * 3 + [("192.0.2.1", "")]
