"""The TLS tree, as packet-tls.c adds it over TCP without keys (labels from its
``hf_register_info`` and ``proto_item_set_text`` calls, written down here in our own words).

One "Transport Layer Security" item per call of the dissector (``tls`` in
``frame.protocols``), then one item per record of the segment (RFC 8446 §5.1: content
type, legacy version, length), whose line names the conversation's version as the
Protocol column does (``TLSv1.2 Record Layer: ...``) and the record's content:

* Change Cipher Spec: its one-byte message, shown as "Change Cipher Spec Message";
* Alert: two bytes are a plain alert (level and description), any other length an
  encrypted one ("Encrypted Alert");
* Handshake: an encrypted message ("Encrypted Handshake Message") or the plain messages,
  each with its type and length, then its body where written (hellos and elliptic-curve
  key exchanges; not yet certificates: docs/deviations.md, "Details tree");
* Application Data (in a TLS 1.3 conversation the "Opaque Type"): the encrypted bytes
  (the first 36 in hex, then an ellipsis, as tshark shows a long byte field) and, where
  TLS's port table names the protocol inside (443: HTTP), that protocol.

The records are read from the segment's payload when it holds them whole, and a record
TCP reassembled from earlier segments from its reassembled bytes (:func:`tls_items`); a
record that runs past the segment's end is one TLS asks TCP more of, not added (a segment
that begins with one has the protocol's line alone). A header of no TLS content type
is an "Ignored Unknown Record" or the segment's "Continuation Data" (:func:`_ignored`),
as the framing reads it with or without TCP reassembly. Handshake bodies:
:mod:`tcpscope.views.tree_tls_handshake`. The tree is a list of items
(:class:`tcpscope.views.tree_dns.DnsItem`: field, line, JSON value, bytes, type), from
which ``tshark -V``'s text (:func:`tls_text`) and ``-T json``
(:mod:`tcpscope.views.tree_json`) are both written.
The record rows of the TLS framing (``_tls``: whether a record is opaque) and the frame's
Protocol column (``_app``) come from :func:`tcpscope.analysis.tls_frames.with_app`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tcpscope.analysis.tls import (
    ALERT_LEVELS,
    ALERT_NAMES,
    CT_ALERT,
    CT_APP_DATA,
    CT_CCS,
    CT_HANDSHAKE,
    HANDSHAKE_NAMES,
    HS_SERVER_HELLO,
    IGNORING_VERSIONS,
    version_name,
)
from tcpscope.table.packets import PacketTable
from tcpscope.table.schema import FieldType
from tcpscope.views.tree import Protocol, indent
from tcpscope.views.tree_dns import DnsItem
from tcpscope.views.tree_http_text import HttpItem, item_lines
from tcpscope.views.tree_pdu_reassembled import UNWRITTEN, completing_pdu
from tcpscope.views.tree_tcp_reassembled import reassembled_items
from tcpscope.views.tree_tls_handshake import handshake_body

__all__ = ["TLS", "TlsTree", "tls_items", "tls_text"]

#: ssl_31_content_type
_CONTENT = {20: "Change Cipher Spec", 21: "Alert", 22: "Handshake", 23: "Application Data", 24: "Heartbeat",
            25: "Connection ID"}
#: ssl_versions: the record's version field
_VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3",
             0x0101: "GMTLS"}
#: TLS's port table (``tshark -G decodes``, tls.port) where tcpscope knows the protocol's
#: long name; on another port tcpscope does not write the record (its name is unknown here)
_APP_PORTS = {443: "Hypertext Transfer Protocol"}
#: How many bytes tshark shows of a long byte field before its ellipsis
_SHOWN_BYTES = 36
_HEADER = 5


def _frame_rows(table: PacketTable, name: str, frame: int) -> list[int]:
    lt = table.layer(name)
    if len(lt) == 0:
        return []
    lo, hi = np.searchsorted(lt.pkt, [frame, frame + 1]).tolist()
    return list(range(lo, hi))


def _bytes_field(data: bytes) -> str:
    hexed = data.hex()
    return hexed if len(data) <= _SHOWN_BYTES else hexed[:2 * _SHOWN_BYTES] + "\u2026"


def _app_protocol(ports: tuple[int, int]) -> str | None:
    """The long name of the protocol TLS's port table gives the source port, else the
    destination port (dissector_get_uint_handle on ssl_associations, in that order)."""
    for port in ports:
        if port in _APP_PORTS:
            return _APP_PORTS[port]
    return None


def _u(key: str, label: str, value: str, span: tuple[int, int], ftype: FieldType) -> DnsItem:
    return DnsItem(key, label, value, span[0], span[1], 0, ftype)


class _Record(NamedTuple):
    """How a record is shown: the conversation's version (the record line's word), whether
    its type is the "Opaque Type" (TLS 1.3), whether its handshake messages are plain, and
    the protocol inside application data (None: not known here)."""

    version: str
    opaque: bool
    plain: bool
    app: str | None


def _handshake_items(body: bytes, at: int, encrypted: bool) -> list[DnsItem] | None:
    """The handshake messages of a record whose body starts at ``at``: an encrypted one,
    or each plain message's type and length (its body not written)."""
    if encrypted:
        return [DnsItem("tls.handshake", "Handshake Protocol: Encrypted Handshake Message", "", at, len(body))]
    out, k = [], 0
    while k + 4 <= len(body):
        kind, size = body[k], int.from_bytes(body[k + 1:k + 4], "big")
        name = HANDSHAKE_NAMES.get(kind)
        if name is None or k + 4 + size > len(body):
            return None
        out.append(DnsItem("tls.handshake", f"Handshake Protocol: {name}", "", at + k, 4 + size, children=[
            _u("tls.handshake.type", f"Handshake Type: {name} ({kind})", str(kind), (at + k, 1), FieldType.UINT8),
            _u("tls.handshake.length", f"Length: {size}", str(size), (at + k + 1, 3), FieldType.UINT24),
            *(handshake_body(kind, body[k + 4:k + 4 + size], at + k + 4) or ())]))
        k += 4 + size
    return out if k == len(body) else None


