"""Fields that need the TCP analysis: streams, relative numbers, the SEQ/ACK analysis, experts.

Each field is present exactly where tshark 4.0's single pass shows it (packet-tcp.c):
``tcp.stream`` once the conversation lookup has happened (16 header bytes captured);
``tcp.ack`` and the window fields unless the header length is bogus; ``tcp.nxtseq`` when
the segment length is known; the timestamps once the whole fixed header is captured;
the ``tcp.analysis`` subtree when the segment has analysis data and its options were
read to the end. Expert items are fields too (``tcp.analysis.retransmission``,
``tcp.connection.syn``, ...): present where the item was raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import numpy as np
from numpy.typing import NDArray

from tcpscope._types import Array, Mask
from tcpscope.analysis.layout import A_DUPLICATE_ACK, A_RETRANSMISSION
from tcpscope.constants import ACK, AE, CWR, ECE, SYN
from tcpscope.dissect.context import Expert, Group, Sev
from tcpscope.dissect.experts import EXPERTS, field_name, summary
from tcpscope.table.access import Getter, column
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["ACE_FIELDS", "ANALYSIS_FIELDS", "ANALYSIS_FIELD_NAMES", "may_use_accecn"]

FT = FieldType
SET = ("Set", "Not set")


def _analysed(rule: Callable[[Layer], Mask]) -> Callable[[Layer], Mask]:
    """``rule``, for a layer the analysis has run on: presence rules read analysis columns,
    and a table analysed by nothing has none (the tcp layer's, or the udp layer's
    conversation columns), so no row has the field."""

    def guarded(layer: Layer) -> Mask:
        if "stream" not in layer.cols:
            return np.zeros(len(layer), dtype=np.bool_)
        return rule(layer)

    return guarded


def _udp_times(lt: Layer) -> Mask:
    """udp_handle_timestamps runs for a datagram with a payload (its length is not 8)."""
    return np.asarray(_c(lt, "has_times"), dtype=np.bool_)


def _c(layer: Layer, name: str) -> Array:
    return np.asarray(layer.cols[name])


def _conv(lt: Layer) -> Mask:
    return _c(lt, "stream") >= 0


def _full(lt: Layer) -> Mask:
    return _conv(lt) & ~_c(lt, "bogus_hlen").astype(np.bool_)


def _stamps(lt: Layer) -> Mask:
    return _full(lt) & (_c(lt, "reach") >= 4)


def _ta(lt: Layer) -> Mask:
    return np.asarray(_c(lt, "ta") != 0, dtype=np.bool_)


def _ace(lt: Layer) -> Mask:
    return np.asarray(_c(lt, "use_ace") != 0, dtype=np.bool_)


def _flag_bits(lt: Layer) -> Mask:
    """The ECN bits as booleans (tcp.flags.ae/cwr/ece) unless AccECN shows them as ACE."""
    full = (_c(lt, "reach") >= 2) & ~_c(lt, "bogus_hlen").astype(np.bool_)
    if "use_ace" in lt.cols:
        return full & ~_ace(lt)
    return full


def _flags_str(t: PacketTable) -> Values:
    """tcp.flags.str: a letter per set bit (RRRACEUAPRSF), a middle dot for a clear one;
    with AccECN the AE/CWR/ECE positions show ``-``, the ACE value, ``-``."""
    lt = t.layer("tcp")
    if len(lt) == 0:
        return Values.empty()
    keep = (_c(lt, "reach") >= 2) & ~_c(lt, "bogus_hlen").astype(np.bool_)
    flags = _c(lt, "flags")[keep].astype(np.int64) & 0xFFF
    text = _FLAG_STRINGS[flags]
    if "use_ace" in lt.cols:
        ace = _c(lt, "use_ace")[keep] != 0
        if ace.any():
            text = np.where(ace, _ace_strings()[flags], text)
    return Values(lt.pkt[keep], text, lt.layer[keep])


@cache
def _ace_strings() -> NDArray[np.str_]:
    """Every 12-bit flags value's string when AccECN is in use (built on first need)."""
    return np.array([s[:3] + "-" + str(_ace_value(v)) + "-" + s[6:] for v, s in enumerate(_FLAG_STRINGS.tolist())])


def _ace_value(flags: int) -> int:
    """ACE = AE, CWR, ECE read as a 3-bit number (tcp_get_ace)."""
    return ((flags & AE) >> 6) | ((flags & CWR) >> 6) | ((flags & ECE) >> 6)


