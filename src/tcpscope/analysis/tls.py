"""TLS records as tshark 4.0.17 reads them without keys (packet-tls.c ``dissect_ssl3_record``,
``dissect_tls_handshake``, packet-tls-utils.c; reference/pdu-framing.md §4): the items a
record adds to the Info column, the Protocol column's version name, and the fields most
filtered on. Nothing is decrypted.

A conversation's :class:`TlsSession` holds what tshark's session holds for this: its
version once known (a record that fixes it, then the Server Hello's own version or its
supported_versions extension) and the frame of each side's Change Cipher Spec, after
which that side's handshake records are encrypted. Records are read in capture order,
one at a time (:meth:`TlsSession.record`), from the framing of
:mod:`tcpscope.analysis.tls_framing`; a handshake record's bytes are parsed here (a
handful per connection; application data is never read).

Not written (the frame keeps TCP's line, declared): a handshake message split across
records (tshark's ``[Client Hello Fragment]`` and its reassembly), heartbeats, records
of the connection-id type, and SSLv2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["IGNORING_VERSIONS", "VERSION_NAMES", "HandshakeItem", "RecordItem", "TlsSession", "version_name"]

SSL3, TLS10, TLS11, TLS12, TLS13, GMTLS = 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0101
#: Versions by number, as the Protocol column names them (ssl_version_short_names)
VERSION_NAMES = {SSL3: "SSLv3", TLS10: "TLSv1", GMTLS: "GMTLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2",
                 TLS13: "TLSv1.3"}
CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APP_DATA = 20, 21, 22, 23
HS_CLIENT_HELLO, HS_SERVER_HELLO = 1, 2
#: Handshake message names (ssl_31_handshake_type)
HANDSHAKE_NAMES = {
    0: "Hello Request", 1: "Client Hello", 2: "Server Hello", 3: "Hello Verify Request", 4: "New Session Ticket",
    5: "End of Early Data", 6: "Hello Retry Request", 8: "Encrypted Extensions", 11: "Certificate",
    12: "Server Key Exchange", 13: "Certificate Request", 14: "Server Hello Done", 15: "Certificate Verify",
    16: "Client Key Exchange", 20: "Finished", 21: "Client Certificate URL", 22: "Certificate Status",
    23: "Supplemental Data", 24: "Key Update", 25: "Compressed Certificate", 67: "Encrypted Extensions",
}
ALERT_LEVELS = {1: "Warning", 2: "Fatal"}
ALERT_NAMES = {
    0: "Close Notify", 1: "End of Early Data", 10: "Unexpected Message", 20: "Bad Record MAC",
    21: "Decryption Failed", 22: "Record Overflow", 30: "Decompression Failure", 40: "Handshake Failure",
    41: "No Certificate", 42: "Bad Certificate", 43: "Unsupported Certificate", 44: "Certificate Revoked",
    45: "Certificate Expired", 46: "Certificate Unknown", 47: "Illegal Parameter", 48: "Unknown CA",
    49: "Access Denied", 50: "Decode Error", 51: "Decrypt Error", 60: "Export Restriction", 70: "Protocol Version",
    71: "Insufficient Security", 80: "Internal Error", 86: "Inappropriate Fallback", 90: "User Canceled",
    100: "No Renegotiation", 109: "Missing Extension", 110: "Unsupported Extension",
    111: "Certificate Unobtainable", 112: "Unrecognized Name", 113: "Bad Certificate Status Response",
    114: "Bad Certificate Hash Value", 115: "Unknown PSK Identity", 116: "Certificate Required",
    120: "No application Protocol", 121: "ECH Required",
}
#: The Server Hello random that marks a Hello Retry Request (RFC 8446 §4.1.3)
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
EXT_SERVER_NAME, EXT_SUPPORTED_VERSIONS = 0, 43


#: Session versions for which TLS reads a record of an unknown content type as "Ignored
#: Unknown Record" (dissect_ssl3_record: TLS 1.0-1.2 and GM TLS), skipping the length its
#: header gives; for others (TLS 1.3, SSL 3.0) it is "Continuation Data", the rest of the
#: segment
IGNORING_VERSIONS = (TLS10, TLS11, TLS12, GMTLS)


def version_name(version: int) -> str:
    """The Protocol column's name of a version; ``SSL`` when unknown."""
    return VERSION_NAMES.get(version, "SSL")


