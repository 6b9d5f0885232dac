"""``tshark -V``: each frame's details tree, every protocol of the frame in turn.

A frame's protocols are those of ``frame.protocols``, outermost first; each one with a
tree here (:data:`PROTOCOLS`) prints it, the ``n``-th header of a protocol in the frame
reading the ``n``-th row of its layer table. ``ethertype`` adds no tree (packet-ethertype.c
adds its items to the Ethernet tree). A protocol without a tree here yet is reported by
:func:`frame_tree` as missing, so the caller (and the differential tests) know the frame's
text is incomplete.

The expert items of a frame sit where their protocol's tree places them (a node's
``experts``), each as tshark prints one (``proto_tree_add_expert``'s subtree): the item's
``_ws.expert`` text, then its message, severity and group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope.analysis.http_fields import message_table
from tcpscope.dissect.experts import EXPERTS, SHORT_NAMES, field_name
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.table.values import Values
from tcpscope.views.hexdump import hex_dump_many
from tcpscope.views.tree import FieldStore, Item, Protocol, Where, indent
from tcpscope.views.tree_arp import ARP
from tcpscope.views.tree_columns import Headers, header_bytes, header_texts
from tcpscope.views.tree_dns import DNS, dns_udp_text
from tcpscope.views.tree_dns_tcp import dns_tcp_text
from tcpscope.views.tree_gre import GRE
from tcpscope.views.tree_http import HTTP, http_text
from tcpscope.views.tree_http_body import TEXT_LINES, text_lines_text
from tcpscope.views.tree_icmp import ICMP, ICMPV6
from tcpscope.views.tree_ip import IPV4, IPV6
from tcpscope.views.tree_ipv6_ext import DSTOPTS, EXTENSIONS, FRAGHDR, HOPOPTS, ROUTING, extension_payload
from tcpscope.views.tree_kernel import Pool, gather
from tcpscope.views.tree_link import ETH, FRAME, NULL, RAW, VLAN
from tcpscope.views.tree_llc import LLC, llc_length
from tcpscope.views.tree_mpls import MPLS, STACKED
from tcpscope.views.tree_prefs import TcpTreePrefs
from tcpscope.views.tree_sll import SLL
from tcpscope.views.tree_tcp import DATA, TCP
from tcpscope.views.tree_tls import TLS, tls_text
from tcpscope.views.tree_udp import UDP

__all__ = ["PROTOCOLS", "Exception_", "ExpertItem", "Experts", "FrameTree", "data_bytes", "frame_exception", "frame_stacks", "label_fields", "payload_row", "show_bytes", "show_text",
           "tcp_payload"]

#: The protocols with a tree, by their name in ``frame.protocols``.
PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (FRAME, ETH, RAW, NULL, VLAN, SLL, MPLS, IPV4, IPV6, GRE, TCP, DATA,
                                                       HTTP, ICMP, ICMPV6, HOPOPTS, ROUTING, FRAGHDR, DSTOPTS, ARP)}
#: Protocols above TCP whose tree is text made from the segment's payload, not nodes:
#: (table, frame, layer number, payload, ports) -> text, or None where not written
PAYLOAD_TREES: dict[str, Callable[[PacketTable, int, int, bytes, tuple[int, int]], str | None]] = {
    "tls": tls_text,
    "dns": dns_tcp_text,
    "data-text-lines": text_lines_text}
PROTOCOLS.update({p.name: p for p in (TLS, DNS, TEXT_LINES)})
PROTOCOLS["udp"] = UDP
PROTOCOLS["llc"] = LLC
#: Protocols that add no tree of their own.
SILENT = frozenset({"ethertype"})

_EXPERT_HEAD = re.compile(r"Expert Info \(([^/]*)/(.*?)\): ")


@dataclass(frozen=True, slots=True)
class FrameTree:
    """One frame's text as ``tshark -V`` prints it, and the protocols it lacks a tree for."""

    text: str
    missing: tuple[str, ...]


class ExpertItem(NamedTuple):
    """One expert item as the tree shows it: its field, its ``_ws.expert`` line, its
    message and its severity and group words (``Note``, ``Sequence``)."""

    field: str
    head: str
    message: str
    severity: str
    group: str


def _expert_lines(e: ExpertItem, depth: int) -> list[tuple[int, str]]:
    """An expert item's lines, as proto_tree_add_expert's subtree shows them."""
    return [(depth, f"[{e.head}]"), (depth + 1, f"[{e.message}]"),
            (depth + 1, f"[Severity level: {e.severity}]"), (depth + 1, f"[Group: {e.group}]")]


