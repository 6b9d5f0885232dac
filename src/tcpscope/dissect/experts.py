"""Every kind of expert item tcpscope raises, with tshark's severity, group and wording.

Expert items are data: the dissectors and the TCP analysis record, per frame, a code
into :data:`EXPERTS` and up to two integer arguments; :func:`summary` renders the text
tshark shows (``_ws.expert.message``, ``tshark -z expert`` rows). Texts and levels are
from the ``ei_register_info`` tables of packet-tcp.c, packet-ip.c, packet-ipv6.c,
packet-eth.c, packet-vlan.c, packet-udp.c and packet-frame.c.
"""

from __future__ import annotations

from tcpscope.dissect.context import Expert, Group, Sev

__all__ = ["EXPERTS", "EXPERT_CODE", "MALFORMED_SLOT", "SHORT_NAMES", "SLOT", "TCP_OPTION_NAMES", "TEXTS", "field_name",
           "malformed_codes", "summary", "text_number"]

#: Short names of TCP options (the option protocols' short names in packet-tcp.c).
TCP_OPTION_NAMES: dict[int, str] = {
    0: "End of Option List (EOL)",
    1: "No-Operation (NOP)",
    2: "Maximum segment size",
    3: "Window scale",
    4: "SACK permitted",
    5: "SACK",
    6: "Echo",
    7: "Echo reply",
    8: "Timestamps",
    11: "CC",
    12: "CC.NEW",
    13: "CC.ECHO",
    19: "TCP MD5 signature",
    20: "SCPS capabilities",
    21: "Selective Negative Acknowledgment",
    22: "SCPS record boundary",
    23: "SCPS corruption experienced",
    27: "Quick-Start",
    28: "User Timeout",
    29: "TCP AO",
    30: "MPTCP",
    34: "TCP Fast Open",
    76: "Riverbed Probe",
    78: "Riverbed Transparency",
    172: "Accurate ECN",
    174: "Accurate ECN",
    253: "Experimental",
    254: "Experimental",
}

_S, _P, _M = Group.SEQUENCE, Group.PROTOCOL, Group.MALFORMED
C, N, W, E = Sev.CHAT, Sev.NOTE, Sev.WARN, Sev.ERROR

