"""Crafted TLS and DNS-over-TCP exchanges for tests/analysis/test_tls_dns.py, and the
recording of what tshark 4.0.17 prints for them.

    PYTHONPATH=src:tests/golden:tests/views python tests/analysis/tls_dns_craft.py

writes ``tests/data/tls_dns_crafted.txt``: for each exchange of :data:`EXCHANGES`,
``## name list`` and tshark's packet list, then ``## name fields`` and its ``-T fields
-E header=y`` output for ``make_golden_app.APP_FIELDS``.

The exchanges (a handshake, then each step as one segment): ``tls``: a Client Hello with
record version 0x0301 and a server name; a 2.4 kB Server Hello, Certificate and Server
Hello Done record over two segments; Client Key Exchange, Change Cipher Spec and an
encrypted Finished; three Application Data records and the first 1000 bytes of a
3005-byte one; its middle; its rest and 3 bytes of the next header; a plaintext alert;
an unknown content type; an encrypted alert. ``tls-split``: a record header cut after
3 bytes, records completing one another, printable bytes after a record.
``tls-heuristic``: on port 8443, which no dissector claims, binary bytes the TLS
heuristic refuses, then a Client Hello it takes, the conversation TLS from there on
(printable bytes TLS refuses: TCP's line). ``dns``: a
query cut after 1 byte; two queries in one segment; a 60-answer response over three
segments whose last also starts the next; NXDOMAIN, CNAME and AAAA answers; two
responses in one segment. ``dns-fenced``: a response completed in a segment that holds
two more.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from make_golden_app import APP_FIELDS
from tcp_craft import ACK, NS, PSH, SYN, Frame, tcp4, write_pcap

__all__ = ["EXCHANGES", "RECORDED", "recorded", "write_exchange"]

T0 = 1_700_000_000 * NS
RECORDED = Path(__file__).resolve().parents[1] / "data" / "tls_dns_crafted.txt"


def _exchange(port: int, steps: list[tuple[int, bytes]]) -> list[Frame]:
    """A handshake to ``port``, then each step (0: client, 1: server) as one segment."""
    ends = [("10.0.0.1", "10.0.0.2", 40000, port), ("10.0.0.2", "10.0.0.1", port, 40000)]
    nxt = [1001, 5001]
    frames = [Frame(T0, tcp4(*ends[0], 1000, flags=SYN)),
              Frame(T0 + 10_000_000, tcp4(*ends[1], 5000, ack=1001, flags=SYN | ACK)),
              Frame(T0 + 20_000_000, tcp4(*ends[0], 1001, ack=5001))]
    for k, (d, payload) in enumerate(steps):
        frames.append(Frame(T0 + (k + 3) * 10_000_000, tcp4(*ends[d], nxt[d], ack=nxt[1 - d], flags=PSH | ACK,
                                                             payload=payload)))
        nxt[d] += len(payload)
    return frames


def _rec(ct: int, body: bytes, version: int = 0x0303) -> bytes:
    return bytes([ct]) + version.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def _hs(hs_type: int, body: bytes) -> bytes:
    return bytes([hs_type]) + len(body).to_bytes(3, "big") + body


def _client_hello(host: bytes) -> bytes:
    sni = len(host).to_bytes(2, "big") + host
    ext = b"\x00\x00" + (len(sni) + 3).to_bytes(2, "big") + (len(sni) + 1).to_bytes(2, "big") + b"\x00" + sni
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + len(ext).to_bytes(2, "big") + ext
    return _rec(22, _hs(1, body), 0x0301)


def _tls() -> list[tuple[int, bytes]]:
    hello = (_hs(2, b"\x03\x03" + bytes(32) + b"\x00\x13\x01\x00\x00\x00") + _hs(11, b"\x01" * 2400) + _hs(14, b""))
    server = _rec(22, hello)
    big = _rec(23, b"\xaa" * 3000)
    nxt = _rec(23, b"z" * 20)
    return [(0, _client_hello(b"example.org")), (1, server[:1400]), (1, server[1400:]),
            (0, _rec(22, _hs(16, b"\x05" * 30)) + _rec(20, b"\x01") + _rec(22, bytes(40))),
            (1, _rec(20, b"\x01") + _rec(22, bytes(40))),
            (1, _rec(23, b"a" * 100) * 3 + big[:1000]), (1, big[1000:2400]), (1, big[2400:] + nxt[:3]),
            (1, nxt[3:]), (1, _rec(21, b"\x01\x00")), (1, b"\x63\x03\x03\x00\x02ab"), (0, _rec(21, b"\x99" * 26))]


def _tls_split() -> list[tuple[int, bytes]]:
    rec = _rec(23, b"q" * 50)
    return [(0, rec[:3]), (0, rec[3:20]), (0, rec[20:] + rec + rec[:2]), (0, rec[2:] + b"GET / HTTP/1.1\r\n\r\n")]


def _tls_heuristic() -> list[tuple[int, bytes]]:
    hello = _rec(22, _hs(2, b"\x03\x03" + bytes(32) + b"\x00\x13\x01\x00\x00\x00"))
    return [(0, bytes(range(6))), (0, _client_hello(b"heur.example")), (1, hello[:30]),
            (1, hello[30:] + _rec(23, b"x" * 40)), (0, b"hello world\r\n")]


def _name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"


def _query(ident: int, name: str, qtype: int = 1) -> bytes:
    return _tcp(ident.to_bytes(2, "big") + bytes.fromhex("01000001000000000000") + _name(name)
                + qtype.to_bytes(2, "big") + b"\x00\x01")


def _response(ident: int, name: str, answers: list[bytes], rcode: int = 0) -> bytes:
    head = ident.to_bytes(2, "big") + (0x8180 | rcode).to_bytes(2, "big") + b"\x00\x01"
    head += len(answers).to_bytes(2, "big") + bytes(4)
    return _tcp(head + _name(name) + b"\x00\x01\x00\x01" + b"".join(answers))


def _a(ip: str) -> bytes:
    return bytes.fromhex("c00c00010001") + (300).to_bytes(4, "big") + b"\x00\x04" + bytes(int(x) for x in ip.split("."))


_AAAA = bytes.fromhex("c00c001c00010000003c0010") + bytes(range(16))
_CNAME = bytes.fromhex("c00c000500010000003c0002c00c")


def _tcp(message: bytes) -> bytes:
    return len(message).to_bytes(2, "big") + message


def _dns() -> list[tuple[int, bytes]]:
    q1 = _query(0x1111, "example.com")
    big = _response(0x4444, "big.example.com", [_a("5.6.7.8")] * 60)
    nxt = _response(0x5555, "x.example.com", [_a("9.9.9.9")])
    return [(0, q1[:1]), (0, q1[1:]), (0, _query(0x2222, "a.example.com") + _query(0x3333, "b.example.com", 28)),
            (1, big[:500]), (1, big[500:900]), (1, big[900:] + nxt[:10]), (1, nxt[10:]),
            (1, _response(0x6666, "n.example.com", [], 3)), (1, _response(0x7777, "c.example.com", [_CNAME, _AAAA])),
            (1, _response(0x7778, "d.example.com", [_a("1.1.1.1")])
             + _response(0x7779, "e.example.com", [_a("2.2.2.2")]))]


def _dns_fenced() -> list[tuple[int, bytes]]:
    r1, r2, r3 = (_response(0x8881 + i, f"{c}.example.com", [_a(f"{i + 3}.3.3.3")]) for i, c in enumerate("fgh"))
    return [(1, r1[:5]), (1, r1[5:] + r2 + r3), (1, r1[:1]), (1, r1[1:])]


#: name: (port, steps)
EXCHANGES = {"tls": (443, _tls()), "tls-split": (8883, _tls_split()), "tls-heuristic": (8443, _tls_heuristic()),
             "dns": (53, _dns()), "dns-fenced": (53, _dns_fenced())}


def write_exchange(name: str, path: Path) -> Path:
    port, steps = EXCHANGES[name]
    return write_pcap(path, _exchange(port, steps))


def recorded() -> dict[tuple[str, str], list[str]]:
    """The recorded outputs: (exchange, "list" | "fields") -> lines."""
    out: dict[tuple[str, str], list[str]] = {}
    key: tuple[str, str] | None = None
    for line in RECORDED.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            name, kind = line[3:].split()
            key = (name, kind)
            out[key] = []
        elif key is not None:
            out[key].append(line)
    return out


def tshark_outputs(tshark: str, path: Path) -> tuple[list[str], list[str]]:
    """tshark's packet list and fields of a capture."""
    listing = subprocess.run([tshark, "-r", str(path)], capture_output=True, check=True).stdout.decode()
    args = [a for f in APP_FIELDS for a in ("-e", f)]
    fields = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-E", "header=y", *args],
                            capture_output=True, check=True).stdout.decode()
    return listing.splitlines(), fields.splitlines()


def main() -> int:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("tls_dns_craft: tshark is not installed", file=sys.stderr)
        return 2
    text = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in EXCHANGES:
            listing, fields = tshark_outputs(tshark, write_exchange(name, Path(tmp) / f"{name}.pcap"))
            text += [f"## {name} list", *listing, f"## {name} fields", *fields]
    RECORDED.write_text("\n".join(text) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
