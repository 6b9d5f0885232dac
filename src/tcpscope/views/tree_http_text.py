"""How tshark writes the text of the HTTP tree's items: bytes made printable as
``format_text`` makes them (epan/strutil.c), and a label too long for its buffer cut and
marked ``[truncated]`` as proto.c cuts it. The rules are written here in our own words.

A label lives in a buffer of :data:`ITEM_LABEL_LENGTH` bytes (UTF-8, its closing NUL
included). One that does not fit is marked where its field's name ends (at its start for
an item that is text only: ``" [truncated]GET /..."``, ``"Request URI [truncated]: /..."``),
and what fits of it is kept, cut before the character holding its 239th byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tcpscope.dissect.text import format_text
from tcpscope.table.schema import FieldType
from tcpscope.views.hexdump import hex_dump

__all__ = ["ITEM_LABEL_LENGTH", "HttpItem", "expert_message", "format_text", "item_label", "item_lines", "string_value",
           "text_label"]

#: The size of an item label's buffer (epan/proto.h), its closing NUL included
ITEM_LABEL_LENGTH = 240
_MARK = b" [truncated]"


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


def string_value(raw: bytes) -> str:
    """A string item's value as ``tshark -T json`` writes it: its bytes read as ASCII (each
    byte above 0x7F a REPLACEMENT CHARACTER) up to the first NUL (the value is a C string)."""
    return raw.split(b"\0", 1)[0].decode("ascii", errors="replace")


@dataclass(slots=True)
class HttpItem:
    """One item of the HTTP tree (or of a tree beside it: the reassembled PDU's, the body's
    text lines), from which both ``tshark -V``'s lines and ``tshark -T json``'s members are
    written.

    * ``key``: the item's field (tshark's JSON key); "" for an item that is text only
      (keyed by its label);
    * ``label``: its line (generated items in brackets);
    * ``value``: the JSON value ("" for an item without one);
    * ``start``, ``length``: where its bytes are in the message (``start`` -1: none);
    * ``ftype``: the field's type; ``hidden``: in the JSON only;
    * ``dump``: bytes dumped under its line (the Data protocol's, as print.c dumps them);
    * ``source``: for an item whose bytes are not the message's (a body HTTP decoded), the
      bytes its place (and its subtree's) is in;
    * ``expert``: for an expert item (key ``_ws.expert``, its message as ``value``): its
      own field, severity and group words;
    * ``children``: its subtree.
    """

    key: str
    label: str
    value: str = ""
    start: int = -1
    length: int = 0
    ftype: FieldType = FieldType.NONE
    hidden: bool = False
    dump: bytes = b""
    expert: tuple[str, str, str] | None = None
    source: bytes | None = None
    children: list[HttpItem] = field(default_factory=list)


def item_lines(items: list[HttpItem], depth: int, data_dumps: bool = True) -> list[str]:
    """The items' lines as ``tshark -V`` prints them from ``depth`` (hidden items left out;
    an expert item's message, severity and group under it; an item's ``dump`` under its
    line when ``data_dumps``: print.c's dump of the Data protocol, left out with ``-x``)."""
    out: list[str] = []
    for item in items:
        if item.hidden:
            continue
        pad = "    " * depth
        out.append(pad + item.label)
        if item.dump and data_dumps:
            out += ["", hex_dump(item.dump).rstrip("\n")]
        if item.expert is not None:
            out += [f"{pad}    [{item.value}]", f"{pad}    [Severity level: {item.expert[1]}]",
                    f"{pad}    [Group: {item.expert[2]}]"]
        out += item_lines(item.children, depth + 1, data_dumps)
    return out
