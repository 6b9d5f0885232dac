"""The Python API: tcpscope.open, Capture, PacketView."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tcpscope

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "http-get.pcap"
CAPS = ROOT / "tests" / "golden" / "captures"


def test_public_names_are_curated() -> None:
    assert tcpscope.__all__ == sorted(tcpscope.__all__)
    for name in tcpscope.__all__:
        assert getattr(tcpscope, name) is not None


def test_open_and_packets() -> None:
    cap = tcpscope.open(EXAMPLE)
    assert len(cap) == 12
    df = cap.packets.to_pandas()
    assert list(df["frame.number"]) == list(range(1, 13))
    assert list(df["tcp.seq"])[:4] == [0, 0, 1, 1]
    assert df["_ws.col.Info"][0].startswith("60054 → 80 [SYN] Seq=0 Win=64240 Len=0 MSS=1460")
    assert str(df["tcp.analysis.ack_rtt"].dtype).startswith("timedelta64")


def test_stream_and_values() -> None:
    cap = tcpscope.open(CAPS / "http-eth.pcap")
    s1 = cap.stream(1)
    assert len(s1) == 36
    assert set(s1.packets["tcp.stream"].tolist()) == {1}
    v = s1.packets.values("tcp.port")
    assert len(v) == 72


def test_multi_valued_field_is_a_list_column() -> None:
    cap = tcpscope.open(CAPS / "zeek-http-qinq-0.pcap")
    tbl = cap.packets.select("vlan.id", "eth.type").to_arrow()
    assert tbl.column("vlan.id").to_pylist()[0] == [0, 0]
    assert tbl.column("eth.type").to_pylist()[0] == 0x8100


def test_unknown_field() -> None:
    cap = tcpscope.open(EXAMPLE)
    with pytest.raises(tcpscope.FieldError):
        cap.packets.select("tcp.nonsense")


def test_missing_file() -> None:
    with pytest.raises(tcpscope.CaptureNotFoundError):
        tcpscope.open("/nonexistent/file.pcap")


def test_lines_match_list_command() -> None:
    cap = tcpscope.open(EXAMPLE)
    lines = list(cap.lines())
    assert lines[0] == ("    1   0.000000    10.99.0.1 → 10.99.0.2    TCP 74 60054 → 80 [SYN] Seq=0 Win=64240 "
                        "Len=0 MSS=1460 SACK_PERM TSval=3017093256 TSecr=0 WS=1024")
    assert np.asarray(cap.frames).shape == (12,)


@pytest.mark.parametrize("name", ["craft-ipv4-frags.pcap", "craft-tcp-truncated.pcap", "zeek-http-get.pcap"])
def test_arrow_bytes_equal_the_fields_text(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Byte fields in Arrow hold the bytes ``tcpscope fields`` prints in hex (which the golden tests
    hold to tshark's), reassembled datagrams and cut options included."""
    from tcpscope.cli.main import main

    path = str(CAPS / name)
    table = tcpscope.open(path).packets.select("tcp.payload", "tcp.options").to_arrow()
    capsys.readouterr()
    main(["fields", path, "-e", "tcp.payload", "-e", "tcp.options"])
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    for col, name_ in enumerate(("tcp.payload", "tcp.options")):
        got = [(v.hex() or "<MISSING>") if v is not None else "" for v in table.column(name_).to_pylist()]
        assert got == [r[col] for r in rows]
