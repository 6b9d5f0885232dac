"""Field definitions: a Wireshark field name, its type, how tshark displays it, where it lives.

Each stage declares the fields it produces as a tuple of :class:`FieldDef` (plain data,
no registration at import). ``tcpscope.filter.registry`` gathers them into the one
registry every later stage reads: the filter checker types literals with ``ftype``,
``tcpscope fields`` formats with ``base``, the details tree uses ``title``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tcpscope.table.packets import PacketTable
    from tcpscope.table.values import Values

__all__ = ["Base", "FieldDef", "FieldType"]


class FieldType(Enum):
    """Wireshark's ftenum values (epan/ftypes/ftypes.h) for the fields tcpscope has."""

    NONE = "FT_NONE"
    PROTOCOL = "FT_PROTOCOL"
    BOOLEAN = "FT_BOOLEAN"
    CHAR = "FT_CHAR"
    UINT8 = "FT_UINT8"
    UINT16 = "FT_UINT16"
    UINT24 = "FT_UINT24"
    UINT32 = "FT_UINT32"
    UINT64 = "FT_UINT64"
    INT8 = "FT_INT8"
    INT16 = "FT_INT16"
    INT32 = "FT_INT32"
    INT64 = "FT_INT64"
    FRAMENUM = "FT_FRAMENUM"
    DOUBLE = "FT_DOUBLE"
    ABSOLUTE_TIME = "FT_ABSOLUTE_TIME"
    RELATIVE_TIME = "FT_RELATIVE_TIME"
    STRING = "FT_STRING"
    BYTES = "FT_BYTES"
    ETHER = "FT_ETHER"
    IPv4 = "FT_IPv4"
    IPv6 = "FT_IPv6"

    @property
    def is_integer(self) -> bool:
        return self in _INTEGERS

    @property
    def is_signed(self) -> bool:
        return self in (FieldType.INT8, FieldType.INT16, FieldType.INT32, FieldType.INT64)

    @property
    def bits(self) -> int:
        """Width of an integer type in bits (0 for other types)."""
        return _BITS.get(self, 0)

    @property
    def is_bytes_like(self) -> bool:
        """Types with a byte representation, which slices and ``contains`` accept."""
        return self in (
            FieldType.BYTES,
            FieldType.PROTOCOL,
            FieldType.ETHER,
            FieldType.IPv4,
            FieldType.IPv6,
            FieldType.STRING,
        )


_BITS = {
    FieldType.CHAR: 8,
    FieldType.UINT8: 8,
    FieldType.UINT16: 16,
    FieldType.UINT24: 24,
    FieldType.UINT32: 32,
    FieldType.UINT64: 64,
    FieldType.INT8: 8,
    FieldType.INT16: 16,
    FieldType.INT32: 32,
    FieldType.INT64: 64,
    FieldType.FRAMENUM: 32,
    FieldType.BOOLEAN: 64,
}
_INTEGERS = frozenset(_BITS)


class Base(Enum):
    """How an integer is displayed (field_display_e); -T fields prints HEX_DEC as hex only."""

    NONE = "BASE_NONE"
    DEC = "BASE_DEC"
    HEX = "BASE_HEX"
    OCT = "BASE_OCT"
    DEC_HEX = "BASE_DEC_HEX"
    HEX_DEC = "BASE_HEX_DEC"
    PT = "BASE_PT"  # port numbers: decimal
    LOCAL = "ABSOLUTE_TIME_LOCAL"  # FT_ABSOLUTE_TIME as a local date and time with its zone
    UTC = "ABSOLUTE_TIME_UTC"  # FT_ABSOLUTE_TIME as a UTC date and time


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One Wireshark field as tcpscope produces it.

    * ``name``: the abbreviation (``tcp.srcport``);
    * ``ftype`` / ``base``: Wireshark's type and display, which fix the text;
    * ``get``: the field's values over a table (see :class:`~tcpscope.table.values.Values`);
    * ``title``: the label of the details tree (``Source Port``);
    * ``strings``: value names for filter literals (``ip.proto == TCP``) and labels;
    * ``true_false``: the words of a boolean (tcp flag bits: "Set" / "Not set");
    * ``hex_digits``: digits of a BASE_HEX value (from the type, or a narrower mask);
    * ``protocol``: the protocol the field belongs to (for ``#`` layers and expert rows);
    * ``description``: one plain sentence saying what the value means (Wireshark's blurb
      where it has one; ``tcpscope fields --list-fields``, the details view and
      ``docs/fields.md`` show it).
    """

    name: str
    ftype: FieldType
    get: Callable[[PacketTable], Values]
    title: str = ""
    base: Base = Base.NONE
    strings: Mapping[int, str] | None = None
    true_false: tuple[str, str] = ("True", "False")
    hex_digits: int = 0
    protocol: str = field(default="")
    description: str = ""

    @property
    def proto(self) -> str:
        return self.protocol or self.name.split(".", 1)[0]