class Experts:
    """The expert items of the frames shown: their field names and texts, per frame."""

    def __init__(self, store: FieldStore) -> None:
        # (the expert rows of the frames shown only: ``_first`` counts those rows)
        cut = store.shown_rows("_expert")
        ex = store.table.layer("_expert") if cut is None else cut[0].layer("_expert")
        self._first = np.searchsorted(ex.pkt, np.arange(store.table.n + 1)) if len(ex) else None
        self._names = [field_name(int(c)) for c in np.asarray(ex.cols["code"]).tolist()] if len(ex) else []
        self._store = store
        self._codes = np.asarray(ex.cols["code"]).tolist() if len(ex) else []

    def malformed_protocol(self, frame: int) -> str:
        """The protocol named by the frame's "Malformed Packet" item (its short name)."""
        if self._first is None:
            return ""
        for i in range(int(self._first[frame]), int(self._first[frame + 1])):
            if self._names[i] == "_ws.malformed.expert":
                return EXPERTS[int(self._codes[i])].protocol
        return ""

    def lines(self, names: tuple[str, ...], where: Where, depth: int) -> Iterator[tuple[str, list[tuple[int, str]]]]:
        """Each item of a field in ``names`` raised in the frame, in order, as its lines."""
        for e in self.items(names, where):
            yield e.field, _expert_lines(e, depth)

    def items(self, names: tuple[str, ...], where: Where) -> Iterator[ExpertItem]:
        """Each item of a field in ``names`` raised in the frame, in order."""
        if self._first is None:
            return
        f = where.frame
        a, b = int(self._first[f]), int(self._first[f + 1])
        label = self._store.field("_ws.expert")
        message = self._store.field("_ws.expert.message")
        for k, i in enumerate(range(a, b)):
            if self._names[i] not in names:
                continue
            head = label.texts()[label.find(where, k)]
            text = message.texts()[message.find(where, k)]
            m = _EXPERT_HEAD.match(head)
            severity, group = (m.group(1), m.group(2)) if m else ("", "")
            yield ExpertItem(self._names[i], head, text, severity, group)


def data_bytes(store: FieldStore, frame: int, after: tuple[str, int]) -> tuple[int, bytes] | None:
    """The bytes the Data protocol shows, after the header ``after`` (its protocol and
    layer number), and where they start in the frame: after TCP its payload; after IPv4 or
    IPv6 the rest of the datagram (its length, as much as was captured); after UDP its
    payload, to the header's length; after an MPLS
    label stack, a Linux cooked, Null, Ethernet or 802.1Q header the rest of the frame;
    after raw IP that is not IP the whole frame; after HTTP none (HTTP's tree holds its
    Data). None after another protocol (not written yet)."""
    table = store.table
    name, layer = after
    end = min(int(table.records.caplen[frame]), int(table.records.wirelen[frame]))
    offset = int(table.records.offset[frame])
    if name == "http":  # (HTTP calls the data dissector with its own tree as parent: tree_http writes it)
        return -1, b""
    if name == "tcp":
        item = Item(store, Where(frame, 0, payload_row(table, frame)), None, -1)
        hexed = item.text_of("tcp.payload")
        if hexed is None:
            return None
        start = int(item.column("tcp", "payload_off")) - offset if hexed else -1
        return start, bytes.fromhex(hexed)
    got = _header_end(table, name, frame, layer)
    if got is None:
        return None
    start, stop = got[0] - offset, got[1] - offset
    data = table.buffers[0] if table.buffers else table.data
    stop = min(stop, end)
    return start, bytes(data[offset + start:offset + stop]) if stop > start else b""


