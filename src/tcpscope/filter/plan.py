"""The checked filter: typed nodes the compiler turns into masks (after semcheck.c).

The checker resolves every literal to a typed constant, every field to its
registry definition, every implicit conversion (a field compared with a slice is
read as bytes) to an explicit node. Value nodes carry the Wireshark type of what
they produce; test nodes produce one boolean per frame.

Relations keep tshark's quantifier: ``==`` is ANY_EQ, ``!=`` is ALL_NE, and an
``any``/``all`` prefix turns ``op`` into its ANY_/ALL_ twin (gencode.c
``select_opcode``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass

from tcpscope.filter.ast import ArithOp, DRange
from tcpscope.filter.literals import Const
from tcpscope.table.schema import FieldDef, FieldType

__all__ = [
    "PAnd",
    "PArith",
    "PConst",
    "PExists",
    "PField",
    "PFunc",
    "PIn",
    "PNeg",
    "PNot",
    "PNotZero",
    "POr",
    "PRef",
    "PRegex",
    "PRel",
    "PSlice",
    "PSliceExists",
    "PTest",
    "PToBytes",
    "PValue",
    "plan_fields",
]


class _Plan:
    __slots__ = ()

    def __bool__(self) -> bool:
        raise TypeError(f"{type(self).__name__} is a filter plan node and has no truth value")


@dataclass(frozen=True, slots=True)
class PField(_Plan):
    """All values of a field (restricted to ``layers`` when given)."""

    fd: FieldDef
    ftype: FieldType
    layers: tuple[DRange, ...] | None = None


@dataclass(frozen=True, slots=True)
class PRef(_Plan):
    """A ``${field}`` reference: tshark has no selected frame, so never a value."""

    ftype: FieldType


@dataclass(frozen=True, slots=True)
class PConst(_Plan):
    """A typed constant (see :mod:`tcpscope.filter.literals` for the Python value per type)."""

    ftype: FieldType
    value: Const


@dataclass(frozen=True, slots=True)
class PRegex(_Plan):
    """The compiled right side of ``matches``."""

    pattern: bytes


@dataclass(frozen=True, slots=True)
class PSlice(_Plan):
    """Bytes of each value of ``inner`` at ``ranges``."""

    inner: PValue
    ranges: tuple[DRange, ...]
    ftype: FieldType = FieldType.BYTES


@dataclass(frozen=True, slots=True)
class PToBytes(_Plan):
    """A non-bytes value read as its bytes (semcheck.c ``convert_to_bytes``: ``[0:]``)."""

    inner: PValue
    ftype: FieldType = FieldType.BYTES


@dataclass(frozen=True, slots=True)
class PFunc(_Plan):
    """A function call; ``ftype`` is what it returns."""

    name: str
    args: tuple[PValue, ...]
    ftype: FieldType


@dataclass(frozen=True, slots=True)
class PArith(_Plan):
    """A binary arithmetic or bitwise-and over every pair of operand values."""

    op: ArithOp
    left: PValue
    right: PValue
    ftype: FieldType


@dataclass(frozen=True, slots=True)
class PNeg(_Plan):
    """Unary minus of every value."""

    inner: PValue
    ftype: FieldType


PValue = PField | PRef | PConst | PSlice | PToBytes | PFunc | PArith | PNeg


@dataclass(frozen=True, slots=True)
class PExists(_Plan):
    """A field or protocol is present (in the given layers)."""

    fd: FieldDef
    layers: tuple[DRange, ...] | None = None


@dataclass(frozen=True, slots=True)
class PSliceExists(_Plan):
    """A bare slice: true when some value's slice is not empty."""

    value: PValue


@dataclass(frozen=True, slots=True)
class PNotZero(_Plan):
    """A bare arithmetic expression: true unless every result is zero."""

    value: PValue


@dataclass(frozen=True, slots=True)
class PRel(_Plan):
    """``left op right`` quantified: ``all_`` true means every pair must hold."""

    op: str
    all_: bool
    left: PValue
    right: PValue | PRegex
    ctype: FieldType


@dataclass(frozen=True, slots=True)
class PIn(_Plan):
    """Membership: equal to a member, or within an inclusive range, element by element."""

    left: PValue
    members: tuple[tuple[PValue, PValue | None], ...]
    all_: bool
    ctype: FieldType


@dataclass(frozen=True, slots=True)
class PNot(_Plan):
    operand: PTest


@dataclass(frozen=True, slots=True)
class PAnd(_Plan):
    left: PTest
    right: PTest


@dataclass(frozen=True, slots=True)
class POr(_Plan):
    left: PTest
    right: PTest


PTest = PExists | PSliceExists | PNotZero | PRel | PIn | PNot | PAnd | POr


def plan_fields(node: object) -> frozenset[str]:
    """The names of the fields a plan (or any node of it) reads."""
    found: set[str] = set()
    stack: list[object] = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, FieldDef):
            found.add(x.name)
        elif isinstance(x, (tuple, list)):
            stack.extend(x)
        elif isinstance(x, _Plan) and is_dataclass(x):
            stack.extend(getattr(x, f.name) for f in fields(x))
    return frozenset(found)
