"""The flow graph: ``tshark -q -z flow,tcp,standard`` (and ``,network``), byte for byte.

Which segments (``tcp_seq_analysis_packet``, packet-tcp.c): the listener is on the ``tcp``
tap, so a segment is an item of the graph exactly when it counts for ``-z conv,tcp``
(:mod:`tcpscope.views.conversations`: a whole header, not quoted in an ICMP error), one
item per frame, in frame order. ``mask`` keeps the frames a tap filter selects
(``-z flow,tcp,standard,FILTER``).

What each item carries (``tcp_seq_analysis_packet`` and
``sequence_analysis_create_sai_with_addresses``, epan/sequence_analysis.c):

* the addresses: ``standard`` takes the network addresses (``pinfo->net_src/net_dst``:
  the IPv6 header's own destination), ``network`` the addresses the TCP dissector sees
  (``pinfo->src/dst``: an IPv6 Routing header with segments left names the final one).
  The two differ only there;
* the ports, the conversation number ``tcp.stream`` cut to 16 bits (a ``guint16``);
* the time: the packet list's Time column (seconds since the first frame, as many
  decimals as the frame's interface's precision);
* the label: the flag names of the Info column (``tcp_flags_to_str``), then
  `` - Len: N`` when the segment has a length and it is not zero;
* the comment: ``Seq = S Ack = A`` with the relative numbers, ``Seq = S`` without ACK.

The nodes (``sequence_analysis_get_nodes``): every item's source, then its destination,
in item order, each address once, at most :data:`MAX_NUM_NODES` of them; an address past
those is drawn at the position of node :data:`NODE_OVERFLOW`, off the columns.

The layout (``sequence_analysis_dump_to_file``) is :func:`flow_lines`; a picture of the
same items is in :mod:`tcpscope.views.flow_svg`.

:class:`FlowGraph` gathers the items a piece of the capture at a time, as columns
(98 bytes a segment, 16 more with states: the whole graph must be known before its
first line, whose columns depend on every address). ``states`` adds each item's ``tcpscope.state.client``
and ``tcpscope.state.server`` (any two fields, read by their definitions' ``get`` as every
field is), kept as codes into the texts seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tcpscope._types import Array, Index, Mask
from tcpscope.constants import ACK
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef
from tcpscope.table.text import format_values
from tcpscope.table.values import Values
from tcpscope.views.conversation_sums import counted_rows
from tcpscope.views.conversations import address_text, row_addresses
from tcpscope.views.info import flags_text
from tcpscope.views.packet_list import time_precision, time_text

__all__ = [
    "MAX_NUM_NODES",
    "NODE_CHARS_WIDTH",
    "NODE_OVERFLOW",
    "FlowGraph",
    "FlowItems",
    "flow_lines",
    "item_comment",
    "item_label",
    "overwrite",
    "state_changes",
    "state_words",
]

#: Columns of addresses the text draws (sequence_analysis.h).
MAX_NUM_NODES = 40
#: Where an address past them is drawn: as if it were node 41.
NODE_OVERFLOW = MAX_NUM_NODES + 1
#: Characters per node column.
NODE_CHARS_WIDTH = 20
#: Items rendered per batch: their columns become Python values a batch at a time.
_BATCH = 8192
#: Drawn lines kept for reuse, of each kind (a line is up to about 800 characters).
_KEPT = 4096

_TIME_HEADER = "|Time     "
_CONV_TIME_HEADER = "Conv.| Time    "
_TIME_EMPTY_HEADER = "|         "
_CONV_TIME_EMPTY_HEADER = "     |         "
#: The widths the separator line adds to the nodes' (one more than the conversation header's).
_TIME_HEADER_LENGTH = 10
_CONV_TIME_HEADER_LENGTH = 16


@dataclass(frozen=True, kw_only=True)
class FlowItems:
    """The items of a flow graph, one per segment, in frame order (module docstring).

    ``src_node``/``dst_node`` index ``nodes`` (every address, in order of first
    appearance; the text draws the first :data:`MAX_NUM_NODES`). ``seglen`` is -1 for a
    segment without a length. ``client``/``server`` index ``state_texts`` (-1: none);
    they are None when the graph was built without states."""

    frame: Index
    rel_ns: Index
    digits: Index  # decimals of the time
    has_ts: Mask
    src_node: Index
    dst_node: Index
    sport: Index
    dport: Index
    stream: Index
    flags: Index
    use_ace: Mask
    seglen: Index
    seq: Index
    ack: Index
    nodes: tuple[str, ...]
    client: Index | None = None
    server: Index | None = None
    state_texts: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.frame.shape[0])


_INT_COLUMNS = ("frame", "rel_ns", "digits", "src_node", "dst_node", "sport", "dport", "stream", "flags",
                "seglen", "seq", "ack")
_BOOL_COLUMNS = ("has_ts", "use_ace")


class _Codes:
    """Distinct values (addresses, state texts) numbered in order of first appearance,
    across pieces: one Python object per distinct value, none per segment."""

    def __init__(self) -> None:
        self.index: dict[bytes | str, int] = {}

    def codes(self, keys: Array) -> Index:
        """The number of each of ``keys`` (one row of bytes or one string each), new ones
        numbered in the order they first occur in ``keys``."""
        if keys.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        group, first = _groups(keys)
        number = np.empty(first.shape[0], dtype=np.int64)
        for u in np.argsort(first, kind="stable").tolist():
            row = keys[first[u]]
            key = row.tobytes() if keys.ndim > 1 else str(row)
            number[u] = self.index.setdefault(key, len(self.index))
        out: Index = number[group]
        return out


def _groups(keys: Array) -> tuple[Index, Index]:
    """Equal keys (rows of bytes, or strings) as groups: each key's group, and the first
    key of each group. Rows are compared eight bytes at a time (a stable sort on those
    words), which is many times quicker than ``np.unique(axis=0)``."""
    if keys.ndim == 1:
        _, at, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return inverse.reshape(-1).astype(np.int64), at.astype(np.int64)
    width = -(-keys.shape[1] // 8) * 8
    padded = np.zeros((keys.shape[0], width), dtype=np.uint8)
    padded[:, : keys.shape[1]] = keys
    words = padded.view(np.uint64)
    order = np.lexsort(words.T[::-1])
    ranked = words[order]
    new = np.ones(keys.shape[0], dtype=np.bool_)
    new[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    group = np.empty(keys.shape[0], dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    first: Index = order[new].astype(np.int64)  # the sort is stable: a group's first row comes first
    return group, first


class FlowGraph:
    """The flow graph's items gathered over analysed pieces (module docstring).

    ``network``: the addresses of ``-z flow,tcp,network`` (else ``standard``).
    ``states``: the two fields whose texts are the client's and the server's state."""

    def __init__(self, network: bool = False, states: tuple[FieldDef, FieldDef] | None = None) -> None:
        self.network = network
        self.states = states
        self._parts: dict[str, list[Array]] = {k: [] for k in (*_INT_COLUMNS, *_BOOL_COLUMNS, "client", "server")}
        self._nodes = _Codes()
        self._node_keys: list[tuple[Array, int]] = []  # (16 bytes, type) of each node, in node order
        self._state_codes = _Codes()
        self._ts_first: int | None = None

    def add(self, table: PacketTable, mask: Mask | None = None) -> None:
        """Take the items of an analysed piece; ``mask`` (a boolean per frame) keeps only
        the frames it selects."""
        if self._ts_first is None and table.n:
            first = table.records.ts_first
            self._ts_first = int(table.ts_ns[0]) if first is None else first
        tcp = table.layer("tcp")
        if len(tcp) == 0:
            return
        if "stream" not in tcp.cols:
            raise ValueError("the flow graph needs an analysed table: run tcpscope.analysis.analyze first")
        counted = counted_rows(table)
        if mask is not None:
            counted &= np.asarray(mask, dtype=np.bool_)[tcp.pkt]
        rows = np.flatnonzero(counted)
        src, dst, atype = row_addresses(table, rows, routed=self.network)
        keep = atype != 0  # both addresses known (sequence_analysis_create_sai_with_addresses)
        rows, src, dst, atype = rows[keep], src[keep], dst[keep], atype[keep]
        if rows.shape[0] == 0:
            return
        self._add_nodes(src, dst, atype)
        pkt = tcp.pkt[rows]
        cols = tcp.cols
        parts = self._parts
        parts["frame"].append(table.records.first_frame + pkt + 1)
        parts["rel_ns"].append(table.ts_ns[pkt] - (self._ts_first or 0))
        parts["digits"].append(time_precision(table)[pkt])
        has_ts = table.records.has_ts
        parts["has_ts"].append(np.ones(pkt.shape[0], dtype=np.bool_) if has_ts is None else has_ts[pkt])
        for name, col in (("sport", "srcport"), ("dport", "dstport"), ("stream", "stream"), ("flags", "flags"),
                          ("seglen", "len"), ("seq", "seq"), ("ack", "ack")):
            parts[name].append(np.asarray(cols[col], dtype=np.int64)[rows])
        parts["seq"][-1] &= 0xFFFFFFFF
        parts["ack"][-1] &= 0xFFFFFFFF
        parts["use_ace"].append(np.asarray(cols["use_ace"], dtype=np.bool_)[rows])
        if self.states is not None:
            for side, fd in zip(("client", "server"), self.states, strict=True):
                parts[side].append(self._state_of(fd, table, pkt))

    def _add_nodes(self, src: Array, dst: Array, atype: Array) -> None:
        """Number the addresses of the new items: source then destination, item by item."""
        keys = np.empty((src.shape[0] * 2, 17), dtype=np.uint8)
        keys[0::2, :16], keys[1::2, :16] = src, dst
        keys[:, 16] = np.repeat(atype.astype(np.uint8), 2)
        before = len(self._nodes.index)
        codes = self._nodes.codes(keys)
        seen, at = np.unique(codes, return_index=True)
        for k in at[seen >= before].tolist():
            self._node_keys.append((keys[k, :16], int(keys[k, 16])))
        self._parts["src_node"].append(codes[0::2])
        self._parts["dst_node"].append(codes[1::2])

    def _state_of(self, fd: FieldDef, table: PacketTable, pkt: Index) -> Index:
        """The code of ``fd``'s text in each frame of ``pkt`` (-1 where it has none; its
        last value where it has several)."""
        v = fd.get(table)
        per_frame = np.full(table.n, -1, dtype=np.int64)
        if len(v):
            uniq, inverse = np.unique(v.data, return_inverse=True)
            texts = np.asarray(format_values(fd, Values(np.zeros(uniq.shape[0], dtype=np.int64), uniq)), dtype=str)
            per_frame[v.pkt] = self._state_codes.codes(texts)[inverse.reshape(-1)]
        out: Index = per_frame[pkt]
        return out

    def result(self) -> FlowItems:
        """The items gathered so far."""
        cols: dict[str, Array] = {}
        for name in _INT_COLUMNS:
            cols[name] = np.concatenate(self._parts[name]) if self._parts[name] else np.zeros(0, dtype=np.int64)
        for name in _BOOL_COLUMNS:
            cols[name] = np.concatenate(self._parts[name]) if self._parts[name] else np.zeros(0, dtype=np.bool_)
        if self.states is not None:
            for side in ("client", "server"):
                parts = self._parts[side]
                cols[side] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        raw = np.array([k for k, _ in self._node_keys], dtype=np.uint8).reshape(-1, 16)
        types = np.array([t for _, t in self._node_keys], dtype=np.int8)
        return FlowItems(**cols, nodes=tuple(address_text(raw, types).tolist()),
                         state_texts=tuple(str(k) for k in self._state_codes.index))


# ---- the text ----


def overwrite(line: str, text: str, p1: int, p2: int) -> str:
    """``overwrite`` of sequence_analysis.c: ``text``, cut to the width between ``p1``
    and ``p2``, replaces as many characters of ``line`` from the smaller of the two (or
    from the end of ``line`` if that is past it). Only when the replaced characters all
    lie inside ``line`` are they removed (GLib's ``g_string_erase`` refuses otherwise, and
    the text is then only inserted); equal positions change nothing."""
    if p1 == p2:
        return line
    pos, width = min(p1, p2), abs(p1 - p2)
    new = text[:width]
    pos = min(pos, len(line))
    end = pos + len(new) if pos + len(new) <= len(line) else pos
    return line[:pos] + new + line[end:]


def _pad(text: str, width: int) -> str:
    """``enlarge_string``: ``text`` padded with spaces to ``width`` (never cut)."""
    return text.ljust(width)


def item_label(flags: int, use_ace: bool, seglen: int) -> str:
    """The label on an item's arrow: the flag names (as the Info column writes them),
    then `` - Len: N`` if the segment has a length and it is not zero."""
    names = flags_text(flags, use_ace)
    return f"{names} - Len: {seglen}" if seglen > 0 else names


def item_comment(flags: int, seq: int, ack: int) -> str:
    """The comment at the right of an item: the relative sequence number, and the
    acknowledgment number when the ACK flag is set."""
    return f"Seq = {seq} Ack = {ack}" if flags & ACK else f"Seq = {seq}"


def _header(nodes: tuple[str, ...], several: bool) -> tuple[list[str], str]:
    """The two header lines (node addresses, even ones on the first line, odd ones on the
    second, each over two node widths) and the empty line every item is drawn over."""
    shown = nodes[:MAX_NUM_NODES]
    first = _CONV_TIME_HEADER if several else _TIME_HEADER
    second = (_CONV_TIME_EMPTY_HEADER if several else _TIME_EMPTY_HEADER) + _pad("| ", NODE_CHARS_WIDTH)
    empty = ""
    for i in range(0, len(shown), 2):
        first += _pad(f"| {shown[i]}", NODE_CHARS_WIDTH * 2)
        empty += _pad("| ", NODE_CHARS_WIDTH)
    for i in range(1, len(shown), 2):
        label = f"| {shown[i]}"
        if len(label) < NODE_CHARS_WIDTH:
            label = _pad(label, NODE_CHARS_WIDTH) + "| "
        second += _pad(label, NODE_CHARS_WIDTH * 2)
        empty += _pad("| ", NODE_CHARS_WIDTH)
    return [first + "|", second], empty + "|"


def _column(node: int) -> int:
    """The column a node is drawn in: its own, or :data:`NODE_OVERFLOW` past the first
    :data:`MAX_NUM_NODES` (``add_or_get_node``)."""
    return node if node < MAX_NUM_NODES else NODE_OVERFLOW


def _positions(src: int, dst: int) -> tuple[int, int]:
    """Where an item's arrow starts and ends: the middle of each node's column; from a
    node to itself, one column to the right."""
    start = _column(src) * NODE_CHARS_WIDTH + NODE_CHARS_WIDTH // 2
    end = _column(dst) * NODE_CHARS_WIDTH + NODE_CHARS_WIDTH // 2
    return (start, start + NODE_CHARS_WIDTH) if start == end else (start, end)


def _arrow(empty: str, start: int, end: int, sport: int, dport: int) -> str:
    """The arrow line's nodes part: one character short of the width between the columns,
    dashes ending in ``>`` from the left or starting with ``<`` from the right, the source
    port just outside the tail, the destination port just beyond the head."""
    width = abs(end - start)
    line = overwrite(empty, "-" * (width - 2) + ">" if start < end else "<" + "-" * (width - 2), start, end)
    if start < end:
        line = overwrite(line, f"({sport})", start - 9, start - 1)
        return overwrite(line, f"({dport})", end + 1, end + 9)
    line = overwrite(line, f"({sport})", start + 1, start + 9)
    return overwrite(line, f"({dport})", end - 9, end + 1)


def state_changes(items: FlowItems) -> tuple[Mask, Mask]:
    """Which items show a client state, and which a server state, other than the item
    before them in the same ``tcp.stream`` (the first item of a stream shows both)."""
    n = len(items)
    out = []
    for codes in (items.client, items.server):
        changed = np.zeros(n, dtype=np.bool_)
        if codes is not None and n:
            order = np.argsort(items.stream, kind="stable")
            c, s = codes[order], items.stream[order]
            new = np.ones(n, dtype=np.bool_)
            new[1:] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
            changed[order] = new & (c >= 0)
        out.append(changed)
    return out[0], out[1]


def state_words(items: FlowItems, i: int, client: bool, server: bool) -> str:
    """The states of item ``i`` that ``client`` and ``server`` ask for, in words
    (``client ESTABLISHED, server SYN-RECEIVED``); empty for none."""
    said = []
    if client and items.client is not None:
        said.append(f"client {items.state_texts[int(items.client[i])]}")
    if server and items.server is not None:
        said.append(f"server {items.state_texts[int(items.server[i])]}")
    return ", ".join(said)


class _Drawing:
    """The nodes part of each item's two lines, drawn once per distinct item shape and
    kept (at most :data:`_KEPT` of each, then drawn again): a label line depends only on
    the two nodes and the label, an arrow line on the two nodes and the ports."""

    def __init__(self, empty: str, empty_header: str) -> None:
        self.empty = empty
        self.empty_header = empty_header
        self.labels: dict[tuple[int, int, int, bool, int], str] = {}
        self.arrows: dict[tuple[int, int, int, int], str] = {}

    def label(self, src: int, dst: int, flags: int, ace: bool, seglen: int) -> str:
        key = (src, dst, flags, ace, seglen)
        drawn = self.labels.get(key)
        if drawn is None:
            if len(self.labels) >= _KEPT:
                self.labels.clear()
            drawn = self.labels[key] = overwrite(self.empty, item_label(flags, ace, seglen), *_positions(src, dst))
        return drawn

    def arrow(self, src: int, dst: int, sport: int, dport: int) -> str:
        key = (src, dst, sport, dport)
        drawn = self.arrows.get(key)
        if drawn is None:
            if len(self.arrows) >= _KEPT:
                self.arrows.clear()
            drawn = self.arrows[key] = self.empty_header + _arrow(self.empty, *_positions(src, dst), sport, dport)
        return drawn


def flow_lines(items: FlowItems, states: bool = False) -> Iterator[str]:
    """The lines of ``tshark -q -z flow,tcp,...`` (``sequence_analysis_dump_to_file``),
    without their line ends; nothing for no items. ``states`` appends to each comment
    the client's and the server's state where they change (tcpscope's own text)."""
    n = len(items)
    if n == 0:
        return
    conv = items.stream & 0xFFFF
    several = bool((conv != conv[0]).any())
    head, empty = _header(items.nodes, several)
    yield from head
    draw = _Drawing(empty, _CONV_TIME_EMPTY_HEADER if several else _TIME_EMPTY_HEADER)
    separator = "-" * (len(empty) + (_CONV_TIME_HEADER_LENGTH if several else _TIME_HEADER_LENGTH))
    notes = _state_notes(items) if states else None
    previous = int(conv[0])
    for lo in range(0, n, _BATCH):
        part = slice(lo, lo + _BATCH)
        out: list[str] = []
        for i, (c, rel, digits, has_ts, src, dst, sport, dport, flags, ace, seglen, seq, ack) in enumerate(zip(
                conv[part].tolist(), items.rel_ns[part].tolist(), items.digits[part].tolist(),
                items.has_ts[part].tolist(), items.src_node[part].tolist(), items.dst_node[part].tolist(),
                items.sport[part].tolist(), items.dport[part].tolist(), items.flags[part].tolist(),
                items.use_ace[part].tolist(), items.seglen[part].tolist(), items.seq[part].tolist(),
                items.ack[part].tolist(), strict=True), start=lo):
            if c != previous:
                out.append(separator)
                previous = c
            out.append(f"{f'{c:<5}' if several else ''}|{time_text(rel, digits, has_ts):<9}"
                       f"{draw.label(src, dst, flags, ace, seglen)}{item_comment(flags, seq, ack)}"
                       f"{notes.get(i, '') if notes is not None else ''}")
            out.append(draw.arrow(src, dst, sport, dport))
        yield from out


def _state_notes(items: FlowItems) -> dict[int, str]:
    """What ``--states`` appends to the items where a state changes, by item."""
    client, server = state_changes(items)
    at = np.flatnonzero(client | server)
    return {i: f"  [{state_words(items, i, c, s)}]"
            for i, c, s in zip(at.tolist(), client[at].tolist(), server[at].tolist(), strict=True)}
