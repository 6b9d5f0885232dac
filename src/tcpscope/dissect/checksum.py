"""TCP checksum verification (tshark's ``tcp.check_checksum`` preference, off by default).

RFC 793 / RFC 9293 §3.1: the checksum is the 16-bit ones' complement of the ones'
complement sum of the segment's 16-bit words (an odd last byte padded with a zero byte)
and of a pseudo-header: for IPv4 the source and destination addresses, the protocol (6)
and the TCP length (RFC 9293 §3.1); for IPv6 (RFC 8200 §8.1) the source and the final
destination, the upper-layer length as 32 bits and the next header (6). A segment whose
sum including its checksum is 0xFFFF is Good (``tcp.checksum.status`` 1), any other Bad
(0). tshark verifies only a segment captured whole (in the capture's bytes or in a reassembled
IPv4 datagram's) under an IP header: any other stays Unverified (2), the column's value
when the preference is off. A segment shorter than its own header (no ``tcp.len``) stays
Unverified here, where tshark sums the bytes IP reports (docs/deviations.md).

The sums are vectorized: a segment's sum is 256 times its bytes at even offsets from its
start plus its bytes at odd offsets, which two prefix sums of the piece's bytes (one per
byte parity) give for every segment at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from tcpscope.table.packets import PacketTable

__all__ = ["BAD", "GOOD", "UNVERIFIED", "tcp_checksum_status", "with_verified_checksums"]

#: tcp.checksum.status values (proto_checksum_vals)
BAD, GOOD, UNVERIFIED = 0, 1, 2


def _fold(total: NDArray[np.int64]) -> NDArray[np.int64]:
    """A ones' complement sum folded to 16 bits (carries added back in)."""
    for _ in range(4):  # an int64 sum of at most 2**47 folds to 16 bits in four steps
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _word_sum(addresses: NDArray[np.generic]) -> NDArray[np.int64]:
    """The sum of the 16-bit big-endian words of each address: a uint32 IPv4 address or a
    row of 16 bytes of an IPv6 one."""
    a = np.asarray(addresses)
    if a.ndim == 1:
        v = a.astype(np.int64)
        return (v >> 16) + (v & 0xFFFF)
    b = a.astype(np.int64).reshape(a.shape[0], -1)
    words: NDArray[np.int64] = (b[:, 0::2] << 8).sum(axis=1) + b[:, 1::2].sum(axis=1)
    return words


