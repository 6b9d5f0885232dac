"""Print a syntax tree back as display-filter text, so that ``parse(print(t)) == t``.

The output is canonical, not a copy of the input: symbol operators (``==``, ``&&``),
spaces around every binary operator (``a-1`` would be one identifier), strings with
every byte that is not plain printable ASCII escaped, character constants in octal,
braces around arithmetic and parentheses around tests only where the grammar's
precedence needs them (grammar.lemon: ``or`` < ``and`` < ``not`` < relations < ``&``
< ``+ -`` < ``* / %`` < unary minus; binary operators associate to the left).
"""

from __future__ import annotations

from functools import singledispatch

from tcpscope.filter.ast import (
    And,
    Arith,
    ArithOp,
    CharConst,
    Compare,
    DRange,
    Field,
    Function,
    In,
    Literal,
    Neg,
    Node,
    Not,
    Or,
    Quant,
    Reference,
    SetElem,
    Slice,
    String,
)

__all__ = ["to_text"]

_ARITH_LEVEL = {ArithOp.AND: 1, ArithOp.ADD: 2, ArithOp.SUB: 2, ArithOp.MUL: 3, ArithOp.DIV: 3, ArithOp.MOD: 3}
_SAFE = frozenset(range(0x20, 0x7F)) - {ord('"'), ord("\\")}
_NAMED = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 34: '\\"', 92: "\\\\"}


def _range(r: DRange) -> str:
    if r.end is not None:
        return f"{r.start}-{r.end}"
    if r.length is not None:
        return f"{r.start}:{r.length}"
    return f"{r.start}:"


def _ranges(rs: tuple[DRange, ...]) -> str:
    return ",".join(_range(r) for r in rs)


def _quote(value: bytes) -> str:
    parts = [chr(b) if b in _SAFE else _NAMED.get(b, f"\\x{b:02x}") for b in value]
    return '"' + "".join(parts) + '"'


@singledispatch
def _text(node: object) -> str:
    raise TypeError(f"cannot print {type(node).__name__}")


@_text.register
def _(node: Field) -> str:
    if node.layers is None:
        return node.name
    rs = node.layers
    if len(rs) == 1 and rs[0].length == 1 and rs[0].start >= 0:
        return f"{node.name}#{rs[0].start}"
    return f"{node.name}#[{_ranges(rs)}]"


@_text.register
def _(node: Literal) -> str:
    return node.text


@_text.register
def _(node: String) -> str:
    return _quote(node.value)


@_text.register
def _(node: CharConst) -> str:
    return f"'\\{node.value:03o}'"


@_text.register
def _(node: Reference) -> str:
    return "${" + _text(node.target) + "}"


@_text.register
def _(node: Slice) -> str:
    return f"{_text(node.entity)}[{_ranges(node.ranges)}]"


@_text.register
def _(node: Function) -> str:
    return f"{node.name}({', '.join(_text(a) for a in node.args)})"


def _arith_level(node: object) -> int:
    if isinstance(node, Arith):
        return _ARITH_LEVEL[node.op]
    return 9


@_text.register
def _(node: Arith) -> str:
    level = _ARITH_LEVEL[node.op]
    left = _text(node.left)
    right = _text(node.right)
    if _arith_level(node.left) < level:
        left = "{" + left + "}"
    if _arith_level(node.right) <= level:
        right = "{" + right + "}"
    return f"{left} {node.op.value} {right}"


@_text.register
def _(node: Neg) -> str:
    return "-" + _text(node.operand)


def _quant(q: Quant | None) -> str:
    return "" if q is None else q.value + " "


@_text.register
def _(node: Compare) -> str:
    return f"{_quant(node.quant)}{_text(node.left)} {node.op.value} {_text(node.right)}"


def _member(m: SetElem) -> str:
    return _text(m.lo) if m.hi is None else f"{_text(m.lo)}..{_text(m.hi)}"


@_text.register
def _(node: In) -> str:
    members = ", ".join(_member(m) for m in node.members)
    return f"{_quant(node.quant)}{_text(node.left)} in {{{members}}}"


_TEST_LEVEL_OR, _TEST_LEVEL_AND, _TEST_LEVEL_NOT, _TEST_LEVEL_REL = 1, 2, 3, 4


def _test_level(node: object) -> int:
    if isinstance(node, Or):
        return _TEST_LEVEL_OR
    if isinstance(node, And) and not node.chain:
        return _TEST_LEVEL_AND
    if isinstance(node, Not) and not node.not_in:
        return _TEST_LEVEL_NOT
    return _TEST_LEVEL_REL


def _paren(node: object, ok: bool) -> str:
    s = _text(node)
    return s if ok else f"({s})"


@_text.register
def _(node: Not) -> str:
    if node.not_in:
        inner = node.operand
        assert isinstance(inner, In)
        members = ", ".join(_member(m) for m in inner.members)
        return f"{_quant(node.quant)}{_text(inner.left)} not in {{{members}}}"
    return "!" + _paren(node.operand, _test_level(node.operand) >= _TEST_LEVEL_NOT)


def _chain(node: And) -> str:
    first = node.left
    assert isinstance(first, Compare)
    rest = node.right
    tail = _chain(rest) if isinstance(rest, And) and rest.chain else _text(rest)
    return f"{_quant(node.quant)}{_text(first.left)} {first.op.value} {tail}"


@_text.register
def _(node: And) -> str:
    if node.chain:
        return _chain(node)
    left = _paren(node.left, _test_level(node.left) >= _TEST_LEVEL_AND)
    right = _paren(node.right, _test_level(node.right) > _TEST_LEVEL_AND)
    return f"{left} && {right}"


@_text.register
def _(node: Or) -> str:
    left = _paren(node.left, _test_level(node.left) >= _TEST_LEVEL_OR)
    right = _paren(node.right, _test_level(node.right) > _TEST_LEVEL_OR)
    return f"{left} || {right}"


def to_text(node: Node | None) -> str:
    """The filter text of a syntax tree (the empty string for the empty filter)."""
    if node is None:
        return ""
    return _text(node)
