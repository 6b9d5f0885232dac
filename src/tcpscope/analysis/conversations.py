"""Which TCP headers belong together: the conversation key and direction of every segment.

Wireshark keys a TCP conversation by the unordered pair of endpoints (address and
port); within it, ``get_tcp_conversation_data`` (packet-tcp.c) calls the side whose
address compares greater (``cmp_address``: address type, then length, then bytes; on a
tie the greater port) flow 1 and the other flow 2. This module computes, for every
row of the ``tcp`` layer, a dense key id shared by both directions and that flow
number, with whole-array operations. Which conversation (``tcp.stream``) a key maps to
at a given frame depends on port reuse, decided by the sequential kernel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tcpscope._jit import compiles
from tcpscope._types import Array, Index
from tcpscope.analysis.keys import V6_BASE, IdTable, KeyIds
from tcpscope.table.packets import PacketTable

__all__ = ["AT_IPV4", "AT_IPV6", "SegmentKeys", "endpoint_pairs", "endpoints_of", "segment_keys"]

# address types as Wireshark orders them (AT_IPv4 = 2 < AT_IPv6 = 3 in epan/address.h)
AT_IPV4, AT_IPV6 = 2, 3


@dataclass(frozen=True, slots=True)
class SegmentKeys:
    """For each ``tcp`` row: its conversation key id, its flow (0 = flow 1, 1 = flow 2),
    and its addresses (type + 16 bytes, IPv4 in the first 4) for the views."""

    key: Index
    flow: Array
    src: Array
    dst: Array
    atype: Array
    ip_row: Index


#: The IP headers of a table (any version), as parallel parts: frame, depth in the
#: frame, source and destination (16 bytes each) and address type.
_IpParts = tuple[Index, Array, Array, Array, Array]


def _ip_parts(table: PacketTable) -> list[_IpParts]:
    """The IPv4 and IPv6 headers whose addresses were captured, one part per version."""
    ip4 = table.layer("ip")
    ip6 = table.layer("ipv6")
    parts: list[_IpParts] = []
    if len(ip4):
        ok = np.asarray(ip4.cols["reach"]) >= 11
        pkt = ip4.pkt[ok]
        src = np.zeros((pkt.shape[0], 16), dtype=np.uint8)
        dst = np.zeros((pkt.shape[0], 16), dtype=np.uint8)
        src[:, :4] = ip4.cols["src"][ok].astype(">u4").view(np.uint8).reshape(-1, 4)
        dst[:, :4] = ip4.cols["dst"][ok].astype(">u4").view(np.uint8).reshape(-1, 4)
        parts.append((pkt, ip4.depth[ok], src, dst, np.full(pkt.shape[0], AT_IPV4, dtype=np.int8)))
    if len(ip6):
        ok = np.asarray(ip6.cols["reach"]) >= 7
        parts.append((ip6.pkt[ok], ip6.depth[ok], np.asarray(ip6.cols["src"])[ok],
                      np.asarray(ip6.cols.get("dst_eff", ip6.cols["dst"]))[ok],
                      np.full(int(ok.sum()), AT_IPV6, dtype=np.int8)))
    return parts


def _joined(parts: list[_IpParts], k: int) -> Array:
    """Column ``k`` of every part, end to end (the part itself when there is one)."""
    return parts[0][k] if len(parts) == 1 else np.concatenate([p[k] for p in parts])


def _enclosing_ip(table: PacketTable, layer: str) -> tuple[Array, Array, Array, Index]:
    """Source, destination (16 bytes each) and address type of the IP header around each
    row of ``layer`` (TCP or UDP), and that header's row among the parts of
    :func:`_ip_parts` (-1: none)."""
    tcp = table.layer(layer)
    m = len(tcp)
    parts = _ip_parts(table)
    src_out = np.zeros((m, 16), dtype=np.uint8)
    dst_out = np.zeros((m, 16), dtype=np.uint8)
    type_out = np.zeros(m, dtype=np.int8)
    row_out = np.full(m, -1, dtype=np.int64)
    if not parts or m == 0:
        return src_out, dst_out, type_out, row_out
    all_pkt = _joined(parts, 0)
    if all_pkt.shape[0] < 2 or int(np.bincount(all_pkt, minlength=table.n).max()) <= 1:
        # at most one IP header a frame (the usual case): index the headers by frame
        at = np.full(table.n, -1, dtype=np.int64)
        at[all_pkt] = np.arange(all_pkt.shape[0])
        j = at[tcp.pkt]
        ok = (j >= 0) & (_joined(parts, 1)[np.maximum(j, 0)] < tcp.depth)
        jj = j[ok]
    else:
        # several: the last IP header before the TCP header in the same frame
        depth = _joined(parts, 1).astype(np.int64)
        order = np.lexsort((depth, all_pkt))
        pkt = all_pkt[order]
        combined = pkt * 65536 + depth[order]
        want = tcp.pkt * 65536 + tcp.depth.astype(np.int64)
        j = np.searchsorted(combined, want, side="left") - 1
        ok = (j >= 0) & (pkt[np.maximum(j, 0)] == tcp.pkt)
        jj = order[j[ok]]
    src_out[ok] = _joined(parts, 2)[jj]
    dst_out[ok] = _joined(parts, 3)[jj]
    type_out[ok] = _joined(parts, 4)[jj]
    row_out[ok] = jj
    return src_out, dst_out, type_out, row_out


def _lex_ids(cols: list[Array]) -> Index:
    """Dense ids of equal rows across several equal-length columns (like a multi-column unique)."""
    m = cols[0].shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort(tuple(reversed(cols)))
    diff = np.zeros(m, dtype=np.bool_)
    for c in cols:
        s = c[order]
        diff[1:] |= s[1:] != s[:-1]
    ids_sorted = np.cumsum(diff)
    ids = np.empty(m, dtype=np.int64)
    ids[order] = ids_sorted
    return ids


def _words(addr: Array) -> tuple[Array, Array]:
    """The 16 address bytes of each row as two big-endian unsigned 64-bit words (they compare
    as the bytes do)."""
    w = np.ascontiguousarray(addr).view(">u8").reshape(-1, 2)
    return w[:, 0].astype(np.uint64), w[:, 1].astype(np.uint64)


def _address_ids(atype: Array, src: tuple[Array, Array], dst: tuple[Array, Array],
                 ids: KeyIds | None) -> tuple[Index, Index]:
    """Ids of the source and destination addresses (type, and bytes as :func:`_words`):
    equal ids for equal addresses. An IPv4 address (or none) is its own id: type and the four bytes in one
    number; IPv6 addresses get ids from ``ids`` (kept across calls), or sorted ids."""
    sh, sl = src
    dh, dl = dst
    t = atype.astype(np.int64)
    v4 = (t == AT_IPV4) | (t == 0)
    s_id = (t << 32) | (sh >> np.uint64(32)).astype(np.int64)
    d_id = (t << 32) | (dh >> np.uint64(32)).astype(np.int64)
    if bool(v4.all()):
        return s_id, d_id
    m = t.shape[0]
    six = np.concatenate([~v4, ~v4])
    hi = np.concatenate([sh, dh])[six].astype(np.int64)
    lo = np.concatenate([sl, dl])[six].astype(np.int64)
    got = ids.v6.ids(hi, lo) if ids is not None else _lex_ids([hi, lo])
    both = np.concatenate([s_id, d_id])
    both[six] = V6_BASE + got
    return both[:m], both[m:]


def _pair_ids(a: Index, b: Index, ids: KeyIds | None) -> Index:
    """Dense ids of equal ``(a, b)`` pairs: from ``ids`` (kept across calls), hashed when
    compiled, sorted otherwise."""
    m = int(a.shape[0])
    if ids is not None:
        return ids.pairs.ids(a, b)
    if compiles(m):
        return IdTable().ids(a, b)
    return _lex_ids([a, b])


def endpoint_pairs(table: PacketTable, ids: KeyIds | None = None, layer: str = "tcp",
                   ) -> tuple[Index, Index, SegmentKeys]:
    """Each row's two endpoints (address id and port, as one number each), the lesser
    first, and its :class:`SegmentKeys` without the key (left empty); ``layer``: the
    ``tcp`` or ``udp`` rows."""
    lt = table.layer(layer)
    src, dst, atype, ip_row = _enclosing_ip(table, layer)
    m = len(lt)
    sport = np.asarray(lt.cols["srcport"], dtype=np.int64) if m else np.zeros(0, np.int64)
    dport = np.asarray(lt.cols["dstport"], dtype=np.int64) if m else np.zeros(0, np.int64)
    lo, hi, flow = endpoints_of(_words(src), _words(dst), atype, sport, dport, ids)
    found = SegmentKeys(key=np.zeros(0, dtype=np.int64), flow=flow, src=src, dst=dst, atype=atype, ip_row=ip_row)
    return lo, hi, found


def endpoints_of(src: tuple[Array, Array], dst: tuple[Array, Array], atype: Array, sport: Index,  # noqa: PLR0913, PLR0917 -- a header's two ends, as columns
                 dport: Index, ids: KeyIds | None) -> tuple[Index, Index, Array]:
    """:func:`endpoint_pairs` of headers given as columns: their addresses (each as
    :func:`_words`: two big-endian words of its 16 bytes, IPv4 in the first 4), address
    type and ports. Returns the two endpoints, the lesser first, and the flow."""
    sh, sl = src
    dh, dl = dst
    # cmp_address(src, dst) (both of one type), then the ports: flow 1 (0 here) when src is greater
    greater = (sh > dh) | ((sh == dh) & (sl > dl))
    less = (sh < dh) | ((sh == dh) & (sl < dl))
    flow = np.where(greater | (~less & (sport > dport)), 0, 1).astype(np.int8)
    sid, did = _address_ids(atype, (sh, sl), (dh, dl), ids)
    # the unordered pair of endpoints (address id, port)
    ep_s = (sid << 16) | sport
    ep_d = (did << 16) | dport
    return np.minimum(ep_s, ep_d), np.maximum(ep_s, ep_d), flow


def segment_keys(table: PacketTable, ids: KeyIds | None = None) -> SegmentKeys:
    """Conversation key ids and flows of every ``tcp`` row (see the module docstring).

    With ``ids`` the keys continue those of the tables given before with the same ``ids``.
    """
    lo, hi, found = endpoint_pairs(table, ids)
    return replace(found, key=_pair_ids(lo, hi, ids))