def _pseudo_header_sums(table: PacketTable, pkt: NDArray[np.int64], depth: NDArray[np.int64],
                        tcp_length: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """For each TCP row (frame ``pkt``, ``depth``): the sum of its pseudo-header, from the
    innermost IPv4 or IPv6 row above it in the same frame, and whether it has one."""
    keys, sums = [], []
    for name, dst_col in (("ip", "dst"), ("ipv6", "dst_eff")):
        ip = table.layer(name)
        if len(ip) == 0:
            continue
        dst = ip.cols[dst_col] if dst_col in ip.cols else ip.cols["dst"]
        keys.append(ip.pkt.astype(np.int64) * 65536 + ip.depth.astype(np.int64))
        sums.append(_word_sum(ip.cols["src"]) + _word_sum(dst))
    out = np.zeros(pkt.shape[0], dtype=np.int64)
    if not keys:
        return out, np.zeros(pkt.shape[0], dtype=np.bool_)
    key, addr = np.concatenate(keys), np.concatenate(sums)
    order = np.argsort(key, kind="stable")
    key, addr = key[order], addr[order]
    at = np.searchsorted(key, pkt * 65536 + depth, side="left") - 1
    found = at >= 0
    found[found] = key[at[found]] >> 16 == pkt[found]
    out[found] = addr[at[found]]
    # the protocol (6) and the length: as a 16-bit word (IPv4) or 32 bits (IPv6), whose
    # words sum alike for a length under 65536 and add the high word otherwise
    out += 6 + (tcp_length & 0xFFFF) + (tcp_length >> 16)
    return out, found


def _segment_sums(data: NDArray[np.uint8], start: NDArray[np.int64], end: NDArray[np.int64]) -> NDArray[np.int64]:
    """The (unfolded) sums of the 16-bit big-endian words of ``data[start:end]`` for each
    segment: its bytes at even offsets from its start weigh 256, those at odd offsets 1."""
    values = data.astype(np.int64)
    odd_position = (np.arange(values.shape[0]) & 1) == 1
    even = np.zeros(values.shape[0] + 1, dtype=np.int64)
    odd = np.zeros(values.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.where(odd_position, 0, values), out=even[1:])
    np.cumsum(np.where(odd_position, values, 0), out=odd[1:])
    by_even = even[end] - even[start]
    by_odd = odd[end] - odd[start]
    starts_odd = (start & 1) == 1
    high = np.where(starts_odd, by_odd, by_even)
    low = np.where(starts_odd, by_even, by_odd)
    sums: NDArray[np.int64] = (high << 8) + low
    return sums


def tcp_checksum_status(table: PacketTable) -> tuple[NDArray[np.int8], NDArray[np.int64]]:
    """``tcp.checksum.status`` of each row of the ``tcp`` layer (see the module docstring),
    and the checksum the segment should have (where verified)."""
    tcp = table.layer("tcp")
    n = len(tcp)
    status = np.full(n, UNVERIFIED, dtype=np.int8)
    should = np.zeros(n, dtype=np.int64)
    if n == 0:
        return status, should
    c = tcp.cols
    seglen = np.asarray(c["len"], dtype=np.int64)
    hlen = np.asarray(c["hdr_len"], dtype=np.int64)
    whole = (np.asarray(c["reach"], dtype=np.int64) >= 4) & ~np.asarray(c["bogus_hlen"], dtype=np.bool_)
    whole &= np.asarray(c["has_len"], dtype=np.bool_) & (np.asarray(c["payload_cap"], dtype=np.int64) >= seglen)
    whole &= np.asarray(c["opt_cap"], dtype=np.int64) >= hlen - 20  # the options too
    rows = np.flatnonzero(whole)
    if rows.shape[0] == 0:
        return status, should
    length = hlen[rows] + seglen[rows]
    pseudo, has_ip = _pseudo_header_sums(table, tcp.pkt[rows].astype(np.int64),
                                         tcp.depth[rows].astype(np.int64), length)
    start = np.asarray(c["hdr_off"], dtype=np.int64)[rows]
    buf = np.asarray(c["_buf"], dtype=np.int64)[rows]
    words = np.zeros(rows.shape[0], dtype=np.int64)
    for b in np.unique(buf):
        here = buf == b
        data = table.data if b == 0 else table.buffers[int(b)]
        words[here] = _segment_sums(data, start[here], start[here] + length[here])
    total = _fold(pseudo + words)
    status[rows] = np.where(has_ip, np.where(total == 0xFFFF, GOOD, BAD), UNVERIFIED)
    # the sum without the checksum word, complemented: what the checksum should be
    sent = np.asarray(c["checksum"], dtype=np.int64)[rows]
    should[rows] = ~_fold(pseudo + words - sent) & 0xFFFF
    return status, should


def with_verified_checksums(table: PacketTable) -> PacketTable:
    """The table with each segment's ``checksum_status`` verified (and the checksum it
    should have, ``checksum_calculated``) and, for a bad one,
    tshark's expert item "Bad checksum [should be 0x....]" (an error) in its TCP header."""
    from dataclasses import replace

    from tcpscope.dissect.experts import EXPERT_CODE, SLOT
    from tcpscope.table.layers import Layer

    tcp = table.layer("tcp")
    if len(tcp) == 0:
        return table
    status, should = tcp_checksum_status(table)
    layer: Layer = replace(tcp, cols={**tcp.cols, "checksum_status": status,
                                      "checksum_calculated": should.astype(np.uint16)})
    table = table.with_layer(layer)
    bad = np.flatnonzero(status == BAD)
    if bad.shape[0] == 0:
        return table
    code = EXPERT_CODE["tcp.checksum_bad.expert"]
    expert = table.layers.get("_expert")
    old = {"code": np.zeros(0, np.int32), "arg": np.zeros(0, np.int64), "arg2": np.zeros(0, np.int64),
           "slot": np.zeros(0, np.int32)} if expert is None or len(expert) == 0 else expert.cols
    pkt = np.concatenate([expert.pkt if expert is not None else np.zeros(0, np.int64), tcp.pkt[bad]])
    depth = np.concatenate([expert.depth if expert is not None else np.zeros(0, np.int16), tcp.depth[bad]])
    cols = {"code": np.concatenate([old["code"], np.full(bad.shape[0], code, np.int32)]),
            "arg": np.concatenate([old["arg"], should[bad]]),
            "arg2": np.concatenate([old["arg2"], np.zeros(bad.shape[0], np.int64)]),
            "slot": np.concatenate([old["slot"], np.full(bad.shape[0], SLOT[code], np.int32)])}
    order = np.lexsort((cols["slot"], depth, pkt))
    merged = Layer("_expert", pkt[order], depth[order], np.ones(pkt.shape[0], np.int32),
                   {k: v[order] for k, v in cols.items()})
    return table.with_layer(merged)
