"""A capture whose HTTP carries markup and script, for the page to show as text (issue 21).

Made here, byte for byte, by :func:`write_xss_capture` (no traffic was recorded): one TCP
connection from 10.66.0.1:51000 to 10.66.0.2:80 on Ethernet, its handshake, a GET whose
URI holds a ``<script>`` element and whose Referer is a ``javascript:`` URI, a response
whose body holds an ``<img onerror=...>``, a ``javascript:`` link and a ``<script>``, and
the close. Each script would set ``window.xss`` if the page ever ran it.
"""

from __future__ import annotations

import struct
from pathlib import Path

__all__ = ["MARKUP", "write_xss_capture"]

REQUEST = (b"GET /search?q=<script>window.xss=1</script> HTTP/1.1\r\n"
           b"Host: <b>bold</b>.example\r\n"
           b"Referer: javascript:window.xss=2\r\n\r\n")
BODY = (b'<html><body><img src=x onerror="window.xss=3"><a href="javascript:window.xss=4">click</a>'
        b"<script>window.xss=5</script></body></html>")
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + str(len(BODY)).encode()
            + b"\r\n\r\n" + BODY)
#: Texts the page must show literally.
MARKUP = ("<script>window.xss=1</script>", 'onerror="window.xss=3"', "javascript:window.xss=2")

_CLIENT, _SERVER = bytes([10, 66, 0, 1]), bytes([10, 66, 0, 2])
_SYN, _FIN, _PSH, _ACK = 0x02, 0x01, 0x08, 0x10


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _frame(client: bool, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    src, dst = (_CLIENT, _SERVER) if client else (_SERVER, _CLIENT)
    sport, dport = (51000, 80) if client else (80, 51000)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    macs = (b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01") if client else (b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02")
    return macs + b"\x08\x00" + ip + tcp


def write_xss_capture(path: Path) -> Path:
    """Write the capture (pcap, microseconds, Ethernet) to ``path``."""
    c, s = 1000, 5000
    frames = [
        _frame(True, c, 0, _SYN),
        _frame(False, s, c + 1, _SYN | _ACK),
        _frame(True, c + 1, s + 1, _ACK),
        _frame(True, c + 1, s + 1, _PSH | _ACK, REQUEST),
        _frame(False, s + 1, c + 1 + len(REQUEST), _PSH | _ACK, RESPONSE),
        _frame(True, c + 1 + len(REQUEST), s + 1 + len(RESPONSE), _FIN | _ACK),
        _frame(False, s + 1 + len(RESPONSE), c + 2 + len(REQUEST), _FIN | _ACK),
        _frame(True, c + 2 + len(REQUEST), s + 2 + len(RESPONSE), _ACK),
    ]
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, data in enumerate(frames):
        out.append(struct.pack("<IIII", 1_800_000_000, 1000 * i, len(data), len(data)) + data)
    path.write_bytes(b"".join(out))
    return path
