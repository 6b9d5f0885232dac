"""The DNS tree, as packet-dns.c adds it (labels from its ``hf_register_info`` and value
strings, written down here in our own words), over UDP and over TCP.

Over UDP a message is the datagram's payload; over TCP it follows its 2-byte length
(RFC 1035 §4.2.2: :mod:`tcpscope.views.tree_dns_tcp` finds the messages of a segment, or
the one reassembled from several). A tree: over TCP the length, the header (RFC 1035
§4.1.1: transaction id, the flags a bit each, as a query or a response shows them, the
four counts), then each question (its name, the name's length and label count, type and
class) and each record of the three record sections (name, type, class, TTL, data
length and the data of A, AAAA, CNAME, NS, PTR, MX, SOA, SRV and TXT records; an OPT record's
EDNS0 fields and COOKIE option), and for a response its link to the request
(:func:`dns_links`).

A message that ends before an item it announces ends the tree at that item, as
packet-dns.c's exception does (the frame's ``[Malformed Packet: DNS]`` follows, from
the dissection). Not written yet (None: the frame's tree reports DNS as missing): other
record types and EDNS0 options, names with bytes tshark escapes, extraneous bytes after
the records, DSO messages, dynamic updates, and the request links of a message whose request is in an earlier piece of the capture.
"""

from __future__ import annotations

import ipaddress
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tcpscope.dissect.dns import OPCODES, RCODES, TYPES, DnsMalformed, read_name
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType
from tcpscope.table.text import format_reltime
from tcpscope.views.tree import Protocol, bit_pattern, indent

__all__ = ["DNS", "DnsItem", "dns_links", "dns_udp_items", "dns_udp_text", "message_items", "seconds_text"]

#: dns_types_description_vals, for the types whose items are written
_DESCRIPTIONS = {1: "A (Host Address)", 2: "NS (authoritative Name Server)", 5: "CNAME (Canonical NAME for an alias)",
                 6: "SOA (Start Of a zone of Authority)", 12: "PTR (domain name PoinTeR)", 15: "MX (Mail eXchange)",
                 16: "TXT (Text strings)", 28: "AAAA (IPv6 Address)", 33: "SRV (Server Selection)", 41: "OPT"}
