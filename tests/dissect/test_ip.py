"""IPv4 source routes and IPv6 payload lengths, as packet-ip.c and packet-ipv6.c read them."""

from __future__ import annotations

import struct

from craft import V6_A, V6_B, Frame, eth, ip4, ip6, ip6_ext, tcp, udp

T = tcp(b"", sport=999)


def test_source_route_gives_the_final_destination(decode) -> None:  # type: ignore[no-untyped-def]
    lsrr = bytes([131, 7, 4, 10, 0, 0, 1]) + b"\x00"
    misaligned = bytes([131, 8, 4, 10, 0, 0, 6, 9])
    used_up = bytes([131, 7, 8, 10, 0, 0, 5]) + b"\x00"
    rows = decode([eth(ip4(T, options=o)) for o in (lsrr, misaligned, used_up)], "ip.dst", "ip.addr", "tcp.srcport")
    assert rows == [("10.0.0.1", "192.0.2.1,10.0.0.1", "999"), ("", "192.0.2.1", "999"),
                    ("198.51.100.2", "192.0.2.1,198.51.100.2", "999")]


def test_option_walk_past_the_captured_bytes_hides_the_destination(decode) -> None:  # type: ignore[no-untyped-def]
    rr = bytes([7, 11, 4]) + bytes(8) + b"\x00"
    frame = eth(ip4(T, options=rr))
    rows = decode([Frame(frame, 1, 0, caplen=14 + 24), Frame(frame, 1, 1)], "ip.src", "ip.dst", "tcp.srcport")
    assert rows == [("192.0.2.1", "", ""), ("192.0.2.1", "198.51.100.2", "999")]


def test_ipv6_payload_length_zero_is_not_segmentation_offload(decode) -> None:  # type: ignore[no-untyped-def]
    u = udp(b"abc", pseudo=(V6_A, V6_B, 6))
    jumbo = ip6_ext(u, 17, b"\xc2\x04" + struct.pack("!I", 70000))
    rows = decode([eth(ip6(u, nxt=17, plen=0), 0x86DD), eth(ip6(jumbo, nxt=0, plen=0), 0x86DD)],
                  "ipv6.plen", "udp.srcport")
    assert rows == [("0", ""), ("0", "5353")]
