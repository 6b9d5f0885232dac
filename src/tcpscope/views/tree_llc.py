"""The IEEE 802.2 LLC tree, as packet-llc.c and epan/xdlc.c add it (labels from their
``hf_register_info`` and ``proto_tree_add_*`` calls, written down here in our own words).

An LLC header (IEEE 802.2 §3) is a destination and a source service access point, one
byte each, then an xDLC control field; with both SAPs 0xAA a SNAP header follows (RFC
1042: a 24-bit organization code and a 16-bit protocol id). tshark shows:

* DSAP and SSAP, each with its SAP (the top seven bits) and its last bit: the DSAP's
  individual/group bit, the SSAP's command/response bit;
* the control field (``dissect_xdlc_control``, extended: LLC's I and S frames have two
  bytes, read little-endian; U frames one), on a line summing it up (``U, func=UI``,
  ``I, N(R)=0, N(S)=32``), with its parts as bit-field lines;
* the SNAP header where both SAPs are SNAP: the organization code with its manuf long
  name (BASE_OUI: cut with the number to 31 characters, the size of proto.c's buffer),
  then for the encapsulated-Ethernet and Cisco codes 00-00-00 and 00-00-F8 the EtherType
  (``llc.type``), else the protocol id (``llc.pid``).

The items are read from the header's bytes (where the ``llc`` layer row says it starts);
their fields' types are :data:`tcpscope.dissect.tree_fields.TREE_FIELDS`. Not written yet:
the protocol ids of the OUIs packet-llc.c gives their own fields (Cisco 00-00-0C and
others), which the test captures do not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from tcpscope.dissect.protocols import ETHERTYPE_NAMES
from tcpscope.table.manuf import manuf_longnames
from tcpscope.views.tree import Item, Node, Protocol, bit_pattern
from tcpscope.views.tree_link import header_start

__all__ = ["LLC", "llc_length"]

#: sap_vals: the service access points' names.
_SAPS = {0x00: "NULL LSAP", 0x01: "NULL LSAP", 0x02: "LLC Sub-Layer Management", 0x04: "SNA Path Control",
         0x06: "TCP/IP", 0x08: "SNA", 0x0C: "SNA", 0x0E: "PROWAY (IEC955) Network Management and Initialization",
         0x10: "NetWare (unofficial?)", 0x14: "ISO Network Layer (OSLAN 1)", 0x18: "Texas Instruments",
         0x20: "ISO Network Layer (unofficial?)", 0x34: "ISO Network Layer (unofficial?)",
         0x42: "Spanning Tree BPDU", 0x4E: "EIA RS-511 Manufacturing Message Service",
         0x54: "ISO Network Layer (OSLAN 2)", 0x7E: "ISO 8208 (X.25 over 802.2)", 0x7F: "ISO 802.2", 0x80: "XNS",
         0x82: "BACnet", 0x86: "Nestar", 0x8E: "PROWAY (IEC955) Active Station List Maintenance", 0x98: "ARP",
         0xAA: "SNAP", 0xBA: "Banyan Vines", 0xBC: "Banyan Vines", 0xE0: "NetWare", 0xF0: "NetBIOS",
         0xF4: "IBM Net Management", 0xF8: "HP Extended LLC", 0xFA: "Ungermann-Bass", 0xFC: "Remote Program Load",
         0xFE: "ISO Network Layer", 0xFF: "Global LSAP"}
_SNAP = 0xAA
#: The DSAP's individual/group bit and the SSAP's command/response bit (ig_bit, cr_bit).
_IG = ("Individual", "Group")
_CR = ("Command", "Response")
#: xDLC's frame kinds, by the control field's low two bits (ftype_vals).
_I, _S, _U = 0x00, 0x01, 0x03
_FRAME_TYPES = {_I: "Information frame", _S: "Supervisory frame", _U: "Unnumbered frame"}
#: stype_vals: the supervisory functions (bits 0x0c).
_S_FUNCTIONS = {0x00: ("RR", "Receiver ready"), 0x04: ("RNR", "Receiver not ready"), 0x08: ("REJ", "Reject"),
                0x0C: ("SREJ", "Selective reject")}
#: modifier_short_vals_cmd and modifier_vals_cmd: the unnumbered commands (bits 0xec).
_U_COMMANDS = {0x00: ("UI", "Unnumbered Information"), 0x20: ("UP", "Unnumbered Poll"), 0x40: ("DISC", "Disconnect"),
               0x60: ("UA", "Unnumbered Acknowledge"), 0x80: ("SNRM", "Set Normal Response Mode"),
               0xE0: ("TEST", "Test"), 0x04: ("SIM", "Set Initialization Mode"), 0x84: ("FRMR", "Frame reject"),
               0xC4: ("CFGR", "Configure"), 0x0C: ("SARM", "Set Asynchronous Response Mode"),
               0x2C: ("SABM", "Set Asynchronous Balanced Mode"),
               0x4C: ("SARME", "Set Asynchronous Response Mode Extended"),
               0x6C: ("SABME", "Set Asynchronous Balanced Mode Extended"), 0x8C: ("RESET", "Reset"),
               0xAC: ("XID", "Exchange identification"), 0xCC: ("SNRME", "Set Normal Response Mode Extended"),
               0xEC: ("BCN", "Beacon")}
#: modifier_short_vals_resp and modifier_vals_resp: the unnumbered responses where they differ.
_U_RESPONSES = {**_U_COMMANDS, 0x40: ("RD", "Request Disconnect"), 0x04: ("RIM", "Request Initialization Mode"),
                0x0C: ("DM", "Disconnected mode")}
_U_MODIFIER, _P_F, _P_F_EXT = 0xEC, 0x10, 0x0100
#: The SNAP organization codes whose protocol id is an EtherType (encapsulated Ethernet, Cisco).
_OUI_ETHERTYPE = (0x000000, 0x0000F8)
#: proto.c formats a BASE_OUI value into a buffer of 32 bytes: 31 characters at most.
_OUI_TEXT = 31


class _Header:
    """The LLC header being shown: the frame's bytes and where the header starts."""

    def __init__(self, item: Item) -> None:
        self.frame = item.frame_bytes()
        self.start = header_start("llc")(item)

    def has(self, at: int, width: int) -> bool:
        return self.start + at + width <= len(self.frame)

    def byte(self, at: int) -> int:
        return self.frame[self.start + at]

    def kind(self) -> int:
        """The frame kind: I (the low bit clear), S or U."""
        c = self.byte(2)
        return _I if c & 1 == 0 else c & 0x03

    def control_length(self) -> int:
        """1 for a U frame, 2 for LLC's (extended) I and S frames."""
        return 1 if self.kind() == _U else 2

    def control(self) -> int:
        n = self.control_length()
        return int.from_bytes(self.frame[self.start + 2:self.start + 2 + n], "little")

    def response(self) -> bool:
        return bool(self.byte(1) & 1)

    def snap(self) -> bool:
        return self.byte(0) == _SNAP and self.byte(1) == _SNAP


