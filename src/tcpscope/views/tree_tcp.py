"""The TCP tree and the Data tree after it, as packet-tcp.c and packet-data.c add them
(labels from their ``hf_register_info`` and ``proto_tree_add_*`` calls, written down
here in our own words)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tcpscope.constants import ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG
from tcpscope.dissect.experts import TCP_OPTION_NAMES
from tcpscope.views.conversations import completeness_label
from tcpscope.views.info import flags_text
from tcpscope.views.tree import Columns, Item, Node, Part, Protocol
from tcpscope.views.tree_link import header_start
from tcpscope.views.tree_tcp_reassembled import completes_reassembled_pdu, pdu_tail_label
from tcpscope.views.tree_tcp_segments import (
    is_retransmitted_data,
    is_whole_segment_data,
    retransmitted_data_label,
    segment_data_label,
)

__all__ = ["DATA", "TCP"]

def _acked(item: Item) -> bool:
    flags = item.get("tcp.flags")
    return flags is not None and bool(int(flags) & ACK)


#: The header line's parts, before each number (in order; each but the ports' optional).
_HEAD_SRC, _HEAD_DST, _HEAD_SEQ, _HEAD_ACK, _HEAD_LEN = (
    "Transmission Control Protocol, Src Port: ", ", Dst Port: ", ", Seq: ", ", Ack: ", ", Len: ")


def _tcp_head(item: Item) -> str | None:
    """The header's line; none when not even the ports were captured (tshark adds no TCP item)."""
    if not item.has("tcp.srcport"):
        return None
    text = f"{_HEAD_SRC}{item.get('tcp.srcport')}{_HEAD_DST}{item.get('tcp.dstport')}"
    seq = item.get("tcp.seq")
    if seq is not None:
        text += f"{_HEAD_SEQ}{seq}"
    if item.shown_expert("tcp.bogus_header_length"):  # dissect_tcp stops before the flags and length
        return text
    if _acked(item) and item.has("tcp.ack"):
        text += f"{_HEAD_ACK}{item.get('tcp.ack')}"
    length = item.get("tcp.len")
    if length is not None:
        text += f"{_HEAD_LEN}{length}"
    return text


def _tcp_head_columns(c: Columns) -> tuple[list[Part], NDArray[np.bool_] | None]:
    """:func:`_tcp_head` of many headers (a header with a bogus length, or no ports, by it)."""
    has_src, src = c.values("tcp.srcport")
    _, dst = c.values("tcp.dstport")
    has_seq, seq = c.values("tcp.seq")
    has_ack, ack = c.values("tcp.ack")
    has_len, length = c.values("tcp.len")
    rest = ~has_src | c.expert("tcp.bogus_header_length")
    return [Part(_HEAD_SRC, src), Part(_HEAD_DST, dst), Part(_HEAD_SEQ, seq, has_seq),
            Part(_HEAD_ACK, ack, has_ack & _acked_columns(c)), Part(_HEAD_LEN, length, has_len)], rest


def _acked_columns(c: Columns) -> NDArray[np.bool_]:
    """:func:`_acked` of many headers."""
    has, flags = c.values("tcp.flags")
    return np.asarray(has & ((flags & ACK) != 0), dtype=np.bool_)


def _completeness(item: Item) -> str:
    return f"Conversation completeness: {completeness_label(int(item.value))}"


def _checksum(item: Item) -> str:
    """The checksum, as verified only with -o tcp.check_checksum:TRUE (proto_tree_add_checksum)."""
    status, sent = item.get("tcp.checksum.status"), item.value
    if status == 1:
        return f"Checksum: 0x{sent:04x} [correct]"
    if status == 0:
        should = item.get("tcp.checksum_calculated")
        return f'Checksum: 0x{sent:04x} incorrect, should be 0x{should:04x}(maybe caused by "TCP checksum offload"?)'
    return f"Checksum: 0x{sent:04x} [unverified]"


