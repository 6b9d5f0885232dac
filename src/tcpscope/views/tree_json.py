"""Each frame's details tree as data, and as ``tshark -T json`` writes it.

:func:`frame_details` walks the same tree descriptions as ``tcpscope show``
(:mod:`tcpscope.views.tree`) and gives, for each frame, its protocols as :class:`Detail`
items: every item's field name (tshark's JSON key), its line as ``tshark -V`` shows it,
its value as ``tshark -T json`` writes it, and where its bytes are in the frame (first
byte, length, hf bitmask) for the bytes pane's highlighting and ``-x``'s ``*_raw``
arrays. Items tshark adds with no line of their own (``ip.addr``, ``tcp.port``) are
there too, marked ``hidden``, as tshark's JSON has them.

:func:`tshark_json` writes frames' items as ``tshark -T json [-x]`` does (epan/print.c
``write_json_proto_tree``, 4.0): for each frame an object with ``_index``
(``packets-`` and the frame's local date), ``_type``, ``_score`` and ``_source.layers``,
the protocols keyed by name; in each, an item with a value is written ``"key": "value"``
and its subtree, if any, after it as ``"key_tree": {...}``; an item without a value
(FT_NONE, a text-only item keyed by its label, ``_ws.expert``) is written as its subtree
alone, ``"key": {...}``, or ``"key": ""`` when it has none; a protocol with no items is
written with its label as the value. Repeated keys are written each time, as tshark 4.0
does without ``--no-duplicate-keys``. With ``-x`` each item with bytes is preceded by
``"key_raw": [hex, first byte, length, bitmask, type]`` (the hex of the value under the
bitmask for an item with one, else of its bytes; the type as ftenum's number).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from tcpscope.dissect.tree_fields import TREE_FIELDS
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldDef, FieldType
from tcpscope.views.hexdump import data_sources
from tcpscope.views.tree import FieldStore, Item, Node, Protocol, Where, line_text
from tcpscope.views.tree_dns import DnsItem, dns_udp_items
from tcpscope.views.tree_dns_tcp import dns_tcp_items
from tcpscope.views.tree_frames import (
    PROTOCOLS,
    ExpertItem,
    Experts,
    data_bytes,
    frame_exception,
    frame_stacks,
    tcp_payload,
)
from tcpscope.views.tree_http import HttpTree, http_items
from tcpscope.views.tree_http_body import text_lines_items
from tcpscope.views.tree_http_text import HttpItem
from tcpscope.views.tree_ipv6_ext import OUTSIDE_SPAN
from tcpscope.views.tree_prefs import TcpTreePrefs
from tcpscope.views.tree_tcp import DATA
from tcpscope.views.tree_tls import tls_items

__all__ = ["FT_NUMBERS", "Detail", "FrameDetails", "frame_details", "json_close", "json_frames", "json_string", "tshark_json"]

#: epan/ftypes/ftypes.h's ftenum numbers (the last member of a ``*_raw`` array).
FT_NUMBERS: dict[FieldType, int] = {
    FieldType.NONE: 0, FieldType.PROTOCOL: 1, FieldType.BOOLEAN: 2, FieldType.CHAR: 3, FieldType.UINT8: 4,
    FieldType.UINT16: 5, FieldType.UINT24: 6, FieldType.UINT32: 7, FieldType.UINT64: 11, FieldType.INT8: 12,
    FieldType.INT16: 13, FieldType.INT32: 15, FieldType.INT64: 19, FieldType.DOUBLE: 23,
    FieldType.ABSOLUTE_TIME: 24, FieldType.RELATIVE_TIME: 25, FieldType.STRING: 26, FieldType.ETHER: 29,
    FieldType.BYTES: 30, FieldType.IPv4: 32, FieldType.IPv6: 33, FieldType.FRAMENUM: 35,
}
#: The types of the JSON keys that are not fields of the registry (hidden items whose
#: value another field holds).
_KEY_TYPES: dict[str, FieldType] = {
    "frame.encap_type": FieldType.INT16, "frame.offset_shift": FieldType.RELATIVE_TIME,
    "frame.time_delta_displayed": FieldType.RELATIVE_TIME, "frame.section_number": FieldType.UINT32,
    "frame.interface_name": FieldType.STRING,
    "ip.src_host": FieldType.STRING, "ip.dst_host": FieldType.STRING, "ip.host": FieldType.STRING,
    "ipv6.src_host": FieldType.STRING, "ipv6.dst_host": FieldType.STRING, "ipv6.host": FieldType.STRING,
    "data.data": FieldType.BYTES, "data.len": FieldType.INT32,
    "sll.ifindex": FieldType.UINT32, "sll.halen": FieldType.UINT16, "sll.src.eth": FieldType.ETHER,
    "sll.unused": FieldType.BYTES, "sll.ltype": FieldType.UINT16, "sll.gretype": FieldType.UINT16,
    "mpls.label": FieldType.UINT32, "mpls.exp": FieldType.UINT32, "mpls.bottom": FieldType.UINT32,
    "mpls.ttl": FieldType.UINT32,
    "gre.flags_and_version": FieldType.UINT16, "gre.flags.checksum": FieldType.BOOLEAN,
    "gre.flags.routing": FieldType.BOOLEAN, "gre.flags.key": FieldType.BOOLEAN,
    "gre.flags.sequence_number": FieldType.BOOLEAN, "gre.flags.strict_source_route": FieldType.BOOLEAN,
    "gre.flags.recursion_control": FieldType.UINT16, "gre.flags.reserved": FieldType.UINT16,
    "gre.flags.version": FieldType.UINT16, "gre.proto": FieldType.UINT16, "gre.checksum": FieldType.UINT16,
    "gre.checksum.status": FieldType.UINT8, "gre.offset": FieldType.UINT16, "gre.key": FieldType.UINT32,
    "gre.sequence_number": FieldType.UINT32,
    **TREE_FIELDS,
}
#: Severity and group words of an expert item's line, as numbers (epan/proto.h PI_*).
_SEVERITIES = {"Comment": 0x00100000, "Chat": 0x00200000, "Note": 0x00400000, "Warning": 0x00600000,
               "Error": 0x00800000}
_GROUPS = {"Checksum": 1, "Sequence": 2, "Response code": 3, "Request code": 4, "Undecoded": 5, "Reassemble": 6,
           "Malformed": 7, "Debug": 8, "Protocol": 9, "Security": 10, "Comment": 11, "Decryption": 12,
           "Assumption": 13, "Deprecated": 14}


@dataclass(frozen=True, slots=True)
class Detail:
    """One item of a frame's details tree.

    * ``key``: its field's name (``tcp.srcport``); a protocol's name (``tcp``); the label
      of a text-only item (``Timestamps``); ``_ws.expert`` for an expert item;
    * ``label``: its line as ``tshark -V`` shows it (generated items in brackets);
    * ``value``: the value as ``tshark -T json`` writes it ("" for an item without one);
    * ``start``, ``length``, ``bitmask``: where its bytes are in the frame (``start`` -1:
      it has none, as a generated item); ``raw``: the hex ``-x`` writes for it;
    * ``ftype``: the field's ftenum number (0 FT_NONE, 1 a protocol);
    * ``hidden``: an item tshark adds with no line of its own; ``children``: its subtree.
    """

    key: str
    label: str
    value: str
    start: int = -1
    length: int = 0
    bitmask: int = 0
    raw: str = ""
    ftype: int = 0
    hidden: bool = False
    children: tuple[Detail, ...] = ()


@dataclass(frozen=True, slots=True)
class FrameDetails:
    """A frame's tree: its number, time stamp (ns), protocols, and the protocols it has
    that have no tree in tcpscope yet (its items are then incomplete)."""

    number: int
    ts_ns: int
    protocols: tuple[Detail, ...]
    missing: tuple[str, ...]


class _Walk:
    """One frame's items being built: the values, the expert items and the frame's bytes."""

    def __init__(self, store: FieldStore, experts: Experts, frame: int) -> None:
        self.store = store
        self.experts = experts
        self.frame = frame
        self.offset = int(store.table.records.offset[frame])
        sources = data_sources(store.table, frame)
        self.data = sources[0].data if sources else b""

    def raw_hex(self, start: int, length: int, mask: int) -> str:
        """What ``-x`` writes for an item's bytes in the frame (:func:`_raw_hex`)."""
        return _raw_hex(self.data, start, length, mask)


