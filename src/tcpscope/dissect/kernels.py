"""Compiled fast paths of the dissectors: well-formed TCP options, and whole frames of
the commonest stacks (Ethernet II, Linux cooked or raw IP; IPv4 without options; TCP).

Most segments carry a few well-formed options (NOP, EOL, MSS, window scale, SACK
permitted, SACK, timestamps) that raise no expert item. For those, walking the
options segment by segment in a kernel gives the same ``tcp.option`` and ``tcp.sack``
rows as the vectorized walk of :mod:`tcpscope.dissect.tcp` (``tcp_dissect_options``
of packet-tcp.c), already in frame and option order, at a fraction of its cost. A
segment is *simple* when

* its whole header is captured and within the reported length (no read can throw);
* every option is EOL, NOP, or one of the five kinds above with the length its
  dissector checks (MSS 4, window scale 3, SACK permitted 2, timestamps 10, SACK
  2 + 8n with n >= 1), and within the options;
* it raises none of the walk's expert items: no non-zero byte after EOL, no fourth
  NOP in a row (``tcp.nop``), no MSS outside a SYN (``tcp.options.mss.present``), no
  window-scale shift over 14 (``tcp.options.wscale.shift.invalid``), no SYN without an
  MSS (``tcp.options.mss.absent``).

Every other segment goes to the vectorized walk, which knows every rule.

The rules both walks share are the small functions under "the rules of
tcp_dissect_options" below: the compiled walk calls them on one segment's numbers,
the vectorized walk on arrays of every segment's, so each rule is written once. They
live here, not in :mod:`tcpscope.dissect.tcp`, because numba's cache tracks only a
kernel's own file (:mod:`tcpscope._jit`); the constants they read come from
:mod:`tcpscope.constants` (``CONSTANTS_DIGEST`` below says which values were compiled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import compiles, helper, kernel
from tcpscope.constants import (
    SYN,
    TCP_MAX_WINSHIFT,
    TCP_SACK_BLOCK,
    TCPOPT_EOL,
    TCPOPT_FIXED_LEN,
    TCPOPT_MSS,
    TCPOPT_NOP,
    TCPOPT_SACK,
    TCPOPT_SACK_PERM,
    TCPOPT_TIMESTAMP,
    TCPOPT_WINDOW,
    URG,
)

__all__ = ["CONSTANTS_DIGEST", "FIXED_LEN", "LINK_ETH", "LINK_HEADER", "LINK_IPV4", "LINK_IPV6", "LINK_NONE", "LINK_RAW",
           "LINK_SLL", "LINK_SLL2", "PY_ROWS", "FastFrames", "SimpleOptions", "fast_frames", "length_past_options",
           "length_too_short", "length_wrong", "nonzero_after_eol", "nop_continues_run", "one_byte", "sack_blocks", "sack_partial",
           "simple_options", "worth_it", "wscale_invalid"]

#: :func:`tcpscope.constants.digest` of the constants these kernels were last edited for
#: (tests/test_constants.py compares it; see that module's docstring).
CONSTANTS_DIGEST = "9f669131f1707517"

#: Uncompiled (below numba's threshold, :mod:`tcpscope._jit`), the kernels walk a frame in
#: tens of microseconds, slower than the vectorized dissectors from a few thousand frames
#: on; up to this many they run as Python, above it only compiled.
PY_ROWS = 128


def worth_it(n: int) -> bool:
    """Whether the fast paths should take ``n`` frames or segments (see ``PY_ROWS``)."""
    return n <= PY_ROWS or compiles(n)


@helper
def _u32(flat: Any, at: Any) -> Any:
    return ((np.int64(flat[at]) << 24) | (np.int64(flat[at + 1]) << 16) | (np.int64(flat[at + 2]) << 8)
            | np.int64(flat[at + 3]))


# ---- the rules of tcp_dissect_options (packet-tcp.c) shared by both walks. Each takes
# ---- one segment's numbers (the compiled walk) or arrays of many (the vectorized walk).

#: Per option kind, the length its dissector insists on (0: none), from TCPOPT_FIXED_LEN.
FIXED_LEN = np.zeros(256, dtype=np.int64)
for _kind, _len in TCPOPT_FIXED_LEN.items():
    FIXED_LEN[_kind] = _len


@helper
def nonzero_after_eol(eol: Any, kind: Any) -> Any:
    """AFTER EOL: once an EOL was seen, any option byte but another EOL is
    "tcp.non_zero_bytes_after_eol" and ends the walk."""
    return eol & (kind != TCPOPT_EOL)


@helper
def one_byte(kind: Any) -> Any:
    """EOL and NOP are one byte; every other kind has a length byte after it."""
    return (kind == TCPOPT_EOL) | (kind == TCPOPT_NOP)


@helper
def nop_continues_run(nops: Any, offset: Any) -> Any:
    """NOP RUN: a NOP adds to the run of NOPs (the fourth in a row is "tcp.nop"), except
    one at a 4-byte boundary of the header (``offset`` from its start) after another
    NOP: that is padding, and the run starts over."""
    return (nops == 0) | (offset % 4 != 0)


@helper
def length_too_short(olen: Any) -> Any:
    """LENGTH BYTE: a length under 2 cannot cover the kind and length bytes themselves
    ("tcp.option.len.invalid"); the walk ends."""
    return olen < 2


@helper
def length_past_options(olen: Any, left: Any) -> Any:
    """LENGTH BYTE: the option may not run past the options (``left``: option bytes after
    its length byte); one that does ends the walk."""
    return olen - 2 > left


@helper
def length_wrong(kind: Any, olen: Any) -> Any:
    """FIXED LENGTH (tcp_option_len_check): a kind with a fixed length must have exactly it
    ("option length should be N"), or its values are not read."""
    fixed = FIXED_LEN[kind]
    return (fixed > 0) & (olen != fixed)


@helper
def wscale_invalid(shift: Any) -> Any:
    """WINDOW SCALE: a shift over 14 is "tcp.options.wscale.shift.invalid", and taken as 14."""
    return shift > TCP_MAX_WINSHIFT


@helper
def sack_blocks(olen: Any) -> Any:
    """SACK: the whole blocks of left and right edge in an option of length ``olen``."""
    return (olen - 2) // TCP_SACK_BLOCK


@helper
def sack_partial(olen: Any) -> Any:
    """SACK: the bytes of a last, partial block ("tcp.suboption_malformed" when not 0)."""
    return (olen - 2) % TCP_SACK_BLOCK


@helper
def _put_row(o_kind: Any, o_len: Any, o_pos: Any, o_order: Any, o_v1: Any, o_v2: Any, r: Any, kind: Any, olen: Any,
             pos: Any, order: Any, v1: Any, v2: Any) -> None:
    """Option row ``r``: kind, length byte, offset in the options, position, values."""
    o_kind[r] = kind
    o_len[r] = olen
    o_pos[r] = pos
    o_order[r] = order
    o_v1[r] = v1
    o_v2[r] = v2


@helper
def _own(seg: Any, at: Any, rows: Any, sseg: Any, sat: Any, sacks: Any, owner: Any) -> tuple[Any, Any]:
    """Give the ``rows`` option rows written at ``at`` and the ``sacks`` SACK blocks at
    ``sat`` to segment (or frame) ``owner``; returns where the next ones go."""
    for q in range(rows):
        seg[at + q] = owner
    for q in range(sacks):
        sseg[sat + q] = owner
    return at + rows, sat + sacks


@helper
def _walk_one(flat: Any, b: Any, nopt: Any, syn: Any, at: Any, sat: Any, o_kind: Any, o_len: Any,
              o_pos: Any, o_order: Any, o_v1: Any, o_v2: Any, s_le: Any, s_re: Any, s_block: Any,
              s_order: Any) -> tuple[Any, Any, Any, Any]:
    """Walk one segment's ``nopt`` option bytes at ``flat[b:]``, writing rows at ``at`` / ``sat``
    (the caller keeps them only for a simple segment). Returns (simple, option rows, SACK
    blocks, last window-scale shift)."""
    pos: Any = 0
    length = nopt
    eol = False
    nops = 0
    mss_seen = False
    order = 0
    rows = 0
    sacks = 0
    ws: Any = -1
    while length > 0:
        kind = np.int64(flat[b + pos])
        if nonzero_after_eol(eol, kind):
            return False, 0, 0, -1
        length -= 1
        if one_byte(kind):
            if kind == TCPOPT_NOP:
                if nop_continues_run(nops, pos + 20):
                    nops += 1
                    if nops == 4:
                        return False, 0, 0, -1
                else:
                    nops = 0
            else:
                eol = True
            _put_row(o_kind, o_len, o_pos, o_order, o_v1, o_v2, at + rows, kind, 0, pos, order, 0, 0)
            rows += 1
            pos += 1
        else:
            if length == 0:
                return False, 0, 0, -1
            lb = np.int64(flat[b + pos + 1])
            length -= 1
            if length_too_short(lb) or length_past_options(lb, length) or length_wrong(kind, lb):
                return False, 0, 0, -1
            v1 = np.int64(0)
            v2 = np.int64(0)
            if kind == TCPOPT_MSS:
                if not syn:  # "tcp.options.mss.present"
                    return False, 0, 0, -1
                v1 = (np.int64(flat[b + pos + 2]) << 8) | np.int64(flat[b + pos + 3])
                mss_seen = True
            elif kind == TCPOPT_WINDOW:
                v1 = np.int64(flat[b + pos + 2])
                if wscale_invalid(v1):
                    return False, 0, 0, -1
                ws = v1
            elif kind == TCPOPT_SACK_PERM:
                pass
            elif kind == TCPOPT_TIMESTAMP:
                v1 = _u32(flat, b + pos + 2)
                v2 = _u32(flat, b + pos + 6)
            elif kind == TCPOPT_SACK:
                if sack_blocks(lb) == 0 or sack_partial(lb) != 0:
                    return False, 0, 0, -1
                for j in range(sack_blocks(lb)):
                    s_le[sat + sacks] = _u32(flat, b + pos + 2 + 8 * j)
                    s_re[sat + sacks] = _u32(flat, b + pos + 6 + 8 * j)
                    s_block[sat + sacks] = j
                    s_order[sat + sacks] = order
                    sacks += 1
            else:
                return False, 0, 0, -1
            _put_row(o_kind, o_len, o_pos, o_order, o_v1, o_v2, at + rows, kind, lb, pos, order, v1, v2)
            rows += 1
            pos += lb
            length -= lb - 2
        order += 1
    if syn and not mss_seen:
        return False, 0, 0, -1
    return True, rows, sacks, ws


#: At most this many option rows and SACK blocks in one segment (40 option bytes).
MAX_ROWS, MAX_SACK = 40, 4


@helper
def _room(m: Any) -> tuple[Any, ...]:
    """Room for the option rows and SACK blocks of ``m`` segments at most: (segment, kind,
    length, offset, position, v1, v2) per row, (segment, left, right, block, position) per
    block. Pages are only committed where rows are written."""
    r = MAX_ROWS * m
    b = MAX_SACK * m
    return (np.empty(r, dtype=np.int64), np.empty(r, dtype=np.uint8), np.empty(r, dtype=np.uint8),
            np.empty(r, dtype=np.int64), np.empty(r, dtype=np.int16), np.empty(r, dtype=np.int64),
            np.empty(r, dtype=np.int64), np.empty(b, dtype=np.int64), np.empty(b, dtype=np.int64),
            np.empty(b, dtype=np.int64), np.empty(b, dtype=np.int8), np.empty(b, dtype=np.int16))


@kernel
def _simple_options(flat: Any, width: int, hlen: Any, avail: Any, ravail: Any, flags: Any) -> tuple[Any, ...]:
    """One pass over the segments: each simple one's rows are kept, the others' overwritten."""
    m = hlen.shape[0]
    simple = np.zeros(m, dtype=np.bool_)
    ws = np.full(m, -1, dtype=np.int8)
    seg, kind, olen, pos, order, v1, v2, sseg, le, re, block, sorder = _room(m)
    at = 0
    sat = 0
    for r in range(m):
        h = hlen[r]
        if h <= 20 or avail[r] < h or ravail[r] < h:
            continue
        ok, k, s, w = _walk_one(flat, r * width, h - 20, (flags[r] & SYN) != 0, at, sat,
                                kind, olen, pos, order, v1, v2, le, re, block, sorder)
        if ok:
            simple[r] = True
            ws[r] = w
            at, sat = _own(seg, at, k, sseg, sat, s, r)
    return (simple, ws, seg[:at], kind[:at], olen[:at], pos[:at], order[:at], v1[:at], v2[:at],
            sseg[:sat], le[:sat], re[:sat], block[:sat], sorder[:sat])


@dataclass(frozen=True)
class SimpleOptions:
    """What the kernel found: per segment ``simple`` and ``ws`` (last shift, -1: none); per
    option row its segment, kind, length, offset in the options, position and values (the
    values of MSS, window scale and timestamps; 0 otherwise); per SACK block its segment,
    raw edges, block number and the position of its option."""

    simple: NDArray[np.bool_]
    ws: NDArray[np.int8]
    seg: NDArray[np.int64]
    kind: NDArray[np.uint8]
    olen: NDArray[np.uint8]
    pos: NDArray[np.int64]
    order: NDArray[np.int16]
    v1: NDArray[np.int64]
    v2: NDArray[np.int64]
    sack_seg: NDArray[np.int64]
    sack_le: NDArray[np.int64]
    sack_re: NDArray[np.int64]
    sack_block: NDArray[np.int8]
    sack_order: NDArray[np.int16]


def simple_options(flat: NDArray[np.uint8], width: int, hlen: NDArray[np.int64], avail: NDArray[np.int64],
                   ravail: NDArray[np.int64], flags: NDArray[np.uint16]) -> SimpleOptions:
    """Walk the options of segments whose option bytes are ``flat[r * width:]`` (see the module
    docstring); ``avail``/``ravail``: bytes captured and reported from the TCP header on."""
    m = int(hlen.shape[0])
    out = _simple_options.run(m, flat, width, np.ascontiguousarray(hlen, dtype=np.int64),
                              np.ascontiguousarray(avail, dtype=np.int64), np.ascontiguousarray(ravail, dtype=np.int64),
                              np.ascontiguousarray(flags, dtype=np.int64))
    return SimpleOptions(*out)


@helper
def _u16(data: Any, at: Any) -> Any:
    return (np.int64(data[at]) << 8) | np.int64(data[at + 1])


#: How a frame's link layer starts (``link`` of :func:`fast_frames`): not taken, Ethernet,
#: raw IP (packet-raw.c: IPv4 or IPv6 by its version nibble), an IPv4 link type (IPv4 at
#: once), Linux cooked capture v1 and v2 (packet-sll.c), an IPv6 link type.
LINK_NONE, LINK_ETH, LINK_RAW, LINK_IPV4, LINK_SLL, LINK_SLL2, LINK_IPV6 = 0, 1, 2, 3, 4, 5, 6
#: ARPHRD types after which packet-sll.c does not read an EtherType: Netlink, IP-in-GRE.
_ARPHRD_NETLINK, _ARPHRD_IPGRE = 824, 778
_ETH_IPV4, _ETH_IPV6, _ETH_VLAN = 0x0800, 0x86DD, 0x8100


#: Bytes before the IP header, per link kind.
LINK_HEADER = np.array([0, 14, 0, 0, 16, 20, 0], dtype=np.int64)


@helper
def _network(data: Any, o: Any, cap: Any, link: Any) -> tuple[Any, Any]:
    """Which IP the link layer of the frame at ``o`` hands on to (4, 6, or 0 when the
    frame is not one :func:`fast_frames` takes), and where its header starts. An
    Ethernet frame may carry one 802.1Q tag (packet-vlan.c) before it."""
    lh = LINK_HEADER[link]
    if cap < lh + 40:
        return 0, 0
    if link == LINK_ETH or (link >= LINK_SLL and link != LINK_IPV6):
        if link != LINK_ETH:  # Linux cooked v1 or v2
            ha = _u16(data, o + (2 if link == LINK_SLL else 8))
            if ha == _ARPHRD_NETLINK:
                return 0, 0
            if ha == _ARPHRD_IPGRE:
                return 0, 0
        et = _u16(data, o + (12 if link == LINK_ETH else 14 if link == LINK_SLL else 0))
        if link == LINK_ETH and et == _ETH_VLAN:
            lh = 18
            if cap < lh + 40:
                return 0, 0
            et = _u16(data, o + 16)
        version = np.int64(data[o + lh]) >> 4
        if et == _ETH_IPV4:
            return (4 if version == 4 else 0), lh
        if et == _ETH_IPV6:
            return (6 if version == 6 else 0), lh
        return 0, 0
    version = np.int64(data[o + lh]) >> 4
    if link == LINK_RAW:
        if data[o + 1] == 0xFF and data[o + 2] == 3:
            return 0, 0  # what packet-raw.c takes for PPP in HDLC framing
        return (4 if version == 4 else 6 if version == 6 else 0), lh
    if link == LINK_IPV4:
        return (4 if version == 4 else 0), lh
    return (6 if version == 6 else 0), lh  # LINK_IPV6


@helper
def _fast_frame(data: Any, o: Any, cap: Any, wire: Any, link: Any, at: Any, sat: Any, kind: Any, olen: Any,
                pos: Any, order: Any, v1: Any, v2: Any, le: Any, re: Any, block: Any, sorder: Any,
                ) -> tuple[Any, Any, Any, Any, Any, Any]:
    """Is the frame at ``o`` one :func:`fast_frames` takes? Its option rows go at ``at`` /
    ``sat``. Returns (IP version or 0: not taken, option rows, SACK blocks, window-scale shift,
    the IP header's length, the link header's length)."""
    net, lh = _network(data, o, cap, link)
    if net == 0:
        return 0, 0, 0, -1, 0, 0
    ip = o + lh
    reported = max(min(wire, 0x7FFFFFFF), cap) - lh
    if net == 4:
        if data[ip] != 0x45:
            return 0, 0, 0, -1, 0, 0
        iph = 20
        tot = _u16(data, ip + 2)
        if tot < 40 or tot > reported:  # ip.bogus_ip_length, or no room for a TCP header
            return 0, 0, 0, -1, 0, 0
        if (_u16(data, ip + 6) & 0x3FFF) != 0 or data[ip + 9] != 6:  # a fragment; not TCP
            return 0, 0, 0, -1, 0, 0
        ttl = np.int64(data[ip + 8])
        dst = _u32(data, ip + 16)
        if (dst & 0xFFFFFF00) == 0xE0000000 or (ttl < 5 and (dst & 0xF0000000) != 0xE0000000):
            return 0, 0, 0, -1, 0, 0  # the TTL checks' expert items
    else:
        # IPv6 straight to TCP: no extension header, a payload length within the frame
        # (ipv6.plen_exceeds_framing) and not 0 (ipv6.plen_zero)
        iph = 40
        plen = _u16(data, ip + 4)
        if data[ip + 6] != 6 or plen == 0 or plen > reported - 40:
            return 0, 0, 0, -1, 0, 0
        tot = 40 + plen
    if cap < lh + iph + 20:
        return 0, 0, 0, -1, 0, 0
    tcp = ip + iph
    avail = min(cap - lh, tot) - iph
    hlen = (np.int64(data[tcp + 12]) >> 4) * 4
    if avail < 20 or hlen < 20 or tot - iph < hlen or avail < hlen:
        return 0, 0, 0, -1, 0, 0  # cut short, bogus header length, short segment, options cut
    flags = _u16(data, tcp + 12) & 0x0FFF
    if (flags & URG) == 0 and _u16(data, tcp + 18) != 0:
        return 0, 0, 0, -1, 0, 0  # tcp.urgent_pointer.non_zero
    if hlen == 20:
        return net, 0, 0, -1, iph, lh
    b = tcp + 20
    ts_len = FIXED_LEN[TCPOPT_TIMESTAMP]
    if (hlen == 32 and (flags & SYN) == 0 and data[b] == TCPOPT_NOP and data[b + 1] == TCPOPT_NOP
            and data[b + 2] == TCPOPT_TIMESTAMP and data[b + 3] == ts_len):
        # NOP, NOP, timestamps: most segments of a connection that uses timestamps
        # (RFC 7323 appendix A's layout); what _walk_one would write for them, every rule
        # passed (tests/dissect/test_fast_paths.py compares). Kept because walking them
        # costs 10-20% more of this pass (135-150 ms against 155-165 ms for 115,350 frames)
        _put_row(kind, olen, pos, order, v1, v2, at, TCPOPT_NOP, 0, 0, 0, 0, 0)
        _put_row(kind, olen, pos, order, v1, v2, at + 1, TCPOPT_NOP, 0, 1, 1, 0, 0)
        _put_row(kind, olen, pos, order, v1, v2, at + 2, TCPOPT_TIMESTAMP, ts_len, 2, 2, _u32(data, b + 4),
                 _u32(data, b + 8))
        return net, 3, 0, -1, iph, lh
    ok, k, s, w = _walk_one(data, b, hlen - 20, (flags & SYN) != 0, at, sat, kind, olen, pos, order, v1, v2,
                            le, re, block, sorder)
    return (net if ok else 0), k, s, w, iph, lh


@kernel
def _fast_frames(data: Any, offset: Any, caplen: Any, wirelen: Any, link: Any) -> tuple[Any, ...]:
    """:func:`fast_frames` in one pass: a frame's rows are kept when it turns out to qualify."""
    n = offset.shape[0]
    pkt = np.empty(n, dtype=np.int64)
    eth = np.zeros((n, 12), dtype=np.uint8)
    ip = np.empty((n, 40), dtype=np.uint8)
    tcp = np.empty((n, 20), dtype=np.uint8)
    ws = np.full(n, -1, dtype=np.int8)
    v6 = np.zeros(n, dtype=np.bool_)
    tag = np.full(n, -1, dtype=np.int32)
    seg, kind, olen, pos, order, v1, v2, sseg, le, re, block, sorder = _room(n)
    j = 0
    at = 0
    sat = 0
    for i in range(n):
        lk = link[i]
        if lk == LINK_NONE:
            continue
        o = offset[i]
        net, k, s, w, iph, lh = _fast_frame(data, o, caplen[i], wirelen[i], lk, at, sat, kind, olen, pos, order,
                                            v1, v2, le, re, block, sorder)
        if net == 0:
            continue
        pkt[j] = i
        if lk == LINK_ETH:
            for b in range(12):
                eth[j, b] = data[o + b]
            if lh == 18:
                tag[j] = _u16(data, o + 14)
        elif lk == LINK_SLL:  # packet type, ARPHRD type
            for b in range(4):
                eth[j, b] = data[o + b]
        elif lk == LINK_SLL2:
            eth[j, 0] = 0
            eth[j, 1] = data[o + 10]
            eth[j, 2] = data[o + 8]
            eth[j, 3] = data[o + 9]
        for b in range(iph):
            ip[j, b] = data[o + lh + b]
        for b in range(20):
            tcp[j, b] = data[o + lh + iph + b]
        ws[j] = w
        v6[j] = net == 6
        at, sat = _own(seg, at, k, sseg, sat, s, j)
        j += 1
    return (pkt[:j], eth[:j], ip[:j], tcp[:j], ws[:j], v6[:j], tag[:j], seg[:at], kind[:at], olen[:at], pos[:at],
            order[:at], v1[:at], v2[:at], sseg[:sat], le[:sat], re[:sat], block[:sat], sorder[:sat])


