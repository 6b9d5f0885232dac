"""Bytes made printable as tshark's ``format_text`` makes them (epan/strutil.c), in our own
words: the text of an item read from a frame's bytes (an HTTP line, its expert item's
message). Below the analysis so that both the HTTP expert items (analysis) and the
details tree (views) write the same text.

Two paths give the same text. A short input (a header line) is read a byte at a time
in Python. A long one (an HTTP body of random bytes, megabytes of them, whose lines
:func:`format_texts` takes all at once) goes through
two compiled kernels (:mod:`tcpscope._jit`; numba is imported only then): the first
decodes the bytes into code points, Python decides which distinct non-ASCII code points
are printable (``np.unique``: a few thousand at most, whatever the length), and the
second writes the escapes as code points, decoded at once as UTF-32. Both paths read
the bytes with the same helpers (:func:`_decode_one`, :func:`_letter`); the escapes'
digits are written twice (a format string, digit by digit in the kernel), and
tests/dissect/test_format_text.py holds the two equal on arbitrary bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import compiles, helper, kernel

__all__ = ["format_text", "format_texts"]

_REPLACEMENT = 0xFFFD
#: Below this many bytes the Python loop is cheaper than setting the kernels' arrays up
_SHORT = 128


@helper
def _letter(c: int) -> int:
    """The letter of an ASCII control character's C escape (``\\a \\b \\f \\n \\r \\t \\v``),
    or 0 when it has none (then it is written as three octal digits)."""
    if c == 0x07:
        return 0x61  # a
    if c == 0x08:
        return 0x62  # b
    if c == 0x0C:
        return 0x66  # f
    if c == 0x0A:
        return 0x6E  # n
    if c == 0x0D:
        return 0x72  # r
    if c == 0x09:
        return 0x74  # t
    if c == 0x0B:
        return 0x76  # v
    return 0


@helper
def _lead(c: int) -> tuple[int, int]:
    """How many bytes follow ``c`` as the first byte of a UTF-8 sequence, and the bits of
    it the character keeps (old 5- and 6-byte forms included); (-1, 0) for a byte that
    starts no sequence (a continuation byte, 0xFE, 0xFF)."""
    if c & 0xE0 == 0xC0:
        return 1, 0x1F
    if c & 0xF0 == 0xE0:
        return 2, 0x0F
    if c & 0xF8 == 0xF0:
        return 3, 0x07
    if c & 0xFC == 0xF8:
        return 4, 0x03
    if c & 0xFE == 0xFC:
        return 5, 0x01
    return -1, 0


@helper
def _decode_one(raw: Any, i: int, end: int) -> tuple[int, int]:
    """The character whose first byte is ``raw[i]`` (not ASCII) and where the next one
    starts, in a text that ends before ``raw[end]``: a sequence cut short or broken by a byte that does not continue it, a byte
    that starts none, and a value that is no Unicode character (a surrogate, above
    U+10FFFF) are each one REPLACEMENT CHARACTER (a breaking byte starts the next
    character). ``raw`` is ``bytes`` in Python, a uint8 array in the kernel."""
    n, keep = _lead(raw[i])
    if n < 0:
        return _REPLACEMENT, i + 1
    code = int(raw[i]) & keep
    j = i + 1
    for _ in range(n):
        if j >= end or raw[j] & 0xC0 != 0x80:
            return _REPLACEMENT, j
        code = (code << 6) | (int(raw[j]) & 0x3F)
        j += 1
    if code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        code = _REPLACEMENT
    return code, j


def _printable(code: int) -> bool:
    """g_unichar_isprint: any character but a control, format, unassigned or surrogate one."""
    return unicodedata.category(chr(code)) not in ("Cc", "Cf", "Cn", "Cs")


def format_text(raw: bytes) -> str:
    """Bytes as format_text shows them: printable ASCII as it is; other ASCII as a C
    escape (``\\r``, ``\\n``, ``\\t``, ``\\a``, ``\\b``, ``\\f``, ``\\v``) or a backslash and
    three octal digits; a UTF-8 character as itself when printable, else ``\\uXXXX``
    (``\\UXXXXXXXX`` above the BMP)."""
    if len(raw) < _SHORT or not compiles(len(raw)):
        return _format_short(raw)
    return _format_long([raw])[0]


def format_texts(pieces: Sequence[bytes]) -> list[str]:
    """:func:`format_text` of each piece (the lines of a body: each read on its own, a
    UTF-8 sequence never runs from one into the next), with the kernels for all of
    them at once when they are long together."""
    size = sum(len(piece) for piece in pieces)
    if size < _SHORT or not compiles(size):
        return [_format_short(piece) for piece in pieces]
    return _format_long(pieces)


def _format_short(raw: bytes) -> str:
    """:func:`format_text` a byte at a time in Python."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if 0x20 <= c < 0x7F:
            out.append(chr(c))
            i += 1
        elif c < 0x80:
            letter = _letter(c)
            out.append("\\" + (chr(letter) if letter else f"{c:03o}"))
            i += 1
        else:
            code, i = _decode_one(raw, i, len(raw))
            if _printable(code):
                out.append(chr(code))
            else:
                out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
    return "".join(out)


