"""The display-filter parser: grammar.lemon of Wireshark 4.0 as recursive descent.

Precedence, lowest first (the lemon declarations): ``or`` < ``and`` < ``not``
(prefix) < comparisons (``== != === !== < <= > >= contains matches``, chained
``a < b < c`` meaning ``a < b and b < c``) < ``&`` < ``+ -`` < ``* / %`` < unary
``- +``. Parentheses group tests, braces group arithmetic. ``contains``,
``matches`` and ``in`` take plain entities (field, slice, function, literal, string,
reference) on both sides.

Errors are tshark's: the first one wins; a token the grammar cannot take is
``"<token>" was unexpected in this context.`` at that token, the end of the text is
``Unexpected end of filter expression.`` with no location. The grammar actions that
can fail (an unknown function, a bad slice or layer range, ``name#`` with an unknown
name) fail when their rule is complete, as lemon's shift-reduce does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tcpscope.filter.ast import (
    And,
    Arith,
    ArithOp,
    CharConst,
    CmpOp,
    Compare,
    DRange,
    Entity,
    Expr,
    Field,
    Function,
    In,
    Literal,
    Neg,
    Not,
    Or,
    Quant,
    Reference,
    SetElem,
    Slice,
    String,
    Test,
)
from tcpscope.filter.errors import FilterSyntaxError
from tcpscope.filter.lexer import Kind, Token, scan, to_bytes_text, to_text

__all__ = ["FUNCTIONS", "parse", "parse_drange", "string_display"]

#: dfunctions.c ``df_functions``: name -> (min args, max args; 0 = no maximum)
FUNCTIONS: dict[str, tuple[int, int]] = {
    "lower": (1, 1), "upper": (1, 1), "len": (1, 1), "count": (1, 1), "string": (1, 1),
    "max": (1, 0), "min": (1, 0), "abs": (1, 1),
}

_CMP = {
    Kind.ANY_EQ: CmpOp.ANY_EQ, Kind.ALL_NE: CmpOp.ALL_NE, Kind.ALL_EQ: CmpOp.ALL_EQ, Kind.ANY_NE: CmpOp.ANY_NE,
    Kind.GT: CmpOp.GT, Kind.GE: CmpOp.GE, Kind.LT: CmpOp.LT, Kind.LE: CmpOp.LE,
}
_LEVELS: tuple[dict[Kind, ArithOp], ...] = (
    {Kind.BITWISE_AND: ArithOp.AND},
    {Kind.PLUS: ArithOp.ADD, Kind.MINUS: ArithOp.SUB},
    {Kind.STAR: ArithOp.MUL, Kind.RSLASH: ArithOp.DIV, Kind.PERCENT: ArithOp.MOD},
)
_ENTITY_START = frozenset({Kind.UNPARSED, Kind.FIELD, Kind.LITERAL, Kind.STRING, Kind.CHARCONST, Kind.DOLLAR})
_ESC = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 34: '\\"', 92: "\\\\", 0: "\\0"}


def string_display(value: bytes) -> str:
    """How tshark shows a string token (``ws_escape_string`` with quotes)."""
    out = "".join(_ESC.get(b, chr(b)) for b in value)
    return to_text(f'"{out}"')


def _strtol(s: str) -> tuple[int, str] | None:
    """C ``strtol(s, &end, 0)``: the number and the rest, or None if no digits."""
    i = 0
    while i < len(s) and s[i] in " \t\n\v\f\r":
        i += 1
    sign = 1
    if i < len(s) and s[i] in "+-":
        sign = -1 if s[i] == "-" else 1
        i += 1
    base = 10
    if s[i:i + 2].lower() == "0x" and i + 2 < len(s) and s[i + 2] in "0123456789abcdefABCDEF":
        base, i = 16, i + 2
    elif s[i:i + 1] == "0":
        base = 8
    digits = "0123456789abcdef"[:base]
    j = i
    while j < len(s) and s[j].lower() in digits:
        j += 1
    if j == i:
        return None
    return sign * int(s[i:j], base), s[j:]


_SPACE = " \t\n\v\f\r"


def _range_number(s: str) -> tuple[int, str]:
    """A number at the start of a range's text (strtol, in 32 bits), and the text after it."""
    got = _strtol(s)
    if got is None:
        raise ValueError(f'"{s}" is not a valid number.')
    if not -(2**31) <= got[0] < 2**31:
        raise ValueError(f'"{s}" causes an integer overflow.')
    return got