_LETTERS = "RRRACEUAPRSF"
# every 12-bit flags value's string, built with numpy (a Python loop costs start-up time)
_BITS_SET = (np.arange(4096)[:, None] >> np.arange(11, -1, -1)[None, :]) & 1 == 1
_FLAG_STRINGS = np.where(_BITS_SET, np.array(list(_LETTERS)), "\u00b7").view("U12").reshape(-1)


def _bit(mask: int) -> Getter:
    return column("tcp", "flags", _flag_bits, lambda a: ((a.astype(np.int64) & mask) != 0).astype(np.int64))


def _ace_field(t: PacketTable) -> Values:
    lt = t.layer("tcp")
    if len(lt) == 0 or "use_ace" not in lt.cols:
        return Values.empty()
    keep = _ace(lt) & (_c(lt, "reach") >= 2) & ~_c(lt, "bogus_hlen").astype(np.bool_)
    flags = _c(lt, "flags")[keep].astype(np.int64)
    val = ((flags & AE) >> 6) | ((flags & CWR) >> 6) | ((flags & ECE) >> 6)
    return Values(lt.pkt[keep], val, lt.layer[keep])


def _sack_edge(col: str, present: str | None) -> Getter:
    """SACK edges relative to the peer's base sequence number at the time (raw if unknown)."""

    def get(t: PacketTable) -> Values:
        sack = t.layer("tcp.sack")
        tcp = t.layer("tcp")
        if len(sack) == 0 or "sack_base" not in tcp.cols:
            return Values.empty()
        rows = tcp.first_row(t.n)[sack.pkt]
        keep = np.ones(len(sack), dtype=np.bool_) if present is None else np.asarray(sack.cols[present], bool)
        base = _c(tcp, "sack_base")[rows]
        val = (_c(sack, col).astype(np.int64) - base) & 0xFFFFFFFF
        return Values(sack.pkt[keep], val[keep], sack.layer[keep])

    return get


def _none_rows(layer: str, rule: Callable[[Layer], Mask], times: int = 1) -> Getter:
    """An FT_NONE item on the rows where ``rule`` holds (``times`` items per row)."""

    def get(t: PacketTable) -> Values:
        lt = t.layer(layer)
        if len(lt) == 0:
            return Values.empty()
        keep = rule(lt)
        pkt = np.repeat(lt.pkt[keep], times)
        return Values(pkt, np.zeros((pkt.shape[0], 2), dtype=np.int64), np.repeat(lt.layer[keep], times))

    return get


def _expert_getter(field_codes: list[int]) -> Getter:
    """An expert item's own field (FT_NONE), present once per time one of its codes was raised."""
    codes = np.array(field_codes, dtype=np.int32)
    http = any(EXPERTS[c].protocol == "HTTP" for c in field_codes)

    def get(t: PacketTable) -> Values:
        if http:  # HTTP's chats need its framing: loaded only for them
            from tcpscope.analysis.http_experts import with_http_experts

            t = with_http_experts(t)
        ex = t.layer("_expert")
        if len(ex) == 0:
            return Values.empty()
        keep = np.isin(_c(ex, "code"), codes)
        pkt = ex.pkt[keep]
        return Values(pkt, np.zeros((pkt.shape[0], 2), dtype=np.int64))

    return get


_SEV_NAME = {Sev.CHAT: "Chat", Sev.NOTE: "Note", Sev.WARN: "Warning", Sev.ERROR: "Error", Sev.COMMENT: "Comment"}
_GROUP_NAME = {
    Group.CHECKSUM: "Checksum", Group.SEQUENCE: "Sequence", Group.RESPONSE_CODE: "Response code",
    Group.REQUEST_CODE: "Request code", Group.UNDECODED: "Undecoded", Group.REASSEMBLE: "Reassemble",
    Group.MALFORMED: "Malformed", Group.DEBUG: "Debug", Group.PROTOCOL: "Protocol", Group.SECURITY: "Security",
    Group.COMMENTS_GROUP: "Comment", Group.DECRYPTION: "Decryption", Group.ASSUMPTION: "Assumption",
    Group.DEPRECATED: "Deprecated",
}


