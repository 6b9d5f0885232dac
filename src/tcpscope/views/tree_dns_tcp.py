"""DNS over TCP in the details tree (packet-dns.c's ``dissect_dns_tcp`` through packet-tcp.c's
``tcp_dissect_pdus``): each message after its 2-byte length (RFC 1035 §4.2.2), its tree
as over UDP (:func:`tcpscope.views.tree_dns.message_items`: one home for each item's
formatting), with the items ``tcp_dissect_pdus`` adds to the TCP tree.

A segment's messages: the framing's DNS rows of the frame (``_dns``) are the messages it
completed there. Without reassembly, the messages the segment holds whole, one ``dns``
in ``frame.protocols`` for them all. REASSEMBLED MESSAGE: a segment that completes a
message begun in earlier segments (:mod:`tcpscope.views.tree_pdu_reassembled`) shows it
from the reassembled bytes, after the ``[N Reassembled TCP Segments ...]`` subtree
(:func:`tcpscope.views.tree_tcp_reassembled.segments_item`).

TCP's items (at the end of the TCP tree): a generated ``[PDU Size: N]`` per message TCP
hands on (its length and the 2 length bytes), then, for a reassembled message, ``TCP
segment data (N bytes)``: its bytes in this segment. Not written (None): a segment that
completes a reassembled message and more after it, a message not read whole, several
messages among which a response, and a response whose request links
(:func:`tcpscope.views.tree_dns.dns_links`) are not written.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType
from tcpscope.views.tree import indent
from tcpscope.views.tree_dns import DnsItem, dns_links, message_items
from tcpscope.views.tree_http_text import HttpItem, item_lines
from tcpscope.views.tree_pdu_reassembled import UNWRITTEN, completing_pdu
from tcpscope.views.tree_tcp_reassembled import segments_item

__all__ = ["DnsTcpTree", "dns_tcp_items", "dns_tcp_text"]

_PREFIX = 2
_HEADER = 12
_RESPONSE = 0x80  # (the flags' first byte)


class DnsTcpTree(NamedTuple):
    """DNS's items in a frame: those it adds to the TCP tree (PDU sizes, then a reassembled
    message's segment data), the reassembled message's subtree, the messages' trees, and
    the bytes their places are in (the reassembled message's, or None: the TCP payload's;
    the segment data's are the payload's)."""

    tcp: list[DnsItem]
    reassembled: HttpItem | None
    messages: list[DnsItem]
    source: bytes | None


def _messages(data: bytes) -> list[tuple[int, int]] | None:
    """Where each message of ``data`` starts (its length's first byte) and its length,
    for bytes that hold whole messages only; None otherwise."""
    out, at = [], 0
    while at < len(data):
        if at + _PREFIX > len(data):
            return None
        size = int.from_bytes(data[at:at + _PREFIX], "big")
        if at + _PREFIX + size > len(data) or size < _HEADER:
            return None
        out.append((at, size))
        at += _PREFIX + size
    return out


def _shifted(item: DnsItem, by: int) -> DnsItem:
    """The item with its place (and its subtree's) moved on by ``by`` bytes."""
    return replace(item, start=item.start + by if item.start >= 0 or item.key == "dns.length" else -1,
                   children=[_shifted(c, by) for c in item.children])


def _message(data: bytes, at: int, size: int, links: list[DnsItem]) -> DnsItem | None:
    """The tree of the message whose length is at ``at``: its protocol item spans the
    length too; its request links (``links``) last."""
    got = message_items(data[at + _PREFIX:at + _PREFIX + size], size)
    if got is None or not got[1]:
        return None
    top = _shifted(got[0][0], at + _PREFIX)
    top.start, top.length = at, size + _PREFIX
    top.children.extend(links)
    return top


def _pdu_size(at: int, size: int) -> DnsItem:
    return DnsItem("tcp.pdu.size", f"[PDU Size: {size}]", str(size), at, size, 0, FieldType.UINT32)


def _frame_messages(table: PacketTable, frame: int) -> int:
    lt = table.layer("_dns")
    return int(np.searchsorted(lt.pkt, frame, side="right") - np.searchsorted(lt.pkt, frame)) if len(lt) else 0


def dns_tcp_items(table: PacketTable, frame: int, layer: int, payload: bytes) -> DnsTcpTree | None:
    """The DNS items of ``frame`` (0-based) whose TCP payload is ``payload`` (module
    docstring); None where not written."""
    reasm = completing_pdu(table, frame)
    if reasm is UNWRITTEN or layer != 1:
        return None
    tail = reasm.frames[-1][1] if reasm is not None else 0
    source = reasm.data if reasm is not None else payload
    found = _messages(source)
    rest = _messages(payload[tail:]) if reasm is not None else []
    if found is None or rest or len(found) != _frame_messages(table, frame):
        return None
    links = dns_links(table, frame)
    responses = sum(source[at + _PREFIX + 2] & _RESPONSE != 0 for at, _ in found)
    if links is None or (responses and len(found) > 1):
        return None
    messages = [_message(source, at, size, links) for at, size in found]
    if any(m is None for m in messages):
        return None
    tcp = [_pdu_size(at, size + _PREFIX) for at, size in found]
    if reasm is None:
        return DnsTcpTree(tcp, None, [m for m in messages if m is not None], None)
    data = DnsItem("tcp.segment_data", f"TCP segment data ({tail} byte{'' if tail == 1 else 's'})",
                   ":".join(f"{b:02x}" for b in payload[:tail]), 0, tail, 0, FieldType.BYTES)
    return DnsTcpTree([*tcp, data], segments_item(reasm, table.records.first_frame), [m for m in messages if m is not None], reasm.data)


def _lines(items: list[DnsItem], depth: int = 0) -> list[tuple[int, str]]:
    return [line for d in items for line in ((depth, d.label), *_lines(d.children, depth + 1))]


def dns_tcp_text(table: PacketTable, frame: int, layer: int, payload: bytes, _ports: tuple[int, int]) -> str | None:
    """The text of :func:`dns_tcp_items`: TCP's items (at the TCP tree's end, which this
    text follows), the reassembled message's subtree, then each message's tree."""
    got = dns_tcp_items(table, frame, layer, payload)
    if got is None:
        return None
    before = [] if got.reassembled is None else item_lines([got.reassembled], 0)
    return (indent(_lines(got.tcp, 1)) + "".join(f"{line}\n" for line in before)
            + indent(_lines(got.messages)))
