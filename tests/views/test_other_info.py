"""The Info texts of the protocols beside TCP (views/packet_list.py), on the cases the
golden captures lack; the golden packet-list test covers the others line by line."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from tcpscope.analysis import analyze
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.views.info_other import ARP_REPLY, ARP_REQUEST, _arp_info, _Icmp, _icmpv6_info, _Udp, _udp_info
from tcpscope.views.packet_list import packet_lines

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


_ROUTER = bytes.fromhex("020000000001")
_HOST = bytes.fromhex("020000000002")
_FE80 = bytes.fromhex("fe800000000000000000000000000001")
_ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
_TARGET = bytes.fromhex("20010db8000000000000000000000042")
_EUI64 = bytes.fromhex("0211223344556677") + bytes(6)


def _option(kind: int, body: bytes) -> bytes:
    """A neighbour discovery option, padded to its length in 8-byte units."""
    units = (len(body) + 2 + 7) // 8
    return bytes([kind, units]) + body + bytes(units * 8 - 2 - len(body))


def _nd_frame(message: bytes) -> bytes:
    ip = struct.pack(">IHBB", 0x60000000, len(message), 58, 255) + _FE80 + _ALL_NODES
    return _HOST + _ROUTER + b"\x86\xdd" + ip + message


#: Neighbour discovery messages (RFC 4861 §4): the type and its fixed fields, the options
_ND_MESSAGES = (
    bytes([136, 0, 0, 0]) + struct.pack(">I", 0xE0000000) + _TARGET + _option(2, _ROUTER),
    bytes([136, 0, 0, 0]) + bytes(4) + _TARGET,
    bytes([136, 0, 0, 0]) + struct.pack(">I", 0x40000000) + _TARGET + _option(2, _EUI64),
    bytes([134, 0, 0, 0]) + bytes(12) + _option(1, _HOST) + _option(5, bytes(6)),
    bytes([135, 0, 0, 0]) + bytes(4) + _TARGET + _option(1, _EUI64),
    bytes([133, 0, 0, 0]) + bytes(4) + bytes([1, 0]) + _ROUTER,  # a zero length ends the options
    bytes([137, 0, 0, 0]) + bytes(4) + _TARGET + _ALL_NODES + _option(2, _HOST),
    bytes([133, 0, 0, 0]) + bytes(4) + _option(1, _ROUTER) + _option(1, _HOST),
    bytes([135, 0, 0, 0]) + bytes(4) + _TARGET + _option(1, _ROUTER + bytes([1]) * 8),  # 16 bytes, not an EUI-64
)

#: What tshark 4.0.17 prints for them (tshark -n -r)
_ND_TSHARK = [
    "    1   0.000000      fe80::1 \u2192 ff02::1      ICMPv6 86 Neighbor Advertisement 2001:db8::42 (rtr, sol, ovr)"
    " is at 02:00:00:00:00:01",
    "    2   1.000000      fe80::1 \u2192 ff02::1      ICMPv6 78 Neighbor Advertisement 2001:db8::42 (none)",
    "    3   2.000000      fe80::1 \u2192 ff02::1      ICMPv6 94 Neighbor Advertisement 2001:db8::42 (sol)"
    " from 02:11:22:33:44:55:66:77",
    "    4   3.000000      fe80::1 \u2192 ff02::1      ICMPv6 86 Router Advertisement from 02:00:00:00:00:02",
    "    5   4.000000      fe80::1 \u2192 ff02::1      ICMPv6 94 Neighbor Solicitation for 2001:db8::42"
    " from 02:11:22:33:44:55:66:77",
    "    6   5.000000      fe80::1 \u2192 ff02::1      ICMPv6 70 Router Solicitation",
    "    7   6.000000      fe80::1 \u2192 ff02::1      ICMPv6 102 Redirect is at 02:00:00:00:00:02",
    "    8   7.000000      fe80::1 \u2192 ff02::1      ICMPv6 78 Router Solicitation from 02:00:00:00:00:01"
    " from 02:00:00:00:00:02",
    "    9   8.000000      fe80::1 \u2192 ff02::1      ICMPv6 94 Neighbor Solicitation for 2001:db8::42",
]


def _nd_capture(tmp_path: Path) -> Path:
    path = tmp_path / "nd.pcap"
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, message in enumerate(_ND_MESSAGES):
            frame = _nd_frame(message)
            f.write(struct.pack("<IIII", 1000 + i, 0, len(frame), len(frame)) + frame)
    return path


def test_neighbour_discovery_info_as_tshark(tmp_path: Path) -> None:
    """The target and flags of Neighbor Solicitation and Advertisement, and each
    link-layer address option ("from", "is at", an EUI-64's), as tshark writes them."""
    assert list(packet_lines(analyze(dissect(read_records(_nd_capture(tmp_path)))))) == _ND_TSHARK


@pytest.mark.tshark
def test_neighbour_discovery_info_live(tmp_path: Path, tshark: str) -> None:
    """The recorded lines are what the installed tshark prints."""
    path = _nd_capture(tmp_path)
    assert subprocess.run([tshark, "-n", "-r", str(path)], capture_output=True, check=True).stdout.decode() \
        .splitlines() == _ND_TSHARK
