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


def _frag(payload: bytes, ident: int, offset: int, more: bool, between: tuple[str, str] = ("192.0.2.1", "198.51.100.2"),
          ) -> bytes:
    """A TCP fragment from ``between[0]`` to ``between[1]``."""
    return ip4(payload, ident=ident, df=False, mf=more, offset=offset, src=between[0], dst=between[1])


def test_overlapping_fragments_keep_the_first_bytes(decode) -> None:  # type: ignore[no-untyped-def]
    """fragment_add_work copies each byte once, in offset order: the first fragment's bytes win."""
    seg = tcp(bytes(300), sport=1111)
    other = tcp(bytes(300), sport=2222)
    frames = [eth(_frag(seg[:160], 7, 0, True)), eth(_frag(other[:160], 7, 0, True)), eth(_frag(seg[160:], 7, 160, False))]
    assert decode(frames, "tcp.srcport") == [("",), ("",), ("1111",)]


def test_reassembly_key(decode) -> None:  # type: ignore[no-untyped-def]
    """packet-ip.c keys on the addresses and proto ^ id, and adds the VLAN ID for private addresses."""
    from craft import vlan

    seg = tcp(bytes(100), sport=3333)
    dgram = udp(bytes(100), sport=4444)
    collide = [eth(_frag(seg[:64], 0x3006, 0, True)), eth(ip4(dgram[64:], proto=17, ident=0x3011, df=False, offset=64, src="192.0.2.1", dst="198.51.100.2"))]
    assert decode(collide, "udp.srcport", "tcp.srcport")[-1] == ("3333", "")
    lan = [eth(vlan(_frag(seg[:64], 9, 0, True, ("10.0.0.1", "10.0.0.2")), 10), 0x8100),
           eth(vlan(_frag(seg[64:], 9, 64, False, ("10.0.0.1", "10.0.0.2")), 20), 0x8100),
           eth(vlan(_frag(seg[64:], 9, 64, False, ("10.0.0.1", "10.0.0.2")), 10), 0x8100)]
    assert [r[0] for r in decode(lan, "tcp.srcport")] == ["", "", "3333"]


def test_a_known_fcs_shortens_the_ethernet_payload(decode) -> None:  # type: ignore[no-untyped-def]
    """With 4 bytes of FCS declared, an IP total length reaching into them is past the frame."""
    short = eth(ip4(tcp(b"z" * 8), total_len=50)) + b"\x01\x02\x03\x04"
    assert decode([short], "ip.len", "tcp.len", linktype=0x24000001) == [("50", "8")]
    assert decode([short], "ip.len", "tcp.len", linktype=1) == [("50", "10")]


def test_ipv6_option_items_must_fit_the_payload(decode) -> None:  # type: ignore[no-untyped-def]
    """dissect_opts shows each option as an item of its length: one running past the captured
    payload is an exception, and nothing after it is decoded."""
    u = udp(b"abc", pseudo=(V6_A, V6_B, 6))
    fits = ip6_ext(u, 17, b"\x01\x04" + bytes(4))
    over = bytes([17, 0, 0x1E, 0x40, 0, 0, 0, 0]) + u
    rows = decode([eth(ip6(fits, nxt=60), 0x86DD), eth(ip6(over, nxt=60), 0x86DD)], "udp.srcport")
    assert rows == [("5353",), ("",)]
