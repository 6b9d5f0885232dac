"""The frame.* fields: which frames have them, and their values (packet-frame.c)."""

from __future__ import annotations

from pathlib import Path

from craft import BASE_TS, eth, ip4, pcapng_custom, pcapng_epb, pcapng_idb, pcapng_shb, pcapng_spb, tcp

from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.filter.registry import registry
from tcpscope.table.text import format_values

US = BASE_TS * 10**6
FRAME = eth(ip4(tcp()))


def _texts(tmp_path: Path, field: str, *blocks: bytes) -> list[str]:
    p = tmp_path / "t.pcapng"
    p.write_bytes(b"".join(blocks))
    table = dissect(read_records(p))
    fd = registry()[field]
    v = fd.get(table)
    texts = format_values(fd, v, table.buffers)
    out = [""] * table.n
    for k, t in zip(v.pkt.tolist(), texts, strict=True):
        out[k] = t if not out[k] else out[k] + "," + t
    return out


def test_interface_id_is_per_section(tmp_path: Path) -> None:
    blocks = (pcapng_shb(), pcapng_idb(1), pcapng_idb(1), pcapng_epb(1, US, FRAME),
              pcapng_shb(), pcapng_idb(1), pcapng_epb(0, US, FRAME), pcapng_custom(1, b"x"))
    assert _texts(tmp_path, "frame.interface_id", *blocks) == ["1", "0", ""]


def test_records_without_time(tmp_path: Path) -> None:
    """An SPB and a custom block have no time fields; the next frame's delta is from them."""
    blocks = (pcapng_shb(), pcapng_idb(1), pcapng_epb(0, US + 500_000, FRAME), pcapng_spb(FRAME),
              pcapng_epb(0, US + 750_000, FRAME), pcapng_custom(1, b"x"), pcapng_epb(0, US + 800_000, FRAME))
    assert _texts(tmp_path, "frame.time_epoch", *blocks) == [
        "1700000000.500000000", "", "1700000000.750000000", "", "1700000000.800000000"]
    assert _texts(tmp_path, "frame.time_delta", *blocks) == [
        "0.000000000", "", "1700000000.750000000", "", "0.050000000"]
    assert _texts(tmp_path, "frame.len", *blocks)[3] == "4"
