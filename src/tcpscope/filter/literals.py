"""Values from filter text, typed by the field they meet (epan/ftypes/*.c).

A literal has no type of its own: the checker converts it with the type of the
field on the other side, as semcheck.c does with ``fvalue_from_literal`` (unquoted
words), ``fvalue_from_string`` (double-quoted strings) and ``fvalue_from_charconst``.
Every failure raises :class:`ValueError` with the message tshark prints.

Python values by type: integers and booleans ``int``; doubles ``float``; IPv4
``(address, netmask)``; IPv6 ``(16 bytes, prefix bits)``; Ethernet, byte strings,
protocols and strings ``bytes``; times ``int`` nanoseconds.
"""

from __future__ import annotations

import calendar
import re
import socket
import time
from collections.abc import Callable
from typing import Final

from tcpscope.table.schema import FieldType

__all__ = [
    "FT_NAME",
    "PRETTY",
    "Const",
    "from_charconst",
    "from_literal",
    "from_string",
    "parse_bytes",
]

FT = FieldType
Const = int | float | bytes | tuple[int, int] | tuple[bytes, int]

#: ftype_pretty_name() of each type
PRETTY: Final[dict[FieldType, str]] = {
    FT.NONE: "Label", FT.PROTOCOL: "Protocol", FT.BOOLEAN: "Boolean", FT.CHAR: "Character (1 byte)",
    FT.UINT8: "Unsigned integer (1 byte)", FT.UINT16: "Unsigned integer (2 bytes)",
    FT.UINT24: "Unsigned integer (3 bytes)", FT.UINT32: "Unsigned integer (4 bytes)",
    FT.UINT64: "Unsigned integer (8 bytes)", FT.INT8: "Signed integer (1 byte)",
    FT.INT16: "Signed integer (2 bytes)", FT.INT32: "Signed integer (4 bytes)",
    FT.INT64: "Signed integer (8 bytes)", FT.FRAMENUM: "Frame number",
    FT.DOUBLE: "Floating point (double-precision)", FT.ABSOLUTE_TIME: "Date and time",
    FT.RELATIVE_TIME: "Time offset", FT.STRING: "Character string", FT.BYTES: "Byte sequence",
    FT.ETHER: "Ethernet or other MAC address", FT.IPv4: "IPv4 address", FT.IPv6: "IPv6 address",
}
#: ftype_name(): "FT_UINT16" ...
FT_NAME: Final[dict[FieldType, str]] = {t: t.value for t in FieldType}

_UMAX = {FT.CHAR: 0xFF, FT.UINT8: 0xFF, FT.UINT16: 0xFFFF, FT.UINT24: 0xFFFFFF, FT.UINT32: 0xFFFFFFFF,
         FT.FRAMENUM: 0xFFFFFFFF}
_SRANGE = {FT.INT8: (-128, 127), FT.INT16: (-(2**15), 2**15 - 1), FT.INT32: (-(2**31), 2**31 - 1)}


def _c_strtoul(s: str, base: int = 0) -> tuple[int, int] | None:
    """C ``strtoul``/``strtol``: (value, index after the digits), or None without digits."""
    i = 0
    while i < len(s) and s[i] in " \t\n\v\f\r":
        i += 1
    neg = False
    if i < len(s) and s[i] in "+-":
        neg = s[i] == "-"
        i += 1
    if base == 0:
        if s[i:i + 2] in ("0x", "0X") and i + 2 < len(s) and s[i + 2] in "0123456789abcdefABCDEF":
            base, i = 16, i + 2
        elif s[i:i + 1] == "0":
            base = 8
        else:
            base = 10
    elif base == 16 and s[i:i + 2] in ("0x", "0X") and i + 2 < len(s) and s[i + 2] in "0123456789abcdefABCDEF":
        i += 2
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    j = i
    while j < len(s) and s[j].lower() in digits:
        j += 1
    if j == i:
        return None
    v = int(s[i:j], base)
    return (-v if neg else v), j


def _uint(s: str, maximum: int) -> int:
    """ftype-integer.c ``uint_from_literal`` (with the ``0b`` binary prefix)."""
    if s[:2] in ("0b", "0B"):
        digits = _c_strtoul(s[2:], 2)
        got = ((0, -2) if s[2:] == "" else None) if digits is None else (digits[0], digits[1] + 2)
        end_ok = got is not None and (got[1] == len(s) or got[1] == -2)
    else:
        got = _c_strtoul(s)
        end_ok = got is not None and got[1] == len(s)
    if got is None or not end_ok:
        raise ValueError(f'"{s}" is not a valid number.')
    value = got[0]
    word = 2**64
    if value < 0:
        value = (value % word) if -value < word else word - 1
    if value >= word:
        raise ValueError(f'"{s}" causes an integer overflow.')
    if value > maximum:
        raise ValueError(f'"{s}" too big for this field, maximum {maximum}.')
    return value