EXPERTS: tuple[Expert, ...] = (
    # connection events (dissect_tcp)
    Expert("tcp.connection.syn", C, _S, "TCP", "Connection establish request (SYN): server port {a}"),
    Expert("tcp.connection.synack", C, _S, "TCP", "Connection establish acknowledge (SYN+ACK): server port {a}"),
    Expert("tcp.connection.fin", C, _S, "TCP", "Connection finish (FIN)"),
    Expert("tcp.connection.fin_active", N, _S, "TCP", "This frame initiates the connection closing"),
    Expert("tcp.connection.fin_passive", N, _S, "TCP", "This frame undergoes the connection closing"),
    Expert("tcp.connection.rst", W, _S, "TCP", "Connection reset (RST)"),
    # header checks
    Expert("tcp.ack.nonzero", N, _P, "TCP", "The acknowledgment number field is nonzero while the ACK flag is not set"),
    Expert("tcp.urgent_pointer.non_zero", N, _P, "TCP", "The urgent pointer field is nonzero while the URG flag is not set"),
    Expert("tcp.short_segment", W, _M, "TCP", "Short segment. Segment/fragment does not contain a full TCP header (might be NMAP or someone else deliberately sending unusual packets)"),
    Expert("tcp.bogus_header_length", E, _P, "TCP", "Bogus TCP header length ({a}, must be at least 20)"),
    # options
    Expert("tcp.options.mss.absent", N, _P, "TCP", "The SYN packet does not contain a MSS option"),
    Expert("tcp.options.mss.present", W, _P, "TCP", "The non-SYN packet does contain a MSS option"),
    Expert("tcp.options.wscale.shift.invalid", W, _P, "TCP", "Window scale shift exceeds 14"),
    Expert("tcp.options.sack.dsack", W, _S, "TCP", "D-SACK Sequence"),
    Expert("tcp.nop", W, _P, "TCP", "4 NOP in a row - a router may have removed some options"),
    Expert("tcp.non_zero_bytes_after_eol", E, _P, "TCP", "Non-zero header padding"),
    Expert("tcp.suboption_malformed", E, _M, "TCP", "suboption would go past end of option"),
    Expert("tcp.option.len.invalid/should", N, _S, "TCP", "option length should be {a}"),
    Expert("tcp.option.len.invalid/past_end", N, _S, "TCP", "{name} (option length = {b} byte{bs} says option goes past end of options)"),
    Expert("tcp.option.len.invalid/too_short", N, _S, "TCP", "{name} (with too-short option length = {b} byte{bs})"),
    Expert("tcp.option.len.invalid/no_len", N, _S, "TCP", "{name} (length byte past end of options)"),
    Expert("tcp.option.len.invalid/exp_small", N, _S, "TCP", "option length {a} smaller than 4"),
    Expert("tcp.option.len.invalid/ao", N, _S, "TCP", "option length should be >= than 4"),
    Expert("tcp.option.len.invalid/rvbd", N, _S, "TCP", "option length should be >= 3)"),
    Expert("tcp.option.len.invalid/tarr", N, _S, "TCP", "option length should be 4 or 5 instead of {a}"),
    Expert("tcp.option.len.invalid/acc_ecn", N, _S, "TCP", "option length should be 2, 5, 8, or 11 instead of {a}"),
    Expert("tcp.option.len.invalid/acc_ecn_exp", N, _S, "TCP",
           "option length should be 4, 7, 10, or 13 instead of {a}"),
    # sequence analysis (tcp_analyze_sequence_number and friends)
    Expert("tcp.analysis.retransmission", N, _S, "TCP", "This frame is a (suspected) retransmission"),
    Expert("tcp.analysis.fast_retransmission", N, _S, "TCP", "This frame is a (suspected) fast retransmission"),
    Expert("tcp.analysis.spurious_retransmission", N, _S, "TCP", "This frame is a (suspected) spurious retransmission"),
    Expert("tcp.analysis.out_of_order", W, _S, "TCP", "This frame is a (suspected) out-of-order segment"),
    Expert("tcp.analysis.reused_ports", N, _S, "TCP", "A new tcp session is started with the same ports as an earlier session in this trace"),
    Expert("tcp.analysis.lost_segment", W, _S, "TCP", "Previous segment(s) not captured (common at capture start)"),
    Expert("tcp.analysis.ack_lost_segment", W, _S, "TCP", "ACKed segment that wasn't captured (common at capture start)"),
    Expert("tcp.analysis.window_update", C, _S, "TCP", "TCP window update"),
    Expert("tcp.analysis.window_full", W, _S, "TCP", "TCP window specified by the receiver is now completely full"),
    Expert("tcp.analysis.keep_alive", N, _S, "TCP", "TCP keep-alive segment"),
    Expert("tcp.analysis.keep_alive_ack", N, _S, "TCP", "ACK to a TCP keep-alive segment"),
    Expert("tcp.analysis.duplicate_ack", N, _S, "TCP", "Duplicate ACK (#{a})"),
    Expert("tcp.analysis.zero_window_probe", N, _S, "TCP", "TCP Zero Window Probe"),
    Expert("tcp.analysis.zero_window", W, _S, "TCP", "TCP Zero Window segment"),
    Expert("tcp.analysis.zero_window_probe_ack", N, _S, "TCP", "ACK to a TCP Zero Window Probe"),
    Expert("tcp.analysis.tfo_syn", N, _S, "TCP", "TCP SYN with TFO Cookie"),
    Expert("tcp.analysis.tfo_ack", N, _S, "TCP", "TCP SYN-ACK accepting TFO data"),
    Expert("tcp.analysis.tfo_ignored", N, _S, "TCP", "TCP SYN-ACK ignoring TFO data"),
    # IP
    Expert("ip.bogus_ip_length", E, _P, "IPv4", "IPv4 total length exceeds packet length ({a} bytes)"),
    Expert("ip.ttl.too_small", N, _S, "IPv4", '"Time To Live" only {a}'),
    Expert("ip.ttl.lncb", N, _S, "IPv4",
           '"Time To Live" != {a} for a packet sent to the Local Network Control Block (see RFC 3171)'),
    Expert("ip.bogus_ip_length/short", E, _P, "IPv4", "Bogus IP length"),
    Expert("ip.bogus_header_length", E, _P, "IPv4", "Bogus IP header length ({a}, must be at least 20)"),
    Expert("ip.bogus_ip_version", E, _P, "IPv4", "Bogus IPv4 version"),
    Expert("ip.bogus_ip_version/generic", E, _P, "IPv4", "Bogus IP version"),
    Expert("ipv6.bogus_ipv6_version", E, _M, "IPv6", "Bogus IPv6 version"),
    Expert("ipv6.invalid_header", E, _M, "IPv6", "IPv6 header must be exactly 40 bytes"),
    Expert("ipv6.plen_zero", C, _P, "IPv6",
           'IPv6 payload length equals 0 (maybe because of "TCP segmentation offload" (TSO))'),
    Expert("ipv6.opt.jumbo.missing", E, _M, "IPv6",
           "IPv6 payload length equals 0 and Hop-By-Hop present and Jumbo Payload option missing"),
    Expert("ipv6.plen_exceeds_framing", W, _P, "IPv6", "IPv6 payload length exceeds framing length ({a} bytes)"),
    # link layers (packet-eth.c, packet-vlan.c)
    Expert("eth.invalid_lentype.expert", W, _P, "Ethernet", "Invalid length/type: 0x{a:04x} ({a})"),
    Expert("eth.len.past_end", E, _M, "Ethernet", "Length field value goes past the end of the payload"),
    Expert("vlan.len.past_end", E, _M, "VLAN", "Length field value goes past the end of the payload"),
    Expert("vlan.too_many_tags", W, Group.UNDECODED, "VLAN", "Too many nested VLAN tags"),
    # UDP (packet-udp.c)
    Expert("udp.possible_traceroute", C, _S, "UDP", "Possible traceroute: hop #{a}, attempt #{b}"),
    Expert("udp.length.bad", E, _M, "UDP", "Bad length value {a} < 8"),
    Expert("udp.length.bad/ip", E, _M, "UDP", "Bad length value {a} > IP payload length"),
    Expert("udp.length.bad_zero", W, _P, "UDP", "Length is zero but payload < 65536"),
    Expert("udp.checksum.zero", E, Group.CHECKSUM, "UDP", "Illegal checksum value (0)"),
    # the frame (packet-frame.c)
    Expert("frame.time_invalid", N, _S, "Frame",
           "Arrival Time: Fractional second {a:09d} is invalid, the valid range is 0-1000000000"),
    # exceptions
    Expert("_ws.malformed.expert", E, _M, "", "Malformed Packet (Exception occurred)"),
)