def _relative(item: Item) -> bool:
    """Whether the numbers are relative ones (:attr:`TcpTreePrefs.relative_labels`)."""
    return item.tcp_prefs.relative_labels


def _seq(item: Item) -> str:
    if not _relative(item):
        return f"Sequence Number: {item.value}"
    return f"Sequence Number: {item.value}    (relative sequence number)"


def _nxtseq(item: Item) -> str:
    if not _relative(item):
        return f"Next Sequence Number: {item.value}"
    return f"Next Sequence Number: {item.value}    (relative sequence number)"


_ACK_TITLE, _RELATIVE_ACK = "Acknowledgment Number: ", "    (relative ack number)"


def _ack(item: Item) -> str:
    if _acked(item) and _relative(item):
        return f"{_ACK_TITLE}{item.value}{_RELATIVE_ACK}"
    return f"{_ACK_TITLE}{item.value}"


def _ack_columns(c: Columns) -> tuple[list[Part], NDArray[np.bool_] | None]:
    """:func:`_ack` of many headers."""
    _, ack = c.values()
    relative = _acked_columns(c) & c.tcp_prefs.relative_labels
    return [Part(_ACK_TITLE, ack), Part(_RELATIVE_ACK, where=relative)], None


# RAW LINES: beside relative numbers the raw sequence number has a line of its own, and so
# has the raw acknowledgment number (always, when the ACK flag is off); otherwise the raw
# number is the same as the one shown, and its item is hidden (in the JSON only).
def _raw_seq_shown(item: Item) -> bool:
    return _relative(item)


def _raw_ack_shown(item: Item) -> bool:
    return _relative(item) or not _acked(item)


def _raw_seq_columns(c: Columns) -> NDArray[np.bool_]:
    return np.full(c.n, c.tcp_prefs.relative_labels, dtype=np.bool_)


def _raw_ack_columns(c: Columns) -> NDArray[np.bool_]:
    return np.asarray(c.tcp_prefs.relative_labels | ~_acked_columns(c), dtype=np.bool_)


def _timestamps(item: Item) -> bool:
    """tcp.calculate_timestamps: the Timestamps subtree only when it is on."""
    return item.tcp_prefs.timestamps


def _bytes_in_flight(item: Item) -> bool:
    """tcp.track_bytes_in_flight: the bytes in flight and since the last PSH only when it is on."""
    return item.tcp_prefs.bytes_in_flight


def _timestamps_columns(c: Columns) -> NDArray[np.bool_]:
    return np.full(c.n, c.tcp_prefs.timestamps, dtype=np.bool_)


def _bytes_in_flight_columns(c: Columns) -> NDArray[np.bool_]:
    return np.full(c.n, c.tcp_prefs.bytes_in_flight, dtype=np.bool_)


def _hdr_len(item: Item) -> str:
    n = int(item.value)
    return f"Header Length: {n} bytes ({n // 4})"


def _flags(item: Item) -> str:
    return _flags_line(int(item.value), item.has("tcp.flags.ace"))


def _flags_line(value: int, ace: bool) -> str:
    v = value & 0xFFF
    return f"Flags: 0x{v:03x} ({flags_text(v, ace)})"


def _flags_columns(c: Columns) -> tuple[list[Part], NDArray[np.bool_] | None]:
    """:func:`_flags` of many headers: the line of each distinct flags and AccECN, once."""
    _, flags = c.values()
    ace, _ = c.values("tcp.flags.ace")
    keys, pick = np.unique(flags * 2 + ace, return_inverse=True)
    return [Part(choices=[_flags_line(k >> 1, bool(k & 1)) for k in keys.tolist()], pick=pick.reshape(-1))], None


def _scalefactor(item: Item) -> str:
    v = int(item.value)
    words = {-1: " (unknown)", -2: " (no window scaling used)"}
    return f"Window size scaling factor: {v}{words.get(v, '')}"