def _raw_hex(source: bytes, start: int, length: int, mask: int) -> str:
    """What ``-x`` writes for an item's bytes: their hex; for an item with a bitmask, the
    bits under it (the bytes read as a big-endian number), shifted down, in upper-case
    hex (print.c writes them with ``%X``)."""
    if not mask:
        return source[start:start + length].hex()
    # (the bits are read from as many bytes as the mask spans: a TCP flag bit's item
    # holds the byte its bit is in, its mask is over the two bytes of the flags)
    data = source[start:start + max(length, (mask.bit_length() + 7) // 8)]
    return f"{(int.from_bytes(data, 'big') & mask) >> ((mask & -mask).bit_length() - 1):X}"


def _key(node: Node, item: Item) -> str:
    if callable(node.key):
        return node.key(item)
    return node.key or node.field


def _ftype(key: str, item: Item, registry: Mapping[str, FieldDef]) -> int:
    if key in _KEY_TYPES:  # (first: an item a tree adds under a registry field's name, as an expert item)
        return FT_NUMBERS[_KEY_TYPES[key]]
    fd = registry.get(key)
    if fd is not None:
        return FT_NUMBERS.get(fd.ftype, 0)
    return FT_NUMBERS.get(item.fd.ftype, 0) if item.has_field else 0


def _value(node: Node, item: Item) -> str:
    """The item's value as ``tshark -T json`` writes it: the field's text (bytes with
    colons between them), nothing for an item without a value."""
    if node.value is not None:
        return node.value(item)
    if not node.field or item.fd.ftype is FieldType.NONE:
        return ""
    if item.fd.ftype is FieldType.BYTES:
        text = item.text
        if text == "<MISSING>":  # none of the bytes captured: an empty value
            return ""
        return ":".join(text[i:i + 2] for i in range(0, len(text), 2))
    return item.text


def _bytes_of(walk: _Walk, node: Node, item: Item, base: int) -> tuple[int, int, int]:
    """Where the item's bytes are in the frame (first byte, length, bitmask); -1 for none."""
    spec = node.raw
    if spec is None:
        return -1, 0, 0
    if callable(spec):
        got = spec(item)
        return (-1, 0, 0) if got is None else got
    off, length, mask = spec
    return base + off, length, mask


def _details(walk: _Walk, node: Node, where: Where, base: int) -> list[Detail]:
    """The items of ``node`` (and its subtree) at ``where``, as :func:`tree.render_node` walks them."""
    store = walk.store
    if node.rows:
        out = []
        for r in Item(store, where, None, -1).rows_in(node.rows):
            out.extend(_one(walk, node, Where(where.frame, where.layer, {**where.rows, node.rows: r}), base))
        return out
    if node.each:
        return [d for k in range(store.field(node.each).count(where))
                for d in _one(walk, node, Where(where.frame, where.layer, where.rows, k), base)]
    return _one(walk, node, where, base)


def _one(walk: _Walk, node: Node, where: Where, base: int) -> list[Detail]:
    store = walk.store
    if node.field:
        f = store.field(node.field)
        i = f.find(where)
        if i < 0:
            return []
        item = Item(store, where, f, i)
    else:
        item = Item(store, where, None, -1)
    if node.when is not None and not node.when(item):
        return []
    if not node.field and node.label is None:  # only the children's items
        return [d for child in node.children for d in _details(walk, child, where, base)]
    text = line_text(node, item)
    if text is None:
        return []
    below = [d for child in node.children for d in _details(walk, child, where, base)]
    if node.experts:
        below.extend(_experts_of(walk, node, where, base))
    if not node.field and not below and not node.key:  # a text-only subtree with nothing in it is not added
        return []
    key = _key(node, item) if node.field or node.key else (text[1:-1] if node.generated else text)
    start, length, mask = _bytes_of(walk, node, item, base)
    length = min(length, len(walk.data) - start)  # an item holds the bytes captured of it
    if length <= 0:
        start, length = -1, 0
    raw = walk.raw_hex(start, length, mask) if start >= 0 else ""
    ftype = _ftype(key, item, store.registry) if node.field or node.key else FT_NUMBERS[FieldType.NONE]
    return [Detail(key, text, _value(node, item), start, length, mask, raw, ftype, node.hidden, tuple(below))]


def _experts_of(walk: _Walk, node: Node, where: Where, base: int) -> list[Detail]:
    """The node's expert items raised in the header, each followed by the nodes placed
    after it, then the nodes placed after them all."""
    out: list[Detail] = []
    follow = dict(node.follow)
    found = False
    for e in walk.experts.items(node.experts, where):
        found = True
        out.append(_expert(e))
        for extra in follow.pop(e.field, ()):
            out.extend(_details(walk, extra, where, base))
    if found or node.field:  # (a text-only item is there for its expert items only)
        for extra in follow.get("", ()):
            out.extend(_details(walk, extra, where, base))
    return out


def _expert(e: ExpertItem) -> Detail:
    """An expert item as proto_tree_add_expert adds it: ``_ws.expert`` holding the item's
    own field, its message, severity and group."""
    return Detail("_ws.expert", f"[{e.head}]", "", children=(
        Detail(e.field, e.message, "", hidden=True),
        Detail("_ws.expert.message", f"[{e.message}]", e.message, ftype=FT_NUMBERS[FieldType.STRING]),
        Detail("_ws.expert.severity", f"[Severity level: {e.severity}]", str(_SEVERITIES.get(e.severity, 0)),
               ftype=FT_NUMBERS[FieldType.UINT32]),
        Detail("_ws.expert.group", f"[Group: {e.group}]", str(_GROUPS.get(e.group, 0) << 24),
               ftype=FT_NUMBERS[FieldType.UINT32]),
    ))


def _protocol(walk: _Walk, proto: Protocol, frame: int, layer: int) -> Detail | None:
    table = walk.store.table
    rows: dict[str, int] = {}
    if proto.table:
        lt = table.layer(proto.table)
        rows[proto.table] = int(np.searchsorted(lt.pkt, frame)) + layer - 1
    where = Where(frame, layer, rows)
    head = Item(walk.store, where, None, -1)
    text = proto.label(head)
    if text is None:
        return None
    start, length = proto.span(head) if proto.span is not None else (-1, 0)
    length = min(length, len(walk.data) - start)  # an item holds the bytes captured of it
    children = tuple(d for node in proto.children for d in _details(walk, node, where, max(start, 0)))
    raw = walk.data[start:start + length].hex() if start >= 0 else ""
    return Detail(proto.name, text, "" if children else text, start, length, 0, raw, FT_NUMBERS[FieldType.PROTOCOL],
                  False, children)


def _data(walk: _Walk, frame: int, after: tuple[str, int]) -> Detail | None:
    """The Data protocol (packet-data.c): its bytes and their length."""
    got = data_bytes(walk.store, frame, after)
    if got is None or not got[1]:
        return None
    start, data = got
    n, hexed = len(data), data.hex()
    colons = ":".join(hexed[i:i + 2] for i in range(0, len(hexed), 2))
    label = f"Data ({n} byte{'' if n == 1 else 's'})"
    shown = hexed if n <= 36 else hexed[:72] + "\u2026"
    return Detail("data", label, "", start, n, 0, hexed, FT_NUMBERS[FieldType.PROTOCOL], children=(
        Detail("data.data", f"Data: {shown}", colons, start, n, 0, hexed, FT_NUMBERS[FieldType.BYTES]),
        Detail("data.len", f"[Length: {n}]", str(n), ftype=FT_NUMBERS[FieldType.INT32]),
    ))


def _dns_over_udp(walk: _Walk, frame: int, after: tuple[str, int], label_only: Detail | None) -> Detail | None:
    """The DNS tree of a UDP datagram (:func:`tcpscope.views.tree_dns.dns_udp_items`) as
    items, their bytes from the payload's first; the protocol's label alone where the tree
    is not written, nothing for a message too short for its item."""
    found = data_bytes(walk.store, frame, after)
    items = None if found is None else dns_udp_items(walk.store.table, frame, found[1])
    if items is None or found is None:
        return label_only
    return next(iter(_dns_details(walk, items, found[0])), None)


def _tls_over_tcp(walk: _Walk, frame: int, layer: int, label_only: Detail | None) -> list[Detail]:
    """The TLS tree of a TCP segment (:func:`tcpscope.views.tree_tls.tls_items`) as items,
    after the subtree of the record TCP reassembled for it, if any; their bytes from the
    reassembled record's first, or the payload's; the protocol's label alone where it is
    not written."""
    found = tcp_payload(walk.store, frame)
    got = None if found is None else tls_items(walk.store.table, frame, layer, found[1], found[2])
    if got is None or found is None:
        return [] if label_only is None else [label_only]
    if got.source is None:
        return list(_dns_details(walk, got.items, found[0]))
    return [*_http_details([got.reassembled] if got.reassembled else [], got.source, 0),
            *_dns_details(walk, got.items, 0, got.source)]


def _dns_over_tcp(walk: _Walk, frame: int, layer: int, protos: list[Detail], label_only: Detail | None,
                  ) -> list[Detail]:
    """DNS over TCP (:func:`tcpscope.views.tree_dns_tcp.dns_tcp_items`): the items it adds
    to the TCP tree appended to ``protos``' last ``tcp``, then the reassembled message's
    subtree, if any, and each message's tree; the protocol's label alone where not written."""
    found = tcp_payload(walk.store, frame)
    got = None if found is None else dns_tcp_items(walk.store.table, frame, layer, found[1])
    if got is None or found is None:
        return [] if label_only is None else [label_only]
    at = max(i for i, d in enumerate(protos) if d.key == "tcp")
    base = 0 if got.source is not None else found[0]
    tcp = [d for item in got.tcp for d in (_dns_details(walk, [item], found[0]) if item.key == "tcp.segment_data"
                                           else _dns_details(walk, [item], base, got.source))]
    protos[at] = replace(protos[at], children=(*protos[at].children, *tcp))
    segments = _http_details([got.reassembled], got.source or b"", 0) if got.reassembled is not None else ()
    return [*segments, *_dns_details(walk, got.messages, base, got.source)]


def _dns_details(walk: _Walk, items: Sequence[DnsItem], base: int, source: bytes | None = None) -> tuple[Detail, ...]:
    """Items as details, their places from ``base`` in the frame, or in ``source`` (a
    reassembled PDU's bytes) when given."""
    data = walk.data if source is None else source
    out = []
    for d in items:
        start = base + d.start if d.start >= 0 and d.key else -1
        length = min(d.length, len(data) - start) if start >= 0 else 0
        if length <= 0:
            start, length = -1, 0
        raw = _raw_hex(data, start, length, d.mask) if start >= 0 else ""
        below = _dns_details(walk, d.children, base, source)
        value = ("" if below else d.label) if d.ftype is FieldType.PROTOCOL else d.value
        out.append(Detail(d.key or d.label, d.label, value, start, length, d.mask, raw, FT_NUMBERS[d.ftype],
                          False, below))
    return tuple(out)


def _http(walk: _Walk, frame: int, layer: int) -> list[Detail]:
    """The HTTP tree of the ``layer``-th message the frame completes (:func:`http_items`),
    after the subtree of the PDU TCP reassembled for it, if any, and before the items
    after it (an exception)."""
    got = http_items(walk.store.table, frame, layer)
    source, base, limit = _message_source(walk, frame, got)
    span = _http_item(got, source, base, limit)
    before = [] if got.reassembled is None else list(_http_details([got.reassembled], source, 0))
    return [*before, span, *_http_details(got.after, source, base)]


def _http_item(got: HttpTree, source: bytes, base: int, limit: int) -> Detail:
    """The HTTP protocol's item. LEADING CRLF: bytes that begin with CR LF, more than 3 of
    them (RFC 7230 §3.5: a CRLF before a message is ignored), have the item start after
    those two. CUT SHORT: an item whose dissection an exception ended (:attr:`HttpTree.after`)
    keeps the length it was added with, the rest of its bytes (``limit``: their end)."""
    children = _http_details(got.items, source, base)
    lead = 2 if got.data[:2] == b"\r\n" and len(got.data) > 3 else 0
    start = base + lead if base >= 0 else -1
    length = (limit if got.after else base + got.span) - start if start >= 0 else 0
    raw = source[start:start + length].hex() if start >= 0 else ""
    return Detail("http", "Hypertext Transfer Protocol", "", start, length, 0, raw, FT_NUMBERS[FieldType.PROTOCOL],
                  False, children)


def _text_lines(walk: _Walk, frame: int, layer: int) -> list[Detail]:
    """Line-based text data (:func:`text_lines_items`), its bytes where its message's are."""
    got = text_lines_items(walk.store.table, frame, layer)
    if got is None:
        return []
    source, base, _end = _message_source(walk, frame, http_items(walk.store.table, frame, got[0]))
    return list(_http_details([got[1]], source, base))


def _message_source(walk: _Walk, frame: int, got: HttpTree) -> tuple[bytes, int, int]:
    """The bytes an HTTP message's items have their places in, where the message starts
    in them and where they end: the PDU TCP reassembled (from its first byte) for a
    message that is one; else the frame's, where its bytes are in the frame's TCP payload
    (-1: not found), to the payload's end."""
    if got.reassembled is not None:
        return got.data, 0, len(got.data)
    found = data_bytes(walk.store, frame, ("tcp", 0))
    if found is None or found[0] < 0:
        return walk.data, -1, -1
    at = found[1].find(got.data)
    return walk.data, (found[0] + at) if at >= 0 else -1, found[0] + len(found[1])


def _http_details(items: Sequence[HttpItem], source: bytes, base: int) -> tuple[Detail, ...]:
    """HTTP items as details: an expert item as tshark writes one, a text-only item keyed
    by its label and without bytes (tshark writes none for it), another with its bytes
    from ``source`` (its place from the message's first byte, at ``base``)."""
    out = []
    for it in items:
        if it.expert is not None:
            out.append(_expert(ExpertItem(it.expert[0], it.label[1:-1], it.value, it.expert[1], it.expert[2])))
            continue
        src, at = (it.source, 0) if it.source is not None else (source, base)
        start = at + it.start if it.start >= 0 and it.key and at >= 0 else -1
        length = min(it.length, len(src) - start) if start >= 0 else 0
        if length <= 0:
            start, length = -1, 0
        raw = src[start:start + length].hex() if start >= 0 else ""
        below = _http_details(it.children, src, at)
        value = ("" if below else it.label) if it.ftype is FieldType.PROTOCOL else it.value
        out.append(Detail(it.key or it.label, it.label, value, start, length, 0, raw, FT_NUMBERS[it.ftype],
                          it.hidden, below))
    return tuple(out)


def _holding(walk: _Walk, outer: Detail, inner: Detail) -> Detail:
    """The protocol ``outer`` with ``inner``'s tree as its last item, its bytes reaching to
    the end of ``inner``'s (unless ``inner`` is one it does not hold)."""
    if inner.key in OUTSIDE_SPAN:
        return replace(outer, children=(*outer.children, inner))
    end = max(outer.start + outer.length, inner.start + inner.length)
    length = end - outer.start if outer.start >= 0 else outer.length
    raw = walk.data[outer.start:outer.start + length].hex() if outer.start >= 0 else ""
    return replace(outer, length=length, raw=raw, children=(*outer.children, inner))


def frame_details(table: PacketTable, frames: NDArray[np.int64], registry: Mapping[str, FieldDef],  # noqa: PLR0913 -- the tree's settings, each named
                  before: int | None = None, names: bool = False,
                  *, tcp: TcpTreePrefs | None = None) -> Iterator[FrameDetails]:
    """The trees of ``frames`` (0-based, increasing) of ``table`` as items; ``before``: the
    time stamp of the frame shown last before them (an earlier piece of the capture);
    ``names``: MAC addresses with their names; ``tcp``: the TCP preferences followed
    (:class:`FieldStore`)."""
    store = FieldStore(table, frames, registry, before, names, tcp=tcp)
    experts = Experts(store)
    order = frames.tolist()
    stacks, missing = frame_stacks(store, order)
    first = table.records.first_frame
    for frame in order:
        walk = _Walk(store, experts, frame)
        protos: list[Detail] = []
        lacks = list(missing[frame])
        for k, (name, layer) in enumerate(stacks[frame]):
            proto = PROTOCOLS[name]
            got = _data(walk, frame, stacks[frame][k - 1]) if proto is DATA else _protocol(walk, proto, frame, layer)
            if name == "dns" and stacks[frame][k - 1][0] == "udp":  # (DNS's own items: views/tree_dns.py)
                got = _dns_over_udp(walk, frame, stacks[frame][k - 1], got)
            elif name == "tls" and stacks[frame][k - 1][0] in ("tcp", "tls"):  # (TLS's own items: views/tree_tls.py)
                protos.extend(_tls_over_tcp(walk, frame, layer, got))
                continue
            elif name == "dns" and stacks[frame][k - 1][0] in ("tcp", "dns"):  # (views/tree_dns_tcp.py)
                protos.extend(_dns_over_tcp(walk, frame, layer, protos, got))
                continue
            if name in ("http", "data-text-lines"):  # (their own items: views/tree_http*.py)
                protos.extend(_http(walk, frame, layer) if name == "http" else _text_lines(walk, frame, layer))
                continue
            if got is None and proto is DATA and data_bytes(store, frame, stacks[frame][k - 1]) is None:
                lacks.append(name)
            elif got is not None and proto.nested and protos:  # inside the tree before it, which holds its bytes
                protos[-1] = _holding(walk, protos[-1], got)
            elif got is not None:
                protos.append(got)
        stop = frame_exception(store, experts, frame)
        if stop is not None:
            # (a malformed packet's item holds its expert item, then a hidden mark of its own)
            mark = (Detail("_ws.malformed", "Malformed Packet", "Malformed Packet", hidden=True),) if stop.experts else ()
            protos.append(Detail(stop.key, stop.label, stop.label, ftype=FT_NUMBERS[FieldType.PROTOCOL],
                                 children=(*(_expert(e) for e in stop.experts), *mark)))
        yield FrameDetails(first + frame + 1, int(table.ts_ns[frame]), tuple(protos), tuple(lacks))


# ---- tshark -T json's text ----

def json_string(s: str) -> str:
    """A JSON string as json_dumper writes it (a solidus after ``<`` escaped too, so that no
    ``</script>`` is written)."""
    return json.dumps(s, ensure_ascii=False).replace("</", "<\\/")


def _write_items(items: Sequence[Detail], depth: int, raw: bool, out: list[str]) -> None:
    """The members of an object holding ``items``, one per line at ``depth`` (no closing line)."""
    pad = "  " * depth
    members: list[str] = []
    for d in items:
        if raw and d.start >= 0 and d.length > 0:
            members.append(f'{pad}{json_string(d.key + "_raw")}: [\n{pad}  {json_string(d.raw)},\n{pad}  {d.start},\n'
                           f"{pad}  {d.length},\n{pad}  {d.bitmask},\n{pad}  {d.ftype}\n{pad}]")
        valued = d.ftype not in (0, 1)
        if d.children and not valued:
            members.append(_object(pad, d.key, d.children, depth, raw))
            continue
        members.append(f"{pad}{json_string(d.key)}: {json_string(d.value)}")
        if d.children:
            members.append(_object(pad, d.key + "_tree", d.children, depth, raw))
    out.append(",\n".join(members))


def _object(pad: str, key: str, items: Sequence[Detail], depth: int, raw: bool) -> str:
    inner: list[str] = []
    _write_items(items, depth + 1, raw, inner)
    return f"{pad}{json_string(key)}: {{\n{inner[0]}\n{pad}}}"


def _frame_json(frame: FrameDetails, raw: bool) -> str:
    day = time.strftime("%Y-%m-%d", time.localtime(frame.ts_ns // 1_000_000_000))
    layers: list[str] = []
    _write_items(frame.protocols, 4, raw, layers)
    return (f'  {{\n    "_index": "packets-{day}",\n    "_type": "doc",\n    "_score": null,\n'
            f'    "_source": {{\n      "layers": {{\n{layers[0]}\n      }}\n    }}\n  }}')


def json_frames(frames: Iterable[FrameDetails], raw: bool = False, before: int = 0) -> Iterator[str]:
    """The frames' objects as ``tshark -T json [-x]`` writes them after its ``[``: each on a
    new line, after a comma but the first of all (``before``: how many were written
    before these)."""
    for k, frame in enumerate(frames):
        yield ("\n" if before + k == 0 else ",\n") + _frame_json(frame, raw)


def json_close(written: int) -> str:
    """The end of the array, after ``written`` frames."""
    return "\n]\n" if written else "]\n"


def tshark_json(frames: Iterable[FrameDetails], raw: bool = False) -> str:
    """The whole text ``tshark -T json [-x]`` writes for these frames."""
    got = list(json_frames(frames, raw))
    return "[" + "".join(got) + json_close(len(got))
