"""Accurate ECN (draft-ietf-tcpm-accurate-ecn): when tshark shows ``tcp.flags.ace``.

packet-tcp.c decodes AE, CWR and ECE of a non-SYN segment as the 3-bit ACE counter once
the connection had an AccECN setup SYN (AE, CWR and ECE set) and SYN/ACK (CWR without AE,
or AE without ECE), or once an AccECN option (kinds 172 and 174) was read in it: the option
counts from the next segment on. ``craft-tcp-accecn``:

* port 41001 (to 45678, no application dissector): AccECN handshake, then segments with ACE 0 to 7 and a FIN;
* port 41002: a plain handshake, then an AccECN option (order 0), then ACE segments;
* port 41003: classic ECN (RFC 3168: SYN with ECE and CWR, SYN/ACK with ECE): no ACE;
* port 41004: AccECN SYN answered by a classic SYN/ACK (ECE only): no ACE;
* port 41005: a capture that starts after the handshake, with an order-1 option.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TypedDict, Unpack

from craft import V4_A, V4_B, eth, frames, ip4, pcap_bytes, tcp

__all__ = ["make"]

SYN, ACK, PSH, FIN, ECE, CWR, AE = 0x02, 0x10, 0x08, 0x01, 0x40, 0x80, 0x100


class _SegmentExtras(TypedDict, total=False):
    options: bytes  #: TCP options, none by default
    reverse: bool  #: from the server (port 45678) to the client, False


def _seg(sport: int, flags: int, seq: int, ack: int, payload: bytes = b"", **extras: Unpack[_SegmentExtras]) -> bytes:
    reverse = extras.get("reverse", False)
    src, dst = (V4_B, V4_A) if reverse else (V4_A, V4_B)
    a, b = (45678, sport) if reverse else (sport, 45678)
    return eth(ip4(tcp(payload, sport=a, dport=b, seq=seq, ack=ack, flags=flags, options=extras.get("options", b""),
                       pseudo=(src, dst, 4)), src=src, dst=dst))


def _acc_option(kind: int, a: int, b: int, c: int) -> bytes:
    return bytes([kind, 11]) + b"".join(struct.pack("!I", v)[1:] for v in (a, b, c)) + b"\x01"


def _connection(sport: int, syn_flags: int, synack_flags: int, option: bytes = b"") -> list[bytes]:
    c, s = 1000, 5000
    out = [_seg(sport, syn_flags, c, 0), _seg(sport, synack_flags, s, c + 1, reverse=True),
           _seg(sport, ACK | AE | ECE, c + 1, s + 1)]
    if option:
        out.append(_seg(sport, ACK | PSH, c + 1, s + 1, b"x" * 10, options=option))
        c += 10
    for ace in range(8):
        flags = ACK | (AE if ace & 4 else 0) | (CWR if ace & 2 else 0) | (ECE if ace & 1 else 0)
        out.append(_seg(sport, flags | PSH, c + 1 + 10 * ace, s + 1, b"y" * 10))
        out.append(_seg(sport, flags, s + 1, c + 11 + 10 * ace, reverse=True))
    out.append(_seg(sport, FIN | ACK | CWR, c + 81, s + 1))
    return out


def accecn_frames() -> list[bytes]:
    out = _connection(41001, SYN | AE | CWR | ECE, SYN | ACK | CWR)
    out += _connection(41002, SYN, SYN | ACK, _acc_option(172, 1, 2, 3))
    out += _connection(41003, SYN | CWR | ECE, SYN | ACK | ECE)
    out += _connection(41004, SYN | AE | CWR | ECE, SYN | ACK | ECE)
    late = _connection(41005, SYN, SYN | ACK, _acc_option(174, 4, 5, 6))
    return out + late[2:]


def make(captures: Path) -> list[Path]:
    p = captures / "craft-tcp-accecn.pcap"
    p.write_bytes(pcap_bytes(frames(accecn_frames()), 1))
    return [p]