#: dns_classes
_CLASSES = {1: "IN", 2: "CS", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
T_A, T_NS, T_CNAME, T_SOA, T_PTR, T_MX, T_TXT, T_AAAA, T_SRV, T_OPT = 1, 2, 5, 6, 12, 15, 16, 28, 33, 41
#: The longest TXT string written whole (a longer label is cut by tshark: not written)
_TXT_SHOWN = 200
#: Record types whose data is a name: (the summary's word, the item's title, its field)
_NAME_DATA = {T_NS: (", ns ", "Name Server", "dns.ns"), T_CNAME: (", cname ", "CNAME", "dns.cname"),
              T_PTR: (", ", "Domain Name", "dns.ptr.domain_name")}
_COOKIE = 10
_RESPONSE = 0x8000
_AUTHENTIC = 0x0020
_HEADER = 12
#: A query is a retransmission when its id's last query, unanswered, is younger than this
#: (packet-dns.c's retransmission_timer preference, default 5 s)
RETRANSMISSION_NS = 5_000_000_000

#: The flags, a line each: (mask, title, the words for set and clear, or None for a
#: number with its name, field), for a query and for a response (packet-dns.c's order)
_Flag = tuple[int, str, tuple[str, str] | None, str]
_OPCODE: _Flag = (0x7800, "Opcode", None, "dns.flags.opcode")
_RESPONSE_BIT: _Flag = (0x8000, "Response", ("Message is a response", "Message is a query"), "dns.flags.response")
_TRUNCATED: _Flag = (0x0200, "Truncated", ("Message is truncated", "Message is not truncated"), "dns.flags.truncated")
_RD: _Flag = (0x0100, "Recursion desired", ("Do query recursively", "Don't do query recursively"),
              "dns.flags.recdesired")
_Z: _Flag = (0x0040, "Z", ("reserved - incorrect!", "reserved (0)"), "dns.flags.z")
_CD: _Flag = (0x0010, "Non-authenticated data", ("Acceptable", "Unacceptable"), "dns.flags.checkdisable")
_QUERY_FLAGS: tuple[_Flag, ...] = (_RESPONSE_BIT, _OPCODE, _TRUNCATED, _RD, _Z)
_AD_BIT: _Flag = (_AUTHENTIC, "AD bit", ("Set", "Not set"), "dns.flags.authenticated")
_RESPONSE_FLAGS: tuple[_Flag, ...] = (
    _RESPONSE_BIT, _OPCODE, (0x0400, "Authoritative", ("Server is an authority for domain",
                                                       "Server is not an authority for domain"),
                             "dns.flags.authoritative"),
    _TRUNCATED, _RD, (0x0080, "Recursion available", ("Server can do recursive queries",
                                                      "Server can't do recursive queries"), "dns.flags.recavail"),
    _Z, (_AUTHENTIC, "Answer authenticated", ("Answer/authority portion was authenticated by the server",
                                              "Answer/authority portion was not authenticated by the server"),
         "dns.flags.authenticated"),
    _CD, (0x000F, "Reply code", None, "dns.flags.rcode"))
#: The counts' fields and titles
_COUNTS = (("dns.count.queries", "Questions"), ("dns.count.answers", "Answer RRs"),
           ("dns.count.auth_rr", "Authority RRs"), ("dns.count.add_rr", "Additional RRs"))


class _Unwritten(Exception):
    """An item whose tree tcpscope does not write yet: the message is not written."""


class _Reader:
    """A message's bytes: each read past their end raises DnsMalformed (the tree stops)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def need(self, at: int, size: int) -> None:
        if at + size > len(self.data):
            raise DnsMalformed

    def u(self, at: int, size: int) -> int:
        self.need(at, size)
        return int.from_bytes(self.data[at:at + size], "big")

    def name(self, at: int) -> tuple[str, int]:
        """A name and where the item after it starts; a name tshark would escape is not written."""
        name, end = read_name(self.data, at)
        if not all(32 <= ord(c) < 127 for c in name):
            raise _Unwritten
        return name, end


@dataclass(slots=True)
class DnsItem:
    """One item of a DNS tree: its field (``key``; "" for a text-only subtree, keyed by
    its label in the JSON), its line, the JSON value, where its bytes are in the message
    (``start`` -1: none), the bitmask, the field's type and its subtree."""

    key: str
    label: str
    value: str = ""
    start: int = -1
    length: int = 0
    mask: int = 0
    ftype: FieldType = FieldType.NONE
    children: list[DnsItem] = field(default_factory=list)


class _Tree:
    """The items being added, each under the last one added a level above it."""

    def __init__(self) -> None:
        self.top: list[DnsItem] = []
        self._open: list[DnsItem] = []

    def add(self, depth: int, item: DnsItem) -> DnsItem:
        del self._open[depth:]
        (self._open[depth - 1].children if depth else self.top).append(item)
        self._open.append(item)
        return item


def _u16(key: str, label: str, value: int, at: int, hexed: bool = False) -> DnsItem:
    return DnsItem(key, label, f"0x{value:04x}" if hexed else str(value), at, 2, 0, FieldType.UINT16)


def _flag_item(flags: int, at: int, flag: _Flag) -> DnsItem:
    mask, title, words, key = flag
    value = (flags & mask) >> ((mask & -mask).bit_length() - 1)
    if words is not None:
        shown = words[0 if value else 1]
    elif mask == 0x000F:
        shown = f"{RCODES.get(value, 'Unknown')} ({value})"
    else:
        shown = f"{OPCODES.get(value, 'Unknown')} ({value})"
    return DnsItem(key, f"{bit_pattern(flags & mask, mask, 16)} = {title}: {shown}", str(value), at, 2, mask,
                   FieldType.BOOLEAN if words is not None else FieldType.UINT16)


def seconds_text(n: int) -> str:
    """unsigned_time_secs_to_str: days, hours, minutes, seconds, the nonzero ones."""
    parts = []
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        k, n = divmod(n, size)
        if k:
            parts.append(f"{k} {unit}{'' if k == 1 else 's'}")
    return ", ".join(parts) if parts else "0 seconds"


def _header(r: _Reader, out: _Tree, at: int) -> tuple[int, list[int]]:
    """The header's items from ``at``: the flags' line and its bits, then the counts."""
    ident, flags = r.u(at, 2), r.u(at + 2, 2)
    opcode = (flags >> 11) & 0xF
    if opcode == 5 or (opcode == 6 and not any(r.data[at + 4:at + 12])):
        raise _Unwritten  # dynamic updates' sections and DSO's TLVs
    head = f"Flags: 0x{flags:04x} {OPCODES.get(opcode, 'Unknown operation')}"
    if flags & _RESPONSE:
        head += f" response, {RCODES.get(flags & 0xF, 'Unknown error')}"
        bits = _RESPONSE_FLAGS
    else:
        bits = (*_QUERY_FLAGS, _AD_BIT, _CD) if flags & _AUTHENTIC else (*_QUERY_FLAGS, _CD)
    out.add(1, _u16("dns.id", f"Transaction ID: 0x{ident:04x}", ident, at, hexed=True))
    out.add(1, _u16("dns.flags", head, flags, at + 2, hexed=True))
    for b in bits:
        out.add(2, _flag_item(flags, at + 2, b))
    counts = []
    for k, (key, title) in enumerate(_COUNTS):
        counts.append(r.u(at + 4 + 2 * k, 2))
        out.add(1, _u16(key, f"{title}: {counts[-1]}", counts[-1], at + 4 + 2 * k))
    return at + _HEADER, counts


def _question(r: _Reader, out: _Tree, at: int) -> int:
    """A question: read whole (name, type, class) before its items are added."""
    start = at
    name, at = r.name(at)
    qtype, qclass = r.u(at, 2), r.u(at + 2, 2)
    if qtype not in _DESCRIPTIONS or qclass not in _CLASSES or name == "<Root>":
        raise _Unwritten
    span = at - start
    out.add(2, DnsItem("", f"{name}: type {TYPES[qtype]}, class {_CLASSES[qclass]}"))
    for item in (DnsItem("dns.qry.name", f"Name: {name}", name, start, span, 0, FieldType.STRING),
                 DnsItem("dns.qry.name.len", f"[Name Length: {len(name)}]", str(len(name)), start, span, 0,
                         FieldType.UINT16),
                 DnsItem("dns.count.labels", f"[Label Count: {name.count('.') + 1}]", str(name.count(".") + 1),
                         start, span, 0, FieldType.UINT16),
                 _u16("dns.qry.type", f"Type: {_DESCRIPTIONS[qtype]} ({qtype})", qtype, at),
                 _u16("dns.qry.class", f"Class: {_CLASSES[qclass]} (0x{qclass:04x})", qclass, at + 2, hexed=True)):
        out.add(3, item)
    return at + 4


def _record(r: _Reader, out: _Tree, at: int) -> int:
    """A resource record: its name, type, class and data length read before its items."""
    start = at
    name, at = r.name(at)
    rtype, rclass = r.u(at, 2), r.u(at + 2, 2)
    size = r.u(at + 8, 2)
    data = at + 10
    r.need(data, size)  # (the record's item spans its data: past the message's end, no item)
    if rtype not in _DESCRIPTIONS or (rtype != T_OPT and rclass not in _CLASSES):
        raise _Unwritten
    owner = _srv_owner(name, start, at - start) if rtype == T_SRV else [
        DnsItem("dns.resp.name", f"Name: {name}", name, start, at - start, 0, FieldType.STRING)]
    items = [*owner, _u16("dns.resp.type", f"Type: {_DESCRIPTIONS[rtype]} ({rtype})", rtype, at)]
    length = _u16("dns.resp.len", f"Data length: {size}", size, at + 8)
    if rtype == T_OPT:
        out.add(2, DnsItem("", f"{name}: type OPT"))
        z = r.u(at + 6, 2)
        ext, version = r.u(at + 4, 1), r.u(at + 5, 1)
        do = "Accepts DNSSEC security RRs" if z & 0x8000 else "Cannot handle DNSSEC security RRs"
        items += [_u16("dns.rr.udp_payload_size", f"UDP payload size: {rclass}", rclass, at + 2),
                  DnsItem("dns.resp.ext_rcode", f"Higher bits in extended RCODE: 0x{ext:02x}", f"0x{ext:02x}", at + 4,
                          1, 0, FieldType.UINT8),
                  DnsItem("dns.resp.edns0_version", f"EDNS0 version: {version}", str(version), at + 5, 1, 0,
                          FieldType.UINT8),
                  DnsItem("dns.resp.z", f"Z: 0x{z:04x}", f"0x{z:04x}", at + 6, 2, 0, FieldType.UINT16, [
                      DnsItem("dns.resp.z.do", f"{bit_pattern(z & 0x8000, 0x8000, 16)} = DO bit: {do}",
                              str(z >> 15), at + 6, 2, 0x8000, FieldType.BOOLEAN),
                      DnsItem("dns.resp.z.reserved",
                              f"{bit_pattern(z & 0x7FFF, 0x7FFF, 16)} = Reserved: 0x{z & 0x7FFF:04x}",
                              f"0x{z & 0x7FFF:04x}", at + 6, 2, 0x7FFF, FieldType.UINT16)]),
                  length]
        for item in items:
            out.add(3, item)
        _options(r, out, data, size)
        return data + size
    ttl = r.u(at + 4, 4)
    summary = out.add(2, DnsItem("", f"{name}: type {TYPES[rtype]}, class {_CLASSES[rclass]}"))
    items += [_u16("dns.resp.class", f"Class: {_CLASSES[rclass]} (0x{rclass:04x})", rclass, at + 2, hexed=True),
              DnsItem("dns.resp.ttl", f"Time to live: {ttl} ({seconds_text(ttl)})", str(ttl), at + 4, 4, 0,
                      FieldType.UINT32), length]
    for item in items:
        out.add(3, item)
    if size == 0:
        return data
    if rtype in (T_A, T_AAAA):
        width = 4 if rtype == T_A else 16
        shown = str(ipaddress.ip_address(r.data[data:data + width]))
        key, title, word = ("dns.a", "Address", ", addr ") if rtype == T_A else ("dns.aaaa", "AAAA Address", ", addr ")
        item = DnsItem(key, f"{title}: {shown}", shown, data, width, 0,
                       FieldType.IPv4 if rtype == T_A else FieldType.IPv6)
    elif rtype in _NAME_DATA:
        word, title, key = _NAME_DATA[rtype]
        shown, end = r.name(data)
        item = DnsItem(key, f"{title}: {shown}", shown, data, end - data, 0, FieldType.STRING)
    elif rtype in _DATA_ITEMS:
        word, lines = _DATA_ITEMS[rtype](r, data, size)
        summary.label += word
        for line in lines:
            out.add(3, line)
        return data + size
    else:
        raise _Unwritten
    summary.label += word + shown
    out.add(3, item)
    return data + size


def _mx(r: _Reader, at: int, _size: int) -> tuple[str, list[DnsItem]]:
    """An MX record's preference and exchange (RFC 1035 §3.3.9), both in the summary."""
    preference = r.u(at, 2)
    host, end = r.name(at + 2)
    return f", preference {preference}, mx {host}", [
        _u16("dns.mx.preference", f"Preference: {preference}", preference, at),
        DnsItem("dns.mx.mail_exchange", f"Mail Exchange: {host}", host, at + 2, end - at - 2, 0, FieldType.STRING)]


def _soa(r: _Reader, at: int, _size: int) -> tuple[str, list[DnsItem]]:
    """An SOA record's names and five counters (RFC 1035 §3.3.13); the primary server's
    name in the summary, the intervals with their spans of time."""
    mname, k = r.name(at)
    rname, end = r.name(k)
    out = [DnsItem("dns.soa.mname", f"Primary name server: {mname}", mname, at, k - at, 0, FieldType.STRING),
           DnsItem("dns.soa.rname", f"Responsible authority's mailbox: {rname}", rname, k, end - k, 0,
                   FieldType.STRING)]
    for n, (key, title) in enumerate(_SOA_COUNTERS):
        value = r.u(end + 4 * n, 4)
        shown = f"{value}" if n == 0 else f"{value} ({seconds_text(value)})"
        out.append(DnsItem(key, f"{title}: {shown}", str(value), end + 4 * n, 4, 0, FieldType.UINT32))
    return f", mname {mname}", out


def _srv_owner(name: str, at: int, size: int) -> list[DnsItem]:
    """An SRV record's owner name as its service, protocol and the name after them (RFC
    2782: ``_service._proto.name``), each item spanning the whole name; a name of two
    labels has no name item."""
    labels = name.split(".")
    if len(labels) < 2 or name == "<Root>":
        raise _Unwritten
    parts = [("dns.srv.service", "Service", labels[0]), ("dns.srv.proto", "Protocol", labels[1])]
    if len(labels) > 2:
        parts.append(("dns.srv.name", "Name", ".".join(labels[2:])))
    return [DnsItem(key, f"{title}: {text}", text, at, size, 0, FieldType.STRING) for key, title, text in parts]


def _srv(r: _Reader, at: int, _size: int) -> tuple[str, list[DnsItem]]:
    """An SRV record's priority, weight, port and target (RFC 2782), all in the summary."""
    priority, weight, port = r.u(at, 2), r.u(at + 2, 2), r.u(at + 4, 2)
    target, end = r.name(at + 6)
    return f", priority {priority}, weight {weight}, port {port}, target {target}", [
        _u16("dns.srv.priority", f"Priority: {priority}", priority, at),
        _u16("dns.srv.weight", f"Weight: {weight}", weight, at + 2),
        _u16("dns.srv.port", f"Port: {port}", port, at + 4),
        DnsItem("dns.srv.target", f"Target: {target}", target, at + 6, end - at - 6, 0, FieldType.STRING)]


def _txt_items(r: _Reader, at: int, size: int) -> tuple[str, list[DnsItem]]:
    return "", _txt(r, at, size)


#: The SOA record's counters, in order: field and title
_SOA_COUNTERS = (("dns.soa.serial_number", "Serial Number"), ("dns.soa.refresh_interval", "Refresh Interval"),
                 ("dns.soa.retry_interval", "Retry Interval"), ("dns.soa.expire_limit", "Expire limit"),
                 ("dns.soa.minimum_ttl", "Minimum TTL"))
#: Record types whose data is several items: the summary's words and the items
_DATA_ITEMS = {T_MX: _mx, T_SOA: _soa, T_TXT: _txt_items, T_SRV: _srv}


def _txt(r: _Reader, at: int, size: int) -> list[DnsItem]:
    """A TXT record's character strings (RFC 1035 §3.3.14), each its length and text (the
    summary line names no data). A string tshark would escape is not written."""
    out = []
    end = at + size
    while at < end:
        n = r.u(at, 1)
        r.need(at + 1, n)
        text = r.data[at + 1:at + 1 + n].decode("latin-1")
        if not all(32 <= ord(c) < 127 for c in text) or at + 1 + n > end or len(text) > _TXT_SHOWN:
            raise _Unwritten
        out += [DnsItem("dns.txt.length", f"TXT Length: {n}", str(n), at, 1, 0, FieldType.UINT8),
                DnsItem("dns.txt", f"TXT: {text}", text, at + 1, n, 0, FieldType.STRING)]
        at += 1 + n
    return out


def _options(r: _Reader, out: _Tree, at: int, size: int) -> None:
    """An OPT record's options: COOKIE's (its client and server parts); others not written."""
    left = size
    while left > 0:
        code, length = r.u(at, 2), r.u(at + 2, 2)
        if code != _COOKIE or length < 8:
            raise _Unwritten
        r.need(at + 4, length)
        data = r.data[at + 4:at + 4 + length]
        server = data[8:]
        out.add(3, DnsItem("dns.opt", "Option: COOKIE", "", at, 4 + length))
        for item in (_u16("dns.opt.code", f"Option Code: COOKIE ({code})", code, at),
                     _u16("dns.opt.len", f"Option Length: {length}", length, at + 2),
                     DnsItem("dns.opt.data", f"Option Data: {data.hex()}", _colons(data), at + 4, length, 0,
                             FieldType.BYTES),
                     DnsItem("dns.opt.cookie.client", f"Client Cookie: {data[:8].hex()}", _colons(data[:8]), at + 4,
                             8, 0, FieldType.BYTES),
                     DnsItem("dns.opt.cookie.server", f"Server Cookie: {server.hex() or '<MISSING>'}", _colons(server),
                             at + 12, length - 8, 0, FieldType.BYTES)):
            out.add(4, item)
        at += 4 + length
        left -= 4 + length


def _colons(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in data)


def message_items(msg: bytes, length: int | None) -> tuple[list[DnsItem], bool] | None:
    """The tree of one message (``length``: over TCP, the 2-byte length before it), up to
    the item where its bytes end, and whether it was read whole (its request links, from
    :func:`dns_links`, follow then); offsets from the message's first byte. None: not
    written."""
    r = _Reader(msg)
    if len(msg) < 4:  # (the id and flags are read before the protocol's item is added)
        return [], False
    out = _Tree()
    out.add(0, DnsItem("dns", f"Domain Name System ({'response' if r.u(2, 2) & _RESPONSE else 'query'})", "", 0,
                       len(msg), 0, FieldType.PROTOCOL))
    if length is not None:
        out.add(1, _u16("dns.length", f"Length: {length}", length, -2))
    try:
        at, counts = _header(r, out, 0)
        for count, title, read in ((counts[0], "Queries", _question), (counts[1], "Answers", _record),
                                   (counts[2], "Authoritative nameservers", _record),
                                   (counts[3], "Additional records", _record)):
            if count:
                r.need(at, 1)  # (a section's item runs to the message's end: no byte left, no item)
                out.add(1, DnsItem("", title))
                for _ in range(count):
                    at = read(r, out, at)
        if at != len(msg):
            raise _Unwritten  # extraneous data
    except DnsMalformed:
        return out.top, False
    except _Unwritten:
        return None
    return out.top, True


def _lines(items: list[DnsItem], depth: int = 0) -> list[tuple[int, str]]:
    return [line for d in items for line in ((depth, d.label), *_lines(d.children, depth + 1))]


def _transactions(table: PacketTable) -> dict[int, list[DnsItem] | None]:
    """packet-dns.c's request tracking, in frame order over each conversation (UDP's or
    TCP's stream) and transaction id: a query opens a transaction unless the id's last
    one is unanswered and younger than :data:`RETRANSMISSION_NS` (a retransmitted query);
    a response answers the id's last transaction (a second response to it is a
    retransmission). The lines a response shows, by frame (0-based): ``[Request In: N]``
    and ``[Time: ...]``; ``[Unsolicited: True]`` without a query; None for a
    retransmission (its lines and expert item are not written yet)."""
    dns = table.layer("_dns")
    if len(dns) == 0:
        return {}
    streams = {name: _streams(table, name) for name in ("udp", "tcp")}
    over_tcp = np.asarray(dns.cols["over_tcp"], dtype=np.bool_).tolist()
    first = table.records.first_frame
    ts = table.ts_ns
    open_: dict[tuple[bool, int, int], list[int]] = {}  # (over tcp, stream, id) -> [query, response]
    out: dict[int, list[DnsItem] | None] = {}
    rows = zip(dns.pkt.tolist(), np.asarray(dns.cols["id"]).tolist(), np.asarray(dns.cols["flags"]).tolist(),
               over_tcp, strict=True)
    for pkt, ident, flags, tcp in rows:
        key = (tcp, streams["tcp" if tcp else "udp"].get(pkt, -1), ident)
        last = open_.get(key)
        if not flags & _RESPONSE:
            if last is None or last[1] >= 0 or int(ts[pkt]) - int(ts[last[0]]) >= RETRANSMISSION_NS:
                open_[key] = [pkt, -1]
            else:
                out[pkt] = None
            continue
        if last is None:
            out[pkt] = [DnsItem("dns.unsolicited", "[Unsolicited: True]", "1", ftype=FieldType.BOOLEAN)]
        elif last[1] < 0:
            last[1] = pkt
            request, took = first + last[0] + 1, format_reltime(int(ts[pkt]) - int(ts[last[0]]))
            out[pkt] = [DnsItem("dns.response_to", f"[Request In: {request}]", str(request), ftype=FieldType.FRAMENUM),
                        DnsItem("dns.time", f"[Time: {took} seconds]", took, ftype=FieldType.RELATIVE_TIME)]
        else:
            out[pkt] = None
    return out


def _streams(table: PacketTable, name: str) -> dict[int, int]:
    """Each frame's last ``name`` header's stream."""
    lt = table.layer(name)
    if len(lt) == 0 or "stream" not in lt.cols:
        return {}
    return dict(zip(lt.pkt.tolist(), np.asarray(lt.cols["stream"]).tolist(), strict=True))


_CACHE: list[tuple[Callable[[], PacketTable | None], dict[int, list[DnsItem] | None]]] = []


def dns_links(table: PacketTable, frame: int) -> list[DnsItem] | None:
    """The request-tracking items of frame ``frame``'s message (none for a query; None
    where its query would be in an earlier piece of the capture: not written). Computed
    once per table."""
    if not _CACHE or _CACHE[0][0]() is not table:
        _CACHE[:] = [(weakref.ref(table), _transactions(table))]
    got = _CACHE[0][1].get(frame, [])
    if got and table.records.first_frame and got[0].key == "dns.unsolicited":
        return None
    return got


def dns_udp_items(table: PacketTable, frame: int, payload: bytes) -> list[DnsItem] | None:
    """The tree of the DNS message of a UDP payload (tcpscope.dissect.dns reads it): its
    request links only where it was read whole (a message cut short stops before them);
    [] for a message too short for its protocol's item, None where not written."""
    got = message_items(payload, None)
    if got is None or not got[1]:
        return None if got is None else got[0]
    links = dns_links(table, frame)
    if links is None:
        return None
    got[0][0].children.extend(links)
    return got[0]


def dns_udp_text(table: PacketTable, frame: int, payload: bytes) -> str | None:
    """The text of :func:`dns_udp_items`."""
    got = dns_udp_items(table, frame, payload)
    return None if got is None else indent(_lines(got))


def _head(_item: object) -> str:
    return "Domain Name System"


#: DNS in the frame's protocols: its text comes from :func:`dns_udp_text` and
#: :func:`tcpscope.views.tree_dns_tcp.dns_tcp_text`, not from nodes
DNS = Protocol("dns", "", _head, ())
