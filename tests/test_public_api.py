"""The Python API: tcpscope.open, Capture, PacketView."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from compare import prefix

import tcpscope

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "http-get.pcap"
CAPS = ROOT / "tests" / "golden" / "captures"


#: The public API, as ``from tcpscope import *`` gives it. ``tcpscope.open`` is the entry
#: point but stays out, so that the star import leaves the builtin ``open`` alone.
PUBLIC = ["Capture", "CaptureCutShortError", "CaptureDamagedError", "CaptureDecompressError", "CaptureError",
          "CaptureNotFoundError", "ExportError", "FieldError", "FilterError", "NotACaptureError", "PacketView", "Scan",
          "StreamNotFoundError", "TcpscopeError", "__version__", "scan", "tune_allocator"]


def test_public_names_are_curated() -> None:
    assert tcpscope.__all__ == PUBLIC == sorted(PUBLIC)
    star: dict[str, object] = {}
    exec("from tcpscope import *", star)
    assert sorted(set(star) - {"__builtins__"}) == PUBLIC
    assert "open" not in star
    # every class and function tcpscope offers is listed, but open
    offered = {name for name, value in vars(tcpscope).items()
               if not name.startswith("_") and not isinstance(value, ModuleType)
               and getattr(value, "__module__", "").startswith("tcpscope")}
    assert offered - set(PUBLIC) == {"open"}
    assert tcpscope.open.__module__ == "tcpscope"


def test_every_error_is_public() -> None:
    """The whole tree of :mod:`tcpscope.errors`, so that a caller can catch any of them by name."""
    from tcpscope import errors

    tree = {name for name, value in vars(errors).items()
            if isinstance(value, type) and issubclass(value, errors.TcpscopeError)}
    assert tree <= set(PUBLIC)
    assert all(getattr(tcpscope, name) is getattr(errors, name) for name in tree)


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


def test_stacked_header_gives_its_first_value_or_a_list_on_request() -> None:
    """QinQ's two VLAN tags: ``vlan.id`` holds the outer one unless a list is asked for."""
    cap = tcpscope.open(CAPS / "zeek-http-qinq-0.pcap")
    tbl = cap.packets.select("vlan.id", "eth.type").to_arrow()
    assert tbl.column("vlan.id").to_pylist()[0] == 0
    assert tbl.column("eth.type").to_pylist()[0] == 0x8100
    assert cap.packets.to_arrow(["vlan.id"], lists=["vlan.id"]).column(0).to_pylist()[0] == [0, 0]


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


SCAN_FIELDS = ["frame.number", "frame.time_relative", "ip.src", "tcp.stream", "tcp.seq", "tcp.options.sack_le",
               "tcp.analysis.ack_rtt", "tcp.analysis.flags", "_ws.col.Info"]


@pytest.mark.parametrize("name", ["http-eth.pcap", "craft-ipv4-frags.pcap", "own-lossy-seed11.pcap"])
@pytest.mark.parametrize("flt", [None, "tcp.len > 0 || tcp.analysis.flags"])
def test_scan_pieces_are_the_whole_capture(name: str, flt: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tcpscope.scan`` a few frames at a time gives the rows, values and frame numbers of
    ``tcpscope.open`` (the analysis carried from piece to piece, fragments held back)."""
    import pyarrow as pa

    from tcpscope.pipeline import stream

    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 5)
    path = prefix(CAPS / name)  # the large capture on its first records (compare.PREFIX_FRAMES)
    cap = tcpscope.open(path)
    lists = ["tcp.options.sack_le"]
    want = (cap.filter(flt) if flt else cap).packets.select(*SCAN_FIELDS).to_arrow(lists=lists)
    pieces = list(tcpscope.scan(path, SCAN_FIELDS, display_filter=flt, lists=lists))
    assert len(pieces) > 3
    got = pa.concat_tables([p.to_arrow() for p in pieces])  # one schema for every piece
    assert got.to_pylist() == want.to_pylist()
    assert str(got.schema.field("tcp.options.sack_le").type) == "list<item: uint32>"
    assert str(got.schema.field("ip.src").type) == "string"


def test_scan_without_analysis_and_default_fields() -> None:
    pieces = list(tcpscope.scan(EXAMPLE, analyze=False))
    assert [len(p) for p in pieces] == [12]
    assert "tcp.seq" in pieces[0].columns
    assert pieces[0]["tcp.analysis.ack_rtt"].tolist() == [None] * 12


def test_scan_checks_fields_and_filter_before_reading() -> None:
    with pytest.raises(tcpscope.FieldError):
        tcpscope.scan("/nonexistent/file.pcap", ["tcp.nonsense"])
    with pytest.raises(tcpscope.FilterError):
        tcpscope.scan("/nonexistent/file.pcap", display_filter="tcp.port ==")
    scan = tcpscope.scan("/nonexistent/file.pcap")
    with pytest.raises(tcpscope.CaptureNotFoundError):
        next(iter(scan))


def test_scan_reports_the_readers_warnings_at_the_end() -> None:
    path = CAPS / "bad" / "truncated-mid-record.pcap"
    scan = tcpscope.scan(path, ["frame.number"])
    rows = sum(len(p) for p in scan)
    assert rows == len(tcpscope.open(path))
    assert scan.warnings == tcpscope.open(path).warnings
    assert len(scan.warnings) == 1 and "cut short" in scan.warnings[0]


def test_scan_reads_a_pipe_as_it_comes(tmp_path: Path) -> None:
    """A FIFO's pieces come while its writer still holds it open."""
    import os
    import threading

    fifo = tmp_path / "live"
    os.mkfifo(fifo)
    data = EXAMPLE.read_bytes()
    first = threading.Event()

    def writer() -> None:
        with open(fifo, "wb") as fh:
            fh.write(data)
            fh.flush()
            first.wait(30)  # the reader has its frames before the pipe closes

    t = threading.Thread(target=writer)
    t.start()
    try:
        seen = []
        for piece in tcpscope.scan(fifo, ["frame.number"]):
            seen.extend(piece["frame.number"].tolist())
            first.set()
        assert seen == list(range(1, 13))
    finally:
        first.set()
        t.join()


def test_chosen_lists_and_first_values() -> None:
    """``lists`` names the list columns; any other column holds each frame's first value
    (the outer ``ip.src`` of a tunnelled frame), as ``-E occurrence=f`` prints it. By
    default the repeated fields (``tcp.port``) are lists and the others are not, whatever
    the capture holds; ``lists=()`` gives first values everywhere."""
    cap = tcpscope.open(CAPS / "craft-encap-ipip.pcap")
    every = cap.packets.select("ip.src", "tcp.port").to_arrow(lists=["ip.src", "tcp.port"])
    assert str(every.schema.field("ip.src").type) == "list<item: string>"
    assert max(len(v) for v in every.column("ip.src").to_pylist()) > 1
    default = cap.packets.select("ip.src", "tcp.port").to_arrow()
    assert default.schema == cap.packets.schema(["ip.src", "tcp.port"])
    assert str(default.schema.field("ip.src").type) == "string"
    assert default.column("ip.src").to_pylist() == [v[0] if v else None for v in every.column("ip.src").to_pylist()]
    assert default.column("tcp.port").to_pylist() == every.column("tcp.port").to_pylist()
    first = cap.packets.select("ip.src", "tcp.port").to_arrow(lists=())
    assert first.column("tcp.port").to_pylist() == [v[0] if v else None for v in every.column("tcp.port").to_pylist()]
