"""A pcap stream of many short TCP connections, one packet every millisecond, any length.

    python bench/short_connections.py PACKETS [OUT]     # OUT: a file, or - (default) for stdout

One client (10.1.0.1) opens connection after connection to one server (10.2.0.1:80),
each of ten packets: the three-way handshake, a 40-byte request and its ACK, a 120-byte
response and its ACK, then FIN/ACK from each side and the last ACK. The client takes
its ports in turn from Linux's ephemeral range (32768-60999), so a port comes back
every 28,232 connections (282 s of capture time) with a new initial sequence number:
tshark and tcpscope start a new ``tcp.stream`` on it ("[TCP Port numbers reused]").
Packets are 1 ms apart (``--gap-us``); ``--ports`` uses fewer ports. Written with numpy a block of connections at a
time (Ethernet, IPv4 with correct header checksums, TCP without options, checksum 0):
8 million packets take seconds, and the same arguments always give the same bytes.
Used by ``stream_memory.py`` and by tests/analysis/test_retire.py.
"""

from __future__ import annotations

import argparse
import sys
from typing import BinaryIO

import numpy as np

CLIENT, SERVER = 0x0A010001, 0x0A020001
SERVER_PORT = 80
EPHEMERAL_FIRST, EPHEMERAL_COUNT = 32768, 60999 - 32768 + 1
REQUEST, RESPONSE = 40, 120
FIN, SYN, PSH, ACK = 0x01, 0x02, 0x08, 0x10
#: The ten packets of a connection: (from the client?, flags, payload length,
#: sequence number and acknowledgment number as offsets from the sender's and the
#: receiver's initial sequence numbers; no ack offset: the ACK flag is clear).
PACKETS: tuple[tuple[bool, int, int, int, int | None], ...] = (
    (True, SYN, 0, 0, None),
    (False, SYN | ACK, 0, 0, 1),
    (True, ACK, 0, 1, 1),
    (True, PSH | ACK, REQUEST, 1, 1),
    (False, ACK, 0, 1, 1 + REQUEST),
    (False, PSH | ACK, RESPONSE, 1, 1 + REQUEST),
    (True, ACK, 0, 1 + REQUEST, 1 + RESPONSE),
    (True, FIN | ACK, 0, 1 + REQUEST, 1 + RESPONSE),
    (False, FIN | ACK, 0, 1 + RESPONSE, 2 + REQUEST),
    (True, ACK, 0, 2 + REQUEST, 2 + RESPONSE),
)
PER_CONNECTION = len(PACKETS)
HEADERS = 16 + 14 + 20 + 20  # pcap record, Ethernet, IPv4, TCP
BLOCK = 50_000  # connections built at once


def _put(rows: np.ndarray, at: int, size: int, values: np.ndarray | int) -> None:
    """Write ``values`` big-endian into bytes ``at``..``at + size`` of every row."""
    v = np.asarray(values, dtype=np.int64)
    for k in range(size):
        rows[:, at + k] = (v >> (8 * (size - 1 - k))) & 0xFF


def _put_le(rows: np.ndarray, at: int, values: np.ndarray | int) -> None:
    """Write ``values`` as little-endian 32-bit numbers (pcap record headers)."""
    v = np.asarray(values, dtype=np.int64)
    for k in range(4):
        rows[:, at + k] = (v >> (8 * k)) & 0xFF


def _ip_checksum(header: np.ndarray) -> int:
    words = header[0::2].astype(np.int64) * 256 + header[1::2]
    s = int(words.sum())
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _template(from_client: bool, flags: int, payload: int) -> np.ndarray:
    """One packet with what every connection shares (pcap header without time stamp)."""
    length = 14 + 20 + 20 + payload
    row = np.zeros((1, 16 + length), dtype=np.uint8)
    _put_le(row, 8, length)
    _put_le(row, 12, length)
    eth = 16
    row[0, eth:eth + 12] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1] if from_client else [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]
    _put(row, eth + 12, 2, 0x0800)
    ip = eth + 14
    _put(row, ip, 1, 0x45)
    _put(row, ip + 2, 2, 20 + 20 + payload)
    _put(row, ip + 6, 2, 0x4000)  # don't fragment
    _put(row, ip + 8, 1, 64)
    _put(row, ip + 9, 1, 6)
    _put(row, ip + 12, 4, CLIENT if from_client else SERVER)
    _put(row, ip + 16, 4, SERVER if from_client else CLIENT)
    _put(row, ip + 10, 2, _ip_checksum(row[0, ip:ip + 20]))
    tcp = ip + 20
    _put(row, tcp + 12, 1, 5 << 4)
    _put(row, tcp + 13, 1, flags)
    _put(row, tcp + 14, 2, 64240)
    row[0, tcp + 20:] = 0x61  # payload: "aaa..."
    return row


