"""The scanner and the parser: tokens, precedence, chains, error tokens and carets."""

from __future__ import annotations

import pytest

from tcpscope.filter.ast import And, Arith, ArithOp, CmpOp, Compare, Field, In, Literal, Neg, Not, Or, Quant, Slice
from tcpscope.filter.errors import FilterSyntaxError, caret_line
from tcpscope.filter.lexer import Kind, scan, to_bytes_text
from tcpscope.filter.parser import parse, parse_drange
from tcpscope.filter.registry import registry

REG = registry()


def p(text: str) -> object:
    return parse(text, REG.__contains__)


def kinds(text: str) -> list[Kind]:
    return [t.kind for t in scan(to_bytes_text(text), REG.__contains__)]


def test_longest_match_and_keywords() -> None:
    assert kinds("tcp.port==80") == [Kind.UNPARSED, Kind.ANY_EQ, Kind.UNPARSED, Kind.EOF]
    assert kinds("a === b !== c ~= d") == [Kind.UNPARSED, Kind.ALL_EQ, Kind.UNPARSED, Kind.ANY_NE, Kind.UNPARSED,
                                            Kind.ANY_NE, Kind.UNPARSED, Kind.EOF]
    assert kinds("andx and") == [Kind.UNPARSED, Kind.AND, Kind.EOF]
    assert kinds(":0a 00:10 10.0.0.0/8 fe80::1/64") == [Kind.LITERAL, Kind.UNPARSED, Kind.UNPARSED, Kind.UNPARSED,
                                                        Kind.EOF]
    assert kinds("1..5") == [Kind.UNPARSED, Kind.DOTDOT, Kind.UNPARSED, Kind.EOF]
    assert kinds("tcp.dstport-1") == [Kind.UNPARSED, Kind.EOF]
    assert kinds(".tcp") == [Kind.FIELD, Kind.EOF]


def test_string_escapes() -> None:
    tok = next(iter(scan(to_bytes_text(r'"\x41\102\u00e9\t\"\\"'), REG.__contains__)))
    assert tok.value == b'AB\xc3\xa9\t"\\'
    raw = next(iter(scan(to_bytes_text(r'r"\d\"x"'), REG.__contains__)))
    assert raw.value == b'\\d\\"x'


def test_precedence() -> None:
    t = p("a == 1 and b == 2 or not c == 3")
    assert isinstance(t, Or) and isinstance(t.left, And) and isinstance(t.right, Not)
    t = p("tcp.flags & 0x12 == 0x12")
    assert isinstance(t, Compare) and isinstance(t.left, Arith) and t.left.op is ArithOp.AND
    t = p("tcp.port + 1 * 2 - 3 == 0")
    assert isinstance(t, Compare)
    assert t.left == Arith(ArithOp.SUB, Arith(ArithOp.ADD, Field("tcp.port"),
                                              Arith(ArithOp.MUL, Literal("1"), Literal("2"))), Literal("3"))
    t = p("-tcp.port == -1")
    assert isinstance(t, Compare) and isinstance(t.left, Neg) and isinstance(t.right, Neg)


def test_chain_and_quantifiers() -> None:
    t = p("tcp.srcport < tcp.dstport < 60000")
    assert isinstance(t, And) and t.chain
    assert t.left == Compare(CmpOp.LT, Field("tcp.srcport"), Field("tcp.dstport"))
    assert t.right == Compare(CmpOp.LT, Field("tcp.dstport"), Literal("60000"))
    t = p("all tcp.port in {80, 443..444}")
    assert isinstance(t, In) and t.quant is Quant.ALL and t.members[1].hi == Literal("444")
    t = p("tcp.port not in {80}")
    assert isinstance(t, Not) and t.not_in


def test_slices_and_layers() -> None:
    t = p("frame[-4:] == 0d:0a:0d:0a")
    assert isinstance(t, Compare) and isinstance(t.left, Slice)
    assert t.left.ranges[0].start == -4 and t.left.ranges[0].length is None and t.left.ranges[0].end is None
    t = p("vlan.id#[1-2,4] == 3")
    assert isinstance(t, Compare) and isinstance(t.left, Field) and len(t.left.layers or ()) == 2
    assert parse_drange(" 2 : 3 ").length == 3


@pytest.mark.parametrize(("text", "message", "loc"), [
    ("tcp.port = 80", '"=" was unexpected in this context.', (9, 1)),
    ("tcp.port ==", "Unexpected end of filter expression.", None),
    ("tcp.port in {80 443}", '"443" was unexpected in this context.', (16, 3)),
    ("frame[1-1]", "Range 1-1 isn't valid because 1 is greater or equal than 1", (6, 3)),
    ("vlan.id#x", 'Expected digit or "[", not "x"', (8, 1)),
    ('a == "abc', "The final quote was missing from a quoted string.", (9, 0)),
    ("foo(1)", "Function 'foo' does not exist", (0, 3)),
    ("tcp.port xor udp", '"xor" was unexpected in this context.', (9, 3)),
    ("frame[1", "The right bracket was missing from a slice.", (7, 0)),
    ("é == 1", "Non-printable ASCII characters may only appear inside double-quotes.", (0, 1)),
])
def test_syntax_errors(text: str, message: str, loc: tuple[int, int] | None) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        p(text)
    assert info.value.message == message
    assert info.value.loc == loc
    if loc is not None:
        assert str(info.value) == f"{message}\n    {text}\n    {caret_line(*loc)}"


def test_nodes_refuse_bool() -> None:
    t = p("tcp")
    with pytest.raises(TypeError):
        bool(t)