def _record_item(how: _Record, data: bytes, at: int) -> DnsItem | None:
    """One record's item (its header and body in ``data``, from ``at`` of the payload):
    its line, its header's fields, then its content."""
    ct, rversion, body = data[0], int.from_bytes(data[1:3], "big"), data[_HEADER:]
    version, opaque, app = how.version, how.opaque, how.app
    kind = "opaque_type" if opaque else "content_type"
    fields = [_u(f"tls.record.{kind}", f"{'Opaque' if opaque else 'Content'} Type: {_CONTENT.get(ct, 'Unknown')} ({ct})",
                 str(ct), (at, 1), FieldType.UINT8),
              _u("tls.record.version", f"Version: {_VERSIONS.get(rversion, 'Unknown')} (0x{rversion:04x})",
                 f"0x{rversion:04x}", (at + 1, 2), FieldType.UINT16),
              _u("tls.record.length", f"Length: {len(body)}", str(len(body)), (at + 3, 2), FieldType.UINT16)]
    inner, size = at + _HEADER, len(body)

    def record(title: str, content: list[DnsItem]) -> DnsItem:
        return DnsItem("tls.record", f"{version} Record Layer: {title}", "", at, len(data), children=fields + content)

    if ct == CT_CCS:
        return record("Change Cipher Spec Protocol: Change Cipher Spec",
                      [DnsItem("tls.change_cipher_spec", "Change Cipher Spec Message", "", inner, size)])
    if ct == CT_ALERT:
        if size != 2:
            return record("Encrypted Alert",
                          [DnsItem("tls.alert_message", "Alert Message: Encrypted Alert", "", inner, size)])
        level, desc = ALERT_LEVELS.get(body[0], "Unknown"), ALERT_NAMES.get(body[1], "Unknown")
        return record(f"Alert (Level: {level}, Description: {desc})", [
            DnsItem("tls.alert_message", "Alert Message", "", inner, size, children=[
                _u("tls.alert_message.level", f"Level: {level} ({body[0]})", str(body[0]), (inner, 1), FieldType.UINT8),
                _u("tls.alert_message.desc", f"Description: {desc} ({body[1]})", str(body[1]), (inner + 1, 1),
                   FieldType.UINT8)])])
    if ct == CT_HANDSHAKE:
        messages = _handshake_items(body, inner, not how.plain)
        if messages is None:
            return None
        title = ", ".join(m.label.split(": ", 1)[1] for m in messages)
        return record(f"Handshake Protocol: {title}", messages)
    if ct == CT_APP_DATA:
        if app is None:
            return None
        return record(f"Application Data Protocol: {app}", [
            DnsItem("tls.app_data", f"Encrypted Application Data: {_bytes_field(body)}",
                    ":".join(f"{b:02x}" for b in body), inner, size, 0, FieldType.BYTES),
            DnsItem("tls.app_data_proto", f"[Application Data Protocol: {app}]", app, ftype=FieldType.STRING)])
    return None