def _block(first_conn: int, count: int, gap_us: int, ports: int) -> np.ndarray:
    """``count`` connections from connection number ``first_conn``, as pcap records (one
    row of bytes per connection)."""
    conn = np.arange(first_conn, first_conn + count, dtype=np.int64)
    port = EPHEMERAL_FIRST + conn % ports
    # initial sequence numbers: distinct for every connection (an odd multiplier mod 2^32)
    isn_client = (conn * 2654435761 + 1) & 0xFFFFFFFF
    isn_server = (conn * 2246822519 + 7) & 0xFFFFFFFF
    parts = []
    for k, (from_client, flags, payload, seq_off, ack_off) in enumerate(PACKETS):
        rows = np.repeat(_template(from_client, flags, payload), count, axis=0)
        micros = (conn * PER_CONNECTION + k) * gap_us
        _put_le(rows, 0, micros // 1_000_000)
        _put_le(rows, 4, micros % 1_000_000)
        tcp = 16 + 14 + 20
        own, peer = (isn_client, isn_server) if from_client else (isn_server, isn_client)
        _put(rows, tcp, 2, port if from_client else SERVER_PORT)
        _put(rows, tcp + 2, 2, SERVER_PORT if from_client else port)
        _put(rows, tcp + 4, 4, (own + seq_off) & 0xFFFFFFFF)
        _put(rows, tcp + 8, 4, 0 if ack_off is None else (peer + ack_off) & 0xFFFFFFFF)
        parts.append(rows)
    out: np.ndarray = np.concatenate(parts, axis=1)
    return out


def write(out: BinaryIO, packets: int, gap_us: int = 1000, ports: int = EPHEMERAL_COUNT) -> None:
    """Write a pcap of ``packets`` packets (see the module docstring) to ``out``; the
    client's ports come back every ``ports`` connections."""
    out.write(_global_header())
    conns = -(-packets // PER_CONNECTION)
    left = packets
    for first in range(0, conns, BLOCK):
        rows = _block(first, min(BLOCK, conns - first), gap_us, ports)
        if left >= rows.shape[0] * PER_CONNECTION:
            out.write(rows.tobytes())
            left -= rows.shape[0] * PER_CONNECTION
            continue
        # the last connection may be cut short: the first ``left`` packets
        data = rows.tobytes()
        ends = np.cumsum([HEADERS + p[2] for p in PACKETS] * rows.shape[0])
        out.write(data[: int(ends[left - 1])] if left else b"")
        left = 0


def _global_header() -> bytes:
    """The pcap file header: microsecond time stamps, snap length 65535, Ethernet."""
    return (np.array([0xA1B2C3D4], dtype="<u4").tobytes() + np.array([2, 4], dtype="<u2").tobytes()
            + np.array([0, 0, 65535, 1], dtype="<u4").tobytes())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packets", type=int)
    parser.add_argument("out", nargs="?", default="-")
    parser.add_argument("--gap-us", type=int, default=1000, help="microseconds between packets (default 1000)")
    parser.add_argument("--ports", type=int, default=EPHEMERAL_COUNT,
                        help=f"client ports used in turn (default {EPHEMERAL_COUNT})")
    args = parser.parse_args(argv)
    if args.out == "-":
        write(sys.stdout.buffer, args.packets, args.gap_us, args.ports)
    else:
        with open(args.out, "wb") as fh:
            write(fh, args.packets, args.gap_us, args.ports)


if __name__ == "__main__":
    main()
