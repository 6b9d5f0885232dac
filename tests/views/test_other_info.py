"""The Info texts of the protocols beside TCP (views/packet_list.py), on the cases the
golden captures lack; the golden packet-list test covers the others line by line."""

from __future__ import annotations

from tcpscope.views.packet_list import ARP_REPLY, ARP_REQUEST, _arp_info, _Icmp, _icmpv6_info, _Udp, _udp_info

MAC = bytes.fromhex("020000000001")
ZERO = bytes(6)
A, B = 0xC0000201, 0xC0000202  # 192.0.2.1, 192.0.2.2


def test_arp_info_as_packet_arp_c() -> None:
    assert _arp_info(ARP_REQUEST, MAC, ZERO, A, A) == "ARP Announcement for 192.0.2.1"
    assert _arp_info(ARP_REQUEST, MAC, MAC, A, A) == "Gratuitous ARP for 192.0.2.1 (Request)"
    assert _arp_info(ARP_REQUEST, MAC, ZERO, 0, B) == "Who has 192.0.2.2? (ARP Probe)"
    assert _arp_info(ARP_REQUEST, MAC, ZERO, A, B) == "Who has 192.0.2.2? Tell 192.0.2.1"
    assert _arp_info(ARP_REPLY, MAC, ZERO, A, A) == "Gratuitous ARP for 192.0.2.1 (Reply)"
    assert _arp_info(ARP_REPLY, MAC, MAC, A, B) == "192.0.2.1 is at 02:00:00:00:00:01"


def test_udp_info_as_packet_udp_c() -> None:
    def udp(reach: int, ulen: int, short: bool = False, past_ip: bool = False, jumbo: bool = False) -> str:
        return _udp_info(_Udp(sport=1, dport=2, reach=reach, ulen=ulen, short=short, past_ip=past_ip, jumbogram=jumbo,
                              zero_illegal=jumbo))

    assert udp(1, 0) == "1 \u2192 2"
    assert udp(3, 0, short=True) == "1 \u2192 2 [BAD UDP LENGTH 0 < 8]"
    assert udp(3, 90, past_ip=True) == "1 \u2192 2 [BAD UDP LENGTH 90 > IP PAYLOAD LENGTH] Len=82"
    assert udp(3, 70000, jumbo=True) == "1 \u2192 2 Len=69992 [Jumbogram] [ILLEGAL CHECKSUM (0)]"


def test_icmpv6_info_as_packet_icmpv6_c() -> None:
    assert _icmpv6_info(_Icmp(ty=128, code=0, ident=9, seq=1, reach=4), 64) == \
        "Echo (ping) request id=0x0009, seq=1, hop limit=64"
    assert _icmpv6_info(_Icmp(ty=200, code=0, ident=0, seq=0, reach=4), 64) == "Unknown (200)"
