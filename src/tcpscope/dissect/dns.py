"""DNS messages (RFC 1035 §4), read as tshark 4.0.17's packet-dns.c reads them for the
packet list and the fields most filtered on: over UDP a datagram each
(:func:`dissect_dns_udp`), over TCP after a 2-byte length (RFC 1035 §4.2.2, framed by
:mod:`tcpscope.analysis.tls_framing`).

A message is parsed from its bytes (over TCP the length already taken off) into a
:class:`DnsMessage`: its header, questions
and resource records, and its Info text (``dissect_dns_common``): the opcode's name,
`` response`` for a response, the transaction id as ``0x%04x``, the reply code's name
for an error response, `` <type> <name>`` per question, `` <type>`` and the data of
the types whose data tshark writes there, per record of the three sections.

Bounded on hostile bytes: names follow at most :data:`MAX_POINTERS` compression
pointers and :data:`MAX_NAME` bytes, a count larger than the bytes left stops the walk,
and a message cut short or a name that loops is flagged ``malformed`` (tshark's
``[Malformed Packet]``); its Info is what tshark had written when it stopped (nothing
before the transaction id and flags are read, then the header's part and the questions
and records read whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tcpscope.dissect.context import DissectContext, Proto
from tcpscope.dissect.protocols import PROTO_CODE

if TYPE_CHECKING:
    import ipaddress

__all__ = ["OPCODES", "RCODES", "TYPES", "DnsMalformed", "DnsMessage", "DnsRecord", "dissect_dns_udp",
           "message_columns", "parse_dns", "question_columns", "read_name", "record_columns"]
#: The bytes of the header: the transaction id and flags (read before any item is
#: added), then the four counts
ID_FLAGS = 4
HEADER = 12

#: Compression pointers followed in one name, and the bytes of a name, at most
MAX_POINTERS = 64
MAX_NAME = 255

OPCODES = {0: "Standard query", 1: "Inverse query", 2: "Server status request", 4: "Zone change notification",
           5: "Dynamic update", 6: "DNS Stateful operations (DSO)"}
RCODES = {0: "No error", 1: "Format error", 2: "Server failure", 3: "No such name", 4: "Not implemented",
          5: "Refused", 6: "Name exists", 7: "RRset exists", 8: "RRset does not exist", 9: "Not authoritative",
          10: "Name out of zone", 11: "DSO-Type not implemented"}
#: Record types by number, as packet-dns.c's dns_types_vals names them (the common ones;
#: a message with another type is not written)
TYPES = {1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL",
         11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
         35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 64: "SVCB",
         65: "HTTPS", 251: "IXFR", 252: "AXFR", 255: "ANY", 257: "CAA"}
T_A, T_NS, T_CNAME, T_SOA, T_PTR, T_MX, T_AAAA, T_SRV, T_OPT = 1, 2, 5, 6, 12, 15, 28, 33, 41
#: Types whose Info carries a name read from the data (NS, CNAME, SOA's primary, PTR)
_NAME_DATA = (T_NS, T_CNAME, T_SOA, T_PTR)
#: Types whose Info carries nothing after the type name
_NO_DATA = (16, 41, 43, 46, 47, 48, 50, 257)
F_RESPONSE = 0x8000


class DnsMalformed(Exception):
    """The message ends before an item it announces (tshark's exception); its argument,
    if any, the Info written before the read that failed (None: not written)."""


@dataclass(frozen=True, slots=True)
class DnsRecord:
    """A resource record: its name, type, class, TTL (None for OPT, whose field is
    not a TTL) and, for A and AAAA, the address."""

    name: str
    rtype: int
    rclass: int
    ttl: int | None
    address: str | None


@dataclass(frozen=True, slots=True)
class DnsMessage:
    """A DNS message as the list and the fields see it: ``text`` its Info (None: not
    written); ``reach`` the bytes of its header read (0: not even the id and flags, 4:
    those, 12: the whole header)."""

    ident: int
    flags: int
    length: int
    queries: tuple[tuple[str, int], ...]
    records: tuple[DnsRecord, ...]
    text: str | None
    malformed: bool
    reach: int = HEADER

    @property
    def response(self) -> bool:
        return bool(self.flags & F_RESPONSE)

    @property
    def rcode(self) -> int:
        return self.flags & 0xF


def read_name(data: bytes, at: int) -> tuple[str, int]:
    """The name at ``at`` and where the item after it starts (compression pointers
    followed, RFC 1035 §4.1.4); labels joined by dots, ``<Root>`` for the root."""
    labels: list[str] = []
    end = -1
    jumps = 0
    size = 0
    while True:
        if at >= len(data):
            raise DnsMalformed
        n = data[at]
        if n & 0xC0 == 0xC0:
            if at + 1 >= len(data):
                raise DnsMalformed
            if end < 0:
                end = at + 2
            jumps += 1
            if jumps > MAX_POINTERS:
                raise DnsMalformed
            at = ((n & 0x3F) << 8) | data[at + 1]
            continue
        if n & 0xC0:
            raise DnsMalformed  # extended label types: not written
        at += 1
        if n == 0:
            break
        if at + n > len(data):
            raise DnsMalformed
        labels.append(data[at:at + n].decode("latin-1"))
        size += n + 1
        if size > MAX_NAME:
            raise DnsMalformed
        at += n
    return (".".join(labels) if labels else "<Root>"), (end if end >= 0 else at)


def _u16(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise DnsMalformed
    return (data[at] << 8) | data[at + 1]


def _record(data: bytes, at: int) -> tuple[DnsRecord, str | None, int]:
    """A resource record at ``at``: the record, its Info part (None: not written) and
    where the next one starts."""
    name, at = read_name(data, at)
    rtype, rclass = _u16(data, at), _u16(data, at + 2)
    if at + 10 > len(data):
        raise DnsMalformed
    ttl = int.from_bytes(data[at + 4:at + 8], "big")
    rdlen = _u16(data, at + 8)
    at += 10
    tname = TYPES.get(rtype)
    if at + rdlen > len(data):  # (Info has the type, written before the data is read)
        raise DnsMalformed(None if tname is None else " " + tname)
    rdata = data[at:at + rdlen]
    address = None
    part: str | None = None if tname is None else " " + tname
    if rdlen == 0 or part is None:
        pass
    elif rtype == T_A and rdlen == 4:
        import ipaddress  # (here: start-up time of a small capture with no address record)

        address = str(ipaddress.IPv4Address(rdata))
        part += " " + address
    elif rtype == T_AAAA and rdlen == 16:
        import ipaddress

        address = str(ipaddress.IPv6Address(rdata))
        part += " " + address
    elif rtype in _NAME_DATA:
        part += " " + read_name(data, at)[0]
    elif rtype == T_MX and rdlen >= 3:
        part += f" {_u16(data, at)} {read_name(data, at + 2)[0]}"
    elif rtype == T_SRV and rdlen >= 7:
        part += f" {_u16(data, at)} {_u16(data, at + 2)} {_u16(data, at + 4)} {read_name(data, at + 6)[0]}"
    elif rtype not in _NO_DATA:
        part = None
    record = DnsRecord(name, rtype, rclass, None if rtype == T_OPT else ttl, address)
    return record, part, at + rdlen


def _printable(text: str) -> bool:
    return all(32 <= ord(c) < 127 for c in text)


def parse_dns(data: bytes) -> DnsMessage:
    """The DNS message in ``data`` (without a TCP length prefix)."""
    if len(data) < ID_FLAGS:  # (the id and flags are read before Info is written)
        return DnsMessage(0, 0, len(data), (), (), "", True, 0)
    ident, flags = _u16(data, 0), _u16(data, 2)
    opcode = (flags >> 11) & 0xF
    head = f"{OPCODES.get(opcode, f'Unknown operation ({opcode})')}"
    text: str | None = head + f"{' response' if flags & F_RESPONSE else ''} 0x{ident:04x}"
    rcode = flags & 0xF
    if flags & F_RESPONSE and rcode:
        text = f"{text} {RCODES[rcode]}" if rcode in RCODES else None
    if len(data) < HEADER:
        return DnsMessage(ident, flags, len(data), (), (), text, True, ID_FLAGS)
    counts = [_u16(data, 4 + 2 * i) for i in range(4)]
    queries: list[tuple[str, int]] = []
    records: list[DnsRecord] = []
    at = HEADER
    try:
        for _ in range(min(counts[0], len(data))):
            name, at = read_name(data, at)
            qtype = _u16(data, at)
            _u16(data, at + 2)
            at += 4
            queries.append((name, qtype))
            tname = TYPES.get(qtype)
            text = None if text is None or tname is None or not _printable(name) else f"{text} {tname} {name}"
        for _ in range(min(counts[1] + counts[2] + counts[3], len(data))):
            record, part, at = _record(data, at)
            records.append(record)
            text = None if text is None or part is None or not _printable(part) else text + part
    except DnsMalformed as cut:
        part = cut.args[0] if cut.args else ""
        text = None if text is None or part is None else text + part
        return DnsMessage(ident, flags, len(data), tuple(queries), tuple(records), text, True)
    return DnsMessage(ident, flags, len(data), tuple(queries), tuple(records), text, False)


def dissect_dns_udp(ctx: DissectContext, idx: NDArray[np.int64], size: NDArray[np.int64]) -> None:
    """The DNS message of each UDP payload of frames ``idx`` (the cursor at its first
    byte, ``size`` bytes long as the UDP length has it): ``dns`` in the protocols, a ``_dns`` row per message whose id and flags were
    read (with its Info, ``text``), a row per question and record. A message that
    ends before an item it announces stops the frame: malformed where its bytes are all
    there (the payload's reported length), cut short by the capture otherwise."""
    ctx.mark_stack(idx, PROTO_CODE["dns"])
    rend = np.minimum(ctx.rend[idx], ctx.off[idx] + size)
    end = np.minimum(ctx.end[idx], rend)
    msgs = [parse_dns(bytes(ctx.data[a:b])) for a, b in zip(ctx.off[idx].tolist(), end.tolist(), strict=True)]
    read = np.array([m.reach >= ID_FLAGS for m in msgs], dtype=np.bool_)
    ctx.add_rows("_dns", idx[read], message_columns([m for m in msgs if m.reach >= ID_FLAGS], over_tcp=False))
    ctx.add_rows("_dns_q", np.array([p for p, m in zip(idx.tolist(), msgs, strict=True) for _ in m.queries],
                                    dtype=np.int64), question_columns(msgs))
    ctx.add_rows("_dns_rr", np.array([p for p, m in zip(idx.tolist(), msgs, strict=True) for _ in m.records],
                                     dtype=np.int64), record_columns(msgs))
    bad = np.array([m.malformed for m in msgs], dtype=np.bool_)
    if bad.any():
        ctx.stop(idx[bad], end[bad] >= rend[bad])
    ctx.nxt[idx] = Proto.DONE


def message_columns(msgs: list[DnsMessage], over_tcp: bool) -> dict[str, NDArray[np.generic]]:
    """The ``_dns`` layer's columns of messages: id, flags, length (``dns.length``, over
    TCP only), whether over TCP, and the Info (the list writes UDP's; TCP's go through the
    framing's own layer)."""
    return {"id": np.array([m.ident for m in msgs], dtype=np.int64),
            "flags": np.array([m.flags for m in msgs], dtype=np.int64),
            "length": np.array([m.length for m in msgs], dtype=np.int64),
            "over_tcp": np.full(len(msgs), over_tcp, dtype=np.bool_),
            "text": np.array([m.text or "" for m in msgs], dtype=np.str_).reshape(-1)}


def question_columns(msgs: list[DnsMessage]) -> dict[str, NDArray[np.generic]]:
    """The ``_dns_q`` layer's columns: each question's name and type, in order."""
    qs = [q for m in msgs for q in m.queries]
    return {"name": np.array([q[0] for q in qs], dtype=np.str_).reshape(-1),
            "type": np.array([q[1] for q in qs], dtype=np.int64)}


def _addresses(texts: list[str | None]) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address | None]:
    """Each record's address (None: none), ``ipaddress`` imported only when one has one
    (start-up time of a small capture whose DNS carries no address)."""
    if not any(texts):
        return [None] * len(texts)
    import ipaddress

    return [ipaddress.ip_address(t) if t else None for t in texts]


def record_columns(msgs: list[DnsMessage]) -> dict[str, NDArray[np.generic]]:
    """The ``_dns_rr`` layer's columns: each record's TTL (-1: none), address version (0:
    none) and A or AAAA address."""
    rrs = [r for m in msgs for r in m.records]
    addrs = _addresses([r.address for r in rrs])
    return {"ttl": np.array([-1 if r.ttl is None else r.ttl for r in rrs], dtype=np.int64),
            "addr": np.array([0 if a is None else a.version for a in addrs], dtype=np.int64),
            "a": np.array([int(a) if a is not None and a.version == 4 else 0 for a in addrs], dtype=np.uint32),
            "aaaa": np.array([list(a.packed) if a is not None and a.version == 6 else [0] * 16 for a in addrs],
                             dtype=np.uint8).reshape(-1, 16)}
