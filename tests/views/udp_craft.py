"""A small capture of UDP conversations built in the tests (raw IPv4 and IPv6 frames):
conversations that interleave and come back, both directions, empty datagrams, a length
under 8, a header cut short, a datagram whose length runs past the IP payload, and time
stamps that go back."""

from __future__ import annotations

import random
import socket
import struct
from pathlib import Path

from tcp_craft import NS, Frame, write_pcap

__all__ = ["PORTS", "udp4", "udp_capture"]


def udp4(src: str, dst: str, ports: tuple[int, int], payload: bytes, ulen: int | None = None) -> bytes:
    """An IPv4 packet carrying one UDP datagram; ``ulen``: its length field, if not the true one."""
    udp = struct.pack("!HHHH", *ports, 8 + len(payload) if ulen is None else ulen, 0x1234) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + udp


def _udp6(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0x1234) + payload
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64, socket.inet_pton(socket.AF_INET6, src),
                     socket.inet_pton(socket.AF_INET6, dst))
    return ip + udp


#: The ports drawn by default: DNS's, NTP's and others no dissector takes.
PORTS = ((53, 123, 5000, 40000), (53, 5001, 40001))


def udp_capture(path: Path, n: int = 400, seed: int = 5, ports: tuple[tuple[int, ...], tuple[int, ...]] = PORTS,
                ) -> Path:
    """``n`` frames of a few dozen UDP conversations, drawn from ``seed`` (module docstring),
    between a port of ``ports[0]`` and one of ``ports[1]``; a tenth of the IPv4 checksums zero."""
    rnd = random.Random(seed)
    hosts4 = ["10.0.0.1", "10.0.0.2", "192.168.1.9"]
    hosts6 = ["2001:db8::1", "2001:db8::2"]
    frames = []
    t = 1_700_000_000 * NS
    for _ in range(n):
        t += rnd.choice([0, 1, 1000, 250_000, 3 * NS]) if rnd.random() > 0.05 else -rnd.randrange(1, NS)
        payload = b"" if rnd.random() < 0.2 else bytes(rnd.randrange(1, 40))
        sport, dport = rnd.choice(ports[0]), rnd.choice(ports[1])
        if rnd.random() < 0.5:
            sport, dport = dport, sport
        kind = rnd.random()
        if kind < 0.25:
            a, b = rnd.sample(hosts6, 2)
            data = _udp6(a, b, sport, dport, payload)
        else:
            a, b = rnd.sample(hosts4, 2)
            ulen = None
            if kind < 0.28:
                ulen = rnd.choice([0, 7])  # bogus: no conversation
            elif kind < 0.30:
                ulen = 8 + len(payload) + 10  # past the IP payload: still a conversation
            elif kind < 0.31:
                ulen = 8  # says empty, carries bytes
            data = udp4(a, b, (sport, dport), payload, ulen)
            if rnd.random() < 0.1:
                data = data[:26] + b"\0\0" + data[28:]
        wire = None
        if kind > 0.99:
            data, wire = data[:20 + 6], len(data)  # the header cut before its checksum (a snapshot length)
        frames.append(Frame(t, data, wire))
    return write_pcap(path, frames)
