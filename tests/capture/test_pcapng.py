"""The pcapng reader: sections, interfaces, packet and custom blocks, options, damage (wiretap/pcapng.c)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from craft import (
    BASE_TS,
    eth,
    ip4,
    pcapng_block,
    pcapng_custom,
    pcapng_epb,
    pcapng_idb,
    pcapng_pb,
    pcapng_shb,
    pcapng_spb,
    tcp,
)

from tcpscope.capture import read_records
from tcpscope.capture.pcapng import _to_ns, read_pcapng
from tcpscope.capture.pcapng_options import MAX_UNITS, block_option_error
from tcpscope.capture.records import LINKTYPE_NONE
from tcpscope.capture.source import read_source
from tcpscope.errors import CaptureCutShortError, CaptureDamagedError, CaptureError, NotACaptureError

US = BASE_TS * 10**6
FRAME = eth(ip4(tcp(b"payload")))


def _read(tmp_path: Path, *blocks: bytes):  # type: ignore[no-untyped-def]
    p = tmp_path / "t.pcapng"
    p.write_bytes(b"".join(blocks))
    return read_records(p)


def test_interface_ids_restart_in_each_section(tmp_path: Path) -> None:
    """frame.interface_id is the index within the section; the link type is the interface's."""
    r = _read(tmp_path,
              pcapng_shb(), pcapng_idb(1), pcapng_idb(101),
              pcapng_epb(1, US, FRAME[14:]), pcapng_epb(0, US, FRAME),
              pcapng_shb(big=True), pcapng_idb(1, big=True),
              pcapng_epb(0, US, FRAME, big=True))
    assert r.interface_id is not None
    assert r.interface_id.tolist() == [1, 0, 0]
    assert r.iface.tolist() == [1, 0, 2]
    assert r.linktype.tolist() == [101, 1, 1]
    assert [i.linktype for i in r.interfaces] == [1, 101, 1]


def test_time_resolution_and_offset(tmp_path: Path) -> None:
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1, tsresol=3, tsoffset=-10), pcapng_idb(1, tsresol=0x80 | 10),
              pcapng_epb(0, BASE_TS * 1000 + 250, FRAME), pcapng_epb(1, (BASE_TS << 10) + 512, FRAME))
    assert r.ts_ns.tolist() == [(BASE_TS - 10) * 10**9 + 250_000_000, BASE_TS * 10**9 + 500_000_000]


def test_spb_has_no_time_and_is_cut_to_the_snaplen(tmp_path: Path) -> None:
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1, snaplen=20),
              pcapng_epb(0, US + 7, FRAME[:20], wirelen=len(FRAME)), pcapng_spb(FRAME[:20], wirelen=len(FRAME)))
    assert r.caplen.tolist() == [20, 20]
    assert r.wirelen.tolist() == [len(FRAME)] * 2
    assert r.has_ts is not None
    assert r.has_ts.tolist() == [True, False]
    assert r.ts_ns.tolist() == [US * 1000 + 7000, 0]
    assert r.interface_id is not None
    assert r.interface_id.tolist() == [0, 0]


def test_spb_longer_than_its_data_reads_the_trailer_early(tmp_path: Path) -> None:
    """wiretap reads an SPB's captured bytes, then the trailer: extra bytes break the block."""
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1, snaplen=20), pcapng_epb(0, US, FRAME),
              pcapng_spb(FRAME, wirelen=len(FRAME)))
    assert len(r) == 1
    assert "(pcapng: total block lengths (first " in r.warnings[0].message


def test_custom_blocks_are_records(tmp_path: Path) -> None:
    """A custom block is a frame: its data's length, no time of its own, no interface."""
    r = _read(tmp_path, pcapng_shb(), pcapng_custom(32473, b"first"), pcapng_idb(1),
              pcapng_epb(0, US + 5, FRAME), pcapng_custom(32473, b"12345678", copy=False),
              pcapng_block(0x1234, b"unknown, skipped"))
    assert len(r) == 3
    assert r.caplen.tolist() == [8, len(FRAME), 8]
    assert r.linktype.tolist() == [LINKTYPE_NONE, 1, LINKTYPE_NONE]
    assert r.interface_id is not None
    assert r.interface_id.tolist() == [-1, 0, -1]
    assert r.has_ts is not None
    assert r.has_ts.tolist() == [False, True, False]
    assert r.ts_ns.tolist() == [0, US * 1000 + 5000, US * 1000 + 5000]