@dataclass(frozen=True, slots=True)
class HandshakeItem:
    """A handshake message's fields: its type, the hello's version (-1: none) and a
    Client Hello's server name ('' : none)."""

    hs_type: int
    version: int = -1
    server_name: str = ""


@dataclass(frozen=True, slots=True)
class RecordItem:
    """A record as the fields see it: content type (or, for a TLS 1.3 session's
    application data, the opaque type), version and length, and its handshake messages."""

    content_type: int
    opaque: bool
    version: int
    length: int
    handshakes: tuple[HandshakeItem, ...] = ()


#: The text of a record tcpscope does not write
UNWRITTEN = "\x00"


@dataclass
class TlsSession:
    """One conversation's TLS state (packet-tls-utils.c ``SslSession``)."""

    version: int = 0
    ccs_frame: list[int] = field(default_factory=lambda: [0, 0])

    def record(self, frame: int, side: int, head: tuple[int, int], body: bytes,
               ) -> tuple[str, str, RecordItem]:
        """Read the record with header ``head`` (content type << 16 | version, length)
        and body ``body`` (empty for the types whose bytes are not read) sent by ``side`` in
        ``frame``: the Protocol column it sets (empty: unchanged), its Info item
        (:data:`UNWRITTEN` if not written) and its fields."""
        ct, rversion, length = head[0] >> 16, head[0] & 0xFFFF, head[1]
        proto = ""
        if self.version == 0:
            self._try_version(ct, body[0] if body else -1, rversion)
            proto = version_name(rversion)
        opaque = self.version == TLS13 and ct == CT_APP_DATA
        if ct == CT_CCS:
            self.ccs_frame[side] = frame
            return proto, "Change Cipher Spec", RecordItem(ct, opaque, rversion, length)
        if ct == CT_APP_DATA:
            return proto, "Application Data", RecordItem(ct, opaque, rversion, length)
        if ct == CT_ALERT:
            item = RecordItem(ct, opaque, rversion, length)
            if len(body) != 2:
                return proto, "Encrypted Alert", item
            level = ALERT_LEVELS.get(body[0], "Unknown")
            return proto, f"Alert (Level: {level}, Description: {ALERT_NAMES.get(body[1], 'Unknown')})", item
        if ct == CT_HANDSHAKE:
            text, hs, hello_proto = self._handshake(frame, side, body)
            return hello_proto or proto, text, RecordItem(ct, opaque, rversion, length, hs)
        return proto, UNWRITTEN, RecordItem(ct, opaque, rversion, length)

    def _try_version(self, ct: int, first: int, version: int) -> None:
        """ssl_try_set_version: an authoritative record (tls_framing's rule) of a known
        version fixes the conversation's version; a Server Hello's TLS 1.3 draft
        versions (0x7fNN, Facebook's 0xfb17 and 0xfb1a) are TLS 1.3."""
        if ct == CT_HANDSHAKE and first == HS_SERVER_HELLO and (version >> 8 == 0x7F or version in (0xFB17, 0xFB1A)):
            version = TLS13
        if version not in VERSION_NAMES:
            return
        if ct == CT_HANDSHAKE and (first not in HANDSHAKE_NAMES or first in (HS_CLIENT_HELLO, 3)):
            return
        if not 20 <= ct <= 25:
            return
        self.version = version

    def _encrypted(self, frame: int, side: int, body: bytes) -> bool:
        """is_encrypted_handshake_message: 16 bytes or more, and the first five bytes
        zero (a GCM nonce) or after this side's Change Cipher Spec, or a message type
        that has no name, or a message length of 64 KiB or more."""
        if len(body) < 16:
            return False
        if body[:5] == bytes(5):
            return True
        ccs = self.ccs_frame[side]
        if ccs != 0 and frame > ccs:
            return True
        return body[0] not in HANDSHAKE_NAMES or int.from_bytes(body[1:4], "big") >= 0x10000

    def _handshake(self, frame: int, side: int, body: bytes) -> tuple[str, tuple[HandshakeItem, ...], str]:
        """A handshake record's Info items (joined by ", "), its messages and the
        Protocol column a Server Hello sets."""
        if self._encrypted(frame, side, body):
            return "Encrypted Handshake Message", (), ""
        items: list[str] = []
        out: list[HandshakeItem] = []
        proto = ""
        at = 0
        while at < len(body):
            if len(body) - at < 4 or len(body) - at < 4 + int.from_bytes(body[at + 1:at + 4], "big"):
                return UNWRITTEN, tuple(out), proto  # a message continued in the next record
            hs_type = body[at]
            size = int.from_bytes(body[at + 1:at + 4], "big")
            msg = body[at + 4:at + 4 + size]
            name = HANDSHAKE_NAMES.get(hs_type)
            if name is None and at > 0:
                break
            if at == 0 and hs_type == HS_SERVER_HELLO and size > 2:
                server_version, hrr = _scan_server_hello(msg)
                self._try_version(CT_HANDSHAKE, HS_SERVER_HELLO, server_version)
                proto = version_name(self.version)
                if hrr:
                    name = "Hello Retry Request"
            items.append(name or "Encrypted Handshake Message")
            if name is None:
                break
            out.append(_hello_item(hs_type, msg))
            at += 4 + size
        return ", ".join(items), tuple(out), proto