def _expert_text(label: bool) -> Getter:
    """_ws.expert ("Expert Info (Note/Sequence): <summary>") or _ws.expert.message."""

    def get(t: PacketTable) -> Values:
        # HTTP's chats need its framing: loaded only when an expert field is asked for
        from tcpscope.analysis.http_experts import with_http_experts

        ex = with_http_experts(t).layer("_expert")
        if len(ex) == 0:
            return Values.empty()
        code = _c(ex, "code")
        a = _c(ex, "arg")
        b = _c(ex, "arg2")
        texts = []
        for i in range(len(ex)):
            k = int(code[i])
            msg = summary(k, int(a[i]), int(b[i]))
            if label:
                e = EXPERTS[k]
                msg = f"Expert Info ({_SEV_NAME[e.severity]}/{_GROUP_NAME[e.group]}): {msg}"
            texts.append(msg)
        return Values(ex.pkt, np.asarray(texts, dtype=str))

    return get


def _analysis(col: str, extra: Callable[[Layer], Mask] | None = None) -> Getter:
    def rule(lt: Layer) -> Mask:
        m = _ta(lt)
        return m & extra(lt) if extra is not None else m

    return column("tcp", col, _analysed(rule))


def _nonzero(col: str) -> Callable[[Layer], Mask]:
    return lambda lt: _c(lt, col) != 0


def _scalefactor_present(lt: Layer) -> Mask:
    return np.asarray(_full(lt) & ((_c(lt, "flags") & SYN) == 0), dtype=np.bool_)


#: The description an expert field is registered with (ei_register_info), where it differs
#: from the text of the item (which may carry values).
_EXPERT_TITLES = {
    "tcp.connection.syn": "Connection establish request (SYN)",
    "tcp.connection.synack": "Connection establish acknowledge (SYN+ACK)",
    "tcp.option.len.invalid": "Invalid length for option",
    "tcp.short_segment": "Short segment",
    "tcp.checksum_bad.expert": "Bad checksum",
    "tcp.bogus_header_length": "Bogus TCP Header length",
    "tcp.non_zero_bytes_after_eol": "Non zero bytes in option space after EOL option",
    "ip.bogus_ip_length": "Bogus IP length",
    "ip.bogus_header_length": "Bogus IP header length",
    "ip.bogus_ip_version": "Bogus IP version",
    "ip.ttl.too_small": "Time To Live",
    "ip.ttl.lncb": "Time To Live",
    "ipv6.plen_exceeds_framing": "IPv6 payload length does not match expected framing length",
    "ipv6.bogus_ipv6_version": "Bogus IP version",
    "ipv6.invalid_header": "Invalid IPv6 header",
    "eth.invalid_lentype.expert": "Invalid length/type",
    "udp.possible_traceroute": "Possible traceroute",
    "udp.length.bad": "Bad length value",
    "frame.time_invalid": "Arrival Time: Fractional second out of range (0-1000000000)",
    "http.chat": "Formatted text",
}


def _expert_fields() -> tuple[FieldDef, ...]:
    seen: dict[str, tuple[str, Expert]] = {}
    codes: dict[str, list[int]] = {}  # the codes of each field, found in one pass at import
    for i, e in enumerate(EXPERTS):
        name = field_name(i)
        codes.setdefault(name, []).append(i)
        if name in seen or name.startswith("_ws") or name in _NOT_EXPERT_FIELDS:
            continue
        seen[name] = (_EXPERT_TITLES.get(name, e.summary), e)
    return tuple(
        FieldDef(name, FT.NONE, _expert_getter(codes[name]), title, description=_expert_description(e))
        for name, (title, e) in seen.items()
    )


def _expert_description(e: Expert) -> str:
    """An expert field's description: the words of the expert item it marks (its arguments
    as N), its severity and group."""
    words = "the request or response line" if e.summary == "{text}" else re.sub(r"\{[^}]*\}", "N", e.summary)
    return (f"Present where the {e.protocol} expert item \"{words}\" is"
            f" ({e.severity.name.lower()}, {e.group.name.lower()}).")


# tcp.analysis.duplicate_ack is both a tree item and an expert item (two values per frame)
_NOT_EXPERT_FIELDS = frozenset({"tcp.analysis.duplicate_ack"})