def _range_bound(s: str) -> tuple[int | None, str]:
    """The number after ``-`` or ``:``; None for a bad one, which is reported as a bad range
    (drange.c overwrites the message)."""
    try:
        return _range_number(s)
    except ValueError:
        return None, s


def _range_rest(s: str) -> tuple[int | None, int | None, bool, str] | None:
    """What follows a range's start: ``-end``, ``:length``, ``:`` (to the end) or nothing
    (one byte), as (length, end, to the end, the text after); None for anything else."""
    if s.startswith("-"):
        end, s = _range_bound(s[1:])
        return None if end is None else (None, end, False, s)
    if s.startswith(":"):
        s = s[1:]
        if s == "":
            return None, None, True, s
        length, s = _range_bound(s)
        return None if length is None else (length, None, False, s)
    if s == "":
        return 1, None, False, s
    return None


def parse_drange(text: str) -> DRange:
    """drange.c ``drange_node_from_str``: one slice / layer range, or ValueError(tshark message)."""
    s = text
    if s.startswith(":"):
        lower = 0
    else:
        lower, s = _range_number(s)
    rest = _range_rest(s.lstrip(_SPACE))
    if rest is None or rest[3].lstrip(_SPACE) != "":
        raise ValueError(f'"{text}" is not a valid range.')
    length, end, to_end, _ = rest
    if length is not None and not to_end and end is None:
        if length <= 0:
            raise ValueError(f"Range {text} isn't valid because length {length} isn't positive")
        return DRange(lower, length=length, text=text)
    if end is not None:
        if (lower < 0 < end) or (end < 0 < lower):
            raise ValueError(f"Range {text} isn't valid because {lower} and {end} have different signs")
        if end <= lower:
            raise ValueError(f"Range {text} isn't valid because {lower} is greater or equal than {end}")
        return DRange(lower, end=end, text=text)
    return DRange(lower, text=text)


