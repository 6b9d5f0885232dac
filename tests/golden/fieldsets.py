"""The fields the golden tests compare with tshark, in named sets, and the known differences.

``make_golden.py`` asks tshark for every field of every set; ``test_fields.py`` compares
tcpscope with those files, and ``test_every_field.py`` checks that they are what the
installed tshark prints. A later issue adds its fields as a new set here; nothing else
needs to change.

A *known difference* is a cell, (field, frame) of a capture, where tcpscope differs from
tshark (docs/deviations.md gives the reason): deliberately, or because it is not done yet.
Only cells are declared, never whole fields or captures, and the tests check that each
difference stays exactly where it is declared (a declared cell that matches fails too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "FIELD_SETS",
    "KNOWN_DIFFS",
    "RAW_FRACTION",
    "KnownDiff",
    "all_fields",
    "declared_cells",
]

FRAME = (
    "frame.number",
    "frame.time_epoch",
    "frame.time_relative",
    "frame.time_delta",
    "frame.len",
    "frame.cap_len",
    "frame.interface_id",
)

LINK = (
    "eth.src",
    "eth.dst",
    "eth.type",
    "vlan.id",
    "sll.pkttype",
    "sll.etype",
    "null.family",
)

IPV4 = (
    "ip.version",
    "ip.hdr_len",
    "ip.len",
    "ip.id",
    "ip.flags",
    "ip.flags.df",
    "ip.flags.mf",
    "ip.frag_offset",
    "ip.ttl",
    "ip.proto",
    "ip.checksum",
    "ip.src",
    "ip.dst",
    "ip.addr",
)

IPV6 = (
    "ipv6.plen",
    "ipv6.nxt",
    "ipv6.hlim",
    "ipv6.flow",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.addr",
)

TCP = (
    "tcp.srcport",
    "tcp.dstport",
    "tcp.port",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.hdr_len",
    "tcp.len",
    "tcp.flags",
    "tcp.flags.res",
    "tcp.flags.ae",
    "tcp.flags.cwr",
    "tcp.flags.ece",
    "tcp.flags.urg",
    "tcp.flags.ack",
    "tcp.flags.push",
    "tcp.flags.reset",
    "tcp.flags.syn",
    "tcp.flags.fin",
    "tcp.flags.str",
    "tcp.window_size_value",
    "tcp.checksum",
    "tcp.urgent_pointer",
)

TCP_OPTIONS = (
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.wscale.multiplier",
    "tcp.options.sack_perm",
    "tcp.options.sack_le",
    "tcp.options.sack_re",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
)

UDP = (
    "udp.srcport",
    "udp.dstport",
)

#: Field sets by name; the golden file of a capture has one column per field of all sets.
FIELD_SETS: dict[str, tuple[str, ...]] = {
    "frame": FRAME,
    "link": LINK,
    "ipv4": IPV4,
    "ipv6": IPV6,
    "tcp": TCP,
    "tcp_options": TCP_OPTIONS,
    "udp": UDP,
}

@dataclass(frozen=True)
class KnownDiff:
    """Cells where tcpscope deliberately differs: for each field of ``capture``, the frames (1-based)."""

    capture: str
    cells: tuple[tuple[str, tuple[int, ...]], ...]
    reason: str


RAW_FRACTION = (
    "a pcap record's fraction of a second out of range: tshark prints its raw (seconds, fraction)"
    " pair unnormalized, tcpscope the same instant normalized (docs/deviations.md)"
)

#: The known differences of the golden files' fields and of the others that
#: ``test_every_field.py`` compares (``analysis_fields.KNOWN_DIFFS`` has the analysis fields').
KNOWN_DIFFS: tuple[KnownDiff, ...] = (
    KnownDiff("craft-pcap-odd-usec.pcap", (("frame.time_epoch", (5, 6, 7, 9)), ("frame.time_relative", (6,)),
                                           ("frame.time_delta", (6, 7)), ("frame.time", (5, 6, 7, 9))), RAW_FRACTION),
    KnownDiff("craft-pcap-odd-nsec.pcap", (("frame.time_epoch", (5, 6, 7, 8)), ("frame.time_relative", (6, 7)),
                                           ("frame.time_delta", (6, 7, 8)), ("frame.time", (5, 6, 7, 8))), RAW_FRACTION),
)


def all_fields() -> tuple[str, ...]:
    """Every field of every set, in set order (the columns of the golden files)."""
    out: list[str] = []
    for fields in FIELD_SETS.values():
        out.extend(f for f in fields if f not in out)
    return tuple(out)


def declared_cells(known: Iterable[KnownDiff], capture: str, fields: Iterable[str]) -> set[tuple[str, int]]:
    """The cells (field, frame) of ``capture`` that ``known`` declares, among ``fields``."""
    wanted = set(fields)
    return {(f, n) for d in known if d.capture == capture for f, frames in d.cells if f in wanted for n in frames}
