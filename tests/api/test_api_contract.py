"""What a Python caller relies on (issue 19): typed columns, the fixed default columns, the
errors a Python caller catches, a clear error for a stream that is not there, and
conversations with their times as durations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import tcpscope
from tcpscope import errors

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "http-get.pcap"
CAPS = ROOT / "tests" / "golden" / "captures"


def test_getitem_is_a_typed_masked_array() -> None:
    packets = tcpscope.open(EXAMPLE).packets
    lens = packets["tcp.len"]
    assert isinstance(lens, np.ma.MaskedArray) and lens.dtype == np.uint32
    assert lens.tolist()[:4] == [0, 0, 0, 83] and int(lens.sum()) == 358
    rtt = packets["tcp.analysis.ack_rtt"]
    assert rtt.dtype == np.dtype("timedelta64[ns]")
    assert rtt.mask.tolist()[:3] == [True, False, False]  # the SYN acknowledges nothing
    assert rtt[1] == np.timedelta64(28000, "ns")
    assert packets["frame.time_epoch"].dtype == np.dtype("datetime64[ns]")
    assert packets["tcp.analysis.retransmission"].dtype == np.bool_
    assert packets["ip.src"].dtype == object and packets["ip.src"][0] == "10.99.0.1"
    assert packets["tcp.port"][0] == [60054, 80]
    assert packets["ipv6.src"].mask.all()


def test_default_columns_are_the_same_in_every_capture() -> None:
    """An IPv4 capture still has the ``ipv6.*`` columns, of nulls, so that tables concatenate."""
    v4 = tcpscope.open(EXAMPLE).packets
    v6 = tcpscope.open(CAPS / "own-ipv6.pcap").packets
    assert v4.columns == v6.columns == tcpscope.api.DEFAULT_FIELDS
    a, b = v4.to_arrow(), v6.to_arrow()
    assert a.schema == b.schema == v4.schema()
    assert a.column("ipv6.src").null_count == len(v4)
    assert pa.concat_tables([a, b]).num_rows == len(v4) + len(v6)


def test_pandas_has_nullable_integers_never_float() -> None:
    df = tcpscope.open(CAPS / "craft-encap-vlan.pcap").packets.to_pandas(["tcp.srcport", "tcp.len", "ip.ttl"])
    assert [str(t) for t in df.dtypes] == ["UInt16", "UInt32", "UInt8"]


def test_errors_are_what_python_callers_catch() -> None:
    with pytest.raises(FileNotFoundError) as missing:
        tcpscope.open("/nonexistent/file.pcap")
    assert isinstance(missing.value, tcpscope.CaptureNotFoundError)
    assert str(missing.value) == 'The file "/nonexistent/file.pcap" doesn\'t exist.'
    with pytest.raises(OSError) as bad:
        tcpscope.open(ROOT / "README.md")
    assert isinstance(bad.value, tcpscope.NotACaptureError) and "isn't a capture file" in str(bad.value)
    cap = tcpscope.open(EXAMPLE)
    with pytest.raises(ValueError) as flt:
        cap.filter("tcp.port ==")
    assert isinstance(flt.value, tcpscope.FilterError)
    with pytest.raises(KeyError) as field:
        cap.packets.select("tcp.nonsense")
    assert str(field.value) == "Some fields aren't valid:\n\ttcp.nonsense\n"  # the message, not KeyError's quotes
    builtin = {"CaptureError": OSError, "CaptureNotFoundError": FileNotFoundError, "ExportError": OSError,
               "FieldError": KeyError, "FilterError": ValueError, "StreamNotFoundError": IndexError}
    for name, base in builtin.items():
        assert issubclass(getattr(errors, name), (base, errors.TcpscopeError)), name


def test_a_stream_that_is_not_there() -> None:
    cap = tcpscope.open(CAPS / "http-eth.pcap")
    assert len(cap.stream(2)) == 2
    with pytest.raises(tcpscope.StreamNotFoundError, match=r"^There is no tcp.stream 3 in this capture \(it has "
                       r"tcp.stream 0 to 2\)\.$") as exc:
        cap.stream(3)
    assert isinstance(exc.value, IndexError) and exc.value.streams == 3
    with pytest.raises(IndexError):
        cap.stream(-1)
    assert len(cap.filter("tcp.stream == 0").stream(1)) == 0  # there, but not among these frames
    with pytest.raises(tcpscope.StreamNotFoundError, match="analyze=False"):
        tcpscope.open(CAPS / "http-eth.pcap", analyze=False).stream(0)


def test_conversations_have_durations() -> None:
    conv = tcpscope.open(CAPS / "http-eth.pcap").conversations
    schema = conv.to_arrow().schema
    assert {schema.field(n).type for n in ("rel_start_ns", "duration_ns", "rtt_min_ns")} == {pa.duration("ns")}
    assert schema.field("port_a").type == pa.uint16() and schema.field("stream").type == pa.uint32()
    df = conv.to_pandas()
    assert str(df["duration_ns"].dtype) == "timedelta64[ns]"
    assert df["duration_ns"].min() > np.timedelta64(0, "ns")


def test_scan_frames_a_segment_at_a_time_when_asked() -> None:
    """``tcpscope.scan(desegment=False)``: http-get.pcap's response spans frames 6 and 8;
    without TCP reassembly frame 6 starts it (HTTP) as tshark's per-segment list shows."""
    def protocols(desegment: bool) -> list[str]:
        pieces = tcpscope.scan(CAPS / "http-get.pcap", ["_ws.col.Protocol"], desegment=desegment)
        return [p for piece in pieces for p in piece.to_arrow().column("_ws.col.Protocol").to_pylist()]

    whole, alone = protocols(True), protocols(False)
    assert (whole[5], alone[5]) == ("TCP", "HTTP")
    assert whole[:5] + whole[6:] == alone[:5] + alone[6:]
