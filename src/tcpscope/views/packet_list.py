"""The packet list: one line per frame, as ``tshark -r FILE`` prints it.

Columns (tshark's defaults, tshark.c ``print_columns``): the frame number right-aligned
in 5, the time since the first frame right-aligned in 10 (as many decimals as the
frame's interface's time-stamp precision; empty for a frame without a time stamp), the source right-aligned in 12, `` → ``, the
destination left-aligned in 12, the protocol, the frame length, and the Info column.
Source and destination are the innermost IP addresses, else the link-layer ones.

TCP frames get tshark's exact Info text (:mod:`tcpscope.views.info`), and the Protocol
"MPTCP" when an MPTCP option is dissected. UDP, ARP, ICMP, ICMPv6, IPv4 fragments and
Linux cooked captures get tshark's Info too; tests/views/test_golden_list.py compares
every line and declares, line by line, what is not written yet (docs/deviations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import numpy as np

from tcpscope._jit import compiles
from tcpscope._types import Array, Index
from tcpscope.analysis.layout import A_DUPLICATE_ACK
from tcpscope.dissect.protocols import PROTO_CODE, PROTO_NAMES
from tcpscope.table.packets import PacketTable
from tcpscope.table.text import format_ipv4, format_ipv6, ipv4_texts
from tcpscope.views.info import CONTAINED, MALFORMED, PREFIXES, SIZE_LIMITED
from tcpscope.views.info_columns import TEXT, claimed_rows, tcp_infos
from tcpscope.views.info_other import dns_over_udp, other_info, rarp_frames

if TYPE_CHECKING:
    from tcpscope.views.info_parts import TcpParts

__all__ = ["LineInputs", "LineParts", "ListColumns", "PacketRow", "line_inputs", "packet_bytes", "packet_columns",
           "packet_lines", "packet_rows", "packet_text", "time_precision", "time_text"]

_PROTO_COLUMN = {
    "tcp": "TCP", "udp": "UDP", "ip": "IPv4", "ipv6": "IPv6", "arp": "ARP", "icmp": "ICMP", "icmpv6": "ICMPv6",
    "eth": "Ethernet", "vlan": "802.1Q", "sll": "SLL", "null": "NULL", "raw": "Raw", "mpls": "MPLS",
    "gre": "GRE", "llc": "LLC", "ipv6.hopopts": "IPv6", "ipv6.routing": "IPv6", "ipv6.fraghdr": "IPv6",
    "ipv6.dstopts": "IPv6", "ah": "AH",
}


@dataclass(frozen=True, slots=True)
class PacketRow:
    """One line of the packet list, as its parts."""

    number: int
    time: str
    source: str
    destination: str
    protocol: str
    length: int
    info: str

    def line(self) -> str:
        """The line exactly as tshark prints it."""
        return (f"{self.number:>5} {self.time:>10} {self.source:>12} \u2192 {self.destination:<12} "
                f"{self.protocol} {self.length} {self.info}")


def _tsprec(units: int) -> int:
    """WTAP_TSPREC of an interface with ``units`` time-stamp units per second (pcapng.c
    ``pcapng_read_if_descr_block``; if_tsresol may give up to 2^64 - 1 units)."""
    for digits, least in ((9, 10**9), (6, 10**6), (3, 1000), (2, 100), (1, 10)):
        if units >= least:
            return digits
    return 0


def time_precision(table: PacketTable) -> Array:
    """Decimals of each frame's time (WTAP_TSPREC of its interface: 0, 1, 2, 3, 6 or 9)."""
    digits = np.array([_tsprec(i.ts_units) for i in table.records.interfaces] or [6], dtype=np.int64)
    iface = np.clip(table.records.iface.astype(np.int64), 0, len(digits) - 1)
    return digits[iface] if table.n else np.zeros(0, dtype=np.int64)