def _partial_sack(kind: int, length: int) -> bool:
    """A SACK option whose length leaves part of a block: its dissector stops on the
    "suboption would go past end of option" item, before the option's name is listed."""
    return kind == 5 and (length - 2) % 8 != 0


def _options(item: Item) -> str:
    hdr_len = int(item.get("tcp.hdr_len"))
    row = item.where.rows["tcp"]
    start = item.column_list("tcp", "_start")[row] + 20
    end = start + min(item.column_list("tcp", "opt_cap")[row], hdr_len - 20)
    kind, shown = item.column_list("tcp.option", "kind"), item.column_list("tcp.option", "item")
    off, length = item.column_list("tcp.option", "off"), item.column_list("tcp.option", "len")
    # an option's name is appended once its dissector returned: not for one whose bytes
    # (as its length byte says) go past the captured options
    kinds = [kind[r] for r in item.rows_in("tcp.option")
             if shown[r] and off[r] + max(length[r], 1) <= end and not _partial_sack(kind[r], length[r])]
    return f"Options: ({hdr_len - 20} bytes)" + "".join(f", {TCP_OPTION_NAMES.get(k, 'Unknown')}" for k in kinds)


#: The Kind line's names (tcp_option_kind_vs).
_KIND_NAMES = {0: "End of Option List", 1: "No-Operation", 2: "Maximum Segment Size", 3: "Window Scale",
               4: "SACK Permitted", 5: "SACK", 6: "Echo", 7: "Echo Reply", 8: "Time Stamp Option",
               11: "CC", 12: "CC.NEW", 13: "CC.ECHO", 19: "MD5 Signature Option", 20: "SCPS Capabilities",
               21: "Selective Negative Acknowledgements", 22: "Record Boundaries", 23: "Corruption experienced",
               27: "Quick-Start Response", 28: "User Timeout Option", 29: "The TCP Authentication Option",
               30: "Multipath TCP", 34: "TCP Fast Open Cookie", 76: "Riverbed Probe", 78: "Riverbed Transparency",
               172: "Accurate ECN Order 0", 174: "Accurate ECN Order 1", 253: "RFC3692-style Experiment 1",
               254: "RFC3692-style Experiment 2"}


#: An option's line: its name after this, then its values' texts around them (MSS,
#: window scale, timestamps); a SACK's edges after its name.
_OPTION_HEAD = "TCP Option - "
_MSS_TEXTS = (": ", " bytes")
_WSCALE_TEXTS = (": ", " (multiply by ", ")")
_TS_TEXTS = (": TSval ", ", TSecr ")


def _option(item: Item) -> str:
    kind = int(item.value)
    name = _OPTION_HEAD + TCP_OPTION_NAMES.get(kind, "Unknown")
    if kind == 2 and item.has("tcp.options.mss_val"):
        return f"{name}{_MSS_TEXTS[0]}{item.get('tcp.options.mss_val')}{_MSS_TEXTS[1]}"
    if kind == 3 and item.has("tcp.options.wscale.shift"):
        return (f"{name}{_WSCALE_TEXTS[0]}{item.get('tcp.options.wscale.shift')}"
                f"{_WSCALE_TEXTS[1]}{item.get('tcp.options.wscale.multiplier')}{_WSCALE_TEXTS[2]}")
    if kind == 8 and item.has("tcp.options.timestamp.tsecr"):
        return (f"{name}{_TS_TEXTS[0]}{item.get('tcp.options.timestamp.tsval')}"
                f"{_TS_TEXTS[1]}{item.get('tcp.options.timestamp.tsecr')}")
    if kind == 5:
        edges = "".join(f" {item.get('tcp.options.sack_le', k)}-{item.get('tcp.options.sack_re', k)}"
                        for k in range(item.count("tcp.options.sack_re")))
        return f"{name}{edges}"
    return name


