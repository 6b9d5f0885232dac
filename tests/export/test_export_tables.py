"""Table exports (Parquet, Arrow IPC, Feather, CSV): one row per frame, Wireshark field
names as columns, the fields' own types, the same values as the Python API, and files
that pandas, Polars and DuckDB open."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tcpscope
from tcpscope.cli.main import main
from tcpscope.export.columns import DEFAULT_FIELDS, LIST_FIELDS
from tcpscope.pipeline import stream

CAPTURES = Path(__file__).resolve().parent.parent / "golden" / "captures"
#: TCP over IPv4 with retransmissions, SACK and lost segments; IPv6; tunnels; non-TCP frames.
NAMES = ("own-lossy-seed11.pcap", "own-ipv6.pcap", "zeek-tunnels-4in6.pcap", "zeek-ipv4-fragmented-1.pcap",
         "zeek-pcapng-multi-interface.pcapng")


def _export(name: str, fmt: str, out: Path, *more: str) -> int:
    return main(["export", str(CAPTURES / name), "--format", fmt, "-o", str(out), *more])


def test_types_kept(tmp_path: Path) -> None:
    """The schema: ports uint16, sequence numbers and frame numbers uint32, times
    timestamp[ns, UTC] and duration[ns], flags bool, addresses text, SACK edges lists."""
    out = tmp_path / "x.parquet"
    assert _export("own-lossy-seed11.pcap", "parquet", out) == 0
    schema = pq.read_schema(out)
    assert schema.names == list(DEFAULT_FIELDS)
    expected = {
        "frame.number": pa.uint32(), "frame.time_epoch": pa.timestamp("ns", tz="UTC"),
        "frame.time_relative": pa.duration("ns"), "tcp.srcport": pa.uint16(), "tcp.dstport": pa.uint16(),
        "tcp.stream": pa.uint32(), "tcp.seq": pa.uint32(), "tcp.hdr_len": pa.uint8(), "tcp.flags": pa.uint16(),
        "tcp.window_size_scalefactor": pa.int32(), "ip.src": pa.string(), "ipv6.src": pa.string(),
        "tcp.analysis.ack_rtt": pa.duration("ns"), "tcp.analysis.acks_frame": pa.uint32(),
        "tcp.analysis.retransmission": pa.bool_(), "tcp.options.sack_le": pa.list_(pa.uint32()),
        "_ws.col.Info": pa.string(),
    }
    assert {n: schema.field(n).type for n in expected} == expected


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", ["parquet", "arrow", "feather"])
def test_values_are_the_apis(tmp_path: Path, name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every frame (with or without TCP) is a row, and every cell is what
    ``tcpscope.open(...).packets.to_arrow`` gives, in pieces of 64 frames."""
    monkeypatch.setattr(stream, "PIECE_FRAMES", 64)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 64)
    out = tmp_path / f"x.{fmt}"
    assert _export(name, fmt, out) == 0
    got = pq.read_table(out) if fmt == "parquet" else pa.ipc.open_file(pa.memory_map(str(out))).read_all()
    cap = tcpscope.open(CAPTURES / name)
    want = cap.packets.to_arrow(list(DEFAULT_FIELDS), lists=LIST_FIELDS & set(DEFAULT_FIELDS))
    assert got.num_rows == len(cap) == cap.table.n
    for field in DEFAULT_FIELDS:
        assert got.column(field).to_pylist() == want.column(field).cast(got.schema.field(field).type).to_pylist(), field


def test_display_filter_and_fields(tmp_path: Path) -> None:
    """``-Y`` keeps the frames it selects; ``-e`` names the columns, in its order."""
    out = tmp_path / "x.parquet"
    assert _export("own-lossy-seed11.pcap", "parquet", out, "-Y", "tcp.analysis.retransmission",
                   "-e", "tcp.stream", "-e", "frame.number", "-e", "_ws.col.Info") == 0
    got = pq.read_table(out)
    cap = tcpscope.open(CAPTURES / "own-lossy-seed11.pcap").filter("tcp.analysis.retransmission")
    assert got.column_names == ["tcp.stream", "frame.number", "_ws.col.Info"]
    assert got.column("frame.number").to_pylist() == list(cap)
    # the packet list's text of the selected frames alone, as the API's of every frame
    assert got.column("_ws.col.Info").to_pylist() == cap.packets.to_arrow(["_ws.col.Info"]).column(0).to_pylist()
    assert got.schema.field("tcp.stream").type == pa.uint32()


