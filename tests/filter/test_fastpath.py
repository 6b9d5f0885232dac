"""The row fast path gives the same frames as the general column path."""

from __future__ import annotations

from corpus import table_of
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpscope.filter.compiler import _relation
from tcpscope.filter.fastpath import fast_exists, fast_relation, rows_of
from tcpscope.filter.plan import PConst, PField
from tcpscope.filter.registry import registry
from tcpscope.filter.values import to_col
from tcpscope.table.schema import FieldType

REG = registry()
FIELDS = ["tcp.port", "tcp.srcport", "tcp.len", "ip.ttl", "ip.addr", "ip.src", "tcp.flags.syn", "tcp.flags",
          "ip.proto", "vlan.id", "udp.port", "tcp.options.mss_val", "eth.type"]
CAPTURES = ["http-eth.pcap", "zeek-http-qinq-0.pcap", "zeek-tunnels-4in6.pcap", "zeek-ipv4-fragmented-1.pcap"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CAPTURES), st.sampled_from(FIELDS), st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]),
       st.booleans(), st.integers(-3, 70000), st.sampled_from([32, 24, 8]))
def test_fast_relation_equals_general(capture: str, name: str, op: str, all_: bool, value: int, bits: int) -> None:
    table = table_of(capture)
    fd = REG[name]
    const: object = value
    if fd.ftype is FieldType.IPv4:
        mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
        const = ((value * 2654435761) & 0xFFFFFFFF, mask)
    rows = rows_of(fd, table)
    assert rows is not None
    fast = fast_relation(rows, fd.ftype, op, all_, const, table.n)
    assert fast is not None
    general = _relation(op, all_, to_col(PField(fd, fd.ftype), table), PConst(fd.ftype, const), fd.ftype, table)  # type: ignore[arg-type]
    assert fast.tolist() == general.tolist()
    assert fast_exists(rows, table.n).tolist() == to_col(PField(fd, fd.ftype), table).defined.tolist()