def _scan_server_hello(msg: bytes) -> tuple[int, bool]:
    """tls_scan_server_hello: the Server Hello's version, or its supported_versions
    extension's when it says TLS 1.2; and whether it is a Hello Retry Request."""
    version = int.from_bytes(msg[0:2], "big")
    if version != TLS12 or len(msg) < 46:
        return version, False
    hrr = msg[2:34] == HRR_RANDOM
    at = 34
    sid = msg[at]
    at += 1
    if len(msg) - at < sid + 5:
        return version, hrr
    at += sid + 5
    while len(msg) - at >= 6:
        ext, size = int.from_bytes(msg[at:at + 2], "big"), int.from_bytes(msg[at + 2:at + 4], "big")
        if len(msg) - at < 4 + size:
            break
        if ext == EXT_SUPPORTED_VERSIONS and size == 2:
            return int.from_bytes(msg[at + 4:at + 6], "big"), hrr
        at += 4 + size
    return version, hrr


def _hello_item(hs_type: int, msg: bytes) -> HandshakeItem:
    """A handshake message's fields: a hello's version, a Client Hello's server name."""
    if hs_type not in (HS_CLIENT_HELLO, HS_SERVER_HELLO) or len(msg) < 2:
        return HandshakeItem(hs_type)
    version = int.from_bytes(msg[0:2], "big")
    return HandshakeItem(hs_type, version, _server_name(msg) if hs_type == HS_CLIENT_HELLO else "")


def _server_name(msg: bytes) -> str:
    """The host name of a Client Hello's server_name extension (RFC 6066 §3), or ''."""
    at = 34
    for width in (1, 2, 1):  # session id, cipher suites, compression methods
        if at + width > len(msg):
            return ""
        at += width + int.from_bytes(msg[at:at + width], "big")
    end = min(len(msg), at + 2 + int.from_bytes(msg[at:at + 2], "big")) if at + 2 <= len(msg) else at
    at += 2
    while at + 4 <= end:
        ext, size = int.from_bytes(msg[at:at + 2], "big"), int.from_bytes(msg[at + 2:at + 4], "big")
        data = msg[at + 4:at + 4 + size]
        if ext == EXT_SERVER_NAME and len(data) >= 5 and data[2] == 0:
            n = int.from_bytes(data[3:5], "big")
            return data[5:5 + n].decode("latin-1")
        at += 4 + size
    return ""
