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
           "simple_options", "walkable_options", "worth_it", "wscale_invalid"]

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
def _put_row(rows: Any, r: Any, values: Any) -> None:
    """Option row ``r`` of ``rows`` (see :func:`_room`): ``values`` are its kind, length
    byte, offset in the options, position and values (its segment is set by :func:`_own`)."""
    _, kind, olen, pos, order, v1, v2 = rows
    kind[r], olen[r], pos[r], order[r], v1[r], v2[r] = values


@helper
def _own(out: Any, cursor: Any, counts: Any, owner: Any) -> tuple[Any, Any]:
    """Give the option rows and SACK blocks written at ``cursor`` (``counts`` of each) to
    segment (or frame) ``owner``; returns where the next ones go."""
    rows, blocks = out
    at, sat = cursor
    k, s = counts
    for q in range(k):
        rows[0][at + q] = owner
    for q in range(s):
        blocks[0][sat + q] = owner
    return at + k, sat + s


#: What :func:`_walk_one` returns for a segment that is not simple.
_NOT_SIMPLE = (False, 0, 0, -1)


@helper
def _put_sacks(opt: Any, blocks: Any, sat: Any, order: Any) -> Any:
    """The blocks of SACK option ``opt`` (its bytes), the ``order``-th option, as SACK rows
    from ``sat`` on: segment (set by :func:`_own`), raw left and right edges, block number,
    position of the option. Returns how many."""
    _, le, re, block, sorder = blocks
    n = sack_blocks(opt.shape[0])
    for j in range(n):
        le[sat + j] = _u32(opt, 2 + 8 * j)
        re[sat + j] = _u32(opt, 6 + 8 * j)
        block[sat + j] = j
        sorder[sat + j] = order
    return n


@helper
def _simple_values(opt: Any, syn: Any) -> tuple[Any, Any, Any]:
    """The values of option ``opt`` (its bytes, kind and length checked) when it is one of
    the kinds a simple segment may carry and raises no expert item: (simple, v1, v2)."""
    kind = opt[0]
    if kind == TCPOPT_MSS:  # "tcp.options.mss.present" outside a SYN
        return syn, (np.int64(opt[2]) << 8) | np.int64(opt[3]), np.int64(0)
    if kind == TCPOPT_WINDOW:
        return not wscale_invalid(np.int64(opt[2])), np.int64(opt[2]), np.int64(0)
    if kind == TCPOPT_SACK_PERM:
        return True, np.int64(0), np.int64(0)
    if kind == TCPOPT_TIMESTAMP:
        return True, _u32(opt, 2), _u32(opt, 6)
    if kind == TCPOPT_SACK:
        return sack_blocks(opt.shape[0]) > 0 and sack_partial(opt.shape[0]) == 0, np.int64(0), np.int64(0)
    return False, np.int64(0), np.int64(0)


@helper
def _nops_after(kind: Any, nops: Any, pos: Any) -> Any:
    """The run of NOPs after the one-byte option ``kind`` at ``pos`` of the options: one
    longer for a NOP that continues it, 0 for one that starts it over, as it was after an
    EOL (see :func:`nop_continues_run`)."""
    if kind != TCPOPT_NOP:
        return nops
    return nops + 1 if nop_continues_run(nops, pos + 20) else 0


@helper
def _walk_one(opt: Any, syn: Any, cursor: Any, out: Any) -> tuple[Any, Any, Any, Any]:
    """Walk one segment's option bytes ``opt``, writing its option rows and SACK blocks into
    ``out`` (see :func:`_room`) at ``cursor`` (the caller keeps them only for a simple
    segment). Returns (simple, option rows, SACK blocks, last window-scale shift)."""
    rows_out, blocks_out = out
    at, sat = cursor
    pos: Any = 0
    length = opt.shape[0]
    eol = False
    nops = 0
    mss_seen = False
    order = 0
    rows = 0
    sacks = 0
    ws: Any = -1
    while length > 0:
        kind = np.int64(opt[pos])
        if nonzero_after_eol(eol, kind):
            return _NOT_SIMPLE
        length -= 1
        if one_byte(kind):
            nops = _nops_after(kind, nops, pos)
            if nops == 4:  # "tcp.nop"
                return _NOT_SIMPLE
            eol = eol or kind == TCPOPT_EOL
            _put_row(rows_out, at + rows, (kind, 0, pos, order, 0, 0))
            rows += 1
            pos += 1
        else:
            if length == 0:
                return _NOT_SIMPLE
            lb = np.int64(opt[pos + 1])
            length -= 1
            if length_too_short(lb) or length_past_options(lb, length) or length_wrong(kind, lb):
                return _NOT_SIMPLE
            simple, v1, v2 = _simple_values(opt[pos : pos + lb], syn)
            if not simple:
                return _NOT_SIMPLE
            mss_seen = mss_seen or kind == TCPOPT_MSS
            ws = v1 if kind == TCPOPT_WINDOW else ws
            if kind == TCPOPT_SACK:
                sacks += _put_sacks(opt[pos : pos + lb], blocks_out, sat + sacks, order)
            _put_row(rows_out, at + rows, (kind, lb, pos, order, v1, v2))
            rows += 1
            pos += lb
            length -= lb - 2
        order += 1
    if syn and not mss_seen:
        return _NOT_SIMPLE
    return True, rows, sacks, ws


