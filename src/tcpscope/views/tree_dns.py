"""The DNS tree of a query over TCP, as packet-dns.c adds it (labels from its
``hf_register_info`` and value strings, written down here in our own words).

Over TCP a message follows its 2-byte length (RFC 1035 §4.2.2); the messages a segment
holds whole are one ``dns`` in ``frame.protocols`` and a tree each. A tree: the length, the header (RFC 1035 §4.1.1:
transaction id, the flags a bit each, the four counts), then each question with its
name, the name's length and label count, type and class.

Written: queries (the response bit clear) of class IN and of the types named in
:data:`_TYPES`. Not written yet (None: the frame's tree reports DNS as missing):
responses (their records and the ``[Request In]`` and ``[Time]`` lines), a message
reassembled from several segments, and other types or classes.
"""

from __future__ import annotations

from tcpscope.analysis.dns import OPCODES
from tcpscope.views.tree import Protocol, bit_pattern

__all__ = ["DNS", "dns_text"]

#: dns_types_description_vals, for the types whose questions are written
_TYPES = {1: "A (Host Address)", 2: "NS (authoritative Name Server)", 5: "CNAME (Canonical NAME for an alias)",
          6: "SOA (Start Of a zone of Authority)", 12: "PTR (domain name PoinTeR)", 15: "MX (Mail eXchange)",
          16: "TXT (Text strings)", 28: "AAAA (IPv6 Address)", 33: "SRV (Server Selection)"}
_CLASS_IN = 1
_RESPONSE = 0x8000
_HEADER = 12
_PREFIX = 2

#: A query's flags, a line each: (mask, title, the words for set and clear) or, for
#: the opcode, the words None (its name and number)
_QUERY_FLAGS: tuple[tuple[int, str, tuple[str, str] | None], ...] = (
    (0x8000, "Response", ("Message is a response", "Message is a query")),
    (0x7800, "Opcode", None),
    (0x0200, "Truncated", ("Message is truncated", "Message is not truncated")),
    (0x0100, "Recursion desired", ("Do query recursively", "Don't do query recursively")),
    (0x0040, "Z", ("reserved (1)", "reserved (0)")),
    (0x0010, "Non-authenticated data", ("Acceptable", "Unacceptable")),
)


def _flag_line(flags: int, mask: int, title: str, words: tuple[str, str] | None) -> str:
    value = (flags & mask) >> ((mask & -mask).bit_length() - 1)
    shown = f"{OPCODES.get(value, 'Unknown')} ({value})" if words is None else words[0 if value else 1]
    return f"        {bit_pattern(flags & mask, mask, 16)} = {title}: {shown}"


def _labels(data: bytes, at: int) -> tuple[list[str], int] | None:
    """A question's name as plain labels (no compression pointer: a query's first name
    has none to point to) and where the item after it starts."""
    out: list[str] = []
    while at < len(data):
        n = data[at]
        if n == 0:
            return out, at + 1
        if n & 0xC0 or at + 1 + n > len(data):
            return None
        out.append(data[at + 1:at + 1 + n].decode("latin-1"))
        at += 1 + n
    return None


def _query_lines(msg: bytes) -> list[str] | None:
    if len(msg) < _HEADER:
        return None
    ident, flags = int.from_bytes(msg[0:2], "big"), int.from_bytes(msg[2:4], "big")
    counts = [int.from_bytes(msg[4 + 2 * i:6 + 2 * i], "big") for i in range(4)]
    opcode = (flags >> 11) & 0xF
    if flags & _RESPONSE or opcode not in OPCODES or any(counts[1:]):
        return None
    lines = [f"    Transaction ID: 0x{ident:04x}", f"    Flags: 0x{flags:04x} {OPCODES[opcode]}",
             *(_flag_line(flags, mask, title, words) for mask, title, words in _QUERY_FLAGS),
             f"    Questions: {counts[0]}", f"    Answer RRs: {counts[1]}", f"    Authority RRs: {counts[2]}",
             f"    Additional RRs: {counts[3]}"]
    if counts[0]:
        lines.append("    Queries")
    at = _HEADER
    for _ in range(counts[0]):
        got = _labels(msg, at)
        if got is None or not got[0] or got[1] + 4 > len(msg):
            return None
        labels, at = got
        qtype, qclass = int.from_bytes(msg[at:at + 2], "big"), int.from_bytes(msg[at + 2:at + 4], "big")
        if qtype not in _TYPES or qclass != _CLASS_IN:
            return None
        name = ".".join(labels)
        short = _TYPES[qtype].split(" ", 1)[0]
        lines += [f"        {name}: type {short}, class IN", f"            Name: {name}",
                  f"            [Name Length: {len(name)}]", f"            [Label Count: {len(labels)}]",
                  f"            Type: {_TYPES[qtype]} ({qtype})", f"            Class: IN (0x{qclass:04x})"]
        at += 4
    return lines if at == len(msg) else None


def dns_text(layer: int, payload: bytes, messages: int) -> str | None:
    """The trees of the DNS messages of a TCP payload that holds them whole, each after
    its 2-byte length (``frame.protocols`` names ``dns`` once for them all); ``messages``:
    how many the DNS framing completed in the segment. None where they are not written
    (a message completed from earlier segments, or a second ``dns`` of the frame)."""
    if layer != 1:
        return None
    out: list[str] = []
    at = 0
    while at < len(payload):
        if at + _PREFIX > len(payload):
            return None
        size = int.from_bytes(payload[at:at + _PREFIX], "big")
        if at + _PREFIX + size > len(payload):
            return None
        lines = _query_lines(payload[at + _PREFIX:at + _PREFIX + size])
        if lines is None:
            return None
        out += ["Domain Name System (query)", f"    Length: {size}", *lines]
        at += _PREFIX + size
    if not out or out.count("Domain Name System (query)") != messages:
        return None
    return "".join(f"{line}\n" for line in out)


def _head(_item: object) -> str:
    return "Domain Name System"


#: DNS in the frame's protocols: its text comes from :func:`dns_text`, not from nodes
DNS = Protocol("dns", "", _head, ())
