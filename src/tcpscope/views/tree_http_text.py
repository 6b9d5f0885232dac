"""How tshark writes the text of the HTTP tree's items: bytes made printable as
``format_text`` makes them (epan/strutil.c), and a label too long for its buffer cut and
marked ``[truncated]`` as proto.c cuts it. The rules are written here in our own words.

A label lives in a buffer of :data:`ITEM_LABEL_LENGTH` bytes (UTF-8, its closing NUL
included). One that does not fit is marked where its field's name ends (at its start for
an item that is text only: ``" [truncated]GET /..."``, ``"Request URI [truncated]: /..."``),
and what fits of it is kept, cut before the character holding its 239th byte.
"""

from __future__ import annotations

import unicodedata

__all__ = ["ITEM_LABEL_LENGTH", "expert_message", "format_text", "item_label", "text_label"]

#: The size of an item label's buffer (epan/proto.h), its closing NUL included
ITEM_LABEL_LENGTH = 240
_MARK = b" [truncated]"
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


def _truncated(label: str, name_pos: int) -> str:
    """A label as its buffer holds it: whole when it fits (fewer bytes than the buffer);
    else its first 239 bytes with the mark inserted at ``name_pos`` (a byte offset), the
    buffer's size kept, then cut before the character that holds the buffer's 239th byte
    (label_mark_truncated)."""
    raw = label.encode("utf-8")
    if len(raw) < ITEM_LABEL_LENGTH:
        return label
    kept = raw[:ITEM_LABEL_LENGTH - 1]
    marked = (kept[:name_pos] + _MARK + kept[name_pos:])[:ITEM_LABEL_LENGTH - 1]
    cut = ITEM_LABEL_LENGTH - 2
    while cut > 0 and marked[cut] & 0xC0 == 0x80:
        cut -= 1
    return marked[:cut].decode("utf-8", errors="replace")


def item_label(name: str, value: str) -> str:
    """The label of a field's item, ``name: value``, marked after the name when cut."""
    return _truncated(f"{name}: {value}", len(name.encode("utf-8")))


def text_label(text: str) -> str:
    """The label of an item that is text only, marked at its start when cut."""
    return _truncated(text, 0)


def expert_message(text: str) -> str:
    """An expert item's message: formatted into a buffer of the label's size, so cut
    (unmarked) to its first 239 bytes (a character cut there is dropped)."""
    return text.encode("utf-8")[:ITEM_LABEL_LENGTH - 1].decode("utf-8", errors="ignore")