def test_binary_addresses(tmp_path: Path) -> None:
    """``--binary-addresses``: IPv4 as 4 bytes, IPv6 as 16, null where absent."""
    out = tmp_path / "x.parquet"
    assert _export("zeek-tunnels-4in6.pcap", "parquet", out, "--binary-addresses",
                   "-e", "ip.src", "-e", "ipv6.src") == 0
    got = pq.read_table(out)
    text = tcpscope.open(CAPTURES / "zeek-tunnels-4in6.pcap").packets.to_arrow(["ip.src", "ipv6.src"])
    assert got.schema.field("ip.src").type == pa.binary(4)
    assert got.schema.field("ipv6.src").type == pa.binary(16)
    import ipaddress

    for field in ("ip.src", "ipv6.src"):
        as_text = [None if b is None else str(ipaddress.ip_address(b)) for b in got.column(field).to_pylist()]
        assert as_text == text.column(field).to_pylist()


def test_csv(tmp_path: Path) -> None:
    """CSV: a header of field names, a line per frame; lists joined by commas, bytes in hex."""
    out = tmp_path / "x.csv"
    fields = ["frame.number", "tcp.srcport", "tcp.options.sack_le", "tcp.payload", "tcp.analysis.retransmission"]
    assert _export("own-lossy-seed11.pcap", "csv", out, *[a for f in fields for a in ("-e", f)]) == 0
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    cap = tcpscope.open(CAPTURES / "own-lossy-seed11.pcap").packets
    assert rows[0] == fields
    assert len(rows) == len(cap) + 1
    want = cap.to_arrow(fields, lists={"tcp.options.sack_le"})
    sack = [",".join(map(str, v)) for v in want.column("tcp.options.sack_le").to_pylist()]
    payload = ["" if v is None else v.hex() for v in want.column("tcp.payload").to_pylist()]
    assert [r[2] for r in rows[1:]] == sack
    assert [r[3] for r in rows[1:]] == payload
    assert any(sack) and any(payload)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def test_opens_in_pandas_polars_duckdb(tmp_path: Path) -> None:
    """The Parquet file opens in each installed reader with its rows, columns and types."""
    out = tmp_path / "x.parquet"
    assert _export("own-lossy-seed11.pcap", "parquet", out) == 0
    rows = tcpscope.open(CAPTURES / "own-lossy-seed11.pcap").table.n
    tried = []
    if _installed("pandas"):
        import pandas as pd

        df = pd.read_parquet(out, dtype_backend="pyarrow")
        assert df.shape == (rows, len(DEFAULT_FIELDS))
        assert str(df["tcp.srcport"].dtype) == "uint16[pyarrow]"
        assert str(df["frame.time_epoch"].dtype) == "timestamp[ns, tz=UTC][pyarrow]"
        tried.append("pandas")
    if _installed("polars"):
        import polars as pl

        frame = pl.read_parquet(out)
        assert frame.shape == (rows, len(DEFAULT_FIELDS))
        assert frame.schema["tcp.srcport"] == pl.UInt16
        tried.append("polars")
    if _installed("duckdb"):
        import duckdb

        query = f"SELECT count(*), typeof(any_value(\"tcp.srcport\")) FROM read_parquet('{out}')"
        assert duckdb.connect().execute(query).fetchall() == [(rows, "USMALLINT")]
        tried.append("duckdb")
    if len(tried) < 3:
        pytest.skip(f"opened with {', '.join(tried) or 'none'}; not installed: "
                    + ", ".join(m for m in ("pandas", "polars", "duckdb") if m not in tried))


def test_conversations_parquet(tmp_path: Path) -> None:
    """``conv --format parquet -o OUT``: a row per conversation, the values of
    ``Capture.conversations.to_arrow``, ports uint16 and nanoseconds as durations."""
    out = tmp_path / "conv.parquet"
    assert main(["conv", str(CAPTURES / "own-lossy-seed11.pcap"), "--format", "parquet", "-o", str(out)]) == 0
    got = pq.read_table(out)
    want = tcpscope.open(CAPTURES / "own-lossy-seed11.pcap").conversations.to_arrow()
    assert got.column_names == want.column_names
    assert got.schema.field("port_a").type == pa.uint16()
    assert got.schema.field("duration_ns").type == pa.duration("ns")
    assert got.num_rows == want.num_rows > 0
    for name in want.column_names:
        assert got.column(name).to_pylist() == want.column(name).cast(got.schema.field(name).type).to_pylist(), name


def test_hex_of_bytes() -> None:
    """CSV's hex of bytes: nulls kept, empty values empty, slices and fixed widths too."""
    from tcpscope.export.tables import _hex

    values = pa.array([b"ab", None, b"\x00\xff", b""])
    assert _hex(values).to_pylist() == ["6162", None, "00ff", ""]
    assert _hex(values.slice(1)).to_pylist() == [None, "00ff", ""]
    assert _hex(pa.array([b"\x01\x02\x03\x04", None], pa.binary(4))).to_pylist() == ["01020304", None]
