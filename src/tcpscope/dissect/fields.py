"""The Wireshark fields the dissectors produce: name, type, display and where each lives.

Types and displays are Wireshark 4.0's (``tshark -G fields``); presence rules follow
each dissector's order of reads, so a truncated header shows the same fields tshark
shows. Fields that need the TCP analysis (relative numbers, streams, SACK edges relative
to the peer's base) are declared by :mod:`tcpscope.analysis.fields`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tcpscope._types import Array, Mask
from tcpscope.constants import ACK, FIN, PSH, RST, SYN, URG
from tcpscope.dissect.eth_names import ETH_NAME_FIELDS
from tcpscope.dissect.host_names import host_fields
from tcpscope.dissect.protocols import ETHERTYPE_NAMES, IP_PROTO_NAMES
from tcpscope.table.access import (
    Getter,
    bit,
    both,
    column,
    frame_values,
    interleaved,
    merged,
    not_,
    reach_at_least,
    where,
)
from tcpscope.table.layers import Layer
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["DISSECT_FIELDS"]

FT = FieldType
SET = ("Set", "Not set")


def _frame_number(t: PacketTable) -> Array:
    first = t.records.first_frame  # the table may hold a later part of a capture
    return np.arange(first + 1, first + t.n + 1, dtype=np.int64)


def _time_relative(t: PacketTable) -> Array:
    ts = t.ts_ns
    ref = t.records.ts_first
    if ref is None:
        return ts - ts[0] if t.n else ts
    return ts - ref


def _time_delta(t: PacketTable) -> Array:
    ts = t.ts_ns
    out = np.zeros(t.n, dtype=np.int64)
    if t.n > 1:
        out[1:] = ts[1:] - ts[:-1]
    before = t.records.ts_before
    if t.n and before is not None:
        out[0] = ts[0] - before
    return out


def _interface_id(t: PacketTable) -> Array:
    r = t.records
    return (r.iface if r.interface_id is None else r.interface_id).astype(np.int64)


def _iface_present(t: PacketTable) -> Array:
    r = t.records
    if r.interface_id is None:
        return np.full(t.n, r.has_interface_id, dtype=np.bool_)
    return np.asarray(r.interface_id >= 0, dtype=np.bool_)


def _ts_present(t: PacketTable) -> Array:
    """Frames with a time stamp: the time fields of the others are absent (pcapng SPB, custom block)."""
    has = t.records.has_ts
    return np.ones(t.n, dtype=np.bool_) if has is None else has


def _opt_kind(kind: int, value: str = "v1", present: str = "has_v1",
              convert: Callable[[Array], Array] | None = None) -> Getter:
    """Values of one TCP option kind from the ``tcp.option`` table."""

    def rule(layer: Layer) -> Mask:
        return np.asarray((layer.cols["kind"] == kind) & layer.cols[present], dtype=np.bool_)

    return column("tcp.option", value, rule, convert)


def _ws_multiplier(a: np.ndarray) -> Array:
    return (1 << np.minimum(a.astype(np.int64), 14)).astype(np.int64)




def _lg(a: np.ndarray) -> Array:
    return ((np.asarray(a, dtype=np.uint8)[:, 0] >> 1) & 1).astype(np.int64)


def _ig(a: np.ndarray) -> Array:
    return (np.asarray(a, dtype=np.uint8)[:, 0] & 1).astype(np.int64)


def _unverified(a: np.ndarray) -> Array:
    return np.full(a.shape[0], 2, dtype=np.int64)


#: pri_vals (packet-vlan.c): the 802.1Q priority code points, as IEEE 802.1D-2004 recommends them.
_VLAN_PRIORITIES = {0: "Best Effort (default)", 1: "Background", 2: "Excellent Effort", 3: "Critical Applications",
                    4: "Video, < 100ms latency and jitter", 5: "Voice, < 10ms latency and jitter",
                    6: "Internetwork Control", 7: "Network Control"}
#: dscp_vals and ecn_vals (packet-ip.c): the names of the DS field's two parts.
_DSCP_NAMES = {0x00: "Default", 0x01: "Lower Effort", 0x08: "Class Selector 1", 0x0A: "Assured Forwarding 11",
               0x0C: "Assured Forwarding 12", 0x0E: "Assured Forwarding 13", 0x10: "Class Selector 2",
               0x12: "Assured Forwarding 21", 0x14: "Assured Forwarding 22", 0x16: "Assured Forwarding 23",
               0x18: "Class Selector 3", 0x1A: "Assured Forwarding 31", 0x1C: "Assured Forwarding 32",
               0x1E: "Assured Forwarding 33", 0x20: "Class Selector 4", 0x22: "Assured Forwarding 41",
               0x24: "Assured Forwarding 42", 0x26: "Assured Forwarding 43", 0x28: "Class Selector 5",
               0x2C: "Voice Admit", 0x2E: "Expedited Forwarding", 0x30: "Class Selector 6", 0x38: "Class Selector 7"}
_ECN_NAMES = {0: "Not ECN-Capable Transport", 1: "ECN-Capable Transport codepoint '01'",
              2: "ECN-Capable Transport codepoint '10'", 3: "Congestion Experienced"}
_CHECKSUM_STATUS = {0: "Bad", 1: "Good", 2: "Unverified", 3: "Not present", 4: "Illegal"}


def _both_bits(bit_of: Callable[[np.ndarray], Array]) -> Getter:
    """One bit of the destination then of the source address, as eth.addr interleaves them."""

    def get(t: PacketTable) -> Values:
        lt = t.layer("eth")
        if len(lt) == 0:
            return Values.empty()
        pkt = np.concatenate([lt.pkt, lt.pkt])
        data = np.concatenate([bit_of(np.asarray(lt.cols["dst"])), bit_of(np.asarray(lt.cols["src"]))])
        keep = np.concatenate([np.asarray(lt.cols["has_dst"], dtype=np.bool_),
                               np.asarray(lt.cols["has_src"], dtype=np.bool_)])
        layer = np.concatenate([lt.layer, lt.layer])
        order = np.argsort(np.concatenate([np.arange(len(lt)) * 2, np.arange(len(lt)) * 2 + 1]), kind="stable")
        pkt, data, keep, layer = pkt[order], data[order], keep[order], layer[order]
        return Values(pkt[keep], data[keep], layer[keep])

    return get


ip_reach = reach_at_least
tcp_full = both(reach_at_least(2), not_("bogus_hlen"))
tcp_seq = reach_at_least(2)

_FIELDS: tuple[FieldDef, ...] = (
    # frame (packet-frame.c)
    FieldDef("frame.number", FT.UINT32, frame_values(_frame_number), "Frame Number", Base.DEC,
             description="The frame's number in the capture, counting from 1."),
    FieldDef("frame.time_epoch", FT.ABSOLUTE_TIME, frame_values(lambda t: t.ts_ns, _ts_present), "Epoch Time",
             description="Epoch time when this frame was captured."),
    FieldDef("frame.time_relative", FT.RELATIVE_TIME, frame_values(_time_relative, _ts_present),
             "Time since reference or first frame",
             description="Time relative to time reference or first frame."),
    FieldDef("frame.time_delta", FT.RELATIVE_TIME, frame_values(_time_delta, _ts_present),
             "Time delta from previous captured frame",
             description="Time since the previous frame was captured."),
    FieldDef("frame.len", FT.UINT32, frame_values(lambda t: np.minimum(t.records.wirelen, 0x7FFFFFFF)),
             "Frame length on the wire", Base.DEC,
             description="The frame's length on the wire, in bytes."),
    FieldDef("frame.cap_len", FT.UINT32, frame_values(lambda t: t.records.caplen),
             "Frame length stored into the capture file", Base.DEC,
             description="How many bytes of the frame the capture file holds (at most frame.len)."),
    FieldDef("frame.interface_id", FT.UINT32, frame_values(_interface_id, _iface_present),
             "Interface id", Base.DEC,
             description="The index of the capture interface the frame was captured on (pcapng)."),
    # Ethernet (packet-eth.c)
    FieldDef("eth.dst", FT.ETHER, column("eth", "dst", where("has_dst")), "Destination",
             description="Destination Hardware Address."),
    FieldDef("eth.src", FT.ETHER, column("eth", "src", where("has_src")), "Source",
             description="Source Hardware Address."),
    FieldDef("eth.addr", FT.ETHER, interleaved("eth", "dst", "src", where("has_dst"), where("has_src")),
             "Address",
             description="Source or Destination Hardware Address."),
    FieldDef("eth.type", FT.UINT16, column("eth", "type", where("has_type")), "Type", Base.HEX,
             strings=ETHERTYPE_NAMES,
             description="The EtherType: the protocol the Ethernet frame carries."),
    FieldDef("eth.len", FT.UINT16, column("eth", "type", where("has_len")), "Length", Base.DEC,
             description="The 802.3 length field: the bytes of payload that follow the header."),
    FieldDef("vlan.id", FT.UINT16, column("vlan", "id", where("has_tci")), "ID", Base.DEC, hex_digits=3,
             description="VLAN ID."),
    FieldDef("vlan.priority", FT.UINT16, column("vlan", "priority", where("has_tci")), "Priority", Base.DEC,
             strings=_VLAN_PRIORITIES,
             description="The 802.1Q priority code point (descriptions are recommendations from IEEE standard 802.1D-2004)."),
    FieldDef("vlan.dei", FT.BOOLEAN, column("vlan", "dei", where("has_tci")), "DEI",
             true_false=("Eligible", "Ineligible"),
             description="Drop Eligible Indicator: whether the frame may be dropped first under congestion."),
    FieldDef("vlan.etype", FT.UINT16, column("vlan", "etype", where("has_etype")), "Type", Base.HEX,
             strings=ETHERTYPE_NAMES,
             description="Ethertype."),
    # Linux cooked capture (packet-sll.c)
    FieldDef("sll.pkttype", FT.UINT16, column("sll", "pkttype", where("has_pkttype")), "Packet type", Base.DEC,
             strings={0: "Unicast to us", 1: "Broadcast", 2: "Multicast", 3: "Unicast to another host",
                      4: "Sent by us"},
             description="The Linux cooked capture's packet type: to us, broadcast, multicast, to another host or sent by us."),
    FieldDef("sll.etype", FT.UINT16, column("sll", "etype", where("has_etype")), "Protocol", Base.HEX,
             description="Ethernet protocol type."),
    FieldDef("sll.hatype", FT.UINT16, column("sll", "hatype", where("has_pkttype")), "Link-layer address type",
             Base.DEC,
             description="The ARPHRD_ type of the link-layer address of the interface."),
    # BSD loopback (packet-null.c)
    FieldDef("null.family", FT.UINT32, column("null", "family", where("has_family")), "Family", Base.DEC,
             strings={2: "IP", 7: "OSI", 16: "Appletalk", 23: "Netware IPX/SPX", 24: "IPv6", 28: "IPv6",
                      30: "IPv6"},
             description="The BSD loopback header's address family of the packet."),
    # IPv4 (packet-ip.c); ip.version also comes from IPv6 headers
    FieldDef("ip.version", FT.UINT8, merged(("ipv6", column("ipv6", "version", ip_reach(1))),
                                            ("ip", column("ip", "version", ip_reach(1)))),
             "Version", Base.DEC,
             description="The IP version: 4 or 6."),
    FieldDef("ip.hdr_len", FT.UINT8, column("ip", "hdr_len", ip_reach(2)), "Header Length", Base.DEC,
             description="Header length in 32-bit words."),
    FieldDef("ip.dsfield", FT.UINT8, column("ip", "tos", ip_reach(3)), "Differentiated Services Field", Base.HEX,
             description="The Differentiated Services byte: DSCP and ECN."),
    FieldDef("ip.len", FT.UINT16, column("ip", "len", ip_reach(4)), "Total Length", Base.DEC,
             description="The IPv4 datagram's total length, header and data, in bytes."),
    FieldDef("ip.id", FT.UINT16, column("ip", "id", ip_reach(5)), "Identification", Base.HEX_DEC,
             description="The identification shared by the fragments of one datagram."),
    FieldDef("ip.flags", FT.UINT8, column("ip", "flags", ip_reach(6)), "Flags", Base.HEX,
             description="Flags (3 bits)."),
    FieldDef("ip.flags.rb", FT.BOOLEAN, bit("ip", "flags", 0x4, ip_reach(6)), "Reserved bit", true_false=SET,
             description="The reserved flag bit (must be zero)."),
    FieldDef("ip.flags.df", FT.BOOLEAN, bit("ip", "flags", 0x2, ip_reach(6)), "Don't fragment", true_false=SET,
             description="Whether the datagram must not be fragmented."),
    FieldDef("ip.flags.mf", FT.BOOLEAN, bit("ip", "flags", 0x1, ip_reach(6)), "More fragments", true_false=SET,
             description="Whether more fragments of the datagram follow this one."),
    FieldDef("ip.frag_offset", FT.UINT16, column("ip", "frag_offset", ip_reach(6)), "Fragment Offset", Base.DEC,
             description="Fragment offset (13 bits)."),
    FieldDef("ip.ttl", FT.UINT8, column("ip", "ttl", ip_reach(7)), "Time to Live", Base.DEC,
             description="The number of hops the datagram may still take."),
    FieldDef("ip.proto", FT.UINT8, column("ip", "proto", ip_reach(8)), "Protocol", Base.DEC,
             strings=IP_PROTO_NAMES,
             description="The protocol the IPv4 datagram carries."),
    FieldDef("ip.checksum", FT.UINT16, column("ip", "checksum", ip_reach(9)), "Header Checksum", Base.HEX,
             description="The IPv4 header checksum as sent."),
    FieldDef("ip.src", FT.IPv4, column("ip", "src", ip_reach(10)), "Source Address",
             description="The IPv4 source address."),
    FieldDef("ip.dst", FT.IPv4, column("ip", "dst", both(ip_reach(11), where("has_dst"))), "Destination Address",
             description="The IPv4 destination address."),
    FieldDef("ip.addr", FT.IPv4, interleaved("ip", "src", "dst", ip_reach(10), both(ip_reach(11), where("has_dst"))),
             "Source or Destination Address",
             description="The IPv4 source or destination address."),
    # IPv6 (packet-ipv6.c)
    FieldDef("ipv6.version", FT.UINT8, column("ipv6", "version", ip_reach(1)), "Version", Base.DEC,
             description="The IP version of an IPv6 header: 6."),
    FieldDef("ipv6.tclass", FT.UINT32, column("ipv6", "tclass", ip_reach(2)), "Traffic Class", Base.HEX,
             description="The IPv6 traffic class: DSCP and ECN."),
    FieldDef("ipv6.flow", FT.UINT24, column("ipv6", "flow", ip_reach(2)), "Flow Label", Base.HEX,
             description="The IPv6 flow label."),
    FieldDef("ipv6.plen", FT.UINT16, column("ipv6", "plen", ip_reach(3)), "Payload Length", Base.DEC,
             description="The IPv6 payload length: the bytes after the fixed header, extension headers included."),
    FieldDef("ipv6.nxt", FT.UINT8, column("ipv6", "nxt", ip_reach(4)), "Next Header", Base.DEC,
             strings=IP_PROTO_NAMES,
             description="The protocol of the header after the IPv6 header."),
    FieldDef("ipv6.hlim", FT.UINT8, column("ipv6", "hlim", ip_reach(5)), "Hop Limit", Base.DEC,
             description="The number of hops the packet may still take."),
    FieldDef("ipv6.src", FT.IPv6, column("ipv6", "src", ip_reach(6)), "Source Address",
             description="Source IPv6 Address."),
    FieldDef("ipv6.dst", FT.IPv6, column("ipv6", "dst", ip_reach(7)), "Destination Address",
             description="Destination IPv6 Address."),
    FieldDef("ipv6.addr", FT.IPv6, interleaved("ipv6", "src", "dst", ip_reach(6), ip_reach(7)),
             "Source or Destination Address",
             description="The IPv6 source or destination address."),
    # TCP header (packet-tcp.c)
    FieldDef("tcp.srcport", FT.UINT16, column("tcp", "srcport", reach_at_least(1)), "Source Port", Base.PT,
             description="The TCP source port."),
    FieldDef("tcp.dstport", FT.UINT16, column("tcp", "dstport", reach_at_least(1)), "Destination Port", Base.PT,
             description="The TCP destination port."),
    FieldDef("tcp.port", FT.UINT16, interleaved("tcp", "srcport", "dstport", reach_at_least(1), reach_at_least(1)),
             "Source or Destination Port", Base.PT,
             description="The TCP source or destination port."),
    FieldDef("tcp.seq_raw", FT.UINT32, column("tcp", "seq_raw", tcp_seq), "Sequence Number (raw)", Base.DEC,
             description="This shows the raw value of the sequence number."),
    FieldDef("tcp.ack_raw", FT.UINT32, column("tcp", "ack_raw", tcp_full), "Acknowledgment number (raw)", Base.DEC,
             description="This shows the raw value of the acknowledgment number."),
    FieldDef("tcp.hdr_len", FT.UINT8, column("tcp", "hdr_len", tcp_seq), "Header Length", Base.DEC,
             description="The TCP header's length in bytes (the data offset times 4)."),
    FieldDef("tcp.len", FT.UINT32, column("tcp", "len", both(tcp_seq, where("has_len"))), "TCP Segment Len",
             Base.DEC,
             description="The bytes of TCP payload in the segment."),
    FieldDef("tcp.flags", FT.UINT16, column("tcp", "flags", tcp_full), "Flags", Base.HEX,
             description="Flags (12 bits)."),
    FieldDef("tcp.flags.res", FT.BOOLEAN, bit("tcp", "flags", 0xE00, tcp_full), "Reserved", true_false=SET,
             description="Three reserved bits (must be zero)."),
    FieldDef("tcp.flags.urg", FT.BOOLEAN, bit("tcp", "flags", URG, tcp_full), "Urgent", true_false=SET,
             description="Whether the urgent pointer is significant (URG)."),
    FieldDef("tcp.flags.ack", FT.BOOLEAN, bit("tcp", "flags", ACK, tcp_full), "Acknowledgment", true_false=SET,
             description="Whether the acknowledgment number is significant (ACK)."),
    FieldDef("tcp.flags.push", FT.BOOLEAN, bit("tcp", "flags", PSH, tcp_full), "Push", true_false=SET,
             description="Whether the sender asks for the data to be pushed to the application (PSH)."),
    FieldDef("tcp.flags.reset", FT.BOOLEAN, bit("tcp", "flags", RST, tcp_full), "Reset", true_false=SET,
             description="Whether the segment resets the connection (RST)."),
    FieldDef("tcp.flags.syn", FT.BOOLEAN, bit("tcp", "flags", SYN, tcp_full), "Syn", true_false=SET,
             description="Whether the segment synchronizes sequence numbers, opening a connection (SYN)."),
    FieldDef("tcp.flags.fin", FT.BOOLEAN, bit("tcp", "flags", FIN, tcp_full), "Fin", true_false=SET,
             description="Whether the sender has no more data to send (FIN)."),
    FieldDef("tcp.window_size_value", FT.UINT16, column("tcp", "window_size_value", tcp_full), "Window", Base.DEC,
             description="The window size value from the TCP header."),
    FieldDef("tcp.checksum", FT.UINT16, column("tcp", "checksum", both(reach_at_least(3), not_("bogus_hlen"))),
             "Checksum", Base.HEX,
             description="The TCP checksum as sent."),
    FieldDef("tcp.urgent_pointer", FT.UINT16,
             column("tcp", "urgent_pointer", both(reach_at_least(4), not_("bogus_hlen"))),
             "Urgent Pointer", Base.DEC,
             description="The offset of the end of the urgent data from the sequence number."),
    # TCP options
    FieldDef("tcp.option_kind", FT.UINT8, column("tcp.option", "kind", where("item")), "Kind", Base.DEC,
             description="This TCP option's kind."),
    FieldDef("tcp.option_len", FT.UINT8, column("tcp.option", "len", both(where("item"), where("has_len"))), "Length",
             Base.DEC,
             description="Length of this TCP option in bytes (including kind and length fields)."),
    FieldDef("tcp.options.mss_val", FT.UINT16, _opt_kind(2), "MSS Value", Base.DEC,
             description="The maximum segment size the sender can receive, in bytes."),
    FieldDef("tcp.options.wscale.shift", FT.UINT8, _opt_kind(3), "Shift count", Base.DEC,
             description="Logarithmically encoded power of 2 scale factor."),
    FieldDef("tcp.options.wscale.multiplier", FT.UINT16, _opt_kind(3, convert=_ws_multiplier), "Multiplier",
             Base.DEC,
             description="Multiply segment window size by this for scaled window size."),
    FieldDef("tcp.options.timestamp.tsval", FT.UINT32, _opt_kind(8), "Timestamp value", Base.DEC,
             description="Value of sending machine's timestamp clock."),
    FieldDef("tcp.options.timestamp.tsecr", FT.UINT32, _opt_kind(8, "v2", "has_v2"), "Timestamp echo reply",
             Base.DEC,
             description="Echoed timestamp from remote machine."),
    # UDP (packet-udp.c)
    # (packet-udp.c reads both ports, adds them, then reads the length: reach 1, then 2)
    FieldDef("udp.srcport", FT.UINT16, column("udp", "srcport", reach_at_least(1)), "Source Port", Base.PT,
             description="The UDP source port."),
    FieldDef("udp.dstport", FT.UINT16, column("udp", "dstport", reach_at_least(1)), "Destination Port", Base.PT,
             description="The UDP destination port."),
    FieldDef("udp.port", FT.UINT16, interleaved("udp", "srcport", "dstport", reach_at_least(1), reach_at_least(1)),
             "Source or Destination Port", Base.PT,
             description="The UDP source or destination port."),
    FieldDef("udp.length", FT.UINT16, column("udp", "length", reach_at_least(2)), "Length", Base.DEC,
             description="Length in octets including this header and the data."),
    # UDP's checksum (packet-udp.c), read once the length is at least 8
    FieldDef("udp.checksum", FT.UINT16, column("udp", "checksum", both(reach_at_least(3), not_("length_short"))),
             "Checksum", Base.HEX,
             description="The UDP checksum as sent."),
    FieldDef("udp.checksum.status", FT.UINT8,
             column("udp", "checksum_status", both(reach_at_least(3), not_("length_short"))),
             "Checksum Status", Base.NONE, strings=_CHECKSUM_STATUS,
             description="Whether the UDP checksum was verified (tshark does not verify it by default: unverified; "
                         "a zero checksum is not present over IPv4, illegal over IPv6)."),
    # items every frame has in tshark (packet-frame.c): nobody marks or ignores a frame here
    FieldDef("frame.marked", FT.BOOLEAN, frame_values(lambda t: np.zeros(t.n, dtype=np.int64)), "Frame is marked",
             description="Frame is marked in the GUI (never, when read by tshark or tcpscope)."),
    FieldDef("frame.ignored", FT.BOOLEAN, frame_values(lambda t: np.zeros(t.n, dtype=np.int64)),
             "Frame is ignored",
             description="Frame is ignored by the dissectors (never, when read by tshark or tcpscope)."),
    # the address bits of packet-eth.c: LG (locally administered) and IG (group), of the
    # destination then the source (eth.lg, eth.ig) or of one of them
    FieldDef("eth.dst.lg", FT.BOOLEAN, column("eth", "dst", where("has_dst"), _lg), "LG bit",
             description="Whether the destination is a locally administered address rather than a globally unique (IEEE assigned) one."),
    FieldDef("eth.dst.ig", FT.BOOLEAN, column("eth", "dst", where("has_dst"), _ig), "IG bit",
             description="Whether the destination is a group (broadcast or multicast) address rather than an individual one."),
    FieldDef("eth.src.lg", FT.BOOLEAN, column("eth", "src", where("has_src"), _lg), "LG bit",
             description="Whether the source is a locally administered address rather than a globally unique (IEEE assigned) one."),
    FieldDef("eth.src.ig", FT.BOOLEAN, column("eth", "src", where("has_src"), _ig), "IG bit",
             description="Whether the source has the group bit set (a group address rather than an individual one)."),
    FieldDef("eth.lg", FT.BOOLEAN, _both_bits(_lg), "LG bit",
             description="Whether the source or destination is a locally administered address."),
    FieldDef("eth.ig", FT.BOOLEAN, _both_bits(_ig), "IG bit",
             description="Whether the source or destination is a group (broadcast or multicast) address."),
    *ETH_NAME_FIELDS,  # names and manufacturer prefixes
    # the DS field's parts (RFC 2474 DSCP, RFC 3168 ECN)
    FieldDef("ip.dsfield.dscp", FT.UINT8, column("ip", "tos", ip_reach(3), lambda a: a.astype(np.int64) >> 2),
             "Differentiated Services Codepoint", Base.DEC, strings=_DSCP_NAMES,
             description="The Differentiated Services Codepoint: the datagram's traffic class."),
    FieldDef("ip.dsfield.ecn", FT.UINT8, column("ip", "tos", ip_reach(3), lambda a: a.astype(np.int64) & 3),
             "Explicit Congestion Notification", Base.DEC, strings=_ECN_NAMES,
             description="The Explicit Congestion Notification codepoint of the datagram."),
    # proto_tree_add_checksum without validation (tshark's default): status 2, "Unverified"
    FieldDef("ip.checksum.status", FT.UINT8, column("ip", "checksum", ip_reach(9), _unverified),
             "Header checksum status", Base.NONE, strings=_CHECKSUM_STATUS,
             description="Whether the IPv4 header checksum was verified (tshark does not verify it by default: unverified)."),
    FieldDef("tcp.checksum.status", FT.UINT8,
             column("tcp", "checksum_status", both(reach_at_least(3), not_("bogus_hlen"))),
             "Checksum Status", Base.NONE, strings=_CHECKSUM_STATUS,
             description="Whether the TCP checksum was verified (tshark does not verify it by default: unverified)."),
    FieldDef("tcp.checksum_calculated", FT.UINT16,
             column("tcp", "checksum_calculated", lambda lt: np.asarray(lt.cols["checksum_status"]) != 2),
             "Calculated Checksum", Base.HEX,
             description="The checksum the segment should have (only with -o tcp.check_checksum:TRUE)."),
)

#: with the host-name fields of the IPv4 and IPv6 addresses (their text: no network name resolution)
# ARP and RARP over Ethernet and IPv4 (packet-arp.c): the header tcpscope reads whole
_ARP_OPCODES = {1: "request", 2: "reply", 3: "reverse request", 4: "reverse reply", 5: "DRARP-Request",
                6: "DRARP-Reply", 7: "DRARP-Error", 8: "InARP request", 9: "InARP reply", 10: "ARP-NAK"}
_ARP_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("arp.hw.type", FT.UINT16, column("arp", "hw_type", where("complete")), "Hardware type", Base.DEC,
             strings={1: "Ethernet"}, description="The hardware (link) type of the addresses (1 Ethernet)."),
    FieldDef("arp.proto.type", FT.UINT16, column("arp", "proto_type", where("complete")), "Protocol type",
             Base.HEX, strings=ETHERTYPE_NAMES, description="The protocol of the protocol addresses (an EtherType)."),
    FieldDef("arp.hw.size", FT.UINT8, column("arp", "hw_size", where("complete")), "Hardware size", Base.DEC,
             description="The bytes of a hardware address."),
    FieldDef("arp.proto.size", FT.UINT8, column("arp", "proto_size", where("complete")), "Protocol size",
             Base.DEC, description="The bytes of a protocol address."),
    FieldDef("arp.opcode", FT.UINT16, column("arp", "opcode", where("complete")), "Opcode", Base.DEC,
             strings=_ARP_OPCODES, description="The operation: 1 request, 2 reply, 3 and 4 RARP's."),
    FieldDef("arp.isgratuitous", FT.BOOLEAN, column("arp", "gratuitous", both(where("complete"), where("gratuitous"))),
             "Is gratuitous",
             description="A request or reply whose sender and target protocol addresses are the same."),
    FieldDef("arp.isprobe", FT.BOOLEAN, column("arp", "probe", both(where("complete"), where("probe"))), "Is probe",
             description="A request for a zero target hardware address from the zero protocol address."),
    FieldDef("arp.isannouncement", FT.BOOLEAN,
             column("arp", "announcement", both(where("complete"), where("announcement"))), "Is announcement",
             description="A gratuitous request with a zero target hardware address."),
    FieldDef("arp.src.hw_mac", FT.ETHER, column("arp", "src_hw_mac", where("complete")), "Sender MAC address",
             description="The sender's hardware address."),
    FieldDef("arp.src.proto_ipv4", FT.IPv4, column("arp", "src_proto_ipv4", where("complete")),
             "Sender IP address", description="The sender's protocol address."),
    FieldDef("arp.dst.hw_mac", FT.ETHER, column("arp", "dst_hw_mac", where("complete")), "Target MAC address",
             description="The target's hardware address."),
    FieldDef("arp.dst.proto_ipv4", FT.IPv4, column("arp", "dst_proto_ipv4", where("complete")),
             "Target IP address", description="The target's protocol address."),
)

DISSECT_FIELDS: tuple[FieldDef, ...] = (*_FIELDS, *host_fields(_FIELDS), *_ARP_FIELDS)