def time_text(ns: int, digits: int, has_ts: bool = True) -> str:
    """The Time column (Relative, column-utils.c ``col_set_rel_time``): empty for a frame
    without a time stamp, else seconds with ``digits`` decimals, the sign in front."""
    if not has_ts:
        return ""
    sign = "-" if ns < 0 else ""
    a = -ns if ns < 0 else ns
    secs, frac = divmod(a, 1_000_000_000)
    if digits == 0:
        return f"{sign}{secs}"
    return f"{sign}{secs}.{frac // 10 ** (9 - digits):0{digits}d}"


#: Protocols that never take the Protocol column: the payload nobody dissected, and MPTCP,
#: which its option's dissector writes there itself (see :func:`packet_rows`)
_NOT_COLUMN = frozenset({"data", "mptcp", "tls", "dns"})


#: Whether each protocol code names the Protocol column
_NAMES_COLUMN = np.array([name not in _NOT_COLUMN for name in PROTO_NAMES], dtype=np.bool_)
#: The codes :func:`_top_codes` compares with (-1: no protocol)
_TCP, _UDP, _DNS, _ARP = PROTO_CODE["tcp"], PROTO_CODE["udp"], PROTO_CODE["dns"], PROTO_CODE["arp"]


def _protocol_text(name: str) -> str:
    """The Protocol column of a frame whose top protocol is ``name``."""
    return _PROTO_COLUMN.get(name, name.upper())


#: The Protocol column's text of each code + 1 (the first: no protocol)
_PROTOCOL_TEXTS = ["", *(_protocol_text(name) for name in PROTO_NAMES)]


def _top_codes(table: PacketTable) -> tuple[Index, Index, Array]:
    """The code of the last protocol of each frame's stack that names the Protocol column,
    that of the one below it (-1: none), and the frames with a dissected MPTCP option."""
    st = table.layer("_stack")
    n = table.n
    top = np.full(n, -1, dtype=np.int64)
    below = np.full(n, -1, dtype=np.int64)
    mptcp = np.zeros(n, dtype=np.bool_)
    if len(st) == 0:
        return top, below, mptcp
    order = np.argsort(st.pkt, kind="stable")
    pkt = st.pkt[order].astype(np.int64)
    code = np.asarray(st.cols["proto"])[order].astype(np.int64)
    mptcp[pkt[code == PROTO_CODE["mptcp"]]] = True
    keep = _NAMES_COLUMN[code]
    pkt, code = pkt[keep], code[keep]
    last = np.ones(pkt.shape[0], dtype=np.bool_)  # each frame's last naming protocol
    last[:-1] = pkt[1:] != pkt[:-1]
    at = np.flatnonzero(last)
    top[pkt[at]] = code[at]
    prev = at - 1
    has_prev = (prev >= 0) & (pkt[np.maximum(prev, 0)] == pkt[at])
    below[pkt[at[has_prev]]] = code[prev[has_prev]]
    over_udp = dns_over_udp(table)  # (DNS names the column over UDP; over TCP the framing's line does)
    below[over_udp], top[over_udp] = _UDP, _DNS
    return top, below, mptcp



def _before_ports(table: PacketTable, top: Index) -> Array:
    """Frames whose top protocol is TCP or UDP but whose header ended before both ports
    were read: packet-tcp.c and packet-udp.c set the Protocol column only after reading
    them, so the column stays the protocol's below."""
    out = np.zeros(table.n, dtype=np.bool_)
    for name, code in (("tcp", _TCP), ("udp", _UDP)):
        seen = np.zeros(table.n, dtype=np.bool_)
        layer = table.layer(name)
        if len(layer):
            seen[layer.pkt[np.asarray(layer.cols["reach"]) >= 1]] = True
        out |= (top == code) & ~seen
    return out