def _option_columns(c: Columns) -> tuple[list[Part], NDArray[np.bool_] | None]:
    """:func:`_option` of many options (a SACK's, whose edges vary in number, by it)."""
    _, kind = c.values()
    kinds, pick = np.unique(kind, return_inverse=True)
    names = [_OPTION_HEAD + TCP_OPTION_NAMES.get(k, "Unknown") for k in kinds.tolist()]
    has_mss, mss = c.values("tcp.options.mss_val")
    has_shift, shift = c.values("tcp.options.wscale.shift")
    _, multiplier = c.values("tcp.options.wscale.multiplier")
    has_tsecr, tsecr = c.values("tcp.options.timestamp.tsecr")
    _, tsval = c.values("tcp.options.timestamp.tsval")
    mss_at, wscale_at, ts_at = (kind == 2) & has_mss, (kind == 3) & has_shift, (kind == 8) & has_tsecr
    return [Part(choices=names, pick=pick.reshape(-1)),
            Part(_MSS_TEXTS[0], mss, mss_at), Part(_MSS_TEXTS[1], where=mss_at),
            Part(_WSCALE_TEXTS[0], shift, wscale_at), Part(_WSCALE_TEXTS[1], multiplier, wscale_at),
            Part(_WSCALE_TEXTS[2], where=wscale_at),
            Part(_TS_TEXTS[0], tsval, ts_at), Part(_TS_TEXTS[1], tsecr, ts_at)], kind == 5


def _is_sack(item: Item) -> bool:
    return bool(item.get("tcp.option_kind") == 5)


def _is_sack_columns(c: Columns) -> NDArray[np.bool_]:
    has, kind = c.values("tcp.option_kind")
    return np.asarray(has & (kind == 5), dtype=np.bool_)


def _is_dsack_columns(c: Columns) -> NDArray[np.bool_]:
    return _is_sack_columns(c) & c.expert("tcp.options.sack.dsack")


def _relative_word(item: Item) -> str:
    return " (relative)" if _relative(item) else ""


def _left_edge(item: Item) -> str:
    return f"left edge = {item.value}{_relative_word(item)}"


def _right_edge(item: Item) -> str:
    return f"right edge = {item.value}{_relative_word(item)}"


def _is_dsack(item: Item) -> bool:
    """A D-SACK (RFC 2883): the option's first block reports data received twice."""
    return _is_sack(item) and item.shown_expert("tcp.options.sack.dsack")


def _dsack_left(item: Item) -> str:
    return f"D-SACK Left Edge = {item.get('tcp.options.sack_le', 0)}{_relative_word(item)}"


def _dsack_right(item: Item) -> str:
    return f"D-SACK Right Edge = {item.get('tcp.options.sack_re', 0)}{_relative_word(item)}"


def _dsack(item: Item) -> str:
    return "D-SACK Sequence"


def _padding(item: Item) -> str:
    return "Non-zero header padding"


def _sack_count(item: Item) -> str:
    return f"TCP SACK Count: {item.count('tcp.options.sack_re')}"


def _kind(item: Item) -> str:
    kind = int(item.value)
    return f"Kind: {_KIND_NAMES.get(kind, 'Unknown')} ({kind})"


def _payload(item: Item) -> str | None:
    """The payload's length on the wire; no line when none of it was captured."""
    if not item.text:
        return None
    wire = item.get("tcp.len")
    n = len(item.text) // 2 if wire is None else int(wire)
    return f"TCP payload ({n} byte{'' if n == 1 else 's'})"


_ANALYSIS_EXPERTS = (
    "tcp.analysis.reused_ports", "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order", "tcp.analysis.lost_segment",
    "tcp.analysis.ack_lost_segment", "tcp.analysis.window_update", "tcp.analysis.window_full",
    "tcp.analysis.keep_alive", "tcp.analysis.keep_alive_ack", "tcp.analysis.zero_window_probe",
    "tcp.analysis.zero_window", "tcp.analysis.zero_window_probe_ack",
)


def _short_segment(item: Item) -> str:
    return ("Short segment. Segment/fragment does not contain a full TCP header (might be NMAP or someone else "
            "deliberately sending unusual packets)")


