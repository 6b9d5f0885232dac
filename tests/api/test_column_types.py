"""Every column of every test capture has its field's one type (issue 19): the type the
field's Wireshark type gives, written out here apart from ``tcpscope.table.schema``, the
same in the Arrow table, in pandas and in numpy, whatever the capture holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from compare import prefix

import tcpscope
from tcpscope.table.schema import ALWAYS_PRESENT, REPEATED_FIELDS, FieldDef, FieldType
from tcpscope.views.columns import full_registry

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"
#: Every test capture, the damaged ones of bad/ too (those that open have every column).
NAMES = sorted(str(p.relative_to(CAPTURES)) for p in [*CAPTURES.iterdir(), *(CAPTURES / "bad").iterdir()]
               if p.suffix in (".pcap", ".pcapng", ".gz"))

#: The issue's table: each Wireshark type's Arrow type (an address as its text).
ARROW = {
    FieldType.UINT8: pa.uint8(), FieldType.CHAR: pa.uint8(), FieldType.UINT16: pa.uint16(),
    FieldType.UINT24: pa.uint32(), FieldType.UINT32: pa.uint32(), FieldType.UINT64: pa.uint64(),
    FieldType.FRAMENUM: pa.uint32(), FieldType.INT8: pa.int8(), FieldType.INT16: pa.int16(),
    FieldType.INT32: pa.int32(), FieldType.INT64: pa.int64(), FieldType.BOOLEAN: pa.bool_(),
    FieldType.NONE: pa.bool_(), FieldType.RELATIVE_TIME: pa.duration("ns"),
    FieldType.ABSOLUTE_TIME: pa.timestamp("ns", tz="UTC"), FieldType.DOUBLE: pa.float64(),
    FieldType.IPv4: pa.string(), FieldType.IPv6: pa.string(), FieldType.ETHER: pa.string(),
    FieldType.STRING: pa.string(), FieldType.BYTES: pa.binary(), FieldType.PROTOCOL: pa.binary(),
}
#: The same with ``binary_addresses``.
ADDRESS_BYTES = {FieldType.IPv4: pa.binary(4), FieldType.IPv6: pa.binary(16), FieldType.ETHER: pa.binary(6)}
#: The pandas dtype of each Arrow type (``str`` of it): nullable, never float64 for an integer.
PANDAS = {"uint8": "UInt8", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "int8": "Int8",
          "int16": "Int16", "int32": "Int32", "int64": "Int64", "bool": "boolean", "double": "Float64",
          "duration[ns]": "timedelta64[ns]", "timestamp[ns, tz=UTC]": "datetime64[ns, UTC]", "string": "string",
          "binary": "object"}

#: Fields not asked of every capture: the packet list's columns (one text per frame, slow to
#: make on every capture; tests/views holds their values and test_public_api their types).
FIELDS = [fd for fd in full_registry().values() if not fd.name.startswith("_ws.col.")]


def expected(fd: FieldDef, binary_addresses: bool = False) -> pa.DataType:
    t = ADDRESS_BYTES.get(fd.ftype, ARROW[fd.ftype]) if binary_addresses else ARROW[fd.ftype]
    return pa.list_(t) if fd.name in REPEATED_FIELDS and fd.ftype is not FieldType.NONE else t


def test_the_table_covers_every_type() -> None:
    assert {fd.ftype for fd in full_registry().values()} <= set(ARROW)
    assert set(full_registry().keys()) >= REPEATED_FIELDS | ALWAYS_PRESENT


@pytest.mark.parametrize("name", NAMES)
def test_every_column_has_its_fields_type(name: str) -> None:
    """Each capture cut to its first 60 frames: every field, in Arrow, pandas and numpy. A
    capture that cannot be read at all raises a CaptureError, an OSError."""
    try:
        cap = tcpscope.open(prefix(CAPTURES / name, 60))
    except OSError as exc:
        assert name.startswith("bad/") and isinstance(exc, tcpscope.CaptureError)
        return
    table = cap.packets.to_arrow([fd.name for fd in FIELDS])
    assert table.num_rows == len(cap)
    for fd, field in zip(FIELDS, table.schema, strict=True):
        assert field.type == expected(fd), fd.name
        column = table.column(fd.name)
        if fd.name in ALWAYS_PRESENT or fd.ftype is FieldType.NONE or fd.name in REPEATED_FIELDS:
            assert not field.nullable and column.null_count == 0, fd.name
    some = ["frame.number", "frame.time_epoch", "tcp.len", "tcp.analysis.ack_rtt", "ip.src", "tcp.analysis.flags",
            "tcp.payload"]
    got = {name_: str(dtype) for name_, dtype in cap.packets.to_pandas(some).dtypes.items()}
    assert got == {f.name: PANDAS[str(f.type)] for f in table.select(some).schema}
    lens = cap.packets["tcp.len"]
    assert isinstance(lens, np.ma.MaskedArray) and lens.dtype == np.uint32


@pytest.mark.parametrize("name", ["zeek-tunnels-4in6.pcap", "craft-encap-vlan.pcap"])
def test_binary_addresses(name: str) -> None:
    defs = [fd for fd in FIELDS if fd.ftype in ADDRESS_BYTES]
    table = tcpscope.open(CAPTURES / name).packets.to_arrow([fd.name for fd in defs], binary_addresses=True)
    assert [f.type for f in table.schema] == [expected(fd, binary_addresses=True) for fd in defs]
    text = tcpscope.open(CAPTURES / name).packets.to_arrow(["eth.src"]).column(0).to_pylist()
    raw = table.column("eth.src").to_pylist()
    assert [None if b is None else ":".join(f"{x:02x}" for x in b) for b in raw] == text
    assert any(v is not None for v in text)