def _other_column(table: PacketTable, sel: Index) -> Array:
    """The Info of frames ``sel`` that TCP does not write (:func:`tcpscope.views.info_other.other_info`), then
    what show_exception appends (``views.info.exception_mark``) unless a malformed
    mark is already there."""
    full = np.full(table.n, "", dtype=TEXT)
    other = other_info(table)
    if other:
        full[np.fromiter(other, dtype=np.int64, count=len(other))] = np.array(list(other.values()), dtype=TEXT)
    info = full[sel]
    mark = np.full(sel.shape[0], "", dtype=TEXT)
    short = table.frame_cols.get("short")
    if short is not None:
        mark[np.asarray(short, dtype=np.bool_)[sel]] = SIZE_LIMITED
    malformed = np.asarray(table.malformed, dtype=np.bool_)[sel]
    mark[malformed] = MALFORMED
    contained = table.frame_cols.get("contained")
    if contained is not None:
        mark[malformed & np.asarray(contained, dtype=np.bool_)[sel]] = CONTAINED
    return np.where(np.strings.find(info, "[Malformed Packet") < 0, np.strings.add(info, mark), info)


def _addresses(table: PacketTable) -> tuple[Array, Array]:
    """The Source and Destination columns as texts (:func:`_address_ids`)."""
    pool = _Pool()
    src, dst = _address_ids(table, pool)
    texts = np.array(list(pool.ids), dtype=TEXT)
    return texts[src], texts[dst]


def _address_ids(table: PacketTable, pool: _Pool) -> tuple[Index, Index]:
    """The Source and Destination columns as ids of ``pool`` (whose first entry must be
    the empty text): the innermost IP header's addresses (as pinfo->src/dst end up), else
    the Ethernet addresses, else a Linux cooked capture's sender (no destination), else
    nothing. Link-layer addresses are named as tshark names them
    (:mod:`tcpscope.table.manuf`: ``Broadcast``, ``IntelCor_12:34:56``). Each distinct
    address is written once."""
    n = table.n
    empty = pool.add([""])[0]
    src = np.full(n, empty, dtype=np.int64)
    dst = np.full(n, empty, dtype=np.int64)
    found = [_sll_senders(table), *(_header_addresses(table, name) for name in ("eth", "ip", "ipv6"))]
    pkt = np.concatenate([f.pkt for f in found])
    if pkt.shape[0] == 0:
        return src, dst
    order = np.lexsort((np.concatenate([f.depth for f in found]), pkt))  # by frame, then the stack
    last = np.ones(pkt.shape[0], dtype=np.bool_)  # each frame's innermost header
    last[:-1] = pkt[order][1:] != pkt[order][:-1]
    won = np.zeros(pkt.shape[0], dtype=np.bool_)
    won[order[last]] = True
    at = 0
    for f in found:  # only the winners are formatted (and names looked up)
        mine = won[at:at + f.pkt.shape[0]]
        at += f.pkt.shape[0]
        if mine.any():
            src[f.pkt[mine]], dst[f.pkt[mine]] = f.ids(mine, pool)
    return src, dst


@dataclass(frozen=True)
class _Found:
    """Headers that set a frame's addresses: their frames, their places in the stack (for
    the innermost), and the pool ids of the source and destination of some of them."""

    pkt: Index
    depth: Index
    ids: Callable[[Array, _Pool], tuple[Index, Index]]


#: Below this many addresses each is written in turn; above, each distinct one once
_FEW = 64


def _both_ids(pool: _Pool, src: Array, dst: Array, texts: Callable[[Array], list[str]]) -> tuple[Index, Index]:
    """The pool ids of addresses ``src`` and ``dst`` (keys: numbers, or bytes as numpy
    voids), each distinct one's text (``texts`` of the distinct keys) made once; on a few
    keys, each in turn (no ``np.unique``: it imports numpy.ma, a small capture's start-up)."""
    keys = np.concatenate([src, dst])
    if keys.shape[0] < _FEW:
        ids = pool.add(texts(keys))
    else:
        uniq, inverse = np.unique(keys, return_inverse=True)
        ids = pool.add(texts(uniq))[inverse.reshape(-1)]
    return ids[:src.shape[0]], ids[src.shape[0]:]


