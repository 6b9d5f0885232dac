"""tshark's ``-o PREF:VALUE`` for the TCP preferences tcpscope's analysis honours.

Each preference is a name, its default and what setting it the other way does:

* ``tcp.relative_sequence_numbers`` (TRUE): FALSE shows the sequence and acknowledgment
  numbers, the next sequence number and the SACK edges as they are on the wire (the
  tutorial's relative-versus-raw switch), in the list's Info, the fields and the filter.
* ``tcp.calculate_timestamps`` (TRUE): FALSE leaves ``tcp.time_relative`` and
  ``tcp.time_delta`` out.
* ``tcp.track_bytes_in_flight`` (TRUE): FALSE leaves ``tcp.analysis.bytes_in_flight``
  and ``tcp.analysis.push_bytes_sent`` out, and the SEQ/ACK analysis of a segment that
  had it for them alone.
* ``tcp.analyze_sequence_numbers`` (TRUE): FALSE runs no sequence analysis: no
  ``tcp.analysis.*`` fields, no ``[TCP Retransmission]`` and the like in the list's Info,
  none of the analysis's expert items, and the numbers on the wire (relative numbers
  come from the analysis). The connection's stream, completeness, timestamps and
  reassembly stay, as in tshark, but no flag keeps a segment from HTTP (``Reading.sequence_analysis``).
* ``tcp.check_checksum`` (FALSE): TRUE verifies each segment's checksum
  (``tcp.checksum.status`` Good or Bad instead of Unverified, :mod:`tcpscope.dissect.checksum`).
* ``tcp.desegment_tcp_streams`` (TRUE): FALSE hands each segment to HTTP, TLS and DNS
  on its own, as tshark does without TCP reassembly: no ``[TCP segment of a reassembled
  PDU]``, a segment that starts with a request or response line shows it, a later one
  ``Continuation``, a TLS record cut by the segment's end nothing
  (:class:`tcpscope.analysis.http.HttpFramer`'s and
  :class:`tcpscope.analysis.tls_frames.PduFramer`'s ``desegment``).

A preference tshark has and tcpscope does not honour is refused (exit status 2) rather
than ignored; one tshark does not have is its "unknown preference" and a flag without
``:`` its "Invalid -o flag" (status 1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tcpscope.cli.dropin_options import REFUSED, OptionError, tshark_knows

if TYPE_CHECKING:
    from tcpscope.table.packets import PacketTable
    from tcpscope.views.tree_prefs import TcpTreePrefs

__all__ = ["Preferences", "parse_preferences"]

#: The preferences tcpscope knows, with their defaults.
DEFAULTS = {
    "tcp.relative_sequence_numbers": True,
    "tcp.calculate_timestamps": True,
    "tcp.track_bytes_in_flight": True,
    "tcp.analyze_sequence_numbers": True,
    "tcp.check_checksum": False,
    "tcp.desegment_tcp_streams": True,
}

#: The fields a preference set the other way leaves out.
LEFT_OUT = {
    "tcp.calculate_timestamps": ("tcp.time_relative", "tcp.time_delta"),
    "tcp.track_bytes_in_flight": ("tcp.analysis.bytes_in_flight", "tcp.analysis.push_bytes_sent"),
}


@dataclass(frozen=True, slots=True)
class Preferences:
    """The preferences a command line sets (each one's value)."""

    relative: bool = True
    timestamps: bool = True
    bytes_in_flight: bool = True
    sequence_analysis: bool = True
    check_checksum: bool = False
    desegment: bool = True

    def left_out(self) -> frozenset[str]:
        """The fields these preferences leave out of every frame."""
        off = {"tcp.calculate_timestamps": not self.timestamps, "tcp.track_bytes_in_flight": not self.bytes_in_flight}
        return frozenset(name for pref, names in LEFT_OUT.items() if off[pref] for name in names)

    def changes_values(self) -> bool:
        """Whether these preferences change the analysed values (``adjust`` is needed)."""
        return not (self.relative and self.sequence_analysis and self.bytes_in_flight) or self.check_checksum

    def tree(self) -> TcpTreePrefs:
        """What the details tree (``-V``, ``-O``, ``-T json``) follows of these preferences."""
        from tcpscope.views.tree_prefs import TcpTreePrefs

        return TcpTreePrefs(relative=self.relative, sequence_analysis=self.sequence_analysis,
                            timestamps=self.timestamps, bytes_in_flight=self.bytes_in_flight)

    def adjust(self, table: PacketTable) -> PacketTable:
        """The analysed table with the values these preferences change."""
        if self.check_checksum:
            table = checked_checksums(table)
        if not self.bytes_in_flight:
            table = without_bytes_in_flight(table)
        if not self.sequence_analysis:
            return without_sequence_analysis(raw_numbers(table))
        return table if self.relative else raw_numbers(table)


def _boolean(flag: str, value: str) -> bool:
    """A boolean preference's value: TRUE or FALSE in any case (prefs.c)."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise OptionError([f'Invalid -o flag "{flag}"'])


def parse_preferences(flags: list[str]) -> Preferences:
    """The preferences of the ``-o`` flags, in order; raises OptionError."""
    prefs = Preferences()
    for flag in flags:
        name, colon, value = flag.partition(":")
        if not colon:
            raise OptionError([f'Invalid -o flag "{flag}"'])
        if name not in DEFAULTS and not tshark_knows("prefs", name):
            raise OptionError([f'-o flag "{flag}" specifies unknown preference'])
        if name not in DEFAULTS:
            raise OptionError([f"preference {name} is not honoured by tcpscope's tshark command line"], REFUSED)
        on = _boolean(flag, value.strip())
        if name == "tcp.relative_sequence_numbers":
            prefs = replace(prefs, relative=on)
        elif name == "tcp.calculate_timestamps":
            prefs = replace(prefs, timestamps=on)
        elif name == "tcp.track_bytes_in_flight":
            prefs = replace(prefs, bytes_in_flight=on)
        elif name == "tcp.analyze_sequence_numbers":
            prefs = replace(prefs, sequence_analysis=on)
        elif name == "tcp.check_checksum":
            prefs = replace(prefs, check_checksum=on)
        elif name == "tcp.desegment_tcp_streams":
            prefs = replace(prefs, desegment=on)
    return prefs


def raw_numbers(table: PacketTable) -> PacketTable:
    """tcp.relative_sequence_numbers:FALSE: the numbers on the wire. The analysis keeps
    its relative numbers beside the raw ones, so the raw sequence number is ``seq_raw``,
    the acknowledgment ``ack_raw``, the next sequence number the raw one plus what the
    segment occupies, and the SACK edges count from 0 instead of the peer's base."""
    import numpy as np

    from tcpscope.table.layers import Layer

    tcp = table.layer("tcp")
    if len(tcp) == 0 or "seq" not in tcp.cols:
        return table
    cols = dict(tcp.cols)
    seq = np.asarray(cols["seq"], dtype=np.int64)
    raw = np.asarray(cols["seq_raw"], dtype=np.int64)
    span = (np.asarray(cols["nxtseq"], dtype=np.int64) - seq) & 0xFFFFFFFF
    cols["seq"] = cols["seq_raw"]
    cols["ack"] = cols["ack_raw"]
    cols["nxtseq"] = ((raw + span) & 0xFFFFFFFF).astype(np.asarray(cols["nxtseq"]).dtype)
    if "sack_base" in cols:
        cols["sack_base"] = np.zeros_like(cols["sack_base"])
    layer: Layer = replace(tcp, cols=cols)
    return table.with_layer(layer)


#: The expert items of the sequence analysis (tcp_analyze_sequence_number and what it
#: flags); the SYN's TFO cookie is the option's, not the analysis's.
ANALYSIS_EXPERTS = frozenset(
    name for name in ("tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
                      "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
                      "tcp.analysis.reused_ports", "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment",
                      "tcp.analysis.window_update", "tcp.analysis.window_full", "tcp.analysis.keep_alive",
                      "tcp.analysis.keep_alive_ack", "tcp.analysis.duplicate_ack", "tcp.analysis.zero_window_probe",
                      "tcp.analysis.zero_window", "tcp.analysis.zero_window_probe_ack", "tcp.analysis.tfo_ack",
                      "tcp.analysis.tfo_ignored"))


def without_sequence_analysis(table: PacketTable) -> PacketTable:
    """tcp.analyze_sequence_numbers:FALSE: tshark keeps no per-direction sequence state, so
    no segment has the SEQ/ACK analysis (``ta``: its subtree and every ``tcp.analysis.*``
    field), no analysis flag (``aflags``: the Info's bracketed prefixes) and none of the
    analysis's expert items."""
    import numpy as np

    from tcpscope.dissect.experts import EXPERT_CODE
    from tcpscope.table.layers import Layer

    tcp = table.layer("tcp")
    if len(tcp) == 0 or "ta" not in tcp.cols:
        return table
    cols = dict(tcp.cols)
    cols["ta"] = np.zeros_like(cols["ta"])
    cols["aflags"] = np.zeros_like(cols["aflags"])
    layer: Layer = replace(tcp, cols=cols)
    table = table.with_layer(layer)
    expert = table.layers.get("_expert")
    if expert is None or len(expert) == 0:
        return table
    codes = np.asarray([EXPERT_CODE[name] for name in sorted(ANALYSIS_EXPERTS)], dtype=np.int64)
    keep = ~np.isin(np.asarray(expert.cols["code"], dtype=np.int64), codes)
    kept: Layer = replace(expert, pkt=expert.pkt[keep], depth=expert.depth[keep], layer=expert.layer[keep],
                          cols={k: v[keep] for k, v in expert.cols.items()})
    return table.with_layer(kept)


def without_bytes_in_flight(table: PacketTable) -> PacketTable:
    """tcp.track_bytes_in_flight:FALSE: a segment gets the SEQ/ACK analysis (``ta``) for
    its bytes in flight only when the preference is on, so without it only a segment the
    analysis flags (``aflags``) or one that acknowledges a segment (``acks_frame``) has
    it (its subtree, and the iRTT line in it)."""
    import numpy as np

    from tcpscope.table.layers import Layer

    tcp = table.layer("tcp")
    if len(tcp) == 0 or "ta" not in tcp.cols:
        return table
    cols = dict(tcp.cols)
    kept = (np.asarray(cols["aflags"]) != 0) | (np.asarray(cols["acks_frame"]) != 0)
    cols["ta"] = (np.asarray(cols["ta"]) != 0) & kept
    layer: Layer = replace(tcp, cols=cols)
    return table.with_layer(layer)


def checked_checksums(table: PacketTable) -> PacketTable:
    """tcp.check_checksum:TRUE: each segment's checksum verified (its status, and the
    expert item of a bad one)."""
    from tcpscope.dissect.checksum import with_verified_checksums

    return with_verified_checksums(table)
