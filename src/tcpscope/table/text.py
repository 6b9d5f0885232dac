"""Field values as the text tshark prints for them (``-T fields``, ``string()`` in filters).

The rules (epan/print.c ``get_node_field_value`` and ftypes' ``val_to_string_repr``):
integers in decimal, or ``0x`` and the hex digits of the type's width for BASE_HEX and
BASE_HEX_DEC (a bitfield is shown shifted down); booleans as 1 or 0; FT_NONE items as
1; bytes and protocol spans as lowercase hex without separators; IPv4 dotted; IPv6 in
RFC 5952 form; Ethernet as six colon-separated pairs; relative times (and absolute ones
shown as epoch seconds) as seconds with nine decimals, absolute times displayed as dates
as ``abs_time_to_str_ex`` writes them.

:func:`format_values` returns one Python string per value; it is used for small
captures and everywhere text is needed for a few values. The bulk writer of
``tcpscope fields`` (``tcpscope.views.fields``) uses compiled kernels for large ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope.table.schema import Base, FieldDef, FieldType
from tcpscope.table.values import Values

__all__ = ["abstime_text", "ether_texts", "format_ether", "format_ipv4", "format_ipv6", "format_reltime", "format_values",
           "hex_digits", "ipv4_texts", "ipv6_texts"]


def hex_digits(fd: FieldDef) -> int:
    """Digits after ``0x`` for a BASE_HEX field (from the type's width, as tshark 4.0 does)."""
    if fd.hex_digits:
        return fd.hex_digits
    return max(1, (fd.ftype.bits + 3) // 4) if fd.ftype.bits else 8


def format_reltime(ns: int) -> str:
    """Seconds with nine decimals; a negative time keeps its sign (nstime_to_secs style)."""
    sign = "-" if ns < 0 else ""
    a = -ns if ns < 0 else ns
    return f"{sign}{a // 1_000_000_000}.{a % 1_000_000_000:09d}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def abstime_text(ns: NDArray[np.int64], utc: bool) -> NDArray[np.str_]:
    """FT_ABSOLUTE_TIME as ``abs_time_to_str_ex`` shows it (epan/to_str.c, ABSOLUTE_TIME_LOCAL or
    _UTC with ABS_TIME_TO_STR_SHOW_ZONE): ``Nov 27, 2026 23:05:53.245181000 UTC``, the day
    padded to two columns, the local zone's abbreviation (``tm_zone``) or ``UTC``.

    The date of each distinct second is worked out once (a capture spans few of them); the
    rest is numpy arithmetic on the text's code points, for all values at once.
    """
    import time  # here, not at the top: only absolute-time fields need it

    if ns.shape[0] == 0:  # (a piece whose frames have no time stamp: Simple Packet Blocks)
        return np.zeros(0, dtype="U1")
    secs = ns // 1_000_000_000
    uniq, inv = np.unique(secs, return_inverse=True)
    heads, zones, ok = [], [], []
    for s in uniq.tolist():
        try:
            tm = time.gmtime(s) if utc else time.localtime(s)
        except (OverflowError, OSError, ValueError):
            heads.append("")
            zones.append("")
            ok.append(False)
            continue
        heads.append(f"{_MONTHS[tm.tm_mon - 1]} {tm.tm_mday:2d}, {tm.tm_year} "
                     f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}.")
        zones.append(" UTC" if utc else f" {tm.tm_zone}")
        ok.append(True)
    # code points: the second's head, nine digits of the fraction, the zone (NUL-padded)
    inv = inv.reshape(-1)
    n = inv.shape[0]
    head_len = np.array([len(h) for h in heads], dtype=np.int64)
    width_h, width_z = max(int(head_len.max()), 1), max(1, *(len(z) for z in zones))
    table_h = np.array(heads, dtype=f"U{width_h}").view(np.uint32).reshape(-1, width_h)
    table_z = np.array(zones, dtype=f"U{width_z}").view(np.uint32).reshape(-1, width_z)
    codes = np.zeros((n, width_h + 9 + width_z), dtype=np.uint32)
    codes[:, :width_h] = table_h[inv]
    frac = ns - secs * 1_000_000_000
    digits = [(frac // 10 ** (8 - k)) % 10 + ord("0") for k in range(9)]
    if int(head_len.min()) == width_h:  # every head as long (the usual case): whole columns
        for k in range(9):
            codes[:, width_h + k] = digits[k]
        codes[:, width_h + 9:] = table_z[inv]
    else:  # years of other lengths: each row's own offset
        rows, pos = np.arange(n), head_len[inv]
        for k in range(9):
            codes[rows, pos + k] = digits[k]
        for j in range(width_z):
            codes[rows, pos + 9 + j] = table_z[inv, j]
    text = codes.view(f"U{codes.shape[1]}").reshape(-1)
    out: NDArray[np.str_] = np.where(np.array(ok, dtype=np.bool_)[inv], text, "Not representable")
    return out


def format_ipv4(v: int) -> str:
    return f"{(v >> 24) & 255}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


def format_ipv6(b: bytes) -> str:
    # (socket's C half: the socket module imports selectors and builds its enums, 3 ms of a
    # small capture's start-up)
    from _socket import AF_INET6, inet_ntop

    return inet_ntop(AF_INET6, b)


def format_ether(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


#: Below this many values each is formatted in turn; above, each distinct one once.
_FEW = 64


def _each_once(keys: NDArray[Any], fmt: Callable[[Any], str]) -> list[str]:
    """``fmt`` of every key, formatting each distinct key once: a capture's addresses
    repeat, so its columns of text cost a lookup a value."""
    if keys.shape[0] < _FEW:
        return [fmt(k) for k in keys]
    uniq, inv = np.unique(keys, return_inverse=True)
    texts = np.array([fmt(u) for u in uniq], dtype=object)
    out: list[str] = texts[inv.reshape(-1)].tolist()
    return out


def ipv4_texts(values: NDArray[Any]) -> list[str]:
    """:func:`format_ipv4` of every value."""
    return _each_once(np.asarray(values).astype(np.int64), lambda v: format_ipv4(int(v)))


def ipv6_texts(rows: NDArray[Any]) -> list[str]:
    """:func:`format_ipv6` of every row of 16 bytes."""
    keys = np.ascontiguousarray(rows, dtype=np.uint8).reshape(-1, 16).view("V16").reshape(-1)
    return _each_once(keys, lambda v: format_ipv6(bytes(v)))


def ether_texts(rows: NDArray[Any]) -> list[str]:
    """:func:`format_ether` of every row of 6 bytes."""
    keys = np.ascontiguousarray(rows, dtype=np.uint8).reshape(-1, 6).view("V6").reshape(-1)
    return _each_once(keys, lambda v: format_ether(bytes(v)))


def format_values(fd: FieldDef, v: Values, buffers: tuple[NDArray[np.uint8], ...] = ()) -> list[str]:
    """The text of every value in ``v`` for field ``fd``."""
    ft = fd.ftype
    data = v.data
    if len(v) == 0:
        return []
    if ft is FieldType.NONE:
        return ["1"] * len(v)
    if ft is FieldType.BOOLEAN:
        return ["1" if x else "0" for x in data.tolist()]
    if ft.is_integer:
        return _integer_texts(fd, data)
    if ft is FieldType.IPv4:
        return ipv4_texts(data)
    if ft is FieldType.IPv6:
        return ipv6_texts(data)
    if ft is FieldType.ETHER:
        return ether_texts(data)
    if ft is FieldType.ABSOLUTE_TIME and fd.base in (Base.LOCAL, Base.UTC):
        return [str(x) for x in abstime_text(data.astype(np.int64), fd.base is Base.UTC)]
    if ft in (FieldType.RELATIVE_TIME, FieldType.ABSOLUTE_TIME):
        return [format_reltime(x) for x in data.astype(np.int64).tolist()]
    if ft is FieldType.DOUBLE:
        return [repr(float(x)) for x in data.tolist()]
    if ft is FieldType.STRING:
        return [str(x) for x in data.tolist()]
    if ft in (FieldType.BYTES, FieldType.PROTOCOL):
        return _bytes_texts(ft, v, buffers)
    return [str(x) for x in data.tolist()]


def _integer_texts(fd: FieldDef, data: NDArray[Any]) -> list[str]:
    """An integer field's values in its base: ``0x`` and hex digits, ``0`` and octal, or decimal."""
    if fd.base in (Base.HEX, Base.HEX_DEC):
        w = hex_digits(fd)
        return [f"0x{x:0{w}x}" for x in data.astype(np.int64).tolist()]
    if fd.base is Base.OCT:
        return [f"0{x:o}" for x in data.astype(np.int64).tolist()]
    return [str(x) for x in data.astype(np.int64).tolist()]


def _bytes_texts(ft: FieldType, v: Values, buffers: tuple[NDArray[np.uint8], ...]) -> list[str]:
    """Hex of the bytes of each [start, length] span, in ``v``'s own buffer or the capture's."""
    buf = v.buf if v.buf is not None else (buffers[0] if buffers else None)
    if buf is None:
        return [""] * len(v)
    # print.c: an FT_BYTES value with no bytes prints as <MISSING> (no BASE_ALLOW_ZERO here)
    missing = "<MISSING>" if ft is FieldType.BYTES else ""
    return [bytes(buf[int(s): int(s) + int(n)]).hex() if n else missing for s, n in np.asarray(v.data).tolist()]