def _header_end(table: PacketTable, name: str, frame: int, layer: int) -> tuple[int, int] | None:
    """Where a header's payload starts and ends, in the capture's buffer (its own end, or
    far past the frame when it has no length of its own)."""
    if name == "raw":  # (raw IP that is not IP: the whole frame)
        start = int(table.records.offset[frame])
        return start, 1 << 62
    if name in EXTENSIONS:
        return extension_payload(table, frame, name, layer)
    if name not in ("ip", "ipv6", "mpls", "sll", "null", "eth", "vlan", "udp", "llc"):
        return None
    lt = table.layer(name)
    row = int(np.searchsorted(lt.pkt, frame)) + layer - 1
    if not _has_row(lt, frame, layer) or int(lt.cols["_buf"][row]):
        return None
    start = int(lt.cols["_start"][row])
    if name == "ip":
        hdr = int(lt.cols["hdr_len"][row])
        return start + hdr, start + int(lt.cols["len"][row])
    if name == "ipv6":
        return start + 40, start + 40 + int(lt.cols["plen"][row])
    if name == "udp":  # (decode_udp_ports: the payload to the header's length)
        return start + 8, start + int(lt.cols["ulen"][row])
    if name == "sll":
        size = 16 if int(lt.cols["version"][row]) == 1 else 20
    elif name == "llc":
        data = table.buffers[0] if table.buffers else table.data
        size = llc_length(bytes(data[start:start + 3]))
    else:
        size = {"mpls": 4, "null": 4, "eth": 14, "vlan": 4}[name]
    return start + size, 1 << 62


def _data_texts(store: FieldStore, where: Sequence[tuple[int, tuple[str, int]]], data_dumps: bool) -> list[str | None]:
    """The Data protocol (packet-data.c) in each frame (after the header given): its line,
    the hex of its bytes when ``data_dumps`` (DATA DUMPS, :func:`show_text`), the bytes and
    their length. Nothing when none of its bytes were captured; None where
    :func:`data_bytes` has none. The dumps are formatted together."""
    found = [data_bytes(store, frame, after) for frame, after in where]
    dumps = iter(hex_dump_many([got[1] for got in found if got is not None and got[1]]) if data_dumps else [])
    out: list[str | None] = []
    for got in found:
        if got is None or not got[1]:
            out.append(None if got is None else "")
            continue
        data = got[1]
        hexed = data.hex()
        shown = hexed if len(data) <= 36 else hexed[:72] + "\u2026"
        dump = f"\n{next(dumps)}" if data_dumps else ""
        out.append(f"Data ({len(data)} byte{'' if len(data) == 1 else 's'})\n{dump}"
                   f"    Data: {shown}\n    [Length: {len(data)}]\n")
    return out


def frame_stacks(store: FieldStore, frames: Sequence[int]) -> tuple[dict[int, list[tuple[str, int]]],
                                                                      dict[int, list[str]]]:
    """Each frame's protocols with a tree, in order, with their layer numbers; and the
    protocols it has no tree for (or whose header was not read)."""
    protos = store.field("frame.protocols")
    # (with its HTTP messages, whose layer HTTP's rows are in: frame.protocols has framed
    # them already, when the analysis did not carry them, and message_table remembers it)
    table = message_table(store.table)
    stacks: dict[int, list[tuple[str, int]]] = {}
    missing: dict[int, list[str]] = {}
    firsts = _FirstRows(table, frames)
    for at, frame in enumerate(frames):
        i = protos.find(Where(frame, 0, {}))
        names = protos.raw(i).split(":") if i >= 0 and protos.raw(i) else []
        seen: dict[str, int] = {}
        stack = stacks[frame] = [("frame", 0)]
        lacks = missing[frame] = []
        for name in names:
            seen[name] = seen.get(name, 0) + 1
            if name in SILENT:
                continue
            proto = PROTOCOLS.get(name)
            if proto is None:
                lacks.append(name)
            elif proto.table and not firsts.has_row(proto.table, at, frame, seen[name]):
                lacks.append(name)  # in the frame's protocols, with no header read
            elif name in STACKED:  # one name for a run of headers: each down to the last
                stack.extend(_run(table.layer(proto.table), frame, seen, name, STACKED[name]))
            else:
                stack.append((name, seen[name]))
    return stacks, missing


class _FirstRows:
    """Where each of some frames' rows start in each layer table, found for all the
    frames at once when a table is first asked about."""

    def __init__(self, table: PacketTable, frames: Sequence[int]) -> None:
        self._table = table
        self._frames = np.asarray(frames, dtype=np.int64)
        #: per table: each frame's first row, and the table's frames and layer numbers,
        #: as Python lists (a list item costs less than a numpy one)
        self._first: dict[str, tuple[list[int], list[int], list[int]]] = {}

    def has_row(self, name: str, at: int, frame: int, layer: int) -> bool:
        """Whether frame ``frame`` (the ``at``-th of the frames) has a header ``layer`` in table ``name``."""
        got = self._first.get(name)
        if got is None:
            lt = self._table.layer(name)
            got = self._first[name] = (np.searchsorted(lt.pkt, self._frames).tolist(), lt.pkt.tolist(),
                                       lt.layer.tolist())
        first, pkt, layers = got
        row = first[at] + layer - 1
        return row < len(pkt) and pkt[row] == frame and layers[row] == layer