class TlsTree(NamedTuple):
    """The items of one call of TLS in a frame: the subtree of the record TCP reassembled
    for it, if any (shown before it), the protocol's item, and the bytes the items' places
    are in (the reassembled record's, or None: the frame's TCP payload's)."""

    reassembled: HttpItem | None
    items: list[DnsItem]
    source: bytes | None


def tls_items(table: PacketTable, frame: int, layer: int, payload: bytes, ports: tuple[int, int],
              ) -> TlsTree | None:
    """The TLS tree of the ``layer``-th call of TLS in ``frame`` (0-based), whose TCP
    payload is ``payload`` (its source and destination ports ``ports``), as items; None
    where it is not written (a content tcpscope does not write).

    REASSEMBLED RECORD: where the segment completes a record begun in earlier segments
    (:mod:`tcpscope.views.tree_pdu_reassembled`), TLS's first call reads that record alone,
    from the reassembled bytes, and a second call the records after it in the payload;
    else its one call reads the payload's records."""
    app = _frame_rows(table, "_app", frame)
    records = _frame_rows(table, "_tls", frame)
    opaque = np.asarray(table.layer("_tls").cols["opaque"])[records].tolist() if records else []
    version = str(table.layer("_app").cols["proto"][app[0]]) if app else ""
    if not version.startswith(("TLS", "SSL", "GMTLS")) and opaque:
        return None  # (no record of TLS's own)
    plain = bool(_frame_rows(table, "_tls_hs", frame))
    reasm = completing_pdu(table, frame)
    if reasm is UNWRITTEN or (reasm is None and layer != 1) or layer > 2:
        return None
    how = (version, plain, _app_protocol(ports))
    if reasm is not None and layer == 1:
        got = _records(reasm.data, 0, opaque[:1], how)
        if got is None or len(got.children) != 1:
            return None
        return TlsTree(reassembled_items(table, frame), [got], reasm.data)
    tail = reasm.frames[-1][1] if reasm is not None else 0
    got = _records(payload[tail:], tail, opaque[1:] if reasm is not None else opaque, how)
    return None if got is None else TlsTree(None, [got], None)


def _records(data: bytes, base: int, opaque: list[bool], how: tuple[str, bool, str | None]) -> DnsItem | None:
    """The protocol's item holding each whole record of ``data`` (at ``base`` of the bytes
    the places are in): one for each of the records the framing read there (``opaque``:
    whether each is of the Opaque Type), else None."""
    version, plain, app = how
    top = DnsItem("tls", "Transport Layer Security", "", base, len(data), 0, FieldType.PROTOCOL)
    at, k, ccs = 0, 0, False
    while at + _HEADER <= len(data) and data[at] not in _CONTENT:
        if version not in _IGNORING:
            return top if not opaque else None  # Continuation Data: the rest of the segment, no item
        top.children.append(_ignored(base + at, _HEADER + int.from_bytes(data[at + 3:at + 5], "big")))
        at += _HEADER + int.from_bytes(data[at + 3:at + 5], "big")
    while _whole_record(data, at):
        if k >= len(opaque):
            return None
        size = int.from_bytes(data[at + 3:at + 5], "big")
        # (a handshake after a Change Cipher Spec of the same segment is encrypted)
        record = _Record(_line_version(version, data[at:at + _HEADER + 1], plain and not ccs), bool(opaque[k]),
                         plain and not ccs, app)
        got = _record_item(record, data[at:at + _HEADER + size], base + at)
        ccs |= data[at] == CT_CCS
        if got is None:
            return None
        top.children.append(got)
        at += _HEADER + size
        k += 1
    return top if k == len(opaque) else None