#: At most this many option rows and SACK blocks in one segment (40 option bytes).
MAX_ROWS, MAX_SACK = 40, 4


@helper
def _room(m: Any) -> tuple[Any, Any]:
    """Room for the option rows and SACK blocks of ``m`` segments at most: (segment, kind,
    length, offset, position, v1, v2) per row, (segment, left, right, block, position) per
    block. Pages are only committed where rows are written."""
    r = MAX_ROWS * m
    b = MAX_SACK * m
    return ((np.empty(r, dtype=np.int64), np.empty(r, dtype=np.uint8), np.empty(r, dtype=np.uint8),
             np.empty(r, dtype=np.int64), np.empty(r, dtype=np.int16), np.empty(r, dtype=np.int64),
             np.empty(r, dtype=np.int64)),
            (np.empty(b, dtype=np.int64), np.empty(b, dtype=np.int64), np.empty(b, dtype=np.int64),
             np.empty(b, dtype=np.int8), np.empty(b, dtype=np.int16)))


@kernel
def _simple_options(flat: Any, width: int, nopt: Any, flags: Any) -> tuple[Any, ...]:
    """One pass over the segments: each simple one's rows are kept, the others' overwritten."""
    m = nopt.shape[0]
    simple = np.zeros(m, dtype=np.bool_)
    ws = np.full(m, -1, dtype=np.int8)
    out = _room(m)
    cursor = (0, 0)
    for r in range(m):
        if nopt[r] <= 0:
            continue
        b = r * width
        ok, k, s, w = _walk_one(flat[b : b + nopt[r]], (flags[r] & SYN) != 0, cursor, out)
        if ok:
            simple[r] = True
            ws[r] = w
            cursor = _own(out, cursor, (k, s), r)
    at, sat = cursor
    (seg, kind, olen, pos, order, v1, v2), (sseg, le, re, block, sorder) = out
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


def walkable_options(hlen: NDArray[np.int64], avail: NDArray[np.int64], ravail: NDArray[np.int64]) -> NDArray[np.int64]:
    """The option bytes the compiled walk may take of each segment (``hlen``: its header
    length; ``avail``/``ravail``: bytes captured and reported from the TCP header on):
    all of them when the whole header is captured and within the reported length (no
    read can throw), else 0 (not simple)."""
    whole = (hlen > 20) & (avail >= hlen) & (ravail >= hlen)
    out: NDArray[np.int64] = np.where(whole, hlen - 20, 0).astype(np.int64)
    return out