def _node(key: str, label: Callable[[_Header], str], value: Callable[[_Header], str],
          at: Callable[[_Header], tuple[int, int, int]], when: Callable[[_Header], bool] | None = None) -> Node:
    """An item read from the header: its line, JSON value and bytes (offset in the header,
    length, hf bitmask), shown where ``when`` holds and its bytes were captured."""
    def where(item: Item) -> tuple[int, int, int]:
        h = _Header(item)
        off, length, mask = at(h)
        return h.start + off, length, mask

    def shown(item: Item) -> bool:
        h = _Header(item)
        off, length, _mask = at(h)
        return h.has(off, length) and (when is None or when(h))

    return Node("", label=lambda item: label(_Header(item)), key=key, value=lambda item: value(_Header(item)),
                raw=where, when=shown)


def _bits(title: str, mask: int, width: int, show: Callable[[int], str]) -> Callable[[int], str]:
    """A bit-field line: the bits under ``mask`` of a ``width``-bit value, then the text."""
    return lambda v: f"{bit_pattern(v & mask, mask, width)} = {title}: {show((v & mask) >> _shift(mask))}"


def _shift(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def _sap(side: str, at: int, bit_key: str, bit_title: str, words: tuple[str, str]) -> Node:
    """DSAP or SSAP: the byte with its name, the SAP's seven bits and the last bit."""
    def name(v: int) -> str:
        return _SAPS.get(v, "Unknown")

    sap_line = _bits("SAP", 0xFE, 8, lambda v: name(v << 1))
    bit_line = _bits(bit_title, 0x01, 8, lambda v: words[v])
    sap = _node(f"llc.{side}", lambda h: f"{side.upper()}: {name(h.byte(at))} (0x{h.byte(at):02x})",
                lambda h: f"0x{h.byte(at):02x}", lambda h: (at, 1, 0))
    return replace(sap, children=(
        _node(f"llc.{side}.sap", lambda h: sap_line(h.byte(at)), lambda h: str(h.byte(at) >> 1),
              lambda h: (at, 1, 0xFE)),
        _node(f"llc.{side}.{bit_key}", lambda h: bit_line(h.byte(at)), lambda h: str(h.byte(at) & 1),
              lambda h: (at, 1, 0x01)),
    ))


def _summary(h: _Header) -> str:
    """The control field's line (dissect_xdlc_control's ``info``, then the value in hex)."""
    c, kind = h.control(), h.kind()
    pf = ""
    if kind == _U:
        if c & _P_F:
            pf = " F" if h.response() else " P"
        names = _U_RESPONSES if h.response() else _U_COMMANDS
        text = f"U{pf}, func={names.get(c & _U_MODIFIER, ('Unknown', ''))[0]}"
        return f"Control field: {text} (0x{c:02X})"
    if c & _P_F_EXT:
        pf = " F" if kind == _S and h.response() else " P"
    if kind == _S:
        text = f"S{pf}, func={_S_FUNCTIONS[c & 0x0C][0]}, N(R)={c >> 9}"
    else:
        text = f"I{pf}, N(R)={c >> 9}, N(S)={(c & 0xFE) >> 1}"
    return f"Control field: {text} (0x{c:04X})"


def _control_part(key: str, title: str, mask: int, show: Callable[[int], str],
                  when: Callable[[_Header], bool]) -> Node:
    """A part of the control field under ``mask``, drawn over the field's width; its JSON
    value in decimal."""
    def line(h: _Header) -> str:
        return _bits(title, mask, 8 * h.control_length(), show)(h.control())

    return _node(key, line, lambda h: str((h.control() & mask) >> _shift(mask)),
                 lambda h: (2, h.control_length(), mask), when)


def _in_hex(node: Node, mask: int, digits: Callable[[_Header], int]) -> Node:
    """The node with its JSON value in hex (a BASE_HEX field), of ``digits`` digits."""
    def value(item: Item) -> str:
        h = _Header(item)
        return f"0x{(h.control() & mask) >> _shift(mask):0{digits(h)}x}"

    return replace(node, value=value)


def _two_digits(h: _Header) -> int:
    return 2


def _field_digits(h: _Header) -> int:
    """A frame type's digits: two in a U frame's FT_UINT8, four in the FT_UINT16 of the others."""
    return 2 * h.control_length()


def _is(*kinds: int) -> Callable[[_Header], bool]:
    return lambda h: h.kind() in kinds


def _poll_final(key: str, title: str, mask: int, kinds: tuple[int, ...], response: bool | None) -> Node:
    """The poll (or final) bit, written only where it is set."""
    def when(h: _Header) -> bool:
        return h.kind() in kinds and bool(h.control() & mask) and (response is None or h.response() == response)

    return _control_part(key, title, mask, lambda v: "Set", when)


_CONTROL = replace(_node("llc.control", _summary, lambda h: f"0x{h.control():04x}",
                         lambda h: (2, h.control_length(), 0)), children=(
    _control_part("llc.control.n_r", "N(R)", 0xFE00, str, _is(_I, _S)),
    _control_part("llc.control.n_s", "N(S)", 0x00FE, str, _is(_I)),
    _poll_final("llc.control.p", "Poll", _P_F_EXT, (_I,), None),
    _poll_final("llc.control.p", "Poll", _P_F_EXT, (_S,), False),
    _poll_final("llc.control.f", "Final", _P_F_EXT, (_S,), True),
    _poll_final("llc.control.p", "Poll", _P_F, (_U,), False),
    _poll_final("llc.control.f", "Final", _P_F, (_U,), True),
    _in_hex(_control_part("llc.control.s_ftype", "Supervisory frame type", 0x0C,
                          lambda v: f"{_S_FUNCTIONS[v << 2][1]} (0x{v:x})", _is(_S)), 0x0C, _field_digits),
    _in_hex(_control_part("llc.control.u_modifier_cmd", "Command", _U_MODIFIER,
                          lambda v: f"{_U_COMMANDS.get(v << 2, ('', 'Unknown'))[1]} (0x{v:02x})",
                          lambda h: h.kind() == _U and not h.response()), _U_MODIFIER, _two_digits),
    _in_hex(_control_part("llc.control.u_modifier_resp", "Response", _U_MODIFIER,
                          lambda v: f"{_U_RESPONSES.get(v << 2, ('', 'Unknown'))[1]} (0x{v:02x})",
                          lambda h: h.kind() == _U and h.response()), _U_MODIFIER, _two_digits),
))
# (the frame type: FT_UINT16 under mask 0x01 for an I frame, FT_UINT8 under 0x03 for a U
# frame and FT_UINT16 under 0x03 for an extended S frame; the JSON value in 2 or 4 digits)
_FTYPES = tuple(
    _in_hex(_control_part("llc.control.ftype", "Frame type", mask, lambda v: f"{_FRAME_TYPES[v]} (0x{v:x})",
                          _is(kind)), mask, _field_digits)
    for mask, kind in ((0x01, _I), (0x03, _S), (0x03, _U)))
_CONTROL = replace(_CONTROL, children=(*_CONTROL.children, *_FTYPES))


def _oui(h: _Header) -> int:
    s = h.start + _snap_at(h)
    return int.from_bytes(h.frame[s:s + 3], "big")


def _oui_line(h: _Header) -> str:
    """The organization code (BASE_OUI): its bytes, then its manuf long name if manuf has one."""
    oui = _oui(h)
    known, names = manuf_longnames(np.asarray([oui], dtype=np.int64))
    digits = ":".join(f"{b:02x}" for b in oui.to_bytes(3, "big"))
    text = f"{digits} ({names[0]})" if bool(known[0]) else digits
    return f"Organization Code: {text[:_OUI_TEXT]}"


def _snap_at(h: _Header) -> int:
    return 2 + h.control_length()


def _pid(h: _Header) -> int:
    s = h.start + _snap_at(h) + 3
    return int.from_bytes(h.frame[s:s + 2], "big")


def _is_snap(h: _Header) -> bool:
    return h.snap()


def _ethertype_line(h: _Header) -> str:
    return f"Type: {ETHERTYPE_NAMES.get(_pid(h), 'Unknown')} (0x{_pid(h):04x})"


_SNAP_NODES = (
    _node("llc.oui", _oui_line, lambda h: str(_oui(h)), lambda h: (_snap_at(h), 3, 0), _is_snap),
    _node("llc.type", _ethertype_line, lambda h: f"0x{_pid(h):04x}", lambda h: (_snap_at(h) + 3, 2, 0),
          lambda h: h.snap() and _oui(h) in _OUI_ETHERTYPE),
    _node("llc.pid", lambda h: f"Protocol ID: 0x{_pid(h):04x}", lambda h: f"0x{_pid(h):04x}",
          lambda h: (_snap_at(h) + 3, 2, 0), lambda h: h.snap() and _oui(h) not in _OUI_ETHERTYPE),
)


def llc_length(head: bytes) -> int:
    """An LLC header's length from its first three bytes: the SAPs, a control field of one
    byte (a U frame) or two, and a SNAP header of five where both SAPs are SNAP."""
    control = 1 if head[2] & 0x03 == _U else 2
    return 2 + control + (5 if head[0] == _SNAP and head[1] == _SNAP else 0)


def _llc_span(item: Item) -> tuple[int, int]:
    h = _Header(item)
    length = 2 + (h.control_length() if h.has(2, 1) else 0) + (5 if h.has(0, 2) and h.snap() else 0)
    return h.start, min(length, len(h.frame) - h.start)


LLC = Protocol("llc", "llc", lambda item: "Logical-Link Control", (
    _sap("dsap", 0, "ig", "IG Bit", _IG),
    _sap("ssap", 1, "cr", "CR Bit", _CR),
    _CONTROL,
    *_SNAP_NODES,
), span=_llc_span, in_fields=False)
