"""The bodies of plain TLS handshake messages in the details tree, as packet-tls-utils.c
shows them without keys (labels from its ``hf_register_info``, written down here in our
own words): the Client Hello and Server Hello (RFC 8446 §4.1.2-3, RFC 5246 §7.4.1) with
their extensions, TLS 1.2's elliptic-curve Server Key Exchange and Client Key Exchange
(RFC 8422 §5.4, §5.7) and its New Session Ticket (RFC 5077 §3.3).

A hello shows its version, its random (a Client Hello's, and a Server Hello's below
TLS 1.3, with the first four bytes as a GMT time and the rest), its session id, its
cipher suites and compression methods (a Server Hello its one choice of each), the
extensions' length, then each extension as a subtree (type, length, and the contents of
the extensions written here: :data:`_EXTENSIONS`), and last the generated JA3 items (a
Client Hello's JA3 and a Server Hello's JA3S fingerprints: the version, the cipher
suites, the extension types, and for a Client Hello the supported groups and EC point
formats, in decimal, GREASE values left out, and their MD5).

Items are :class:`tcpscope.views.tree_dns.DnsItem` with their places from the TLS
payload's first byte. A body with anything not written here (an extension, a cipher
suite or a group without a name in :mod:`tcpscope.views.tree_tls_names`, another
message, a length that runs past the message) is None: the message then shows its type
and length alone (docs/deviations.md, "Details tree").
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from tcpscope.table.schema import FieldType
from tcpscope.views.tree_dns import DnsItem, seconds_text
from tcpscope.views.tree_tls_names import (
    CIPHER_SUITES,
    COMPRESSION,
    EC_POINT_FORMATS,
    EXTENSIONS,
    GROUPS,
    PSK_MODES,
    SIGNATURE_HASHES,
    SIGNATURE_KINDS,
    SIGNATURE_SCHEMES,
    is_grease,
)

__all__ = ["handshake_body"]

HS_CLIENT_HELLO, HS_SERVER_HELLO, HS_NEW_SESSION_TICKET, HS_SERVER_KEY_EXCHANGE, HS_CLIENT_KEY_EXCHANGE = 1, 2, 4, 12, 16
#: ECCurveType named_curve (RFC 8422 §5.4)
_NAMED_CURVE = 3
TLS13 = 0x0304
#: ssl_versions, as a hello's version and supported_versions name them
_VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
_RANDOM = 32
#: How many bytes tshark shows of a long byte field before its ellipsis
_SHOWN_BYTES = 36
_GREASE = "Reserved (GREASE)"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _Unwritten(Exception):
    """A part of the body not written here: the body is not written."""


class _Body:
    """A message's bytes and where they are in the payload; each read past their end, or
    a value without a name here, raises :class:`_Unwritten`."""

    def __init__(self, data: bytes, base: int) -> None:
        self.data = data
        self.base = base

    def u(self, at: int, size: int) -> int:
        if at + size > len(self.data):
            raise _Unwritten
        return int.from_bytes(self.data[at:at + size], "big")

    def raw(self, at: int, size: int) -> bytes:
        if at + size > len(self.data):
            raise _Unwritten
        return self.data[at:at + size]

    def number(self, key: str, label: str, at: int, size: int, hexed: bool = False) -> DnsItem:
        """An unsigned field of ``size`` bytes: ``label`` with ``{}`` for its value's text."""
        value = self.u(at, size)
        text = f"0x{value:0{2 * size}x}" if hexed else str(value)
        ftype = (FieldType.UINT8, FieldType.UINT16, FieldType.UINT24)[size - 1]
        return DnsItem(key, label.format(value), text, self.base + at, size, 0, ftype)

    def named(self, key: str, title: str, at: int, names: dict[int, str], hexed: bool = True) -> DnsItem:
        """A 16-bit value with its name (``Title: name (0x....)``), GREASE's too."""
        value = self.u(at, 2)
        name = _GREASE if is_grease(value) else names.get(value)
        if name is None:
            raise _Unwritten
        shown = f"0x{value:04x}" if hexed else str(value)
        return DnsItem(key, f"{title}: {name} ({shown})", shown, self.base + at, 2, 0, FieldType.UINT16)

    def byte_field(self, key: str, title: str, at: int, size: int) -> DnsItem:
        data = self.raw(at, size)
        hexed = data.hex()
        shown = hexed if size <= _SHOWN_BYTES else hexed[:2 * _SHOWN_BYTES] + "\u2026"
        return DnsItem(key, f"{title}: {shown}", ":".join(f"{b:02x}" for b in data), self.base + at, size, 0,
                       FieldType.BYTES)

    def group(self, key: str, label: str, at: int, size: int, children: list[DnsItem]) -> DnsItem:
        """A subtree of a field without a value (FT_NONE) spanning ``size`` bytes."""
        return DnsItem(key, label, "", self.base + at, size, 0, FieldType.NONE, children)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _utc(seconds: int) -> str:
    """An absolute time shown in UTC (``Aug  2, 2079 17:46:44.000000000 UTC``)."""
    t = time.gmtime(seconds)
    return f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d}, {t.tm_year} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.000000000 UTC"


