"""Link layers: Ethernet, 802.3 with LLC/SNAP, VLAN and 802.1ad tags, Linux cooked captures."""

from __future__ import annotations

import struct

from craft import V4_A, V4_B, eth, ip4, tcp, vlan

T = ip4(tcp(b"x", sport=1234, pseudo=(V4_A, V4_B, 4)))


def test_ethernet_fields_need_the_whole_header(decode) -> None:  # type: ignore[no-untyped-def]
    """packet-eth.c reads both addresses and the type before it shows anything."""
    e = eth(T)
    rows = decode([e[:5], e[:13], e[:14]], "eth.dst", "eth.type", "ip.src")
    assert rows == [("", "", ""), ("", "", ""), ("02:00:00:00:00:02", "0x0800", "")]


def test_ethernet_type_or_length(decode) -> None:  # type: ignore[no-untyped-def]
    snap = b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + T
    rows = decode([eth(snap, len(snap)), eth(bytes(30), 1510), eth(bytes(30), 0), eth(b"\xff\xff" + bytes(28), 30)],
                  "eth.type", "ip.src", "tcp.srcport")
    assert rows == [("", "192.0.2.1", "1234"), ("", "", ""), ("0x0000", "", ""), ("", "", "")]


def test_llc_dsap_ip_and_bridged_ethernet(decode) -> None:  # type: ignore[no-untyped-def]
    i_frame = b"\x06\x06\x00\x00" + T
    bridged = b"\xaa\xaa\x03\x00\x80\xc2\x00\x07\x00\x00" + eth(T)
    rows = decode([eth(i_frame, len(i_frame)), eth(bridged, len(bridged))], "eth.src", "ip.dst")
    assert rows == [("02:00:00:00:00:01", "198.51.100.2"), ("02:00:00:00:00:01,02:00:00:00:00:01", "198.51.100.2")]


def test_8021ad_tags_are_not_vlan_tags(decode) -> None:  # type: ignore[no-untyped-def]
    """0x88a8 goes to the 802.1ad dissector, whose fields are not vlan.*; 0x9100 is a VLAN tag."""
    rows = decode([eth(vlan(vlan(T, 200), 300, 0x8100), 0x88A8), eth(vlan(vlan(T, 2), 1, 0x88A8), 0x9100)],
                  "vlan.id", "ip.src")
    assert rows == [("200", "192.0.2.1"), ("1", "192.0.2.1")]


def test_vlan_nesting_stops_at_20(decode) -> None:  # type: ignore[no-untyped-def]
    inner = T
    for k in range(21):
        inner = vlan(inner, k + 1, 0x8100 if k else 0x0800)
    ((ids, src),) = decode([eth(inner, 0x8100)], "vlan.id", "ip.src")
    assert ids == ",".join(str(k) for k in range(21, 1, -1))
    assert src == ""
    ((ids, src),) = decode([eth(inner[4:], 0x8100)], "vlan.id", "ip.src")  # 20 tags are fine
    assert (ids, src) == (",".join(str(k) for k in range(20, 0, -1)), "192.0.2.1")


def _sll(pkttype: int, hatype: int, proto: int, payload: bytes) -> bytes:
    return struct.pack("!HHH8sH", pkttype, hatype, 6, bytes(8), proto) + payload


def test_cooked_capture_protocols(decode) -> None:  # type: ignore[no-untyped-def]
    frames = [
        _sll(4, 1, 0x0800, T),
        _sll(0, 778, 0x0800, T),  # ARPHRD_IPGRE: a GRE protocol type, no sll.etype
        _sll(0, 824, 0x0800, T),  # Netlink: the whole frame is Netlink, no SLL fields
        _sll(0, 1, 0x0004, b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + T),  # 802.2 LLC
        _sll(0, 1, 0x0800, T)[:3],  # packet type and ARPHRD type are read first
    ]
    rows = decode(frames, "sll.pkttype", "sll.etype", "ip.src", linktype=113)
    assert rows == [("4", "0x0800", "192.0.2.1"), ("0", "", "192.0.2.1"), ("", "", ""),
                    ("0", "", "192.0.2.1"), ("", "", "")]


def test_null_and_raw_ipv4_hand_version_6_straight_to_ipv6(decode) -> None:  # type: ignore[no-untyped-def]
    """dissect_ip (BSD null, raw IPv4, IP in IP) shows no ip.version of its own for IPv6."""
    from craft import ip6, udp

    v6 = ip6(udp(b"", pseudo=("2001:db8::1", "2001:db8::2", 6)), nxt=17)
    assert decode([struct.pack("<I", 2) + v6], "ip.version", "ipv6.nxt", linktype=0) == [("6", "17")]
    assert decode([v6], "ip.version", linktype=228) == [("6",)]
    assert decode([eth(v6)], "ip.version", "ipv6.nxt") == [("6,6", "17")]