def _malformed(item: Item) -> str:
    """The hidden item the short segment's expert adds (expert_add_info's malformed mark)."""
    return "Malformed Packet"


def _dup_ack_flag(item: Item) -> str:
    return "This is a TCP duplicate ack"


def _flag(name: str, mask: int, experts: tuple[str, ...] = ()) -> Node:
    """A flag bit's line: the flags field's bits under its mask; its bytes are the byte of
    the two its bit is in (the mask is the field's, over both)."""
    return Node(name, mask=mask, bits=12, experts=experts, bits_from="tcp.flags",
                raw=(12 if mask > 0xFF else 13, 1, mask))


#: The JSON field of each option kind's item (``tcp.options.<name>``).
_OPTION_FIELDS = {0: "eol", 1: "nop", 2: "mss", 3: "wscale", 4: "sack_perm", 5: "sack", 6: "echo", 7: "echoreply",
                  8: "timestamp", 11: "cc", 12: "ccnew", 13: "ccecho", 19: "md5", 20: "scps", 21: "snack",
                  22: "scpsrec", 23: "scpscor", 27: "qs", 28: "user_to", 29: "ao", 34: "tfo", 76: "rvbd.probe",
                  78: "rvbd.trpy", 172: "acc_ecn", 174: "acc_ecn", 253: "experimental", 254: "experimental"}


def _option_key(item: Item) -> str:
    return f"tcp.options.{_OPTION_FIELDS.get(int(item.value), 'unknown')}"


def _option_bytes(item: Item) -> tuple[int, int]:
    """Where the option shown is in the frame, and how many of its bytes were captured."""
    at = int(item.column("tcp.option", "off")) - int(item.table.records.offset[item.frame])
    return at, max(int(item.column("tcp.option", "len")), 1)


def _option_value(item: Item) -> str:
    at, n = _option_bytes(item)
    data = item.frame_bytes()[at:at + n]
    return ":".join(f"{b:02x}" for b in data)


def _in_option(offset: int, length: int) -> Callable[[Item], tuple[int, int, int]]:
    """The bytes ``offset`` into the option shown."""
    def where(item: Item) -> tuple[int, int, int]:
        return _option_bytes(item)[0] + offset, length, 0

    return where


def _sack_edge(offset: int) -> Callable[[Item], tuple[int, int, int]]:
    """A SACK block's edge: block ``k`` of the option is 8 bytes from the previous one."""
    def where(item: Item) -> tuple[int, int, int]:
        return _option_bytes(item)[0] + offset + 8 * item.where.k, 4, 0

    return where


def _whole_option(item: Item) -> tuple[int, int, int]:
    return (*_option_bytes(item), 0)


def _options_bytes(item: Item) -> tuple[int, int, int]:
    start = header_start("tcp")(item) + 20
    return start, int(item.get("tcp.hdr_len")) - 20, 0


def _payload_bytes(item: Item) -> tuple[int, int, int] | None:
    if not item.text:
        return None
    at = int(item.column("tcp", "payload_off")) - int(item.table.records.offset[item.frame])
    return at, len(item.text) // 2, 0


def _tcp_span(item: Item) -> tuple[int, int]:
    """The header's bytes; with a bogus header length (under 20) dissect_tcp stops before
    setting the item's length, which keeps the rest of the frame."""
    hdr = item.get("tcp.hdr_len")
    start = header_start("tcp")(item)
    if hdr is not None and int(hdr) < 20:
        return start, len(item.frame_bytes()) - start
    return start, 20 if hdr is None else int(hdr)