def _macs(keys: Array) -> list[str]:
    from tcpscope.table.manuf import resolve_macs  # (a list with no MAC address shown never loads it)

    names: list[str] = resolve_macs(np.ascontiguousarray(keys).view(np.uint8).reshape(-1, 6)).tolist()
    return names


def _ipv4s(keys: Array) -> list[str]:
    return [format_ipv4(v) for v in keys.tolist()]


def _ipv6s(keys: Array) -> list[str]:
    return [format_ipv6(bytes(v)) for v in keys]


def _voids(rows: Array, size: int) -> Array:
    """Rows of ``size`` bytes as one numpy void each (keys that sort and compare)."""
    return np.ascontiguousarray(rows, dtype=np.uint8).reshape(-1, size).view(f"V{size}").reshape(-1)


_LINK_DEPTH, _SLL_DEPTH = -1, -2  # below any IP header (Ethernet above a cooked capture's sender)


def _header_addresses(table: PacketTable, name: str) -> _Found:
    """The addresses of the ``eth``, ``ip`` or ``ipv6`` headers that have both."""
    lt = table.layer(name)
    if not len(lt):
        return _Found(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), _no_ids)
    if name == "eth":
        ok = np.asarray(lt.cols["has_src"], dtype=np.bool_)
        depth = np.full(int(ok.sum()), _LINK_DEPTH, dtype=np.int64)
        s, d, texts = _voids(np.asarray(lt.cols["src"])[ok], 6), _voids(np.asarray(lt.cols["dst"])[ok], 6), _macs
    elif name == "ip":
        ok = np.asarray(lt.cols["reach"]) >= 11
        depth = lt.depth[ok].astype(np.int64)
        s, d, texts = _i64(lt.cols["src"])[ok], _i64(lt.cols["dst"])[ok], _ipv4s
    else:
        ok = np.asarray(lt.cols["reach"]) >= 7
        depth = lt.depth[ok].astype(np.int64)
        s, d = _voids(np.asarray(lt.cols["src"])[ok], 16), _voids(np.asarray(lt.cols.get("dst_eff", lt.cols["dst"]))[ok], 16)
        texts = _ipv6s

    def ids(m: Array, pool: _Pool) -> tuple[Index, Index]:
        return _both_ids(pool, s[m], d[m], texts)

    return _Found(lt.pkt[ok], depth, ids)


def _no_ids(m: Array, pool: _Pool) -> tuple[Index, Index]:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)


def _i64(values: object) -> Index:
    """``values`` as int64, the column itself when it is (not a copy: read only)."""
    return np.asarray(values, dtype=np.int64)


#: Where a Linux cooked capture's address length and address are (packet-sll.c add_ll_address)
_SLL_HALEN = {1: (4, 2), 2: (11, 1)}  # version -> (offset, size) of the length; the address follows