def _run(lt: Layer, frame: int, seen: dict[str, int], name: str, last: str) -> list[tuple[str, int]]:
    """The headers of a run named once (an MPLS label stack), from the next one not shown
    to the first marked ``last``; ``seen`` counts them."""
    out = []
    while _has_row(lt, frame, seen[name]):
        out.append((name, seen[name]))
        row = int(np.searchsorted(lt.pkt, frame)) + seen[name] - 1
        if lt.cols[last][row]:
            break
        seen[name] += 1
    return out


def _before(stack: list[tuple[str, int]], entry: tuple[str, int]) -> tuple[str, int]:
    """The entry of a frame's stack before ``entry``."""
    at = stack.index(entry)
    return stack[at - 1] if at else ("frame", 0)


def _has_row(lt: Layer, frame: int, layer: int) -> bool:
    row = int(np.searchsorted(lt.pkt, frame)) + layer - 1
    return row < len(lt) and int(lt.pkt[row]) == frame and int(lt.layer[row]) == layer


def _headers(table: PacketTable, proto: Protocol, where: list[tuple[int, int]]) -> Headers:
    frames = np.array([f for f, _ in where], dtype=np.int64)
    layers = np.array([la for _, la in where], dtype=np.int64)
    if not proto.table:
        return Headers(frames, layers, {})
    lt = table.layer(proto.table)
    return Headers(frames, layers, {proto.table: np.searchsorted(lt.pkt, frames) + layers - 1})


def show_text(table: PacketTable, frames: NDArray[np.int64], registry: Mapping[str, FieldDef],  # noqa: PLR0913 -- the tree's settings, each named
              before: int | None = None, names: bool = False, *, tcp: TcpTreePrefs | None = None,
              data_dumps: bool = True) -> Iterator[FrameTree]:
    """The trees of ``frames`` (0-based, increasing) of ``table``; ``before``: the time stamp
    of the frame shown last before them (an earlier piece of the capture); ``names``: MAC
    addresses with their names; ``tcp``: the TCP preferences followed (:class:`FieldStore`).

    DATA DUMPS: print.c dumps the Data protocol's bytes under its line (an empty line, then
    the dump) as part of its subtree, unless ``-x`` is given (the whole frame follows in
    hex): ``data_dumps`` false leaves those dumps out (the top-level Data's and the one
    HTTP nests).

    Each protocol's headers are rendered together (:func:`tcpscope.views.tree_columns.header_texts`),
    then each frame's text is its protocols' texts in the frame's order. This is the
    Python writer; :func:`show_bytes` writes the same text with compiled kernels."""
    parts = _Parts(table, frames, registry, before, names, tcp, compiled=False, data_dumps=data_dumps)
    for frame in parts.order:
        texts, lacks = [], list(parts.missing[frame])
        for name, layer in parts.stacks[frame]:
            text = parts.texts[name][parts.at[name, frame, layer]]
            if text is None and _lacks_tree(name):
                lacks.append(name)
            elif text:
                texts.append(text)
        texts.append(parts.exception(frame))
        yield FrameTree("".join(texts), tuple(lacks))


def show_bytes(table: PacketTable, frames: NDArray[np.int64], registry: Mapping[str, FieldDef],  # noqa: PLR0913 -- as show_text
               before: int | None = None, names: bool = False, *, tcp: TcpTreePrefs | None = None) -> bytes:
    """The text :func:`show_text` writes for ``frames``, each frame's tree followed by a
    blank line, as UTF-8: the Frame, link, IP and TCP headers written by the compiled
    kernels (:func:`tcpscope.views.tree_columns.header_bytes`), the rest (HTTP, TLS,
    DNS, Data, a frame's exception) by the Python builders, spliced in order."""
    parts = _Parts(table, frames, registry, before, names, tcp, compiled=True)
    pool = Pool()
    ids: dict[str, NDArray[np.int64]] = {}
    for name, got in parts.texts.items():
        ids[name] = _pool_ids(pool, got)
    for name, (data, offsets, alive) in parts.blocks.items():
        ids[name] = np.where(alive, pool.block(data, offsets), -1)
    blank = pool.one("\n")
    order: list[int] = []
    for frame in parts.order:
        for name, layer in parts.stacks[frame]:
            order.append(int(ids[name][parts.at[name, frame, layer]]))
        text = parts.exception(frame)
        if text:
            order.append(pool.one(text))
        order.append(blank)
    return gather(np.array(order, dtype=np.int64), pool.arrays())


