"""DNS messages over TCP (RFC 1035 §4, §4.2.2), read as tshark 4.0.17's packet-dns.c
reads them for the packet list and the fields most filtered on.

A message is parsed from its bytes (the 2-byte length already taken off by the framing,
:mod:`tcpscope.analysis.tls_framing`) into a :class:`DnsMessage`: its header, questions
and resource records, and its Info text (``dissect_dns_common``): the opcode's name,
`` response`` for a response, the transaction id as ``0x%04x``, the reply code's name
for an error response, `` <type> <name>`` per question, `` <type>`` and the data of
the types whose data tshark writes there, per record of the three sections.

Bounded on hostile bytes: names follow at most :data:`MAX_POINTERS` compression
pointers and :data:`MAX_NAME` bytes, a count larger than the bytes left stops the walk,
and a message cut short or a name that loops is flagged ``malformed`` (tshark's
``[Malformed Packet]``), whose text tcpscope does not write.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

__all__ = ["DnsMessage", "DnsRecord", "parse_dns"]

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


class _Malformed(Exception):
    """The message ends before an item it announces (tshark's exception)."""


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
    """A DNS message as the list and the fields see it (``text`` None: not written)."""

    ident: int
    flags: int
    length: int
    queries: tuple[tuple[str, int], ...]
    records: tuple[DnsRecord, ...]
    text: str | None
    malformed: bool

    @property
    def response(self) -> bool:
        return bool(self.flags & F_RESPONSE)

    @property
    def rcode(self) -> int:
        return self.flags & 0xF


def _name(data: bytes, at: int) -> tuple[str, int]:
    """The name at ``at`` and where the item after it starts (compression pointers
    followed, RFC 1035 §4.1.4); labels joined by dots, ``<Root>`` for the root."""
    labels: list[str] = []
    end = -1
    jumps = 0
    size = 0
    while True:
        if at >= len(data):
            raise _Malformed
        n = data[at]
        if n & 0xC0 == 0xC0:
            if at + 1 >= len(data):
                raise _Malformed
            if end < 0:
                end = at + 2
            jumps += 1
            if jumps > MAX_POINTERS:
                raise _Malformed
            at = ((n & 0x3F) << 8) | data[at + 1]
            continue
        if n & 0xC0:
            raise _Malformed  # extended label types: not written
        at += 1
        if n == 0:
            break
        if at + n > len(data):
            raise _Malformed
        labels.append(data[at:at + n].decode("latin-1"))
        size += n + 1
        if size > MAX_NAME:
            raise _Malformed
        at += n
    return (".".join(labels) if labels else "<Root>"), (end if end >= 0 else at)


def _u16(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise _Malformed
    return (data[at] << 8) | data[at + 1]


def _record(data: bytes, at: int) -> tuple[DnsRecord, str | None, int]:
    """A resource record at ``at``: the record, its Info part (None: not written) and
    where the next one starts."""
    name, at = _name(data, at)
    rtype, rclass = _u16(data, at), _u16(data, at + 2)
    if at + 10 > len(data):
        raise _Malformed
    ttl = int.from_bytes(data[at + 4:at + 8], "big")
    rdlen = _u16(data, at + 8)
    at += 10
    if at + rdlen > len(data):
        raise _Malformed
    rdata = data[at:at + rdlen]
    tname = TYPES.get(rtype)
    address = None
    part: str | None = None if tname is None else " " + tname
    if rdlen == 0 or part is None:
        pass
    elif rtype == T_A and rdlen == 4:
        address = str(ipaddress.IPv4Address(rdata))
        part += " " + address
    elif rtype == T_AAAA and rdlen == 16:
        address = str(ipaddress.IPv6Address(rdata))
        part += " " + address
    elif rtype in _NAME_DATA:
        part += " " + _name(data, at)[0]
    elif rtype == T_MX and rdlen >= 3:
        part += f" {_u16(data, at)} {_name(data, at + 2)[0]}"
    elif rtype == T_SRV and rdlen >= 7:
        part += f" {_u16(data, at)} {_u16(data, at + 2)} {_u16(data, at + 4)} {_name(data, at + 6)[0]}"
    elif rtype not in _NO_DATA:
        part = None
    record = DnsRecord(name, rtype, rclass, None if rtype == T_OPT else ttl, address)
    return record, part, at + rdlen


def _printable(text: str) -> bool:
    return all(32 <= ord(c) < 127 for c in text)


def parse_dns(data: bytes) -> DnsMessage:
    """The DNS message in ``data`` (without its TCP length prefix)."""
    if len(data) < 12:
        return DnsMessage(_u16_or(data, 0), _u16_or(data, 2), len(data), (), (), None, True)
    ident, flags = _u16(data, 0), _u16(data, 2)
    counts = [_u16(data, 4 + 2 * i) for i in range(4)]
    opcode = (flags >> 11) & 0xF
    head = f"{OPCODES.get(opcode, f'Unknown operation ({opcode})')}"
    text: str | None = head + f"{' response' if flags & F_RESPONSE else ''} 0x{ident:04x}"
    rcode = flags & 0xF
    if flags & F_RESPONSE and rcode:
        text = f"{text} {RCODES[rcode]}" if rcode in RCODES else None
    queries: list[tuple[str, int]] = []
    records: list[DnsRecord] = []
    at = 12
    try:
        for _ in range(min(counts[0], len(data))):
            name, at = _name(data, at)
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
    except _Malformed:
        return DnsMessage(ident, flags, len(data), tuple(queries), tuple(records), None, True)
    return DnsMessage(ident, flags, len(data), tuple(queries), tuple(records), text, False)


def _u16_or(data: bytes, at: int) -> int:
    return (data[at] << 8) | data[at + 1] if at + 2 <= len(data) else 0