def _sll_senders(table: PacketTable) -> _Found:
    """A Linux cooked capture's sender (add_ll_address): its link-layer address of 6 bytes
    (an Ethernet address) or 4 (IPv4) sets the source once the length and the address are
    read; nothing sets the destination."""
    sll = table.layer("sll")
    empty = _Found(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), _no_ids)
    if not len(sll):
        return empty
    data = table.data
    start = np.asarray(sll.cols["_start"]).astype(np.int64)
    r = table.records
    end = (r.offset[sll.pkt] + r.caplen[sll.pkt]).astype(np.int64)
    version = np.asarray(sll.cols["version"]).astype(np.int64)
    at, size = np.where(version == 1, 4, 11), np.where(version == 1, 2, 1)
    shown = np.asarray(sll.cols["has_pkttype"], dtype=np.bool_) & (np.asarray(sll.cols["_buf"]) == 0) \
        & (start + at + size <= end)
    lo = data[np.where(shown, start + at + size - 1, 0)].astype(np.int64)
    hi = np.where(size == 2, data[np.where(shown, start + at, 0)].astype(np.int64), 0)
    halen = (hi << 8) | lo
    addr = start + at + size
    ok = shown & ((halen == 6) | (halen == 4)) & (addr + halen <= end)
    if not ok.any():
        return empty
    raw = data[np.minimum(np.where(ok, addr, 0)[:, None] + np.arange(6)[None, :], data.shape[0] - 1)][ok]
    four = halen[ok] == 4

    def ids(m: Array, pool: _Pool) -> tuple[Index, Index]:
        v4 = raw[m][:, :4].astype(np.int64)
        out = ipv4_texts((v4[:, 0] << 24) | (v4[:, 1] << 16) | (v4[:, 2] << 8) | v4[:, 3])
        six = np.flatnonzero(~four[m])
        if six.shape[0]:  # (the names are loaded only for a 6-byte sender)
            for i, name in zip(six.tolist(), _macs(raw[m][six]), strict=True):
                out[i] = name
        return pool.add(out), pool.add([""] * len(out))

    return _Found(sll.pkt[ok], np.full(int(ok.sum()), _SLL_DEPTH, dtype=np.int64), ids)




class ListColumns(NamedTuple):
    """The packet list's columns for some frames, one array each (the texts numpy strings)."""

    number: Index
    time: Array
    source: Array
    destination: Array
    protocol: Array
    length: Index
    info: Array