def _sint(s: str, lo: int, hi: int) -> int:
    if s[:2] in ("0b", "0B"):
        got = _c_strtoul(s[2:], 2)
        got = None if got is None else (got[0], got[1] + 2)
    else:
        got = _c_strtoul(s)
    if got is None or got[1] != len(s):
        raise ValueError(f'"{s}" is not a valid number.')
    value = got[0]
    if value >= 2**63:
        raise ValueError(f'"{s}" causes an integer overflow.')
    if value < -(2**63):
        raise ValueError(f'"{s}" causes an integer underflow.')
    if value > hi:
        raise ValueError(f'"{s}" too big for this field, maximum {hi}.')
    if value < lo:
        raise ValueError(f'"{s}" too small for this field, minimum {lo}.')
    return value


def _is_byte_sep(c: str) -> bool:
    return c in "-:."


def _hex_str_to_bytes(s: str) -> bytes | None:
    """epan/strutil.c ``hex_str_to_bytes`` (separators optional)."""
    out = bytearray()
    hexd = "0123456789abcdefABCDEF"
    p = 0
    n = len(s)
    while p < n:
        if p + 3 < n and all(c in hexd for c in s[p:p + 4]):
            out += bytes([int(s[p:p + 2], 16), int(s[p + 2:p + 4], 16)])
            punct = p + 4
            p = punct + 1 if punct < n and _is_byte_sep(s[punct]) else punct
        elif p + 1 < n and s[p] in hexd and s[p + 1] in hexd:
            out.append(int(s[p:p + 2], 16))
            punct = p + 2
            p = punct + 1 if punct < n and _is_byte_sep(s[punct]) else punct
        elif p + 1 < n and s[p] in hexd and _is_byte_sep(s[p + 1]):
            out.append(int(s[p], 16))
            p += 2
        elif p + 1 == n and s[p] in hexd:
            out.append(int(s[p], 16))
            p += 1
        else:
            return None
    return bytes(out)


def parse_bytes(s: str) -> bytes:
    """ftype-bytes.c ``byte_array_from_literal``: hex bytes, ``0xNN`` or ``0bNNNNNNNN`` one byte."""
    if s.startswith(":"):
        s = s[1:]
    if len(s) == 4 and s[:2] in ("0x", "0X"):
        s = s[2:]
    if len(s) == 10 and s[:2] in ("0b", "0B") and s[2] in "01" and all(c in "01" for c in s[2:]):
        return bytes([int(s[2:], 2)])
    got = _hex_str_to_bytes(s)
    if got is None:
        raise ValueError(f'"{s}" is not a valid byte string.')
    return got


def _ipv4(s: str) -> tuple[int, int]:
    addr_s, slash, bits_s = s.partition("/")
    try:
        packed = socket.inet_aton(addr_s) if re.fullmatch(r"[0-9]+(\.[0-9]+){3}", addr_s) else None
    except OSError:
        packed = None
    if packed is None:
        raise ValueError(f'"{addr_s}" is not a valid hostname or IPv4 address.')
    addr = int.from_bytes(packed, "big")
    bits = 32
    if slash:
        bits = _uint(bits_s, 0xFFFFFFFF)
        if bits > 32:
            raise ValueError(f"Netmask bits in a CIDR IPv4 address should be <= 32, not {bits}")
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if bits else 0
    return addr, mask


def _ipv6(s: str) -> tuple[bytes, int]:
    addr_s, slash, bits_s = s.partition("/")
    try:
        packed = socket.inet_pton(socket.AF_INET6, addr_s)
    except OSError:
        raise ValueError(f'"{s}" is not a valid hostname or IPv6 address.') from None
    bits = 128
    if slash:
        bits = _uint(bits_s, 0xFFFFFFFF)
        if bits > 128:
            raise ValueError(f"Prefix in a IPv6 address should be <= 128, not {bits}")
    return packed, bits