#: Protocol short names (``proto_register_protocol``) of the protocols in
#: :data:`tcpscope.dissect.protocols.PROTO_NAMES`: the ``pinfo->current_proto`` a dissector
#: sets, which names the protocol of the expert items raised while it runs.
SHORT_NAMES: dict[str, str] = {
    "eth": "Ethernet", "ethertype": "Ethertype", "vlan": "VLAN", "sll": "SLL", "null": "Null",
    "raw": "Raw", "ip": "IPv4", "ipv6": "IPv6", "ipv6.hopopts": "IPv6 Hop-by-Hop",
    "ipv6.routing": "IPv6 Routing", "ipv6.fraghdr": "IPv6 Fragment", "ipv6.dstopts": "IPv6 Destination",
    "tcp": "TCP", "udp": "UDP", "data": "Data", "mpls": "MPLS", "gre": "GRE", "arp": "ARP/RARP",
    "icmp": "ICMP", "icmpv6": "ICMPv6", "llc": "LLC", "ah": "AH", "dns": "DNS",
}

# "Malformed Packet" (show_reported_bounds_error, epan/show_exception.c) is raised where the
# exception is caught, after everything else in the frame, and names the protocol whose
# dissector was running: one code per protocol.
EXPERTS += tuple(
    Expert(f"_ws.malformed.expert/{name}", E, _M, short, "Malformed Packet (Exception occurred)")
    for name, short in SHORT_NAMES.items()
)

