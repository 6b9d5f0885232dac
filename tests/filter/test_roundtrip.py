"""Property tests: parse(print(tree)) == tree, and no text makes the parser crash."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcpscope.errors import FilterError
from tcpscope.filter import compile_filter
from tcpscope.filter.ast import (
    And,
    Arith,
    ArithOp,
    CharConst,
    CmpOp,
    Compare,
    DRange,
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
)
from tcpscope.filter.parser import parse
from tcpscope.filter.printer import to_text
from tcpscope.filter.registry import registry

REG = registry()
FIELDS = ["tcp.port", "ip.src", "frame", "tcp", "eth.src", "tcp.len", "frame.number", "ipv6.addr", "vlan.id"]
LITERALS = ["80", "0x50", "1.2.3.4", "10.0.0.0/8", "00:10:db", ":0a", "TCP", "2001:db8::/32", "1.5", "Set",
            "0b101", "00:10:db:88:d2:ef", "x"]


def is_field(name: str) -> bool:
    return name in REG


@st.composite
def dranges(draw: st.DrawFn) -> DRange:
    start = draw(st.integers(-6, 12))
    kind = draw(st.sampled_from(["len", "end", "to_end"]))
    if kind == "len":
        return DRange(start, length=draw(st.integers(1, 6)))
    if kind == "end":
        if start >= 0:
            return DRange(start, end=draw(st.integers(start + 1, start + 8)))
        return DRange(start, end=draw(st.integers(start + 1, -1))) if start < -1 else DRange(start, length=1)
    return DRange(start)


fields = st.builds(Field, st.sampled_from(FIELDS),
                   st.one_of(st.none(), st.lists(dranges(), min_size=1, max_size=2).map(tuple)))
atoms = st.one_of(
    fields,
    st.builds(Literal, st.sampled_from(LITERALS)),
    st.builds(String, st.binary(max_size=8)),
    st.builds(CharConst, st.integers(0, 255)),
    st.builds(Reference, fields),
)


def entities() -> st.SearchStrategy[object]:
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            st.builds(Slice, inner, st.lists(dranges(), min_size=1, max_size=3).map(tuple)),
            st.builds(Function, st.sampled_from(["len", "count", "max", "upper", "abs"]),
                      st.lists(inner, min_size=0, max_size=2).map(tuple)),
        ),
        max_leaves=4,
    )


ENT = entities()
exprs = st.recursive(
    st.one_of(ENT, st.builds(Neg, ENT)),
    lambda inner: st.builds(Arith, st.sampled_from(list(ArithOp)), inner, inner),
    max_leaves=4,
)
ORDER_OPS = [op for op in CmpOp if op not in (CmpOp.CONTAINS, CmpOp.MATCHES)]
quants = st.one_of(st.none(), st.sampled_from(list(Quant)))


@st.composite
def chains(draw: st.DrawFn) -> object:
    terms = draw(st.lists(exprs, min_size=3, max_size=4))
    ops = [draw(st.sampled_from(ORDER_OPS)) for _ in terms[1:]]
    node: object = Compare(ops[-1], terms[-2], terms[-1])
    for i in range(len(terms) - 3, -1, -1):
        node = And(Compare(ops[i], terms[i], terms[i + 1]), node, chain=True)  # type: ignore[arg-type]
    assert isinstance(node, And)
    return And(node.left, node.right, chain=True, quant=draw(quants))


members = st.lists(st.builds(SetElem, st.one_of(ENT, st.builds(Neg, ENT)),
                             st.one_of(st.none(), ENT)), min_size=1, max_size=3).map(tuple)
relations = st.one_of(
    st.builds(Compare, st.sampled_from(ORDER_OPS), exprs, exprs, quants),
    st.builds(Compare, st.sampled_from([CmpOp.CONTAINS, CmpOp.MATCHES]), ENT, ENT, quants),
    st.builds(In, ENT, members, quants),
    st.builds(lambda e, m, q: Not(In(e, m), not_in=True, quant=q), ENT, members, quants),
    chains(),
    exprs,
)
tests = st.recursive(
    relations,
    lambda inner: st.one_of(st.builds(Not, inner), st.builds(And, inner, inner), st.builds(Or, inner, inner)),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tests)
def test_parse_print_parse(tree: object) -> None:
    text = to_text(tree)  # type: ignore[arg-type]
    again = parse(text, is_field)
    assert again == tree, text
    assert to_text(again) == text


FILTERISH = st.text(alphabet=string.printable + "é€\x00\x7f", max_size=40) | st.lists(
    st.sampled_from(["tcp.port", "==", "!=", "80", "(", ")", "{", "}", "[", "]", "0:2", ",", "..", "#", "1",
                     '"a"', "'b'", "and", "or", "not", "in", "contains", "matches", "any", "all", "len(", "-",
                     "+", "&", "*", "/", "%", "ip.src", "1.2.3.4", "frame", "${", "$", ":", "~", "!", "===",
                     "tcp", "eth.src", "00:11", "r\"x\"", "\\", "upper(", "max(", "abs("]),
    max_size=12).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(FILTERISH)
def test_random_text_gives_filter_error_not_crash(text: str) -> None:
    try:
        compile_filter(text)
    except FilterError as exc:
        assert str(exc)