ANALYSIS_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("tcp.stream", FT.UINT32, column("tcp", "stream", _analysed(_conv)), "Stream index", Base.DEC,
             description="The index of the TCP conversation the segment belongs to, counting from 0 in order of first appearance."),
    FieldDef("tcp.completeness", FT.UINT8, column("tcp", "completeness", _analysed(_conv)), "Conversation completeness",
             Base.DEC,
             description="The completeness of the conversation capture: a bit each for SYN, SYN-ACK, ACK, data, FIN and RST seen."),
    FieldDef("tcp.seq", FT.UINT32, column("tcp", "seq", _analysed(_conv)), "Sequence Number", Base.DEC,
             description="The sequence number relative to the conversation's first one in this direction."),
    FieldDef("tcp.ack", FT.UINT32, column("tcp", "ack", _analysed(_full)), "Acknowledgment Number", Base.DEC,
             description="The acknowledgment number relative to the peer's first sequence number."),
    FieldDef("tcp.nxtseq", FT.UINT32,
             column("tcp", "nxtseq", _analysed(lambda lt: _full(lt) & _c(lt, "has_len").astype(np.bool_))),
             "Next Sequence Number", Base.DEC,
             description="The sequence number (relative) the sender's next segment should have."),
    FieldDef("tcp.window_size", FT.UINT32, column("tcp", "window_size", _analysed(_full)), "Calculated window size",
             Base.DEC,
             description="The scaled window size (if scaling has been used)."),
    FieldDef("tcp.window_size_scalefactor", FT.INT32,
             column("tcp", "window_size_scalefactor", _analysed(_scalefactor_present)), "Window size scaling factor",
             Base.DEC,
             description="The window size scaling factor (-1 when unknown, -2 when no scaling is used)."),
    FieldDef("tcp.time_relative", FT.RELATIVE_TIME, column("tcp", "time_relative", _analysed(_stamps)),
             "Time since first frame in this TCP stream",
             description="Time relative to first frame in this TCP stream."),
    FieldDef("tcp.time_delta", FT.RELATIVE_TIME, column("tcp", "time_delta", _analysed(_stamps)),
             "Time since previous frame in this TCP stream",
             description="Time delta from previous frame in this TCP stream."),
    FieldDef("tcp.flags.str", FT.STRING, _flags_str, "TCP Flags",
             description="The segment's flags as 12 characters, a letter for each flag set and a dot for each clear."),
    FieldDef("tcp.flags.ae", FT.BOOLEAN, _bit(AE), "Accurate ECN", true_false=SET,
             description="The AE flag: with CWR and ECE, the ACE counter of Accurate ECN."),
    FieldDef("tcp.flags.cwr", FT.BOOLEAN, _bit(CWR), "Congestion Window Reduced", true_false=SET,
             description="Whether the sender has reduced its congestion window (CWR)."),
    FieldDef("tcp.flags.ece", FT.BOOLEAN, _bit(ECE), "ECN-Echo", true_false=SET,
             description="Whether the sender echoes a congestion experienced mark (ECE)."),
    FieldDef("tcp.flags.ace", FT.UINT8, _ace_field, "ACE", Base.DEC,
             description="The Accurate ECN ACE counter: the AE, CWR and ECE bits read as one 3-bit number."),
    FieldDef("tcp.options.sack_le", FT.UINT32, _sack_edge("le_raw", None), "TCP SACK Left Edge", Base.DEC,
             description="The left edge of a SACK block, relative to the peer's first sequence number."),
    FieldDef("tcp.options.sack_re", FT.UINT32, _sack_edge("re_raw", "has_re"), "TCP SACK Right Edge", Base.DEC,
             description="The right edge of a SACK block, relative to the peer's first sequence number."),
    # the SEQ/ACK analysis subtree (tcp_print_sequence_number_analysis)
    FieldDef("tcp.analysis", FT.NONE, _none_rows("tcp", _analysed(_ta)), "SEQ/ACK analysis",
             description="This frame has some of the TCP analysis shown."),
    FieldDef("tcp.analysis.acks_frame", FT.FRAMENUM, _analysis("acks_frame", _nonzero("acks_frame")),
             "This is an ACK to the segment in frame",
             description="Which previous segment is this an ACK for."),
    FieldDef("tcp.analysis.ack_rtt", FT.RELATIVE_TIME,
             _analysis("ack_rtt", lambda lt: (_c(lt, "acks_frame") != 0) & (_c(lt, "ack_rtt") != 0)),
             "The RTT to ACK the segment was",
             description="How long time it took to ACK the segment (RTT)."),
    FieldDef("tcp.analysis.initial_rtt", FT.RELATIVE_TIME, _analysis("initial_rtt", _nonzero("initial_rtt")),
             "iRTT",
             description="How long it took for the SYN to ACK handshake (iRTT)."),
    FieldDef("tcp.analysis.bytes_in_flight", FT.UINT32, _analysis("bytes_in_flight", _nonzero("bytes_in_flight")),
             "Bytes in flight", Base.DEC,
             description="How many bytes are now in flight for this connection."),
    FieldDef("tcp.analysis.push_bytes_sent", FT.UINT32, _analysis("push_bytes_sent", _nonzero("bytes_in_flight")),
             "Bytes sent since last PSH flag", Base.DEC,
             description="How many bytes have been sent since the last PSH flag."),
    FieldDef("tcp.analysis.flags", FT.NONE, _none_rows("tcp", _analysed(lambda lt: _ta(lt) & (_c(lt, "aflags") != 0))),
             "TCP Analysis Flags",
             description="This frame has some of the TCP analysis flags set."),
    FieldDef("tcp.analysis.duplicate_ack", FT.NONE,
             _none_rows("tcp", _analysed(lambda lt: _ta(lt) & ((_c(lt, "aflags") & A_DUPLICATE_ACK) != 0)), times=2),
             "Duplicate ACK",
             description="This is a duplicate ACK."),
    FieldDef("tcp.analysis.duplicate_ack_num", FT.UINT32, _analysis("dupack_num", _nonzero("dupack_num")),
             "Duplicate ACK #", Base.DEC,
             description="This is duplicate ACK number #."),
    FieldDef("tcp.analysis.duplicate_ack_frame", FT.FRAMENUM, _analysis("dupack_frame", _nonzero("dupack_num")),
             "Duplicate to the ACK in frame",
             description="This is a duplicate to the ACK in frame #."),
    FieldDef("tcp.analysis.rto", FT.RELATIVE_TIME,
             _analysis("rto", lambda lt: ((_c(lt, "aflags") & A_RETRANSMISSION) != 0) & (_c(lt, "rto") != 0)),
             "The RTO for this segment was",
             description="How long transmission was delayed before this segment was retransmitted (RTO)."),
    FieldDef("tcp.analysis.rto_frame", FT.FRAMENUM,
             _analysis("rto_frame", lambda lt: ((_c(lt, "aflags") & A_RETRANSMISSION) != 0) & (_c(lt, "rto") != 0)),
             "RTO based on delta from frame",
             description="This is the frame we measure the RTO from."),
    # UDP conversations (packet-udp.c; tcpscope.analysis.udp)
    FieldDef("udp.stream", FT.UINT32, column("udp", "stream", _analysed(_conv)),
             "Stream index", Base.DEC,
             description="The index of the UDP conversation the datagram belongs to, counting from 0 in order of first appearance."),
    FieldDef("udp.time_relative", FT.RELATIVE_TIME, column("udp", "time_relative", _analysed(_udp_times)),
             "Time since first frame",
             description="Time relative to first frame in this UDP stream."),
    FieldDef("udp.time_delta", FT.RELATIVE_TIME, column("udp", "time_delta", _analysed(_udp_times)),
             "Time since previous frame",
             description="Time delta from previous frame in this UDP stream."),
    # expert information
    FieldDef("_ws.expert", FT.STRING, _expert_text(True), "Expert Info", protocol="_ws.expert",
             description="The frame's expert items: findings of the dissectors and the TCP analysis."),
    FieldDef("_ws.expert.message", FT.STRING, _expert_text(False), "Message", protocol="_ws.expert",
             description="Wireshark expert information: the text of an expert item."),
    *_expert_fields(),
)