def _ether(s: str, partial: bool) -> bytes:
    try:
        b = parse_bytes(s)
    except ValueError:
        raise ValueError(f'"{s}" is not a valid Ethernet address.') from None
    if len(b) > 6:
        raise ValueError(f'"{s}" contains too many bytes to be a valid Ethernet address.')
    if len(b) < 6 and not partial:
        raise ValueError(f'"{s}" contains too few bytes to be a valid Ethernet address.')
    return b


def _nsecs(s: str) -> tuple[int, int] | None:
    """ftype-time.c ``get_nsecs``: the leading digits as nanoseconds, and how many there were.

    Digits past the ninth must be zeros; whatever follows the digits is not looked at.
    """
    nd = 0
    while nd < len(s) and s[nd].isdigit() and s[nd].isascii():
        nd += 1
    digits = s[:nd]
    if any(c != "0" for c in digits[9:]):
        return None
    return int(digits[:9].ljust(9, "0") or "0"), nd


def _reltime(s: str) -> int:
    """ftype-time.c ``relative_val_from_literal``: ``[-]seconds[.fraction]``."""
    bad = ValueError(f'"{s}" is not a valid time.')
    rest = s
    negative = rest.startswith("-")
    if negative:
        rest = rest[1:]
    secs = 0
    if not rest.startswith("."):
        got = _c_strtoul(rest, 10)
        if got is None or (got[1] < len(rest) and rest[got[1]] != "."):
            raise bad
        secs = got[0]
        rest = rest[got[1]:]
        if rest.startswith("."):
            rest = rest[1:]
    else:
        rest = rest[1:]
    ns = 0
    if rest:
        frac = _nsecs(rest)
        if frac is None:
            raise bad
        ns = frac[0]
    total = secs * 1_000_000_000 + ns
    return -total if negative else total


_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_EXAMPLE = 'Example: "Nov 12, 1999 08:55:44.123" or "2011-07-04 12:34:56"'


def _epoch(fields: tuple[int, int, int, int, int, int], utc: bool) -> int:
    if utc:
        return calendar.timegm((*fields, 0, 0, 0))
    return int(time.mktime((*fields, 0, 0, -1)))


def _abstime(s: str) -> int:
    """ftype-time.c ``absolute_val_from_string``: ISO 8601, then the legacy forms."""
    m = re.fullmatch(
        r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?"
        r"(Z|[+-]\d{2}(?::?\d{2})?)?", s)
    if m is not None:
        return _iso8601_time(m)
    fields, rest, has_seconds = _legacy_date(s)
    ns = 0
    if rest.startswith("."):
        ns, rest = _legacy_subseconds(rest, has_seconds)
    rest = rest.lstrip(" \t\n\v\f\r")
    if rest == "UTC":
        return _epoch(fields, True) * 1_000_000_000 + ns
    if rest == "":
        return _epoch(fields, False) * 1_000_000_000 + ns
    raise ValueError("Unexpected data after time value.")


def _iso8601_time(m: re.Match[str]) -> int:
    """An ISO 8601 time: local unless it names a zone (``Z`` or an offset)."""
    y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
    sec = int(m.group(6) or 0)
    ns = int((m.group(7) or "0")[:9].ljust(9, "0"))
    zone = m.group(8)
    if zone is None:
        return _epoch((y, mo, d, h, mi, sec), False) * 1_000_000_000 + ns
    base = _epoch((y, mo, d, h, mi, sec), True)
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        off = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0)
        base -= sign * off
    return base * 1_000_000_000 + ns


def _legacy_date(s: str) -> tuple[tuple[int, int, int, int, int, int], str, bool]:
    """The legacy forms' date and time (``Nov 12, 1999 08:55:44`` or ``1999-11-12 08:55[:44]``):
    (year, month, day, hour, minute, second), the text after them, whether seconds were given."""
    fail = ValueError(f'"{s}" is not a valid absolute time. {_EXAMPLE}')
    if len(s) < 8:
        raise fail
    lm = None
    if len(s) > 3 and s[3] == " " and s[:3].lower() in _MONTHS:
        lm = re.match(r" *(\d{1,2}), *(\d{1,4}) +(\d{1,2}):(\d{1,2}):(\d{1,2})", s[4:])
        if lm is not None:
            mon = _MONTHS.index(s[:3].lower()) + 1
            fields = (int(lm.group(2)), mon, int(lm.group(1)), int(lm.group(3)), int(lm.group(4)), int(lm.group(5)))
            rest = s[4 + lm.end():]
            has_seconds = True
    if lm is None:
        has_seconds = True
        gm = re.match(r"(\d{1,4})-(\d{1,2})-(\d{1,2}) +(\d{1,2}):(\d{1,2}):(\d{1,2})", s)
        if gm is None:
            has_seconds = False
            for pat in (r"(\d{1,4})-(\d{1,2})-(\d{1,2}) +(\d{1,2}):(\d{1,2})", r"(\d{1,4})-(\d{1,2})-(\d{1,2}) +(\d{1,2})",
                        r"(\d{1,4})-(\d{1,2})-(\d{1,2})"):
                gm = re.match(pat, s)
                if gm is not None:
                    break
        if gm is None:
            raise fail
        g = [int(x) for x in gm.groups()] + [0, 0, 0]
        fields = (g[0], g[1], g[2], g[3], g[4], g[5])
        rest = s[gm.end():]
    return fields, rest, has_seconds