#: The conversation versions (as the Protocol column names them) for which TLS reads a
#: header of an unknown content type as an "Ignored Unknown Record"
_IGNORING = frozenset(version_name(v) for v in IGNORING_VERSIONS)


def _ignored(at: int, size: int) -> DnsItem:
    """IGNORED UNKNOWN RECORD: where the conversation's version is one of
    :data:`IGNORING_VERSIONS`, a header whose content type is none of TLS's is an item of
    its own, spanning the header and the length it gives, with its expert item (a
    warning of the Protocol group); TLS reads on after that length (the next header may
    be another one). Otherwise (TLS 1.3) the segment's rest is "Continuation Data" and
    nothing is added."""
    message = "Ignored Unknown Record"
    return DnsItem("", message, "", at, size, children=[
        DnsItem("_ws.expert", f"[Expert Info (Warning/Protocol): {message}]", "", children=[
            DnsItem("tls.ignored_unknown_record", f"[{message}]", ""),
            DnsItem(_EXPERT_MESSAGE, message, message),
            DnsItem("_ws.expert.severity", "[Severity level: Warning]", str(_WARNING)),
            DnsItem("_ws.expert.group", "[Group: Protocol]", str(_PROTOCOL_GROUP))])])


#: An expert item's message: a member of its JSON object, no line of its own in the text
_EXPERT_MESSAGE = "_ws.expert.message"
#: The expert severity and group numbers (``-T json`` writes them): PI_WARN, PI_PROTOCOL
_WARNING, _PROTOCOL_GROUP = 0x00600000, 0x09000000


def _line_version(version: str, head: bytes, plain: bool) -> str:
    """The version a record's line names: the conversation's, as the Protocol column has
    it after the segment; but a plain Server Hello's record names its own version. (The
    Server Hello is the record that fixes the version: tshark takes the record's version
    first, writes the record's line, then reads the version the hello selects.)"""
    if plain and len(head) > _HEADER and head[0] == CT_HANDSHAKE and head[_HEADER] == HS_SERVER_HELLO:
        return version_name(int.from_bytes(head[1:3], "big"))
    return version


def _whole_record(payload: bytes, at: int) -> bool:
    """Whether a record starting at ``at`` ends in the payload. The first one that does
    not (its header or its body cut by the segment's end) is one TLS asks TCP more of:
    it and what follows it are not added (a segment that begins with one shows the empty
    "Transport Layer Security" line alone)."""
    return at + _HEADER <= len(payload) and at + _HEADER + int.from_bytes(payload[at + 3:at + 5], "big") <= len(payload)


def _lines(items: list[DnsItem], depth: int = 0) -> list[tuple[int, str]]:
    return [line for d in items if d.key != _EXPERT_MESSAGE
            for line in ((depth, d.label), *_lines(d.children, depth + 1))]


def tls_text(table: PacketTable, frame: int, layer: int, payload: bytes, ports: tuple[int, int]) -> str | None:
    """The text of :func:`tls_items`: the reassembled record's subtree, then the tree."""
    got = tls_items(table, frame, layer, payload, ports)
    if got is None:
        return None
    before = [] if got.reassembled is None else item_lines([got.reassembled], 0)
    return "".join(f"{line}\n" for line in before) + indent(_lines(got.items))


def _head(_item: object) -> str:
    return "Transport Layer Security"


#: TLS in the frame's protocols: its text comes from :func:`tls_text`, not from nodes
TLS = Protocol("tls", "", _head, ())