def test_obsolete_packet_block(tmp_path: Path) -> None:
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1), pcapng_idb(1), pcapng_pb(1, US, FRAME, drops=2))
    assert r.caplen.tolist() == [len(FRAME)]
    assert r.interface_id is not None
    assert r.interface_id.tolist() == [1]


@pytest.mark.parametrize(("options", "message"), [
    ([(2, b"\0\0")], "pcapng: packet block flags option length 2 is not 4"),
    ([(4, b"\0" * 4)], "pcapng: packet block drop count option length 4 is not 8"),
    ([(7, b"")], "pcapng: packet block verdict option length 0 is < 1"),
    ([(7, b"\x02\0")], "pcapng: packet block XDP verdict option length 2 is != 9"),
    ([(2989, b"\0\0")], "pcapng: option length (2) too small for custom option"),
])
def test_packet_block_options_wiretap_refuses(tmp_path: Path, options: list[tuple[int, bytes]], message: str) -> None:
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1), pcapng_epb(0, US, FRAME),
              pcapng_epb(0, US, FRAME, options=options), pcapng_epb(0, US, FRAME))
    assert len(r) == 1
    assert r.warnings[0].message.endswith(f"({message})")


def test_option_walk() -> None:
    data = np.frombuffer(struct.pack("<HH4sHH", 1, 4, b"abcd", 0, 0) + b"\1\0", dtype=np.uint8)
    assert block_option_error(data, 0, 12, False, False) is None
    assert block_option_error(data, 0, 14, False, False) is None  # after opt_endofopt nothing is read
    assert block_option_error(data, 0, 6, False, False) == "pcapng: Not enough data to handle option of length 4"
    assert block_option_error(data, 8, 10, False, False) == "pcapng: Not enough data for option header"


def test_damaged_interface_while_opening(tmp_path: Path) -> None:
    """An IDB right after the first section header is read while opening: no frames, an error."""
    idb = pcapng_block(1, struct.pack("<HHI", 1, 0, 0) + struct.pack("<HH", 11, 0))
    with pytest.raises(CaptureError, match=r"\(pcapng: packet block verdict option length 0 is < 1\)"):
        _read(tmp_path, pcapng_shb(), idb, pcapng_epb(0, US, FRAME))


def test_cut_short_while_opening(tmp_path: Path) -> None:
    with pytest.raises(CaptureCutShortError):
        _read(tmp_path, pcapng_shb(), pcapng_idb(1)[:-3])
    with pytest.raises(CaptureCutShortError):
        _read(tmp_path, pcapng_shb(), b"\1\0\0")


def test_cut_short_after_opening(tmp_path: Path) -> None:
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1), pcapng_epb(0, US, FRAME), pcapng_epb(0, US, FRAME)[:-5])
    assert len(r) == 1
    assert r.warnings[0].kind == "cut-short"


def test_section_header_longer_than_the_file_is_not_pcapng(tmp_path: Path) -> None:
    """pcapng_open says "not mine"; wiretap's MIME reader then shows the whole file as one frame."""
    shb = pcapng_shb(options=[(1, b"a comment that is cut off")])
    p = tmp_path / "t.pcapng"
    p.write_bytes(shb[:40])
    with pytest.raises(NotACaptureError):
        read_pcapng(read_source(p))
    r = read_records(p)
    assert (r.format, len(r), r.caplen.tolist()) == ("mime", 1, [40])
    assert r.has_ts is not None
    assert r.has_ts.tolist() == [False]
    with pytest.raises(CaptureCutShortError):  # only the trailer is missing
        _read(tmp_path, shb[:-2])


def test_unknown_section_version(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match=r"contains record data that tcpscope doesn't support\.\n"
                                           r"\(pcapng: unknown SHB version 2\.0\)"):
        _read(tmp_path, pcapng_shb(version=(2, 0)), pcapng_idb(1))


