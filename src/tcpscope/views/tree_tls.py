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
  each with its type and length (the bodies of hellos, certificates and key exchanges
  are not written yet: docs/deviations.md, "Details tree");
* Application Data (in a TLS 1.3 conversation the "Opaque Type"): the encrypted bytes
  (the first 36 in hex, then an ellipsis, as tshark shows a long byte field) and, where
  TLS's port table names the protocol inside (443: HTTP), that protocol.

The records are read from the segment's payload when it holds them whole (a record
reassembled from earlier segments is not at hand here: its frame is left out, None).
The record rows of the TLS framing (``_tls``: whether a record is opaque) and the frame's
Protocol column (``_app``) come from :func:`tcpscope.analysis.tls_frames.with_app`.
"""

from __future__ import annotations

import numpy as np

from tcpscope.analysis.tls import (
    ALERT_LEVELS,
    ALERT_NAMES,
    CT_ALERT,
    CT_APP_DATA,
    CT_CCS,
    CT_HANDSHAKE,
    HANDSHAKE_NAMES,
)
from tcpscope.table.packets import PacketTable
from tcpscope.views.tree import Protocol

__all__ = ["TLS", "tls_text"]

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


def _handshake_lines(body: bytes, encrypted: bool) -> list[str] | None:
    """The handshake messages of a record: an encrypted one, or each plain message's type
    and length (its body not written)."""
    if encrypted:
        return ["        Handshake Protocol: Encrypted Handshake Message"]
    out, at = [], 0
    while at + 4 <= len(body):
        kind, size = body[at], int.from_bytes(body[at + 1:at + 4], "big")
        name = HANDSHAKE_NAMES.get(kind)
        if name is None or at + 4 + size > len(body):
            return None
        out += [f"        Handshake Protocol: {name}", f"            Handshake Type: {name} ({kind})",
                f"            Length: {size}"]
        at += 4 + size
    return out if at == len(body) else None


def _record_lines(version: str, record: bytes, opaque: bool, plain_handshakes: bool, app: str | None,
                  ) -> list[str] | None:
    """One record's item (its header and body in ``record``): its line, its header's
    fields, then its content; ``app``: the protocol inside application data."""
    ct, rversion, body = record[0], int.from_bytes(record[1:3], "big"), record[_HEADER:]
    fields = [f"        {'Opaque' if opaque else 'Content'} Type: {_CONTENT.get(ct, 'Unknown')} ({ct})",
              f"        Version: {_VERSIONS.get(rversion, 'Unknown')} (0x{rversion:04x})",
              f"        Length: {len(body)}"]
    if ct == CT_CCS:
        return [f"    {version} Record Layer: Change Cipher Spec Protocol: Change Cipher Spec", *fields,
                "        Change Cipher Spec Message"]
    if ct == CT_ALERT:
        if len(body) != 2:
            return [f"    {version} Record Layer: Encrypted Alert", *fields, "        Alert Message: Encrypted Alert"]
        level, desc = ALERT_LEVELS.get(body[0], "Unknown"), ALERT_NAMES.get(body[1], "Unknown")
        return [f"    {version} Record Layer: Alert (Level: {level}, Description: {desc})", *fields,
                "        Alert Message", f"            Level: {level} ({body[0]})",
                f"            Description: {desc} ({body[1]})"]
    if ct == CT_HANDSHAKE:
        messages = _handshake_lines(body, not plain_handshakes)
        if messages is None:
            return None
        title = "Encrypted Handshake Message" if not plain_handshakes else \
            ", ".join(m.split(": ", 1)[1] for m in messages[::3])
        return [f"    {version} Record Layer: Handshake Protocol: {title}", *fields, *messages]
    if ct == CT_APP_DATA:
        if app is None:
            return None
        return [f"    {version} Record Layer: Application Data Protocol: {app}", *fields,
                f"        Encrypted Application Data: {_bytes_field(body)}",
                f"        [Application Data Protocol: {app}]"]
    return None


def tls_text(table: PacketTable, frame: int, layer: int, payload: bytes, ports: tuple[int, int]) -> str | None:
    """The TLS tree of ``frame`` (0-based) whose TCP payload is ``payload`` (its source and
    destination ports ``ports``), or None where it is not written: a second call of the
    dissector in the frame, a record continued from or into another segment, a content
    tcpscope does not write."""
    if layer != 1:
        return None
    app = _frame_rows(table, "_app", frame)
    records = _frame_rows(table, "_tls", frame)
    if not app:
        return None
    version = str(table.layer("_app").cols["proto"][app[0]])
    opaque = np.asarray(table.layer("_tls").cols["opaque"])[records].tolist() if records else []
    plain = bool(_frame_rows(table, "_tls_hs", frame))
    lines = ["Transport Layer Security"]
    at, k, ccs = 0, 0, False
    while at + _HEADER <= len(payload):
        size = int.from_bytes(payload[at + 3:at + 5], "big")
        if at + _HEADER + size > len(payload) or k >= len(opaque):
            return None
        # (a handshake after a Change Cipher Spec of the same segment is encrypted)
        got = _record_lines(version, payload[at:at + _HEADER + size], bool(opaque[k]), plain and not ccs,
                            _app_protocol(ports))
        ccs |= payload[at] == CT_CCS
        if got is None:
            return None
        lines += got
        at += _HEADER + size
        k += 1
    if k != len(opaque) or not version.startswith(("TLS", "SSL", "GMTLS")):
        return None  # (a record completed from earlier segments, or no record of TLS's own)
    return "".join(f"{line}\n" for line in lines)


def _head(_item: object) -> str:
    return "Transport Layer Security"


#: TLS in the frame's protocols: its text comes from :func:`tls_text`, not from nodes
TLS = Protocol("tls", "", _head, ())
