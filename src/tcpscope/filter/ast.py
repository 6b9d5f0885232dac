"""The display-filter syntax tree: small frozen nodes, as grammar.lemon builds them.

Node kinds follow Wireshark's syntax-tree types (epan/dfilter/sttype-*.c):

* entities: :class:`Field` (with an optional ``#`` layer range), :class:`Literal`
  (an unparsed word that is not a field, or a ``:``-prefixed byte literal),
  :class:`String`, :class:`CharConst`, :class:`Reference` (``${field}``),
  :class:`Slice`, :class:`Function`;
* arithmetic: :class:`Arith` (``+ - * / % &``) and :class:`Neg` (unary minus);
* tests: :class:`Compare` (``== != === !== < <= > >= contains matches``),
  :class:`In` (sets), :class:`Not`, :class:`And`, :class:`Or`.

Nodes compare by meaning: where a node sits in the text (``loc``) and how an
operator was spelled (``eq`` or ``==``) are kept for error messages but ignored by
``==``, so ``parse(print(tree)) == tree``. Nodes refuse ``bool()``, so a node can
never be mistaken for the result of a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "And",
    "Arith",
    "ArithOp",
    "CharConst",
    "CmpOp",
    "Compare",
    "DRange",
    "Entity",
    "Expr",
    "Field",
    "Function",
    "In",
    "Literal",
    "Neg",
    "Node",
    "Not",
    "Or",
    "Quant",
    "Reference",
    "SetElem",
    "Slice",
    "String",
    "Test",
]

Loc = tuple[int, int] | None


class Node:
    """Base of every syntax-tree node."""

    __slots__ = ()

    def __bool__(self) -> bool:
        raise TypeError(f"{type(self).__name__} is a filter expression and has no truth value")


class CmpOp(Enum):
    """Relations (DFVM opcodes); ``==`` is ANY_EQ and ``!=`` is ALL_NE in Wireshark 4."""

    ANY_EQ = "=="
    ALL_NE = "!="
    ALL_EQ = "==="
    ANY_NE = "!=="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    CONTAINS = "contains"
    MATCHES = "matches"


class ArithOp(Enum):
    """Arithmetic operators (STNODE_OP_ADD ...); ``&`` is BITWISE_AND."""

    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    MOD = "%"
    AND = "&"


class Quant(Enum):
    """The ``any`` / ``all`` prefix of a relation (STNODE_MATCH_ANY / _ALL)."""

    ANY = "any"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class DRange:
    """One range of a slice or layer list (drange.c): ``start`` and one kind of end.

    ``length`` for ``[i:j]`` / ``[i]``; ``end`` (inclusive offset) for ``[i-j]``;
    both None for ``[i:]`` (to the end). ``text`` is the range as written.
    """

    start: int
    length: int | None = None
    end: int | None = None
    text: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Field(Node):
    """A registered field or protocol; ``layers`` restricts it to some ``#`` layers."""

    name: str
    layers: tuple[DRange, ...] | None = None
    loc: Loc = field(default=None, compare=False)
    token: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """An unquoted value whose meaning comes from the field it meets (``80``, ``TCP``)."""

    text: str
    loc: Loc = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class String(Node):
    """A double-quoted string: its bytes after escape processing."""

    value: bytes
    loc: Loc = field(default=None, compare=False)
    token: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class CharConst(Node):
    """A character constant (``'a'``, ``'\\x0a'``): one byte value."""

    value: int
    loc: Loc = field(default=None, compare=False)
    token: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Reference(Node):
    """``${field}``: the field's value in the GUI's selected frame (none in tshark)."""

    target: Field
    loc: Loc = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Slice(Node):
    """``entity[ranges]``: the bytes of each value of the entity at those ranges."""

    entity: Entity
    ranges: tuple[DRange, ...]


@dataclass(frozen=True, slots=True)
class Function(Node):
    """A function call (dfunctions.c): ``len count upper lower string max min abs``."""

    name: str
    args: tuple[Expr, ...]
    loc: Loc = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Arith(Node):
    """A binary arithmetic or bitwise-and expression."""

    op: ArithOp
    left: Expr
    right: Expr
    loc: Loc = field(default=None, compare=False)
    token: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Neg(Node):
    """Unary minus (unary plus leaves no node)."""

    operand: Entity
    loc: Loc = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """A relation between two expressions; ``quant`` is the ``any``/``all`` prefix."""

    op: CmpOp
    left: Expr
    right: Expr
    quant: Quant | None = None
    loc: Loc = field(default=None, compare=False)
    token: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class SetElem:
    """One member of a set: a value, or an inclusive range ``lo..hi``."""

    lo: Expr
    hi: Expr | None = None

    def __bool__(self) -> bool:
        raise TypeError("a SetElem has no truth value")


@dataclass(frozen=True, slots=True)
class In(Node):
    """``entity in {...}``: true if the entity equals a member (or lies in a range)."""

    left: Expr
    members: tuple[SetElem, ...]
    quant: Quant | None = None
    loc: Loc = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Not(Node):
    """Logical not; ``not_in`` marks the ``x not in {...}`` spelling."""

    operand: Test
    not_in: bool = False
    quant: Quant | None = None
    loc: Loc = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class And(Node):
    """Logical and; ``chain`` marks the hidden and of ``a < b < c``."""

    left: Test
    right: Test
    chain: bool = False
    quant: Quant | None = None
    loc: Loc = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Or(Node):
    """Logical or."""

    left: Test
    right: Test
    loc: Loc = field(default=None, compare=False)


Entity = Field | Literal | String | CharConst | Reference | Slice | Function
Expr = Entity | Arith | Neg
Test = Compare | In | Not | And | Or | Expr