def _pool_ids(pool: Pool, texts: Sequence[str | None]) -> NDArray[np.int64]:
    """Each text's pool entry (-1 for none, or an empty text)."""
    out = np.full(len(texts), -1, dtype=np.int64)
    have = [k for k, t in enumerate(texts) if t]
    out[have] = pool.texts([texts[k] for k in have])  # type: ignore[misc]  # (not None: filtered)
    return out


def _lacks_tree(name: str) -> bool:
    """Whether a protocol with no text in a frame lacks a tree there (one written from its
    payload, Data, HTTP or ARP, that was not written), rather than adding no item."""
    return PROTOCOLS[name] in (DATA, HTTP, ARP) or name in PAYLOAD_TREES


class _Parts:
    """The texts of the frames' protocols, each protocol's headers rendered together: its
    texts (``texts``, per protocol in the order of ``at``), or, for the compiled writer,
    the kernels' bytes of those made from tree descriptions (``blocks``)."""

    def __init__(self, table: PacketTable, frames: NDArray[np.int64], registry: Mapping[str, FieldDef],  # noqa: PLR0913, PLR0917 -- show_text's settings, then the writer
                 before: int | None, names: bool, tcp: TcpTreePrefs | None, compiled: bool,
                 data_dumps: bool = True) -> None:
        store = self.store = FieldStore(table, frames, registry, before, names, tcp=tcp)
        experts = self.experts = Experts(store)
        self.order = frames.tolist()
        self.stacks, self.missing = frame_stacks(store, self.order)
        places: dict[str, list[tuple[int, int]]] = {}
        for frame in self.order:
            for name, layer in self.stacks[frame]:
                places.setdefault(name, []).append((frame, layer))
        self.texts: dict[str, Sequence[str | None]] = {}
        self.blocks: dict[str, tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.bool_]]] = {}
        self.at: dict[tuple[str, int, int], int] = {}
        for name, where in places.items():
            proto = PROTOCOLS[name]
            self.at.update(zip(((name, f, la) for f, la in where), range(len(where)), strict=True))
            if proto is DATA:
                self.texts[name] = _data_texts(store, [(f, _before(self.stacks[f], (name, la))) for f, la in where], data_dumps)
            elif proto is HTTP:
                self.texts[name] = [http_text(table, f, la, data_dumps) for f, la in where]
            elif name in PAYLOAD_TREES:
                self.texts[name] = [_payload_tree(store, name, f, la, _before(self.stacks[f], (name, la)))
                                    for f, la in where]
            elif compiled and not proto.nested:
                self.blocks[name] = header_bytes(store, proto, _headers(table, proto, where), experts.lines)
            else:
                got = header_texts(store, proto, _headers(table, proto, where), experts.lines)
                self.texts[name] = [_nest(t) if t and proto.nested else t for t in got]

    def exception(self, frame: int) -> str:
        """The lines of the frame's exception item (:func:`frame_exception`), if any."""
        return _exception(self.store, self.experts, frame)


def _nest(text: str) -> str:
    """A tree shown inside the one before it: each line one level deeper."""
    return "".join(f"    {line}" for line in text.splitlines(keepends=True))


def _payload_tree(store: FieldStore, name: str, frame: int, layer: int, after: tuple[str, int]) -> str | None:
    """The tree of a protocol of :data:`PAYLOAD_TREES` from the frame's TCP payload (or,
    for DNS after UDP, from the datagram's)."""
    if after[0] == "udp":
        found = data_bytes(store, frame, after)
        return None if found is None or name != "dns" else dns_udp_text(store.table, frame, found[1])
    got = tcp_payload(store, frame)
    return None if got is None else PAYLOAD_TREES[name](store.table, frame, layer, got[1], got[2])


def tcp_payload(store: FieldStore, frame: int) -> tuple[int, bytes, tuple[int, int]] | None:
    """The frame's TCP payload: where it starts in the frame, its bytes, and the segment's
    source and destination ports; None without one."""
    row = payload_row(store.table, frame)
    found = data_bytes(store, frame, ("tcp", 1))
    if not row or found is None:
        return None
    tcp = store.table.layer("tcp").cols
    return found[0], found[1], (int(tcp["srcport"][row["tcp"]]), int(tcp["dstport"][row["tcp"]]))


