"""The HTTP cells (http.* fields, frame.protocols) where tcpscope differs from tshark,
declared one by one with their reasons (docs/deviations.md, "HTTP fields"); made by
running both on every golden capture. ``test_every_field.py`` checks them with the other
declared cells; ``protocols_declared.py`` reads :data:`PROTOCOLS`.
"""

from __future__ import annotations

from fieldsets import RAW_FRACTION, KnownDiff

__all__ = ["KNOWN_DIFFS", "PROTOCOLS"]

CUT = "frames cut by the snapshot length: tshark dissects HTTP in the segment alone, tcpscope does not frame them"
AFTER = "binary bytes after a message in the same segment: tshark's Continuation, not framed"

#: The http.* cells that differ
KNOWN_DIFFS: tuple[KnownDiff, ...] = (
    KnownDiff("craft-pcap-odd-nsec.pcap", (("http.time", (8,)),), RAW_FRACTION),
    KnownDiff("craft-pcap-odd-usec.pcap", (("http.time", (8,)),), RAW_FRACTION),
    KnownDiff("zeek-communityid-tcp.pcap", (("http.chat", (4, 6)), ("http.date", (6,)), ("http.request", (4,)), ("http.request.method", (4,)), ("http.request.uri", (4,)), ("http.request.version", (4,)), ("http.request_in", (6,)), ("http.request_number", (4,)), ("http.response", (6,)), ("http.response.code", (6,)), ("http.response.phrase", (6,)), ("http.response.version", (6,)), ("http.response_for.uri", (6,)), ("http.response_number", (6,)), ("http.time", (6,)),), CUT),
)

#: capture -> frame -> why its frame.protocols differs in HTTP
PROTOCOLS: dict[str, dict[int, str]] = {
    "craft-pcapng-snaplen.pcapng": dict.fromkeys((3, 5), CUT),
    "zeek-communityid-tcp.pcap": dict.fromkeys((4, 6, 8), CUT),
    "zeek-tcp-payload-syn.pcap": dict.fromkeys((1,), AFTER),
}