class _Parser:
    def __init__(self, tokens: Iterator[Token], is_field: Callable[[str], bool], shown: str) -> None:
        self.tokens = tokens
        self.is_field = is_field
        self.shown = shown
        self.tok: Token = next(tokens)

    # -- token plumbing -------------------------------------------------------------
    def advance(self) -> Token:
        t = self.tok
        if t.kind is not Kind.EOF:
            self.tok = next(self.tokens)
        return t

    def error(self, message: str, loc: tuple[int, int] | None) -> FilterSyntaxError:
        return FilterSyntaxError(to_text(message), self.shown, loc)

    def unexpected(self) -> FilterSyntaxError:
        t = self.tok
        if t.kind is Kind.EOF:
            return self.error("Unexpected end of filter expression.", None)
        shown = string_display(t.value) if t.kind is Kind.STRING and isinstance(t.value, bytes) else t.text
        return self.error(f'"{shown}" was unexpected in this context.', (t.start, t.length))

    def at(self, kind: Kind) -> bool:
        return self.tok.kind is kind

    def expect(self, kind: Kind) -> Token:
        if self.tok.kind is not kind:
            raise self.unexpected()
        return self.advance()

    # -- tests ----------------------------------------------------------------------
    def sentence(self) -> Test | None:
        if self.tok.kind is Kind.EOF:
            return None
        e = self.or_expr()
        if not self.at(Kind.EOF):
            raise self.unexpected()
        return e

    def or_expr(self) -> Test:
        left = self.and_expr()
        while self.tok.kind is Kind.OR:
            op = self.advance()
            left = Or(left, self.and_expr(), (op.start, op.length))
        return left

    def and_expr(self) -> Test:
        left = self.not_expr()
        while self.tok.kind is Kind.AND:
            op = self.advance()
            left = And(left, self.not_expr(), loc=(op.start, op.length))
        return left

    def not_expr(self) -> Test:
        if self.tok.kind is Kind.NOT:
            op = self.advance()
            return Not(self.not_expr(), loc=(op.start, op.length))
        if self.tok.kind is Kind.LPAREN:
            self.advance()
            e = self.or_expr()
            self.expect(Kind.RPAREN)
            return e
        if self.tok.kind in (Kind.ANY, Kind.ALL):
            q = Quant.ANY if self.advance().kind is Kind.ANY else Quant.ALL
            return self.relation(q)
        return self.relation(None)

    def relation(self, quant: Quant | None) -> Test:
        """relation_test (optionally after any/all) or, without a quantifier, arithmetic."""
        if self.tok.kind in _ENTITY_START:
            first = self.entity()
            k = self.tok.kind
            if k in (Kind.CONTAINS, Kind.MATCHES):
                op = self.advance()
                right = self.entity()
                cmp = CmpOp.CONTAINS if k is Kind.CONTAINS else CmpOp.MATCHES
                return Compare(cmp, first, right, quant, (op.start, op.length), op.text)
            if k is Kind.IN:
                op = self.advance()
                return In(first, self.set_(), quant, (op.start, op.length))
            if k is Kind.NOT:
                op = self.advance()
                self.expect(Kind.IN)
                return Not(In(first, self.set_()), True, quant, (op.start, op.length))
            left = self.binary(0, first)
        elif self.tok.kind in (Kind.PLUS, Kind.MINUS, Kind.LBRACE):
            left = self.binary(0, None)
        else:
            raise self.unexpected()
        if self.tok.kind in _CMP:
            return self.comparison(left, quant)
        if quant is not None:
            raise self.unexpected()
        return left

    def comparison(self, left: Expr, quant: Quant | None) -> Test:
        """comparison_test ::= arith cmp_op arith | arith cmp_op comparison_test."""
        op = self.advance()
        right = self.binary(0, None)
        if self.tok.kind not in _CMP:
            return Compare(_CMP[op.kind], left, right, quant, (op.start, op.length), op.text)
        rest = self.comparison(right, None)
        first = Compare(_CMP[op.kind], left, right, None, (op.start, op.length), op.text)
        return And(first, rest, chain=True, quant=quant)

    def set_(self) -> tuple[SetElem, ...]:
        self.expect(Kind.LBRACE)
        members = [self.set_element()]
        while self.tok.kind is Kind.COMMA:
            self.advance()
            members.append(self.set_element())
        self.expect(Kind.RBRACE)
        return tuple(members)

    def set_element(self) -> SetElem:
        lo = self.set_entity()
        if self.tok.kind is Kind.DOTDOT:
            self.advance()
            return SetElem(lo, self.set_entity())
        return SetElem(lo)

    def set_entity(self) -> Expr:
        if self.tok.kind is Kind.MINUS:
            op = self.advance()
            return Neg(self.entity(), (op.start, op.length))
        if self.tok.kind is Kind.PLUS:
            self.advance()
        return self.entity()

    # -- arithmetic -----------------------------------------------------------------
    def binary(self, level: int, first: Expr | None) -> Expr:
        if level == len(_LEVELS):
            return first if first is not None else self.unary()
        left = self.binary(level + 1, first)
        ops = _LEVELS[level]
        while self.tok.kind in ops:
            op = self.advance()
            right = self.binary(level + 1, None)
            left = Arith(ops[op.kind], left, right, (op.start, op.length), op.text)
        return left

    def unary(self) -> Expr:
        k = self.tok.kind
        if k is Kind.PLUS:
            self.advance()
            return self.entity()
        if k is Kind.MINUS:
            op = self.advance()
            return Neg(self.entity(), (op.start, op.length))
        if k is Kind.LBRACE:
            self.advance()
            e = self.binary(0, None)
            self.expect(Kind.RBRACE)
            return e
        return self.entity()

    # -- entities -------------------------------------------------------------------
    def entity(self) -> Entity:
        e = self.atom()
        while self.tok.kind is Kind.LBRACKET:
            self.advance()
            e = Slice(e, self.range_list())
        return e

    def range_list(self) -> tuple[DRange, ...]:
        ranges = [self.range_node()]
        while self.tok.kind is Kind.COMMA:
            self.advance()
            ranges.append(self.range_node())
        self.expect(Kind.RBRACKET)
        return tuple(ranges)

    def range_node(self) -> DRange:
        t = self.expect(Kind.RANGE_NODE)
        try:
            return parse_drange(t.text)
        except ValueError as exc:
            raise self.error(str(exc), (t.start, t.length)) from None

    def layer(self) -> tuple[DRange, ...]:
        self.expect(Kind.HASH)
        if self.tok.kind is Kind.LBRACKET:
            self.advance()
            return self.range_list()
        t = self.expect(Kind.INTEGER)
        try:
            return (parse_drange(t.text),)
        except ValueError as exc:
            raise self.error(str(exc), (t.start, t.length)) from None

    def atom(self) -> Entity:
        t = self.tok
        loc = (t.start, t.length)
        if t.kind is Kind.STRING:
            self.advance()
            assert isinstance(t.value, bytes)
            return String(t.value, loc, string_display(t.value))
        if t.kind is Kind.CHARCONST:
            self.advance()
            assert isinstance(t.value, int)
            return CharConst(t.value, loc, t.text)
        if t.kind is Kind.LITERAL:
            self.advance()
            return Literal(t.text, loc)
        if t.kind is Kind.FIELD:
            self.advance()
            layers = self.layer() if self.tok.kind is Kind.HASH else None
            return Field(t.text, layers, loc, t.text)
        if t.kind is Kind.DOLLAR:
            return self.reference()
        if t.kind is Kind.UNPARSED:
            self.advance()
            if self.tok.kind is Kind.LPAREN:
                return self.function(t)
            if self.tok.kind is Kind.HASH:
                layers = self.layer()
                if not self.is_field(t.text):
                    raise self.error(f"{t.text} is not a valid field", loc)
                return Field(t.text, layers, loc, t.text)
            if self.is_field(t.text):
                return Field(t.text, None, loc, t.text)
            return Literal(t.text, loc)
        raise self.unexpected()

    def reference(self) -> Reference:
        dollar = self.advance()
        self.expect(Kind.LBRACE)
        t = self.tok
        loc = (t.start, t.length)
        if t.kind is Kind.FIELD:
            self.advance()
            layers = self.layer() if self.tok.kind is Kind.HASH else None
            f = Field(t.text, layers, loc, t.text)
        elif t.kind is Kind.UNPARSED:
            self.advance()
            layers = self.layer() if self.tok.kind is Kind.HASH else None
            if not self.is_field(t.text):
                raise self.error(f"{t.text} is not a valid field", loc)
            f = Field(t.text, layers, loc, t.text)
        else:
            raise self.unexpected()
        self.expect(Kind.RBRACE)
        del dollar
        return Reference(f, loc)  # grammar.lemon: the reference is located at its field

    def function(self, name: Token) -> Function:
        self.expect(Kind.LPAREN)
        args: list[Expr] = []
        if self.tok.kind is not Kind.RPAREN:
            args.append(self.binary(0, None))
            while self.tok.kind is Kind.COMMA:
                self.advance()
                args.append(self.binary(0, None))
        self.expect(Kind.RPAREN)
        if name.text not in FUNCTIONS:
            raise self.error(f"Function '{name.text}' does not exist", (name.start, name.length))
        return Function(name.text, tuple(args), (name.start, name.length))


def parse(text: str, is_field: Callable[[str], bool]) -> Test | None:
    """The syntax tree of ``text`` (None for an empty filter), or FilterSyntaxError.

    ``is_field`` says whether a name is a registered field or protocol: an unparsed
    word is a field if it is one, else a literal typed later by the other side.
    """
    btext = to_bytes_text(text)
    return _Parser(scan(btext, is_field, text), is_field, text).sentence()
