"""Bytes made printable as tshark's ``format_text`` makes them (epan/strutil.c), in our own
words: the text of an item read from a frame's bytes (an HTTP line, its expert item's
message). Below the analysis so that both the HTTP expert items (analysis) and the
details tree (views) write the same text.
"""

from __future__ import annotations

import unicodedata

__all__ = ["format_text"]

#: The escapes of the ASCII control characters that have a letter of their own
_LETTERS = {0x07: "a", 0x08: "b", 0x0C: "f", 0x0A: "n", 0x0D: "r", 0x09: "t", 0x0B: "v"}
#: The first byte of a UTF-8 sequence (mask, value) -> how many bytes follow it, and the
#: bits of the first byte the character keeps (old 5- and 6-byte forms included)
_LEADS = ((0xE0, 0xC0, 1, 0x1F), (0xF0, 0xE0, 2, 0x0F), (0xF8, 0xF0, 3, 0x07), (0xFC, 0xF8, 4, 0x03),
          (0xFE, 0xFC, 5, 0x01))
_REPLACEMENT = 0xFFFD


def _printable(code: int) -> bool:
    """g_unichar_isprint: any character but a control, format, unassigned or surrogate one."""
    return unicodedata.category(chr(code)) not in ("Cc", "Cf", "Cn", "Cs")


def _decode_one(raw: bytes, i: int) -> tuple[int, int]:
    """The character whose first byte is ``raw[i]`` (not ASCII) and where the next one
    starts: a sequence cut short or broken by a byte that does not continue it, a byte
    that starts none, and a value that is no Unicode character are each one REPLACEMENT
    CHARACTER (a breaking byte starts the next character)."""
    c = raw[i]
    lead = next(((n, keep) for mask, value, n, keep in _LEADS if c & mask == value), None)
    if lead is None:
        return _REPLACEMENT, i + 1
    n, keep = lead
    code, j = c & keep, i + 1
    for _ in range(n):
        if j >= len(raw) or raw[j] & 0xC0 != 0x80:
            return _REPLACEMENT, j
        code = (code << 6) | (raw[j] & 0x3F)
        j += 1
    if code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        code = _REPLACEMENT
    return code, j


def format_text(raw: bytes) -> str:
    """Bytes as format_text shows them: printable ASCII as it is; other ASCII as a C
    escape (``\\r``, ``\\n``, ``\\t``, ``\\a``, ``\\b``, ``\\f``, ``\\v``) or a backslash and
    three octal digits; a UTF-8 character as itself when printable, else ``\\uXXXX``
    (``\\UXXXXXXXX`` above the BMP)."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if 0x20 <= c < 0x7F:
            out.append(chr(c))
            i += 1
        elif c < 0x80:
            out.append("\\" + _LETTERS.get(c, f"{c:03o}"))
            i += 1
        else:
            code, i = _decode_one(raw, i)
            if _printable(code):
                out.append(chr(code))
            else:
                out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
    return "".join(out)
