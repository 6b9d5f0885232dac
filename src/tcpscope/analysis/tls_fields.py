"""The TLS and DNS fields tshark users filter on most, read from the layers the TLS and DNS
framing adds (:func:`tcpscope.analysis.tls_frames.with_app`): one value per record,
handshake message, DNS message, question or resource record, in the frame that
completes it, as tshark's one pass shows them (packet-tls.c, packet-dns.c field
registrations; types and displays from ``tshark -G fields``).

A field is present only where the framing ran: the packet list's columns, these fields,
``frame.protocols`` and filters naming them ask for it (``needs_framing``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tcpscope._types import Mask
from tcpscope.table.access import column
from tcpscope.table.layers import Layer
from tcpscope.table.schema import Base, FieldDef, FieldType

__all__ = ["APP_FIELDS"]

FT = FieldType
_CONTENT_TYPES = {20: "Change Cipher Spec", 21: "Alert", 22: "Handshake", 23: "Application Data", 24: "Heartbeat",
                  25: "Connection ID"}


def _col(layer: Layer, name: str) -> np.ndarray:
    return np.asarray(layer.cols[name])


def _is(name: str, test: Callable[[np.ndarray], Mask]) -> Callable[[Layer], Mask]:
    """Rows where ``test`` holds on column ``name``."""

    def rule(layer: Layer) -> Mask:
        out: Mask = np.asarray(test(_col(layer, name)), dtype=np.bool_)
        return out

    return rule


def _response(layer: Layer) -> Mask:
    return np.asarray((_col(layer, "flags").astype(np.int64) & 0x8000) != 0, dtype=np.bool_)


def _response_bit(a: np.ndarray) -> np.ndarray:
    """dns.flags.response: the flags' top bit, as 1 or 0."""
    out: np.ndarray = np.not_equal(np.bitwise_and(a.astype(np.int64), 0x8000), 0).astype(np.int64)
    return out


def _rcode(a: np.ndarray) -> np.ndarray:
    """dns.flags.rcode: the flags' low four bits."""
    out: np.ndarray = np.bitwise_and(a.astype(np.int64), 0xF)
    return out


APP_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("tls.record.content_type", FT.UINT8, column("_tls", "content_type", _is("opaque", np.logical_not)),
             "Content Type", Base.DEC, strings=_CONTENT_TYPES,
             description="The record's content type (20 change cipher spec, 21 alert, 22 handshake, "
                         "23 application data)."),
    FieldDef("tls.record.opaque_type", FT.UINT8, column("_tls", "content_type", _is("opaque", lambda a: a)),
             "Opaque Type", Base.DEC,
             description="Always set to value 23, actual content type is known after decryption."),
    FieldDef("tls.record.version", FT.UINT16, column("_tls", "version"), "Version", Base.HEX, hex_digits=4,
             description="Record layer version."),
    FieldDef("tls.record.length", FT.UINT16, column("_tls", "length"), "Length", Base.DEC,
             description="Length of TLS record data."),
    FieldDef("tls.handshake.type", FT.UINT8, column("_tls_hs", "type"), "Handshake Type", Base.DEC,
             description="The handshake message's type (1 Client Hello, 2 Server Hello, 11 Certificate, ...)."),
    FieldDef("tls.handshake.version", FT.UINT16, column("_tls_hs", "version", _is("version", lambda a: a >= 0)),
             "Version", Base.HEX, hex_digits=4,
             description="The version a Client Hello offers or a Server Hello chooses (its legacy field)."),
    FieldDef("tls.handshake.extensions_server_name", FT.STRING,
             column("_tls_hs", "server_name", _is("server_name", lambda a: a != "")), "Server Name",
             description="The host name of a Client Hello's server_name extension (SNI)."),
    FieldDef("dns.length", FT.UINT16, column("_dns", "length", _is("over_tcp", lambda a: a)), "Length", Base.DEC,
             description="Length of DNS-over-TCP request or response."),
    FieldDef("dns.id", FT.UINT16, column("_dns", "id"), "Transaction ID", Base.HEX, hex_digits=4,
             description="Identification of transaction."),
    FieldDef("dns.flags.response", FT.BOOLEAN,
             column("_dns", "flags", None, _response_bit), "Response",
             true_false=("Message is a response", "Message is a query"),
             description="Whether the message is a response (set) or a query (clear)."),
    FieldDef("dns.flags.rcode", FT.UINT16, column("_dns", "flags", _response, _rcode), "Reply code",
             Base.DEC, description="The response's reply code (0 no error, 3 no such name, ...)."),
    FieldDef("dns.qry.name", FT.STRING, column("_dns_q", "name"), "Name", description="Query Name."),
    FieldDef("dns.qry.type", FT.UINT16, column("_dns_q", "type"), "Type", Base.DEC, description="Query Type."),
    FieldDef("dns.a", FT.IPv4, column("_dns_rr", "a", _is("addr", lambda a: a == 4)), "Address",
             description="Response Address."),
    FieldDef("dns.aaaa", FT.IPv6, column("_dns_rr", "aaaa", _is("addr", lambda a: a == 6)), "AAAA Address",
             description="AAAA Response Address."),
    FieldDef("dns.resp.ttl", FT.UINT32, column("_dns_rr", "ttl", _is("ttl", lambda a: a >= 0)), "Time to live",
             Base.DEC, description="Response TTL."),
)