class Exception_(NamedTuple):
    """What show_exception (epan/show_exception.c) adds after a frame's trees: its item
    (``_ws.malformed`` or ``_ws.short``), its line, and its expert items."""

    key: str
    label: str
    experts: tuple[ExpertItem, ...]


def frame_exception(store: FieldStore, experts: Experts, frame: int) -> Exception_ | None:
    """The item show_exception adds after the trees of a frame whose dissection stopped on
    an exception: for a read past the frame's reported length, a ``[Malformed Packet:
    PROTO]`` item with its expert item (the protocol whose dissector was running); for a
    read past the captured bytes, ``[Packet size limited during capture: PROTO
    truncated]`` (the innermost protocol); else none."""
    table = store.table
    if table.malformed[frame]:
        found = tuple(experts.items(("_ws.malformed.expert",), Where(frame, 0, {})))
        code = experts.malformed_protocol(frame)
        tail = ": length of contained item exceeds length of containing item" if _flag(table, "contained", frame) else ""
        return Exception_("_ws.malformed", f"[Malformed Packet: {code}{tail}]", found)
    if _flag(table, "short", frame):
        protos = store.field("frame.protocols")
        i = protos.find(Where(frame, 0, {}))
        names = protos.raw(i).split(":") if i >= 0 and protos.raw(i) else []
        last = SHORT_NAMES.get(names[-1], names[-1]) if names else ""
        return Exception_("_ws.short", f"[Packet size limited during capture: {last} truncated]", ())
    return None


def _exception(store: FieldStore, experts: Experts, frame: int) -> str:
    """The lines of :func:`frame_exception`'s item."""
    got = frame_exception(store, experts, frame)
    if got is None:
        return ""
    return f"{got.label}\n" + indent([line for e in got.experts for line in _expert_lines(e, 1)])


def _flag(table: PacketTable, column: str, frame: int) -> bool:
    got = table.frame_cols.get(column)
    return got is not None and bool(got[frame])


def payload_row(table: PacketTable, frame: int) -> dict[str, int]:
    """The row of the frame's (last) TCP header: where the Data after it reads the payload."""
    lt = table.layer("tcp")
    row = int(np.searchsorted(lt.pkt, frame, side="right")) - 1
    return {"tcp": row} if row >= 0 and int(lt.pkt[row]) == frame else {}


def frames_text(trees: Sequence[FrameTree]) -> str:
    """Frames' trees as ``tshark -V`` separates them: a blank line after each."""
    return "".join(t.text + "\n" for t in trees)


def _labels(proto: Protocol, registry: Mapping[str, FieldDef]) -> Callable[[PacketTable], Values]:
    """The getter of a protocol's labels: the top line of its tree for each of its headers."""

    def get(table: PacketTable) -> Values:
        store = FieldStore(table, np.arange(table.n, dtype=np.int64), registry)
        head = proto.label
        if not proto.table:  # the frame itself: one label a frame
            pkt = np.arange(table.n, dtype=np.int64)
            texts = [head(Item(store, Where(f, 0, {}), None, -1)) or "" for f in pkt.tolist()]
            return Values(pkt, np.array(texts, dtype=np.str_))
        lt = table.layer(proto.table)
        found = [head(Item(store, Where(f, layer, {proto.table: r}), None, -1))
                 for r, (f, layer) in enumerate(zip(lt.pkt.tolist(), lt.layer.tolist(), strict=True))]
        keep = np.array([t is not None for t in found], dtype=np.bool_)  # a header with no item: no value
        labels = np.array([t for t in found if t is not None], dtype=np.str_).reshape(-1)
        return Values(lt.pkt[keep], labels, lt.layer[keep])

    return get


def label_fields(fields: Sequence[FieldDef], registry: Mapping[str, FieldDef]) -> list[FieldDef]:
    """``fields`` with each protocol that has a tree here (``tcp``, ``ip``, ``eth``, ``frame``
    ...) made the text tshark prints for it with ``-T fields``: the top line of its tree
    (print.c prints an FT_PROTOCOL item's label). Other fields are left as they are."""
    out = []
    for fd in fields:
        proto = PROTOCOLS.get(fd.name)
        if fd.ftype is FieldType.PROTOCOL and proto is not None and proto.in_fields and (proto.table or proto is FRAME):
            fd = replace(fd, ftype=FieldType.STRING, get=_labels(proto, registry))
        out.append(fd)
    return out