TCP = Protocol("tcp", "tcp", _tcp_head, columns=_tcp_head_columns, children=(
    Node("tcp.srcport", raw=(0, 2, 0)),
    Node("tcp.dstport", raw=(2, 2, 0)),
    Node("tcp.srcport", key="tcp.port", hidden=True, raw=(0, 2, 0)),
    Node("tcp.dstport", key="tcp.port", hidden=True, raw=(2, 2, 0)),
    Node("tcp.stream", generated=True),
    Node("tcp.completeness", label=_completeness, of_value=True, generated=True),
    Node("", label=_short_segment, experts=("tcp.short_segment",), constant=True, follow=(
        ("", (Node("", label=_malformed, key="_ws.malformed", value=_malformed, hidden=True, constant=True),)),)),
    Node("tcp.len", generated=True),
    Node("tcp.seq", label=_seq, of_value=True, raw=(4, 4, 0)),
    Node("tcp.seq_raw", when=_raw_seq_shown, when_columns=_raw_seq_columns, raw=(4, 4, 0)),
    Node("tcp.seq_raw", when=lambda item: not _raw_seq_shown(item), hidden=True, raw=(4, 4, 0)),
    Node("tcp.nxtseq", label=_nxtseq, of_value=True, generated=True),
    Node("tcp.ack", label=_ack, columns=_ack_columns, experts=("tcp.ack.nonzero",), raw=(8, 4, 0)),
    Node("tcp.ack_raw", when=_raw_ack_shown, when_columns=_raw_ack_columns, raw=(8, 4, 0)),
    Node("tcp.ack_raw", when=lambda item: not _raw_ack_shown(item), hidden=True, raw=(8, 4, 0)),
    Node("tcp.hdr_len", label=_hdr_len, of_value=True, mask=0xF0, bits=8, bits_of=lambda v: v // 4,
         experts=("tcp.bogus_header_length",), raw=(12, 1, 0)),
    Node("tcp.flags", label=_flags, columns=_flags_columns, raw=(12, 2, 0xFFF), children=(
        _flag("tcp.flags.res", 0xE00),
        _flag("tcp.flags.ae", AE),
        _flag("tcp.flags.cwr", CWR),
        _flag("tcp.flags.ece", ECE),
        Node("tcp.flags.ace", mask=AE | CWR | ECE, bits=12, bits_from="tcp.flags", raw=(12, 2, 0)),
        _flag("tcp.flags.urg", URG),
        _flag("tcp.flags.ack", ACK),
        _flag("tcp.flags.push", PSH),
        _flag("tcp.flags.reset", RST, ("tcp.connection.rst",)),
        _flag("tcp.flags.syn", SYN, ("tcp.connection.synack", "tcp.connection.syn")),
        _flag("tcp.flags.fin", FIN, ("tcp.connection.fin",)),
        Node("tcp.flags.str", generated=True, experts=("tcp.connection.fin_active", "tcp.connection.fin_passive"),
             raw=(12, 2, 0)),
    )),
    Node("tcp.window_size_value", raw=(14, 2, 0)),
    Node("tcp.window_size", generated=True, raw=(14, 2, 0)),
    Node("tcp.window_size_scalefactor", label=_scalefactor, of_value=True, generated=True, raw=(14, 2, 0)),
    Node("tcp.checksum", label=_checksum, experts=("tcp.checksum_bad.expert",), raw=(16, 2, 0)),
    Node("tcp.checksum.status", generated=True),
    Node("tcp.checksum_calculated", generated=True),
    Node("tcp.urgent_pointer", experts=("tcp.urgent_pointer.non_zero",), raw=(18, 2, 0)),
    Node("tcp.options", label=_options, raw=_options_bytes, children=(
        Node("tcp.option_kind", label=_option, columns=_option_columns, rows="tcp.option", key=_option_key, value=_option_value,
             raw=_whole_option, children=(
                 Node("tcp.option_kind", label=_kind, of_value=True, raw=_in_option(0, 1)),
                 Node("tcp.option_len", experts=("tcp.option.len.invalid",), raw=_in_option(1, 1)),
                 Node("tcp.options.mss_val", raw=_in_option(2, 2)),
                 Node("tcp.options.wscale.shift", experts=("tcp.options.wscale.shift.invalid",),
                      raw=_in_option(2, 1)),
                 Node("tcp.options.wscale.multiplier", generated=True, raw=_in_option(2, 1)),
                 Node("tcp.options.timestamp.tsval", raw=_in_option(2, 4)),
                 Node("tcp.options.timestamp.tsecr", raw=_in_option(6, 4)),
                 Node("", when=_is_sack, when_columns=_is_sack_columns, each="tcp.options.sack_le", children=(
                     Node("tcp.options.sack_le", label=_left_edge, of_value=True, raw=_sack_edge(2)),
                     Node("tcp.options.sack_re", label=_right_edge, of_value=True, raw=_sack_edge(6)),
                 )),
                 Node("tcp.options.sack_re", label=_sack_count, generated=True, when=_is_sack, when_columns=_is_sack_columns,
                      key="tcp.options.sack.count", value=lambda item: str(item.count("tcp.options.sack_re"))),
                 Node("tcp.options.sack_le", label=_dsack_left, generated=True, when=_is_dsack, when_columns=_is_dsack_columns,
                      key="tcp.options.sack.dsack_le", value=lambda item: str(item.get("tcp.options.sack_le", 0)),
                      raw=_in_option(2, 4)),
                 Node("tcp.options.sack_re", label=_dsack_right, generated=True, when=_is_dsack, when_columns=_is_dsack_columns,
                      key="tcp.options.sack.dsack_re", value=lambda item: str(item.get("tcp.options.sack_re", 0)),
                      raw=_in_option(6, 4)),
                 Node("", label=_dsack, when=_is_sack, when_columns=_is_sack_columns, experts=("tcp.options.sack.dsack",), constant=True),
             )),
        Node("", label=_padding, experts=("tcp.non_zero_bytes_after_eol",), constant=True),
    ), experts=("tcp.options.mss.absent",)),
    Node("", label=lambda item: "Timestamps", generated=True, constant=True, when=_timestamps,
         when_columns=_timestamps_columns, children=(
        Node("tcp.time_relative", generated=True),
        Node("tcp.time_delta", generated=True),
    )),
    Node("tcp.analysis", generated=True, children=(
        Node("tcp.analysis.acks_frame", generated=True),
        Node("tcp.analysis.ack_rtt", generated=True),
        Node("tcp.analysis.initial_rtt", generated=True),
        Node("tcp.analysis.bytes_in_flight", generated=True, when=_bytes_in_flight,
             when_columns=_bytes_in_flight_columns),
        Node("tcp.analysis.push_bytes_sent", generated=True, when=_bytes_in_flight,
             when_columns=_bytes_in_flight_columns),
        Node("tcp.analysis.flags", generated=True, experts=_ANALYSIS_EXPERTS, follow=(
            ("tcp.analysis.retransmission", (Node("tcp.analysis.rto", generated=True),
                                             Node("tcp.analysis.rto_frame", generated=True))),
            ("", (Node("tcp.analysis.duplicate_ack", label=_dup_ack_flag, generated=True, constant=True),)),
        )),
        Node("tcp.analysis.duplicate_ack_num", generated=True),
        Node("tcp.analysis.duplicate_ack_frame", generated=True, experts=("tcp.analysis.duplicate_ack",)),
    )),
    Node("tcp.payload", label=_payload, raw=_payload_bytes),
    Node("tcp.payload", label=segment_data_label, key="tcp.segment_data", when=is_whole_segment_data,
         raw=_payload_bytes),
    Node("tcp.payload", label=retransmitted_data_label, key="tcp.segment_data", when=is_retransmitted_data,
         raw=_payload_bytes),
    Node("tcp.payload", label=pdu_tail_label, key="tcp.segment_data", when=completes_reassembled_pdu,
         raw=_payload_bytes),
), span=_tcp_span)


def _data_head(item: Item) -> str:
    return f"Data ({item.count('tcp.payload')} bytes)"


DATA = Protocol("data", "", _data_head, ())