ANALYSIS_FIELD_NAMES: frozenset[str] = frozenset(f.name for f in ANALYSIS_FIELDS)


#: Fields that read the analysis only to know whether a segment's conversation uses AccECN
#: (tcp_flags_str and the ECN bits show the ACE counter then, packet-tcp.c tcp_get_ace).
ACE_FIELDS: frozenset[str] = frozenset({"tcp.flags.str", "tcp.flags.ae", "tcp.flags.cwr", "tcp.flags.ece",
                                        "tcp.flags.ace"})


def may_use_accecn(t: PacketTable) -> bool:
    """Could the analysis mark any segment as using AccECN (RFC 9768 §3.1)?

    Only when some pure SYN sets AE, CWR and ECE together (the AccECN request), or some
    segment carries an AccECN option (kinds 172, 174, or the experimental ExIDs). When
    neither occurs, ``use_ace`` is 0 everywhere and the ``ACE_FIELDS`` read the same
    without the analysis.
    """
    lt = t.layer("tcp")
    if len(lt) == 0:
        return False
    flags = _c(lt, "flags").astype(np.int64)
    request = ((flags & (SYN | ACK)) == SYN) & ((flags & (AE | CWR | ECE)) == (AE | CWR | ECE))
    if bool(request.any()):
        return True
    opt = t.layer("tcp.option")
    if len(opt) == 0:
        return False
    kind = np.asarray(opt.cols["kind"])
    return bool(((kind == 172) | (kind == 174) | (kind == 253) | (kind == 254)).any())