def _random(b: _Body, at: int, split: bool) -> DnsItem:
    """The hello's random; ``split``: with its first four bytes as a GMT time (tshark
    shows them for a Client Hello and a Server Hello below TLS 1.3) and the rest."""
    item = b.byte_field("tls.handshake.random", "Random", at, _RANDOM)
    if split:
        stamp = _utc(b.u(at, 4))
        item.children = [DnsItem("tls.handshake.random_time", f"GMT Unix Time: {stamp}", stamp, b.base + at, 4, 0,
                                 FieldType.ABSOLUTE_TIME),
                         b.byte_field("tls.handshake.random_bytes", "Random Bytes", at + 4, _RANDOM - 4)]
    return item


def _list(b: _Body, at: int, end: int, width: int) -> list[int]:
    """The offsets of the ``width``-byte entries from ``at`` to ``end``."""
    if (end - at) % width:
        raise _Unwritten
    return list(range(at, end, width))


# ---- extensions: each writes the items under its Type and Length lines ----

def _ec_point_formats(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    n = b.u(at, 1)
    formats = [b.number("tls.handshake.extensions_ec_point_format",
                        f"EC point format: {_name(EC_POINT_FORMATS, b.u(k, 1))} ({{}})", k, 1)
               for k in range(at + 1, at + 1 + n)]
    return [b.number("tls.handshake.extensions_ec_point_formats_length", "EC point formats Length: {}", at, 1),
            b.group("tls.handshake.extensions_ec_point_formats", f"Elliptic curves point formats ({n})", at + 1, n,
                    formats)]


def _supported_groups(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    n = b.u(at, 2)
    groups = [b.named("tls.handshake.extensions_supported_group", "Supported Group", k, GROUPS)
              for k in _list(b, at + 2, at + 2 + n, 2)]
    return [b.number("tls.handshake.extensions_supported_groups_length", "Supported Groups List Length: {}", at, 2),
            b.group("tls.handshake.extensions_supported_groups", f"Supported Groups ({_plural(len(groups), 'group')})",
                    at + 2, n, groups)]


def _alpn(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    n = b.u(at, 2)
    names: list[DnsItem] = []
    k = at + 2
    while k < at + 2 + n:
        length = b.u(k, 1)
        text = b.raw(k + 1, length).decode("latin-1")
        names += [b.number("tls.handshake.extensions_alpn_str_len", "ALPN string length: {}", k, 1),
                  DnsItem("tls.handshake.extensions_alpn_str", f"ALPN Next Protocol: {text}", text,
                          b.base + k + 1, length, 0, FieldType.STRING)]
        k += 1 + length
    return [b.number("tls.handshake.extensions_alpn_len", "ALPN Extension Length: {}", at, 2),
            b.group("tls.handshake.extensions_alpn_list", "ALPN Protocol", at + 2, n, names)]


def _scheme(b: _Body, k: int) -> DnsItem:
    """A signature scheme, with its two bytes as TLS 1.2's hash and signature algorithms."""
    value, hash_, sig = b.u(k, 2), b.u(k, 1), b.u(k + 1, 1)
    hash_name, sig_name = SIGNATURE_HASHES.get(hash_, "Unknown"), SIGNATURE_KINDS.get(sig, "Unknown")
    # (a scheme without a name of its own is named by its TLS 1.2 hash and signature)
    name = SIGNATURE_SCHEMES.get(value, f"{hash_name} {sig_name}")
    return DnsItem("tls.handshake.sig_hash_alg", f"Signature Algorithm: {name} (0x{value:04x})", f"0x{value:04x}",
                   b.base + k, 2, 0, FieldType.UINT16, [
                       b.number("tls.handshake.sig_hash_hash", f"Signature Hash Algorithm Hash: {hash_name} ({{}})", k, 1),
                       b.number("tls.handshake.sig_hash_sig", f"Signature Hash Algorithm Signature: {sig_name} ({{}})",
                                k + 1, 1)])


def _signature_algorithms(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    n = b.u(at, 2)
    schemes = [_scheme(b, k) for k in _list(b, at + 2, at + 2 + n, 2)]
    return [b.number("tls.handshake.sig_hash_alg_len", "Signature Hash Algorithms Length: {}", at, 2),
            b.group("tls.handshake.sig_hash_algs", f"Signature Hash Algorithms ({_plural(len(schemes), 'algorithm')})",
                    at + 2, n, schemes)]


def _version_item(b: _Body, at: int) -> DnsItem:
    value = b.u(at, 2)
    name = _GREASE if is_grease(value) else _name(_VERSIONS, value)
    return DnsItem("tls.handshake.extensions.supported_version", f"Supported Version: {name} (0x{value:04x})",
                   f"0x{value:04x}", b.base + at, 2, 0, FieldType.UINT16)


def _supported_versions(b: _Body, at: int, size: int, client: bool) -> list[DnsItem]:
    if not client:
        return [_version_item(b, at)]
    n = b.u(at, 1)
    return [b.number("tls.handshake.extensions.supported_versions_len", "Supported Versions length: {}", at, 1),
            *(_version_item(b, k) for k in _list(b, at + 1, at + 1 + n, 2))]


def _psk_modes(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    n = b.u(at, 1)
    return [b.number("tls.extension.psk_ke_modes_length", "PSK Key Exchange Modes Length: {}", at, 1),
            *(b.number("tls.extension.psk_ke_mode", f"PSK Key Exchange Mode: {_name(PSK_MODES, b.u(k, 1))} ({{}})",
                       k, 1) for k in range(at + 1, at + 1 + n))]


def _key_share(b: _Body, at: int, size: int, client: bool) -> list[DnsItem]:
    """A Client Hello's key shares (their length, then each entry) or a Server Hello's one."""
    inner: list[DnsItem] = []
    k, end = at, at + size
    if client:
        inner.append(b.number("tls.handshake.extensions_key_share_client_length", "Client Key Share Length: {}", at, 2))
        k, end = at + 2, at + 2 + b.u(at, 2)
    while k < end:
        group, length = b.u(k, 2), b.u(k + 2, 2)
        name = _GREASE if is_grease(group) else _name(GROUPS, group)
        inner.append(DnsItem("", f"Key Share Entry: Group: {name}, Key Exchange length: {length}", children=[
            DnsItem("tls.handshake.extensions_key_share_group", f"Group: {name} ({group})", str(group), b.base + k, 2,
                    0, FieldType.UINT16),
            b.number("tls.handshake.extensions_key_share_key_exchange_length", "Key Exchange Length: {}", k + 2, 2),
            b.byte_field("tls.handshake.extensions_key_share_key_exchange", "Key Exchange", k + 4, length)]))
        k += 4 + length
    return [DnsItem("", "Key Share extension", children=inner)]


def _empty(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    if size:
        raise _Unwritten
    return []


def _data(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    """An extension shown as its bytes (GREASE's): ``Data: <MISSING>`` for none."""
    if not size:
        return [DnsItem("tls.handshake.extension.data", "Data: <MISSING>", ftype=FieldType.BYTES)]
    return [b.byte_field("tls.handshake.extension.data", "Data", at, size)]


def _empty_ticket(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    """An empty session_ticket extension (a ticket's contents are not written)."""
    if size:
        raise _Unwritten
    return [DnsItem("tls.handshake.extension.data", "Data (0 bytes)", ftype=FieldType.BYTES)]


def _server_name(b: _Body, at: int, size: int, client: bool) -> list[DnsItem]:
    """A Client Hello's server names (RFC 6066 §3); a server's empty one has no items."""
    if not client:
        return _empty(b, at, size, client)
    n = b.u(at, 2)
    inner = [b.number("tls.handshake.extensions_server_name_list_len", "Server Name list length: {}", at, 2)]
    k = at + 2
    while k < at + 2 + n:
        kind, length = b.u(k, 1), b.u(k + 1, 2)
        if kind != 0:
            raise _Unwritten
        name = b.raw(k + 3, length).decode("latin-1")
        if not all(32 <= ord(c) < 127 for c in name):
            raise _Unwritten
        inner += [b.number("tls.handshake.extensions_server_name_type", "Server Name Type: host_name ({})", k, 1),
                  b.number("tls.handshake.extensions_server_name_len", "Server Name length: {}", k + 1, 2),
                  DnsItem("tls.handshake.extensions_server_name", f"Server Name: {name}", name, b.base + k + 3, length,
                          0, FieldType.STRING)]
        k += 3 + length
    return [DnsItem("", "Server Name Indication extension", children=inner)]


def _renegotiation_info(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    """An initial handshake's renegotiation_info (RFC 5746 §3.2): its empty verify data."""
    if size != 1 or b.u(at, 1):
        raise _Unwritten
    return [DnsItem("", "Renegotiation Info extension", children=[
        b.number("tls.handshake.extensions_reneg_info_len", "Renegotiation info extension length: {}", at, 1)])]


def _status_request(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    """An OCSP status request (RFC 6066 §8) without responder ids or extensions."""
    if size != 5 or b.u(at, 1) != 1 or b.u(at + 1, 2) or b.u(at + 3, 2):
        raise _Unwritten
    return [b.number("tls.handshake.extensions_status_request_type", "Certificate Status Type: OCSP ({})", at, 1),
            b.number("tls.handshake.extensions_status_request_responder_ids_len", "Responder ID list Length: {}",
                     at + 1, 2),
            b.number("tls.handshake.extensions_status_request_exts_len", "Request Extensions Length: {}", at + 3, 2)]


def _compress_certificate(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    """The certificate compression algorithms offered (RFC 8879 §3)."""
    n = b.u(at, 1)
    return [b.number("tls.compress_certificate.algorithms_length", "Algorithms Length: {}", at, 1),
            *(b.number("tls.compress_certificate.algorithm",
                       f"Algorithm: {_name(_COMPRESSION_ALGORITHMS, b.u(k, 2))} ({{}})", k, 2)
              for k in _list(b, at + 1, at + 1 + n, 2))]


def _record_size_limit(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    return [b.number("tls.record_size_limit", "Record Size Limit: {}", at, 2)]


def _padding(b: _Body, at: int, size: int, _client: bool) -> list[DnsItem]:
    return [b.byte_field("tls.handshake.extensions_padding_data", "Padding Data", at, size)] if size else []


_Extension = Callable[[_Body, int, int, bool], list[DnsItem]]
#: The extensions whose contents are written, by type
_EXTENSIONS: dict[int, _Extension] = {
    0: _server_name, 5: _status_request, 10: _supported_groups, 11: _ec_point_formats, 13: _signature_algorithms,
    16: _alpn, 18: _empty, 21: _padding, 22: _empty, 23: _empty, 27: _compress_certificate, 28: _record_size_limit,
    34: _signature_algorithms, 35: _empty_ticket, 43: _supported_versions, 45: _psk_modes, 49: _empty, 51: _key_share,
    65281: _renegotiation_info,
}
#: Certificate compression algorithms (RFC 8879 §7.3)
_COMPRESSION_ALGORITHMS = {1: "zlib", 2: "brotli", 3: "zstd"}
EXT_SUPPORTED_GROUPS, EXT_EC_POINT_FORMATS, EXT_SUPPORTED_VERSIONS = 10, 11, 43


def _name(names: dict[int, str], value: int) -> str:
    """A value's name; a value without one is not written (tshark's "Unknown" aside)."""
    name = names.get(value)
    if name is None:
        raise _Unwritten
    return name


def _extensions(b: _Body, at: int, client: bool) -> tuple[list[DnsItem], list[int], int | None]:
    """The extensions' length and each extension from ``at`` to the body's end; their
    types, and the version a Server Hello's supported_versions extension selects."""
    if at == len(b.data):
        return [], [], None
    total = b.u(at, 2)
    if at + 2 + total != len(b.data):
        raise _Unwritten
    out = [b.number("tls.handshake.extensions_length", "Extensions Length: {}", at, 2)]
    types: list[int] = []
    selected = None
    k = at + 2
    while k < len(b.data):
        kind, size = b.u(k, 2), b.u(k + 2, 2)
        b.raw(k + 4, size)
        write = _data if is_grease(kind) else _EXTENSIONS.get(kind)
        name = _GREASE if is_grease(kind) else EXTENSIONS.get(kind)
        if write is None or name is None:
            raise _Unwritten
        if kind == EXT_SUPPORTED_VERSIONS and not client:
            selected = b.u(k + 4, 2)
        out.append(DnsItem("", f"Extension: {name} (len={size})", children=[
            b.number("tls.handshake.extension.type", f"Type: {name} ({{}})", k, 2),
            b.number("tls.handshake.extension.len", "Length: {}", k + 2, 2),
            *write(b, k + 4, size, client)]))
        types.append(kind)
        k += 4 + size
    return out, types, selected


def _ja3(prefix: str, key: str, parts: list[str]) -> list[DnsItem]:
    full = ",".join(parts)
    digest = hashlib.md5(full.encode(), usedforsecurity=False).hexdigest()
    return [DnsItem(f"tls.handshake.{key}_full", f"[{prefix} Fullstring: {full}]", full, ftype=FieldType.STRING),
            DnsItem(f"tls.handshake.{key}", f"[{prefix}: {digest}]", digest, ftype=FieldType.STRING)]


def _decimal(values: list[int]) -> str:
    return "-".join(str(v) for v in values if not is_grease(v))


def _entries(data: bytes, at: int, width: int, count_width: int) -> list[int]:
    """The values of a length-prefixed list of ``width``-byte entries."""
    n = int.from_bytes(data[at:at + count_width], "big")
    return [int.from_bytes(data[k:k + width], "big") for k in range(at + count_width, at + count_width + n, width)]


def _extension_data(b: _Body, at: int, kind: int) -> int | None:
    """Where the contents of the first extension of type ``kind`` start (None: none)."""
    if at >= len(b.data):
        return None
    k = at + 2
    while k + 4 <= len(b.data):
        if b.u(k, 2) == kind:
            return k + 4
        k += 4 + b.u(k + 2, 2)
    return None


def _client_hello(b: _Body) -> list[DnsItem]:
    out = [b.named("tls.handshake.version", "Version", 0, _VERSIONS), _random(b, 2, True)]
    at = 2 + _RANDOM
    sid = b.u(at, 1)
    out.append(b.number("tls.handshake.session_id_length", "Session ID Length: {}", at, 1))
    if sid:
        out.append(b.byte_field("tls.handshake.session_id", "Session ID", at + 1, sid))
    at += 1 + sid
    n = b.u(at, 2)
    places = _list(b, at + 2, at + 2 + n, 2)
    suites = [b.named("tls.handshake.ciphersuite", "Cipher Suite", k, CIPHER_SUITES) for k in places]
    out += [b.number("tls.handshake.cipher_suites_length", "Cipher Suites Length: {}", at, 2),
            b.group("tls.handshake.ciphersuites", f"Cipher Suites ({_plural(len(suites), 'suite')})", at + 2, n, suites)]
    at += 2 + n
    m = b.u(at, 1)
    methods = [b.number("tls.handshake.comp_method", f"Compression Method: {_name(COMPRESSION, b.u(k, 1))} ({{}})",
                        k, 1) for k in range(at + 1, at + 1 + m)]
    out += [b.number("tls.handshake.comp_methods_length", "Compression Methods Length: {}", at, 1),
            b.group("tls.handshake.comp_methods", f"Compression Methods ({_plural(m, 'method')})", at + 1, m, methods)]
    at += 1 + m
    extensions, types, _selected = _extensions(b, at, client=True)
    groups = _extension_data(b, at, EXT_SUPPORTED_GROUPS)
    formats = _extension_data(b, at, EXT_EC_POINT_FORMATS)
    parts = [str(b.u(0, 2)), _decimal([b.u(k, 2) for k in places]), _decimal(types),
             _decimal(_entries(b.data, groups, 2, 2)) if groups is not None else "",
             _decimal(_entries(b.data, formats, 1, 1)) if formats is not None else ""]
    return out + extensions + _ja3("JA3", "ja3", parts)


def _server_hello(b: _Body) -> list[DnsItem]:
    version = b.u(0, 2)
    at = 2 + _RANDOM
    sid = b.u(at, 1)
    after = at + 1 + sid + 3
    extensions, types, selected = _extensions(b, after, client=False)
    tls13 = (selected or version) == TLS13
    out = [b.named("tls.handshake.version", "Version", 0, _VERSIONS), _random(b, 2, not tls13),
           b.number("tls.handshake.session_id_length", "Session ID Length: {}", at, 1)]
    if sid:
        out.append(b.byte_field("tls.handshake.session_id", "Session ID", at + 1, sid))
    at += 1 + sid
    suite = b.u(at, 2)
    out += [b.named("tls.handshake.ciphersuite", "Cipher Suite", at, CIPHER_SUITES),
            b.number("tls.handshake.comp_method", f"Compression Method: {_name(COMPRESSION, b.u(at + 2, 1))} ({{}})",
                     at + 2, 1)]
    return out + extensions + _ja3("JA3S", "ja3s", [str(version), str(suite), _decimal(types)])


def _client_key_exchange(b: _Body) -> list[DnsItem]:
    """An elliptic-curve key exchange: the public point after its one-byte length, which
    runs to the message's end (other key exchanges are not written)."""
    n = b.u(0, 1)
    if n + 1 != len(b.data) or n == 0:
        raise _Unwritten
    return [DnsItem("", "EC Diffie-Hellman Client Params", children=[
        b.number("tls.handshake.client_point_len", "Pubkey Length: {}", 0, 1),
        b.byte_field("tls.handshake.client_point", "Pubkey", 1, n)])]


def _server_key_exchange(b: _Body) -> list[DnsItem]:
    """An elliptic-curve key exchange of TLS 1.2 (RFC 8422 §5.4): a named curve, the public
    point after its one-byte length, the signature's scheme, length and bytes, which run
    to the message's end (other key exchanges are not written)."""
    n = b.u(3, 1)
    if b.u(0, 1) != _NAMED_CURVE or 4 + n + 4 + b.u(4 + n + 2, 2) != len(b.data):
        raise _Unwritten
    curve = b.u(1, 2)
    sig = 4 + n
    return [DnsItem("", "EC Diffie-Hellman Server Params", children=[
        b.number("tls.handshake.server_curve_type", "Curve Type: named_curve (0x{:02x})", 0, 1, hexed=True),
        b.number("tls.handshake.server_named_curve", f"Named Curve: {_name(GROUPS, curve)} (0x{{:04x}})", 1, 2,
                 hexed=True),
        b.number("tls.handshake.server_point_len", "Pubkey Length: {}", 3, 1),
        b.byte_field("tls.handshake.server_point", "Pubkey", 4, n),
        _scheme(b, sig),
        b.number("tls.handshake.sig_len", "Signature Length: {}", sig + 2, 2),
        b.byte_field("tls.handshake.sig", "Signature", sig + 4, b.u(sig + 2, 2))])]


def _new_session_ticket(b: _Body) -> list[DnsItem]:
    """TLS 1.2's New Session Ticket (RFC 5077 §3.3): the lifetime hint, then the ticket
    after its length, which runs to the message's end (TLS 1.3's is encrypted)."""
    hint, n = b.u(0, 4), b.u(4, 2)
    if 6 + n != len(b.data):
        raise _Unwritten
    return [DnsItem("", "TLS Session Ticket", children=[
        DnsItem("tls.handshake.session_ticket_lifetime_hint",
                f"Session Ticket Lifetime Hint: {hint} second{'' if hint == 1 else 's'} ({seconds_text(hint)})", str(hint),
                b.base, 4, 0, FieldType.UINT32),
        b.number("tls.handshake.session_ticket_length", "Session Ticket Length: {}", 4, 2),
        b.byte_field("tls.handshake.session_ticket", "Session Ticket", 6, n)])]


_BODIES: dict[int, Callable[[_Body], list[DnsItem]]] = {
    HS_CLIENT_HELLO: _client_hello, HS_SERVER_HELLO: _server_hello, HS_NEW_SESSION_TICKET: _new_session_ticket,
    HS_SERVER_KEY_EXCHANGE: _server_key_exchange, HS_CLIENT_KEY_EXCHANGE: _client_key_exchange,
}


def handshake_body(kind: int, body: bytes, base: int) -> list[DnsItem] | None:
    """The items of a plain handshake message of type ``kind`` whose body (after its type
    and length) is ``body``, at ``base`` in the payload; None where not written."""
    write = _BODIES.get(kind)
    if write is None:
        return None
    try:
        return write(_Body(body, base))
    except _Unwritten:
        return None