def simple_options(flat: NDArray[np.uint8], width: int, nopt: NDArray[np.int64], flags: NDArray[np.uint16],
                   ) -> SimpleOptions:
    """Walk the options of segments whose option bytes are ``flat[r * width:]``, ``nopt`` of
    them (see :func:`walkable_options`; the module docstring says which are simple);
    ``flags``: the segments' TCP flags."""
    m = int(nopt.shape[0])
    out = _simple_options.run(m, flat, width, np.ascontiguousarray(nopt, dtype=np.int64),
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
def _ip_header(data: Any, ip: Any, net: Any, reported: Any) -> tuple[Any, Any]:
    """The IP header at ``ip`` (version ``net``; ``reported`` bytes from it on), when
    :func:`fast_frames` takes it: (its length, the datagram's length), else (0, 0)."""
    if net == 4:
        if data[ip] != 0x45:
            return 0, 0
        tot = _u16(data, ip + 2)
        if tot < 40 or tot > reported:  # ip.bogus_ip_length, or no room for a TCP header
            return 0, 0
        if (_u16(data, ip + 6) & 0x3FFF) != 0 or data[ip + 9] != 6:  # a fragment; not TCP
            return 0, 0
        ttl = np.int64(data[ip + 8])
        dst = _u32(data, ip + 16)
        if (dst & 0xFFFFFF00) == 0xE0000000 or (ttl < 5 and (dst & 0xF0000000) != 0xE0000000):
            return 0, 0  # the TTL checks' expert items
        return 20, tot
    # IPv6 straight to TCP: no extension header, a payload length within the frame
    # (ipv6.plen_exceeds_framing) and not 0 (ipv6.plen_zero)
    plen = _u16(data, ip + 4)
    if data[ip + 6] != 6 or plen == 0 or plen > reported - 40:
        return 0, 0
    return 40, 40 + plen


@helper
def _nop_nop_timestamps(data: Any, b: Any, hlen: Any, flags: Any) -> Any:
    """NOP, NOP, timestamps and nothing else in a segment other than a SYN: most segments
    of a connection that uses timestamps (RFC 7323 appendix A's layout)."""
    return (hlen == 32 and (flags & SYN) == 0 and data[b] == TCPOPT_NOP and data[b + 1] == TCPOPT_NOP
            and data[b + 2] == TCPOPT_TIMESTAMP and data[b + 3] == FIXED_LEN[TCPOPT_TIMESTAMP])


#: What :func:`_fast_frame` returns for a frame it does not take.
_NOT_TAKEN = (0, 0, 0, -1, 0, 0)


@helper
def _fast_frame(data: Any, frame: Any, cursor: Any, out: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
    """Is the frame at ``frame`` (its offset, captured and wire lengths, link kind) one
    :func:`fast_frames` takes? Its option rows go into ``out`` at ``cursor``. Returns (IP
    version or 0: not taken, option rows, SACK blocks, window-scale shift, the IP header's
    length, the link header's length)."""
    o, cap, wire, link = frame
    net, lh = _network(data, o, cap, link)
    if net == 0:
        return _NOT_TAKEN
    ip = o + lh
    iph, tot = _ip_header(data, ip, net, max(min(wire, 0x7FFFFFFF), cap) - lh)
    if iph == 0 or cap < lh + iph + 20:
        return _NOT_TAKEN
    tcp = ip + iph
    avail = min(cap - lh, tot) - iph
    hlen = (np.int64(data[tcp + 12]) >> 4) * 4
    if avail < 20 or hlen < 20 or tot - iph < hlen or avail < hlen:
        return _NOT_TAKEN  # cut short, bogus header length, short segment, options cut
    flags = _u16(data, tcp + 12) & 0x0FFF
    if (flags & URG) == 0 and _u16(data, tcp + 18) != 0:
        return _NOT_TAKEN  # tcp.urgent_pointer.non_zero
    if hlen == 20:
        return net, 0, 0, -1, iph, lh
    b = tcp + 20
    if _nop_nop_timestamps(data, b, hlen, flags):
        # what _walk_one would write for them, every rule passed (tests/dissect/test_fast_paths.py
        # compares). Kept because walking them costs 10-20% more of this pass (135-150 ms
        # against 155-165 ms for 115,350 frames)
        rows, at = out[0], cursor[0]
        _put_row(rows, at, (TCPOPT_NOP, 0, 0, 0, 0, 0))
        _put_row(rows, at + 1, (TCPOPT_NOP, 0, 1, 1, 0, 0))
        _put_row(rows, at + 2, (TCPOPT_TIMESTAMP, FIXED_LEN[TCPOPT_TIMESTAMP], 2, 2, _u32(data, b + 4),
                                _u32(data, b + 8)))
        return net, 3, 0, -1, iph, lh
    ok, k, s, w = _walk_one(data[b : b + hlen - 20], (flags & SYN) != 0, cursor, out)
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
    out = _room(n)
    cursor = (0, 0)
    j = 0
    for i in range(n):
        lk = link[i]
        if lk == LINK_NONE:
            continue
        o = offset[i]
        net, k, s, w, iph, lh = _fast_frame(data, (o, caplen[i], wirelen[i], lk), cursor, out)
        if net == 0:
            continue
        pkt[j] = i
        _link_bytes(data, o, lk, eth[j])
        if lk == LINK_ETH and lh == 18:
            tag[j] = _u16(data, o + 14)
        for b in range(iph):
            ip[j, b] = data[o + lh + b]
        for b in range(20):
            tcp[j, b] = data[o + lh + iph + b]
        ws[j] = w
        v6[j] = net == 6
        cursor = _own(out, cursor, (k, s), j)
        j += 1
    at, sat = cursor
    (seg, kind, olen, pos, order, v1, v2), (sseg, le, re, block, sorder) = out
    return (pkt[:j], eth[:j], ip[:j], tcp[:j], ws[:j], v6[:j], tag[:j], seg[:at], kind[:at], olen[:at], pos[:at],
            order[:at], v1[:at], v2[:at], sseg[:sat], le[:sat], re[:sat], block[:sat], sorder[:sat])


@helper
def _link_bytes(data: Any, o: Any, link: Any, eth: Any) -> None:
    """The 12 bytes of a frame's link header :class:`FastFrames` keeps (``eth``): Ethernet's
    addresses; Linux cooked v1's packet type and ARPHRD type; the same read from v2's
    fields; nothing for the others."""
    if link == LINK_ETH:
        for b in range(12):
            eth[b] = data[o + b]
    elif link == LINK_SLL:  # packet type, ARPHRD type
        for b in range(4):
            eth[b] = data[o + b]
    elif link == LINK_SLL2:
        eth[0] = 0
        eth[1] = data[o + 10]
        eth[2] = data[o + 8]
        eth[3] = data[o + 9]


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
