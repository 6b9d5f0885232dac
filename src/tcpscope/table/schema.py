"""Field definitions: a Wireshark field name, its type, how tshark displays it, where it lives.

Each stage declares the fields it produces as a tuple of :class:`FieldDef` (plain data,
no registration at import). ``tcpscope.filter.registry`` gathers them into the one
registry every later stage reads: the filter checker types literals with ``ftype``,
``tcpscope fields`` formats with ``base``, the details tree uses ``title``.

The end of this module is the one home of each field's *column*: its Arrow type
(:func:`value_type`), whether it is a list (:data:`REPEATED_FIELDS`) and whether it can
be null (:data:`ALWAYS_PRESENT`). The Python API (``PacketView.to_arrow``) builds its
columns in these types and every table export (``tcpscope.export.columns``) writes them,
so that a field has one type whatever the capture holds. pyarrow is imported by the
functions that need it only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow

    from tcpscope.table.packets import PacketTable
    from tcpscope.table.values import Values

__all__ = ["ALWAYS_PRESENT", "REPEATED_FIELDS", "Base", "FieldDef", "FieldType", "arrow_field", "arrow_schema",
           "is_list", "value_type"]


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


# The columns: a field's Arrow type, list or not, nullable or not ---------------------------

#: Fields that one header holds several values of: both ends (``tcp.port``, ``ip.addr``,
#: ``eth.ig``), the TCP options a segment may repeat (SACK blocks, NOPs, every option's
#: kind and length) and the expert items of a frame. Their column is a list of every value
#: in the frame unless the caller asks for first values. A field of a header a frame may
#: carry twice (``ip.src`` in a tunnel, ``vlan.id`` in QinQ) is not here: its column holds
#: the frame's first value (the outer header's, as ``tshark -E occurrence=f``) unless the
#: caller asks for a list of it.
REPEATED_FIELDS: frozenset[str] = frozenset({
    "eth.addr", "eth.addr_resolved", "eth.addr.oui", "eth.addr.oui_resolved", "eth.ig", "eth.lg",
    "ip.addr", "ipv6.addr", "tcp.port", "udp.port", "ip.host", "ipv6.host",
    "tcp.option_kind", "tcp.option_len", "tcp.options.sack_le", "tcp.options.sack_re", "tcp.options.nop",
    "tcp.options.eol",
    "_ws.expert", "_ws.expert.message", "tcpscope.state.unexpected",
})

#: Fields every frame has, whatever its bytes: their columns are never null. Any other
#: field can be absent (a frame without that protocol, a time the file does not give).
#: An FT_NONE field (a flag, present or not) is never null either: it is ``False`` where absent.
ALWAYS_PRESENT: frozenset[str] = frozenset({
    "frame", "frame.number", "frame.len", "frame.cap_len", "frame.marked", "frame.ignored", "frame.protocols",
    "_ws.col.No.", "_ws.col.Time", "_ws.col.Source", "_ws.col.Destination", "_ws.col.Protocol",
    "_ws.col.Length", "_ws.col.Info",
})


def is_list(fd: FieldDef, lists: Collection[str] | None = None) -> bool:
    """Whether ``fd``'s column is a list of every value in the frame: the fields named in
    ``lists``, or by default those of :data:`REPEATED_FIELDS`. A flag (FT_NONE) never is."""
    return fd.ftype is not FieldType.NONE and fd.name in (REPEATED_FIELDS if lists is None else lists)


def _integer_type(ft: FieldType) -> pyarrow.DataType:
    """An integer field's Arrow type: its own width and sign (FT_UINT24 in 32 bits,
    FT_CHAR in 8, FT_FRAMENUM as the FT_UINT32 it is)."""
    import pyarrow as pa

    bits = 32 if ft.bits == 24 else ft.bits
    types = {8: (pa.uint8(), pa.int8()), 16: (pa.uint16(), pa.int16()), 32: (pa.uint32(), pa.int32()),
             64: (pa.uint64(), pa.int64())}
    return types[bits][int(ft.is_signed)]


#: The width in bytes of an address given as bytes.
_ADDRESS_BYTES = {FieldType.IPv4: 4, FieldType.IPv6: 16, FieldType.ETHER: 6}


def value_type(fd: FieldDef, binary_addresses: bool = False) -> pyarrow.DataType:
    """The Arrow type of one value of ``fd``, from its Wireshark type: an integer its own
    width and sign (FT_UINT16 ``uint16``), FT_BOOLEAN and FT_NONE ``bool``, FT_ABSOLUTE_TIME
    ``timestamp[ns, UTC]``, FT_RELATIVE_TIME ``duration[ns]``, FT_DOUBLE ``float64``, bytes
    and protocols ``binary``, text ``string``; an address (FT_IPv4, FT_IPv6, FT_ETHER) its
    text, or its 4, 16 or 6 bytes with ``binary_addresses``."""
    import pyarrow as pa

    ft = fd.ftype
    if ft is FieldType.NONE or ft is FieldType.BOOLEAN:
        return pa.bool_()
    if ft.is_integer:
        return _integer_type(ft)
    if ft is FieldType.ABSOLUTE_TIME:
        return pa.timestamp("ns", tz="UTC")
    if ft is FieldType.RELATIVE_TIME:
        return pa.duration("ns")
    if ft is FieldType.DOUBLE:
        return pa.float64()
    if ft in (FieldType.BYTES, FieldType.PROTOCOL):
        return pa.binary()
    if binary_addresses and ft in _ADDRESS_BYTES:
        return pa.binary(_ADDRESS_BYTES[ft])
    return pa.string()


def arrow_field(fd: FieldDef, as_list: bool, binary_addresses: bool = False) -> pyarrow.Field:
    """``fd``'s column: named by the field, of :func:`value_type` or a list of it
    (``as_list``; empty in a frame without the field), nullable unless every frame has it."""
    import pyarrow as pa

    t = value_type(fd, binary_addresses)
    if as_list:
        return pa.field(fd.name, pa.list_(t), nullable=False)
    return pa.field(fd.name, t, nullable=fd.name not in ALWAYS_PRESENT and fd.ftype is not FieldType.NONE)


def arrow_schema(defs: Sequence[FieldDef], lists: Collection[str] | None = None,
                 binary_addresses: bool = False) -> pyarrow.Schema:
    """The columns of ``defs`` in any capture: :func:`arrow_field` of each, a list where
    :func:`is_list` says."""
    import pyarrow as pa

    return pa.schema([arrow_field(fd, is_list(fd, lists), binary_addresses) for fd in defs])