def _legacy_subseconds(rest: str, has_seconds: bool) -> tuple[int, str]:
    """The nanoseconds of ``.digits`` at the start of ``rest``, and the text after them."""
    if not has_seconds:
        raise ValueError("Subsecond precision requires a seconds field.")
    if not rest[1:2].isdigit():
        raise ValueError("Subseconds value is not a number.")
    got = _nsecs(rest[1:])
    if got is None:
        raise ValueError("Subseconds value is invalid.")
    ns, used = got
    return ns, rest[1 + used:]


def _double(s: str) -> float:
    if not re.fullmatch(r"[ \t\n\v\f\r]*[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F.]+(?:[pP][+-]?\d+)?)",
                        s, re.IGNORECASE):
        raise ValueError(f'"{s}" is not a valid floating-point number.')
    try:
        return float(s)
    except ValueError:
        return float.fromhex(s)


def from_literal(ft: FieldType, s: str, partial: bool = False) -> Const:
    """``fvalue_from_literal(ft, s)``: an unquoted word as a value of type ``ft``."""
    if ft in _UMAX:
        return _uint(s, _UMAX[ft])
    if ft is FT.UINT64:
        return _uint(s, 2**64 - 1)
    if ft in _SRANGE:
        return _sint(s, *_SRANGE[ft])
    if ft is FT.INT64:
        return _sint(s, -(2**63), 2**63 - 1)
    if ft is FT.ETHER:
        return _ether(s, partial)
    parse = _FROM_LITERAL.get(ft)
    if parse is None:
        raise ValueError(f'"{s}" cannot be converted to {PRETTY[ft]}.')
    return parse(s)


def _boolean(s: str) -> Const:
    """``True``/``TRUE`` 1, ``False``/``FALSE`` 0, else a number."""
    if s in ("True", "TRUE"):
        return 1
    if s in ("False", "FALSE"):
        return 0
    return _uint(s, 2**64 - 1)


#: How an unquoted word becomes a value of each other type.
_FROM_LITERAL: dict[FieldType, Callable[[str], Const]] = {
    FT.BOOLEAN: _boolean,
    FT.IPv4: _ipv4,
    FT.IPv6: _ipv6,
    FT.BYTES: parse_bytes,
    FT.PROTOCOL: parse_bytes,
    FT.STRING: lambda s: s.encode("latin-1"),
    FT.RELATIVE_TIME: _reltime,
    FT.ABSOLUTE_TIME: _abstime,
    FT.DOUBLE: _double,
}


def from_string(ft: FieldType, value: bytes) -> Const:
    """``fvalue_from_string(ft, s)``: a double-quoted string as a value of type ``ft``."""
    if ft in (FT.BYTES, FT.PROTOCOL, FT.STRING):
        return value
    if ft is FT.ABSOLUTE_TIME:
        return _abstime(value.decode("latin-1"))
    shown = value.split(b"\0", 1)[0].decode("latin-1")
    raise ValueError(f'{PRETTY[ft]} cannot be converted from a string ("{shown}").')


def from_charconst(ft: FieldType, num: int) -> Const:
    """``fvalue_from_charconst(ft, n)``: a character constant as a value of type ``ft``."""
    if ft.is_integer:
        return num
    if ft in (FT.BYTES, FT.PROTOCOL):
        if num > 0xFF:
            raise ValueError(f"{num} is too large for a byte value")
        return bytes([num])
    if num <= 0x7F and 0x20 <= num < 0x7F:
        raise ValueError(f"Character constant '{chr(num)}' (0x{num:x}) cannot be converted to {PRETTY[ft]}.")
    raise ValueError(f"Character constant 0x{num:x} cannot be converted to {PRETTY[ft]}.")