# TCP's checksum, verified only with -o tcp.check_checksum:TRUE (tcpscope.dissect.checksum);
# last, so that no other code moves
EXPERTS += (Expert("tcp.checksum_bad.expert", E, Group.CHECKSUM, "TCP", "Bad checksum [should be 0x{a:04x}]"),)

# HTTP's chat on each request and response line (packet-http.c's ei_http_chat, "Formatted
# text"): its message is the line itself, so its argument is the number of that text in
# :data:`TEXTS` (:func:`text_number`); last, so that no other code moves
EXPERTS += (Expert("http.chat", C, _S, "HTTP", "{text}"),)

#: The texts of the expert items whose message is text from the frame (``http.chat``),
#: each once, numbered in order of first use: an item's argument is its text's number.
#: Grows with the distinct texts, as tshark's ``-z expert`` table does.
TEXTS: list[str] = []
_TEXT_NUMBER: dict[str, int] = {}


def text_number(text: str) -> int:
    """The number of ``text`` in :data:`TEXTS` (added there when new)."""
    got = _TEXT_NUMBER.get(text)
    if got is None:
        got = _TEXT_NUMBER[text] = len(TEXTS)
        TEXTS.append(text)
    return got

EXPERT_CODE: dict[str, int] = {e.field: i for i, e in enumerate(EXPERTS)}

# Where each item sits among the items of one TCP header, in dissect_tcp's order of
# events: header checks, the ACK field, flags, urgent pointer, options (100 + the
# option's position), the end of the options, then the SEQ/ACK analysis printout
# (tcp_print_sequence_number_analysis, in its own order).
_SLOT_ORDER = [
    "tcp.short_segment", "tcp.bogus_header_length", "tcp.ack.nonzero", "tcp.analysis.tfo_ack",
    "tcp.analysis.tfo_ignored", "tcp.connection.synack", "tcp.connection.syn", "tcp.connection.fin",
    "tcp.connection.fin_active", "tcp.connection.fin_passive", "tcp.connection.rst",
    "tcp.urgent_pointer.non_zero",
]
_ANALYSIS_ORDER = [
    "tcp.analysis.reused_ports", "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order", "tcp.analysis.lost_segment",
    "tcp.analysis.ack_lost_segment", "tcp.analysis.window_update", "tcp.analysis.window_full",
    "tcp.analysis.keep_alive", "tcp.analysis.keep_alive_ack", "tcp.analysis.duplicate_ack",
    "tcp.analysis.zero_window_probe", "tcp.analysis.zero_window", "tcp.analysis.zero_window_probe_ack",
]
SLOT: dict[int, int] = {EXPERT_CODE[name]: 10 * (i + 1) for i, name in enumerate(_SLOT_ORDER)}
SLOT[EXPERT_CODE["tcp.options.mss.absent"]] = 9000
SLOT[EXPERT_CODE["tcp.checksum_bad.expert"]] = 115  # the checksum is after the flags, before the urgent pointer
for _i, _name in enumerate(_ANALYSIS_ORDER):
    SLOT[EXPERT_CODE[_name]] = 10000 + 10 * _i


#: The slot of "Malformed Packet": after every other item of its header.
MALFORMED_SLOT = 1 << 30


def malformed_codes() -> list[int]:
    """For each protocol code of ``PROTO_NAMES``, its "Malformed Packet" expert code
    (the protocol-less one for a protocol without a short name here)."""
    from tcpscope.dissect.protocols import PROTO_NAMES

    return [EXPERT_CODE.get(f"_ws.malformed.expert/{name}", EXPERT_CODE["_ws.malformed.expert"])
            for name in PROTO_NAMES]


def field_name(code: int) -> str:
    """The Wireshark expert field of a code (without tcpscope's ``/variant`` suffix)."""
    return EXPERTS[code].field.split("/", 1)[0]


def summary(code: int, a: int = 0, b: int = 0) -> str:
    """The text of expert item ``code`` with its arguments, as tshark prints it."""
    text = EXPERTS[code].summary
    if "{" not in text:
        return text
    if text == "{text}":
        return TEXTS[a]
    name = TCP_OPTION_NAMES.get(a, f"Unknown (0x{a:02x})")
    return text.format(a=a, b=b, name=name, bs="" if b == 1 else "s")