def _format_long(pieces: Sequence[bytes]) -> list[str]:
    """:func:`format_texts` with the kernels: decode, decide printability for each
    distinct non-ASCII code point, write the escapes."""
    data = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    ends = np.cumsum([len(piece) for piece in pieces], dtype=np.int64)
    codes = np.empty(len(data), dtype=np.uint32)
    sequence = np.empty(len(data), dtype=np.bool_)
    code_ends = np.empty(len(pieces), dtype=np.int64)
    _decode.run(len(data), data, ends, codes, sequence, code_ends)
    n = int(code_ends[-1]) if len(pieces) else 0
    codes, sequence = codes[:n], sequence[:n]
    distinct = np.unique(codes[sequence])
    unprintable = distinct[[not _printable(int(code)) for code in distinct]] if len(distinct) else distinct
    escaped = sequence & np.isin(codes, unprintable)
    out_ends = np.empty(len(pieces), dtype=np.int64)
    out: NDArray[np.uint32] = _escape.run(n, codes, sequence, escaped, code_ends, out_ends)
    text = out.tobytes().decode("utf-32-le")  # (one character a code point: none is a surrogate)
    bounds = [0, *out_ends.tolist()]
    return [text[a:b] for a, b in pairwise(bounds)]


@kernel
def _decode(raw: NDArray[Any], ends: NDArray[Any], codes: NDArray[Any], sequence: NDArray[Any],
            code_ends: NDArray[Any]) -> None:
    """Each character of the pieces of ``raw`` (piece ``p`` ends before ``raw[ends[p]]``)
    as its code point in ``codes`` (an ASCII byte as itself), whether it was read as a
    UTF-8 sequence in ``sequence`` (an overlong one may give an ASCII code point, escaped
    by the non-ASCII rule), and where each piece's characters end in ``code_ends``."""
    i = 0
    k = 0
    for p in range(len(ends)):
        end = ends[p]
        while i < end:
            c = raw[i]
            if c < 0x80:
                codes[k] = c
                sequence[k] = False
                i += 1
            else:
                code, i = _decode_one(raw, i, end)
                codes[k] = code
                sequence[k] = True
            k += 1
        code_ends[p] = k


@helper
def _hex_digit(d: int) -> int:
    """The upper-case hexadecimal digit of ``d`` (0 to 15), as a code point."""
    return d + 0x30 if d < 10 else d + 0x37


@helper
def _width(code: int, sequence: bool, escaped: bool) -> int:
    """How many code points the character ``code`` is written as."""
    if not sequence:
        if 0x20 <= code < 0x7F:
            return 1
        return 2 if _letter(code) else 4
    if not escaped:
        return 1
    return 6 if code <= 0xFFFF else 10


@kernel
def _escape(codes: NDArray[Any], sequence: NDArray[Any], escaped: NDArray[Any], code_ends: NDArray[Any],
            out_ends: NDArray[Any]) -> NDArray[Any]:
    """The code points of the text: each of ``codes`` as itself, or its escape (an ASCII
    byte that is not printable, a UTF-8 sequence's character where ``escaped``); where
    each piece's (its characters end at ``code_ends``) end in it in ``out_ends``."""
    total = 0
    for k in range(len(codes)):
        total += _width(codes[k], sequence[k], escaped[k])
    out = np.empty(total, dtype=np.uint32)
    m = 0
    k = 0
    for p in range(len(code_ends)):
        while k < code_ends[p]:
            m = _write(out, m, int(codes[k]), sequence[k], escaped[k])
            k += 1
        out_ends[p] = m
    return out


@helper
def _write(out: NDArray[Any], m: int, code: int, sequence: bool, escaped: bool) -> int:
    """Write the character ``code`` as itself or its escape at ``out[m]``; returns where
    the next one goes."""
    width = _width(code, sequence, escaped)
    if width == 1:
        out[m] = code
        return m + 1
    out[m] = 0x5C  # backslash
    if not sequence:
        letter = _letter(code)
        if letter:
            out[m + 1] = letter
        else:
            for d in range(3):
                out[m + 3 - d] = 0x30 + ((code >> (3 * d)) & 7)
    else:
        out[m + 1] = 0x75 if width == 6 else 0x55  # u, U
        for d in range(width - 2):
            out[m + width - 1 - d] = _hex_digit((code >> (4 * d)) & 0xF)
    return m + width
