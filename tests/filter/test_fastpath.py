"""The row fast path gives the same frames as the general column path."""

from __future__ import annotations

from corpus import table_of
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpscope.filter.compiler import _relation
from tcpscope.filter.fastpath import fast_exists, fast_relation, rows_of
from tcpscope.filter.plan import PConst, PField, PRel
from tcpscope.filter.registry import registry
from tcpscope.filter.values import to_col
from tcpscope.table.schema import FieldType

REG = registry()
FIELDS = ["tcp.port", "tcp.srcport", "tcp.len", "ip.ttl", "ip.addr", "ip.src", "tcp.flags.syn", "tcp.flags",
          "ip.proto", "vlan.id", "udp.port", "tcp.options.mss_val", "eth.type"]
CAPTURES = ["http-eth.pcap", "zeek-http-qinq-0.pcap", "zeek-tunnels-4in6.pcap", "zeek-ipv4-fragmented-1.pcap"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CAPTURES), st.sampled_from(FIELDS), st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]),
       st.booleans(), st.tuples(st.integers(-3, 70000), st.sampled_from([32, 24, 8])))
def test_fast_relation_equals_general(capture: str, name: str, op: str, all_: bool, value_bits: tuple[int, int]) -> None:
    value, bits = value_bits  # the constant, and an IPv4 constant's prefix length
    table = table_of(capture)
    fd = REG[name]
    const: object = value
    if fd.ftype is FieldType.IPv4:
        mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
        const = ((value * 2654435761) & 0xFFFFFFFF, mask)
    rows = rows_of(fd, table)
    assert rows is not None
    rel = PRel(op, all_, PField(fd, fd.ftype), PConst(fd.ftype, const), fd.ftype)  # type: ignore[arg-type]
    fast = fast_relation(rows, rel, table.n)
    assert fast is not None
    general = _relation(rel, to_col(PField(fd, fd.ftype), table), table)
    assert fast.tolist() == general.tolist()
    assert fast_exists(rows, table.n).tolist() == to_col(PField(fd, fd.ftype), table).defined.tolist()


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CAPTURES), st.sampled_from(["tcp.port", "ip.ttl", "vlan.id", "tcp.flags.syn", "ip.proto"]),
       st.lists(st.tuples(st.integers(-2, 70000), st.one_of(st.none(), st.integers(0, 70000))), min_size=1,
                max_size=3), st.booleans())
def test_fast_in_equals_general(capture: str, name: str, members: list[tuple[int, int | None]], all_: bool) -> None:
    from tcpscope.filter import compile_filter
    from tcpscope.filter.fastpath import fast_in
    from tcpscope.filter.plan import PIn

    table = table_of(capture)
    text = f"{'all ' if all_ else ''}{name} in {{" + ", ".join(
        str(lo) if hi is None else f"{lo}..{hi}" for lo, hi in members) + "}"
    from hypothesis import assume

    from tcpscope.errors import FilterError

    try:
        plan = compile_filter(text, REG).plan
    except FilterError:
        assume(False)
        return
    assert isinstance(plan, PIn)
    fd = REG[name]
    rows = rows_of(fd, table)
    assert rows is not None
    consts = [(lo.value, None if hi is None else hi.value) for lo, hi in plan.members]  # type: ignore[union-attr]
    fast = fast_in(rows, fd.ftype, consts, all_, table.n)
    assert fast is not None
    general = compile_filter(text.replace(name, f"{name}#[1:]"), REG).mask(table)
    assert fast.tolist() == general.tolist(), text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([*CAPTURES, "zeek-communityid-ipv6.pcap"]), st.sampled_from(["eth.src", "eth.addr", "ipv6.src",
                                                                                   "ipv6.addr"]),
       st.sampled_from(["==", "!=", "!==", "==="]), st.integers(0, 3))
def test_fast_bytes_equals_general(capture: str, name: str, op: str, pick: int) -> None:
    from tcpscope.filter import compile_filter
    from tcpscope.table.text import format_values

    table = table_of(capture)
    fd = REG[name]
    texts = format_values(fd, fd.get(table)) or (["00:00:00:00:00:00"] if fd.ftype is FieldType.ETHER else ["::1"])
    value = texts[pick % len(texts)]
    fast = compile_filter(f"{name} {op} {value}", REG).mask(table)
    general = compile_filter(f"{name}#[1:] {op} {value}", REG).mask(table)
    assert fast.tolist() == general.tolist()