@dataclass(frozen=True)
class FastFrames:
    """The frames :func:`fast_frames` took: their indexes, 12 bytes of their link header
    (see :func:`fast_frames`), the raw bytes of their IP header (40 bytes: an IPv4
    header's 20 then bytes to ignore, or an IPv6 header), whether it is IPv6, the TCI of an
    Ethernet frame's 802.1Q tag (-1: no tag), the raw bytes of
    their TCP fixed header (20), and their options as :class:`SimpleOptions` (``simple``
    all true, ``seg`` indexing these frames)."""

    pkt: NDArray[np.int64]
    eth: NDArray[np.uint8]
    ip: NDArray[np.uint8]
    v6: NDArray[np.bool_]
    tag: NDArray[np.int32]
    tcp: NDArray[np.uint8]
    options: SimpleOptions


def fast_frames(data: NDArray[np.uint8], offset: NDArray[np.int64], caplen: NDArray[np.int64],
                wirelen: NDArray[np.int64], link: NDArray[np.int8]) -> FastFrames:
    """The frames whose ``link`` is not ``LINK_NONE`` that carry (after their link header,
    :data:`LINK_HEADER` bytes, and for Ethernet one 802.1Q tag or none) IPv4 with a 20-byte header, not a fragment, or IPv6 with no
    extension header, then a whole TCP header whose options are simple (module
    docstring), and that raise no expert item on the way except TCP's connection notes:
    the vectorized dissectors would find nothing else to say of them. ``eth`` holds the
    Ethernet addresses, or for a Linux cooked capture the packet type and ARPHRD type
    (two big-endian 16-bit numbers), zeros otherwise.
    """
    n = int(offset.shape[0])
    out = _fast_frames.run(n, data, offset, caplen, wirelen, link)
    pkt, eth, ip, tcp, ws, v6, tag = out[:7]
    opts = SimpleOptions(np.ones(pkt.shape[0], dtype=np.bool_), ws, *out[7:])
    return FastFrames(pkt, eth, ip, v6, tag, tcp, opts)