def _time_column(table: PacketTable, sel: Index) -> Array:
    """The Time column of frames ``sel`` (:func:`time_text`, a column at a time)."""
    digits = time_precision(table)[sel]
    first = table.records.ts_first if table.records.ts_first is not None else int(table.ts_ns[0])
    rel = table.ts_ns[sel].astype(np.int64) - first
    mag = np.abs(rel)
    secs, frac = mag // 1_000_000_000, mag % 1_000_000_000
    out = np.strings.add(np.where(rel < 0, "-", "").astype(TEXT), secs.astype(TEXT))
    for d in sorted(set(digits.tolist())):  # (not np.unique: it imports numpy.ma, start-up time)
        if d == 0:
            continue
        at = digits == d
        part = np.strings.zfill((frac[at] // 10 ** (9 - d)).astype(TEXT), d)
        out[at] = np.strings.add(np.strings.add(out[at], "."), part)
    if table.records.has_ts is not None:
        out[~table.records.has_ts[sel]] = ""
    return out


def packet_columns(table: PacketTable, frames: Index | None = None) -> ListColumns:
    """The packet list's columns of ``frames`` (default: every frame), for an analysed table
    (a piece of a capture too: numbers and times are the capture's, ``Records.first_frame``
    and ``ts_first``; its HTTP framing is the one the analysis carried over the pieces,
    ``TcpAnalyzer(http=True)``, else the table's alone)."""
    n = table.n
    sel = np.arange(n, dtype=np.int64) if frames is None else np.asarray(frames, dtype=np.int64)
    if n == 0 or sel.shape[0] == 0:
        empty = np.zeros(0, dtype=TEXT)
        return ListColumns(np.zeros(0, dtype=np.int64), empty, empty, empty, empty, np.zeros(0, dtype=np.int64),
                           empty)
    number = sel + table.records.first_frame + 1
    lengths = np.minimum(table.records.wirelen[sel], 0x7FFFFFFF).astype(np.int64)
    top, below, mptcp = _top_codes(table)
    src, dst = _addresses(table)
    tcp = table.layer("tcp")
    tinfo = tcp_infos(table, sel)
    tcp_row = tcp.last_row(n)[sel] if len(tcp) else np.full(sel.shape[0], -1, dtype=np.int64)
    before = _before_ports(table, top)[sel]
    t = np.where(before, below[sel], top[sel])
    is_tcp = (t == _TCP) & (tcp_row >= 0)
    row = np.where(is_tcp, tcp_row, 0)
    above = claimed_rows(table, tinfo)
    is_mptcp = mptcp[sel]
    from_above, own = np.zeros(sel.shape[0], dtype=np.bool_), np.zeros(sel.shape[0], dtype=np.bool_)
    at = np.flatnonzero(is_tcp)
    from_above[at] = above.claimed[row[at]] & ~is_mptcp[at]
    own[at] = ~from_above[at] & tinfo.ok[row[at]]
    protocol = np.array(_PROTOCOL_TEXTS, dtype=TEXT)[t + 1]
    protocol[(t == _ARP) & rarp_frames(table)[sel]] = "RARP"
    info = _other_column(table, sel)
    protocol[own] = np.where(is_mptcp[own], "MPTCP", "TCP")
    info[own] = tinfo.text[row[own]]
    protocol[from_above] = above.proto[row[from_above]]
    info[from_above] = above.info[row[from_above]]
    return ListColumns(number, _time_column(table, sel), src[sel], dst[sel], protocol, lengths, info)


def packet_rows(table: PacketTable, frames: Index | None = None) -> Iterator[PacketRow]:
    """The packet list rows of ``frames`` (default: every frame), for an analysed table:
    :func:`packet_columns`, a row at a time (for a few rows; the list itself is made
    column by column, :func:`packet_text`)."""
    cols = packet_columns(table, frames)
    for values in zip(*(c.tolist() for c in cols), strict=True):
        yield PacketRow(*values)


def packet_text(table: PacketTable, frames: Index | None = None) -> Array:
    """The packet list's lines of ``frames`` as tshark prints them, as one numpy string
    each (no newline), made column by column."""
    c = packet_columns(table, frames)
    return np.asarray(_cat(np.strings.rjust(c.number.astype(TEXT), 5), " ", np.strings.rjust(c.time, 10), " ",
                           np.strings.rjust(c.source, 12), " \u2192 ", np.strings.ljust(c.destination, 12), " ",
                           c.protocol, " ", c.length.astype(TEXT), " ", c.info))


def _cat(*parts: Array | str) -> Array:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out)


def packet_lines(table: PacketTable, frames: Index | None = None) -> Iterator[str]:
    """The packet list as tshark prints it, one string per frame."""
    yield from packet_text(table, frames).tolist()



def packet_bytes(table: PacketTable, frames: Index | None = None) -> bytes:
    """The packet list's lines of ``frames`` as tshark prints them, UTF-8, each with its
    newline: on a large capture (one whose kernels run compiled, ``tcpscope._jit``)
    written by the kernel of :mod:`tcpscope.views.list_kernel`, else :func:`packet_text`'s
    lines, so that a small capture never imports numba. The two are the same bytes
    (tests/views/test_list_kernel.py)."""
    n = table.n
    if not compiles(n) or "stream" not in table.layer("tcp").cols:
        lines = packet_text(table, frames).tolist()
        return ("\n".join(lines) + "\n").encode() if lines else b""
    return kernel_bytes(table, frames)


class _Pool:
    """The texts the kernel copies from, each once: its id by its text, in order."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def add(self, texts: list[str]) -> Index:
        """The ids of ``texts`` (added as they come), a text at a time (for few texts, or
        distinct ones)."""
        ids = self.ids
        return np.fromiter((ids.setdefault(t, len(ids)) for t in texts), dtype=np.int64, count=len(texts))

    def of(self, texts: Array) -> Index:
        """The ids of ``texts`` (added as they come)."""
        ids = self.ids
        items = texts.tolist()
        for t in dict.fromkeys(items):  # (each distinct text once; the rows are mapped without a Python loop)
            ids.setdefault(t, len(ids))
        return np.fromiter(map(ids.__getitem__, items), dtype=np.int64, count=len(items))

    def arrays(self) -> tuple[Array, Index, Index]:
        """The pool's bytes, where each entry starts (and the end), each entry's characters."""
        encoded = [t.encode() for t in self.ids]
        starts = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=starts[1:])
        chars = np.array([len(t) for t in self.ids], dtype=np.int64)
        return np.frombuffer(b"".join(encoded), dtype=np.uint8), starts, chars


class LineParts(NamedTuple):
    """What the kernel reads of each line besides numbers: the pool ids of the addresses
    and the Protocol, the tcp row, and Info's parts (:mod:`tcpscope.views.list_kernel`;
    -1: no text)."""

    source: Index
    destination: Index
    protocol: Index
    row: Index
    pfx: Array
    body: Array
    text: Index
    suffix: Index


def _line_parts(table: PacketTable, sel: Index, parts: TcpParts, pool: _Pool) -> LineParts:
    """The parts of the lines of frames ``sel``, by the rules of :func:`packet_columns`,
    their texts in ``pool``: each distinct text turned into an id once, the rows then
    handled as integers."""
    from tcpscope.views.info_parts import claimed_ids

    n = table.n
    k = sel.shape[0]
    top, below, mptcp = _top_codes(table)
    src, dst = _address_ids(table, pool)
    tcp = table.layer("tcp")
    tcp_row = tcp.last_row(n)[sel] if len(tcp) else np.full(k, -1, dtype=np.int64)
    t = np.where(_before_ports(table, top)[sel], below[sel], top[sel])
    is_tcp = (t == _TCP) & (tcp_row >= 0)
    row = np.where(is_tcp, tcp_row, 0)
    above = claimed_ids(table, parts, pool.of)
    if not len(tcp):  # (every row of a table without TCP reads tcp row 0: make it exist)
        above = _no_tcp(above)
    is_mptcp = mptcp[sel]
    from_above = is_tcp & above.claimed[row] & ~is_mptcp
    own = is_tcp & ~from_above & parts.ok[row]
    # the Protocol: the top protocol's text
    protocol = pool.add(_PROTOCOL_TEXTS)[t + 1]
    protocol[(t == _ARP) & rarp_frames(table)[sel]] = pool.add(["RARP"])[0]
    tcp_mptcp = pool.of(np.array(["TCP", "MPTCP"], dtype=TEXT))
    protocol[own] = tcp_mptcp[is_mptcp[own].astype(np.int64)]
    claimed = np.flatnonzero(from_above)
    protocol[claimed] = above.proto[row[claimed]]
    # Info: [prefixes] [the segment's own text] [text] [suffix]
    text = np.full(k, -1, dtype=np.int64)
    others = np.flatnonzero(~(own | from_above))
    text[others] = pool.of(_other_column(table, sel[others]))
    writes_own = own | (from_above & above.own[row])
    plain = parts.plain[row]
    body = writes_own & plain
    cut = np.flatnonzero(writes_own & ~plain)
    text[cut] = pool.of(parts.text[row[cut]])
    app = np.flatnonzero(from_above & ~above.own[row])
    text[app] = above.text[row[app]]
    suffix = np.full(k, -1, dtype=np.int64)
    suffix[claimed] = above.suffix[row[claimed]]
    empty = pool.ids[""]
    text[text == empty] = -1
    suffix[suffix == empty] = -1
    return LineParts(src[sel], dst[sel], protocol, row, body | (from_above & above.pfx[row]), body,
                      text, suffix)


def kernel_bytes(table: PacketTable, frames: Index | None = None) -> bytes:
    """:func:`packet_bytes` by the kernel, for an analysed table, whatever its size (the
    kernel itself runs compiled or not as ``tcpscope._jit`` chooses)."""
    from tcpscope.views.list_kernel import write_lines

    n = table.n
    sel = np.arange(n, dtype=np.int64) if frames is None else np.asarray(frames, dtype=np.int64)
    k = sel.shape[0]
    if n == 0 or k == 0:
        return b""
    li = line_inputs(table, sel)
    lp, parts = li.lines, li.parts
    plen = np.diff(li.pstart)
    # an upper bound: the numbers and padding, the addresses, the Protocol, then Info's
    bound = int(np.sum(200 + plen[lp.source] + plen[lp.destination] + plen[lp.protocol])) + li.info_bound
    out = np.empty(bound, dtype=np.uint8)
    first = table.records.ts_first if table.records.ts_first is not None else int(table.ts_ns[0])
    has_ts = table.records.has_ts[sel] if table.records.has_ts is not None else np.ones(k, dtype=np.bool_)
    size = write_lines.run(
        n, out, sel + table.records.first_frame + 1, np.asarray(table.ts_ns[sel], dtype=np.int64) - first,
        time_precision(table)[sel], has_ts, lp.source, lp.destination, lp.protocol,
        np.minimum(table.records.wirelen[sel], 0x7FFFFFFF).astype(np.int64), lp.row, lp.pfx, lp.body, lp.text,
        lp.suffix, li.data, li.pstart, li.pchars, parts.sport, parts.dport, li.flag_id, parts.seq, parts.ack,
        parts.win, parts.urg, parts.seglen, parts.aflags, parts.dupnum, parts.dupframe, parts.opt_lo, parts.opt_hi,
        parts.okind, parts.ov1, parts.ov2, parts.sack_lo, parts.sack_hi, parts.sle, parts.sre, li.pbits, li.pids,
        A_DUPLICATE_ACK)
    return out[:size].tobytes()


class LineInputs(NamedTuple):
    """What the list's compiled writers (:func:`kernel_bytes`'s lines,
    :mod:`tcpscope.views.info_kernel`'s Info alone) read besides the table's columns: the
    tcp rows' parts, each line's parts, the pool of texts (its bytes, where each entry
    starts, each entry's characters), the TCP flags' and Info prefixes' pool ids, and an
    upper bound of the bytes of the lines' Info."""

    parts: TcpParts
    lines: LineParts
    data: Array
    pstart: Index
    pchars: Index
    flag_id: Index
    pbits: Index
    pids: Index
    info_bound: int


def line_inputs(table: PacketTable, sel: Index) -> LineInputs:
    """The :class:`LineInputs` of frames ``sel`` (not empty) of an analysed table."""
    from tcpscope.views.info_parts import tcp_parts

    parts = tcp_parts(table)
    if not len(table.layer("tcp")):  # (every row of a table without TCP reads tcp row 0: make it exist)
        parts = _no_tcp(parts)
    pool = _Pool()
    pool.ids[""] = 0
    lp = _line_parts(table, sel, parts, pool)
    flag_id = pool.of(np.array(parts.flag_names, dtype=TEXT))[parts.flagid] if len(parts.flag_names) \
        else parts.flagid
    pbits = np.array([bit for bit, _ in PREFIXES], dtype=np.int64)
    pids = pool.of(np.array([prefix for _, prefix in PREFIXES], dtype=TEXT))
    data, pstart, pchars = pool.arrays()
    plen = np.diff(pstart)
    # Info's bound: the texts, a segment's own text (its flags under 100 bytes), every
    # prefix, 48 bytes an option and each SACK block
    nopts = np.where(lp.body, parts.opt_hi[lp.row] - parts.opt_lo[lp.row], 0)
    info = int(np.sum(np.where(lp.text >= 0, plen[lp.text], 0) + np.where(lp.suffix >= 0, plen[lp.suffix], 0)
                      + np.where(lp.body, 400, 0) + np.where(lp.pfx, 600, 0) + 48 * nopts))
    info += 48 * int(np.sum(parts.sack_hi - parts.sack_lo))
    return LineInputs(parts, lp, data, pstart, pchars, flag_id, pbits, pids, info)


T = TypeVar("T", bound=tuple[Any, ...])


def _no_tcp(parts: T) -> T:
    """``parts`` (of a table without tcp rows) with one row of zeros and empty texts."""
    return type(parts)(*(np.zeros(1, dtype=np.asarray(v).dtype) if isinstance(v, np.ndarray) else v for v in parts))