def test_block_too_small_for_its_type(tmp_path: Path) -> None:
    with pytest.raises(CaptureDamagedError, match=r"of an IDB is less than the minimum IDB size 20"):
        _read(tmp_path, pcapng_shb(), pcapng_block(1, b""))
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1), pcapng_epb(0, US, FRAME), pcapng_block(0xBAD, b""))
    assert r.warnings[0].message.endswith("(pcapng: total block length 12 of a CB is too small (< 16))")


def test_time_conversion_wraps_as_wiretap() -> None:
    """(ticks % units) * 10^9 in unsigned 64 bits; out-of-range resolutions give G_MAXUINT64 units."""
    ticks = np.array([2**64 - 1, 12345], dtype=np.uint64)
    got = _to_ns(ticks, 10**19, 0)
    frac = ((2**64 - 1) % 10**19) * 10**9 % 2**64 // 10**19
    assert got.tolist() == [1 * 10**9 + frac, 0]
    assert _to_ns(np.array([999], dtype=np.uint64), MAX_UNITS, 0).tolist() == [0]


def test_checks_before_the_trailer_and_before_the_data(tmp_path: Path) -> None:
    """wiretap checks a block's header and options before its trailer, and a packet block's
    header before reading its data: those complaints come first."""
    good = (pcapng_shb(), pcapng_idb(1), pcapng_epb(0, US, FRAME))
    commented = pcapng_epb(0, US, FRAME, options=[(1, b"a comment")])
    short = commented[:4] + struct.pack("<I", len(commented) - 8) + commented[8:]
    r = _read(tmp_path, *good, short)
    assert r.warnings[0].message.endswith("(pcapng: Not enough data to handle option of length 9)")
    r = _read(tmp_path, *good, pcapng_epb(7, US, FRAME)[:40])
    assert r.warnings[0].message.endswith("(pcapng: interface index 7 is not less than section interface count 1)")
    r = _read(tmp_path, *good, pcapng_epb(0, US, FRAME)[:40])
    assert r.warnings[0].kind == "cut-short"


def test_decryption_secrets_and_name_resolution(tmp_path: Path) -> None:
    good = (pcapng_shb(), pcapng_idb(1), pcapng_epb(0, US, FRAME))
    fine = pcapng_block(0x0A, struct.pack("<II", 0x544C534B, 8) + b"CLIENT_R")
    long = pcapng_block(0x0A, struct.pack("<II", 0x544C534B, 64) + b"CLIENT_R")
    assert len(_read(tmp_path, *good, fine, pcapng_epb(0, US, FRAME))) == 2
    r = _read(tmp_path, *good, long, pcapng_epb(0, US, FRAME))
    assert (len(r), r.warnings[0].kind) == (1, "cut-short")
    nrb = pcapng_block(4, struct.pack("<HH", 1, 12) + bytes([192, 0, 2, 1]) + b"hostname" + struct.pack("<HH", 0, 0))
    r = _read(tmp_path, *good, nrb)
    assert r.warnings[0].message.endswith("(pcapng: NRB record has non-null-terminated host name)")


def test_fcs_lengths(tmp_path: Path) -> None:
    """if_fcslen (bits, or bytes below 8), and epb_flags' FCS length in bytes, which wins."""
    r = _read(tmp_path, pcapng_shb(), pcapng_idb(1, extra=[(13, bytes([32]))]), pcapng_idb(1),
              pcapng_epb(0, US, FRAME), pcapng_epb(1, US, FRAME),
              pcapng_epb(1, US, FRAME, options=[(2, struct.pack("<I", 2 << 5))]))
    assert r.fcs_len is not None
    assert r.fcs_len.tolist() == [4, -1, 2]


def test_section_version_is_checked_before_its_options_are_read(tmp_path: Path) -> None:
    shb = pcapng_shb(version=(476, 0), options=[(1, b"a comment that the file does not hold")])
    with pytest.raises(CaptureError, match=r"\(pcapng: unknown SHB version 476\.0\)"):
        _read(tmp_path, shb[:40])
