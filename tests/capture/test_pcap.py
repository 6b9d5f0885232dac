"""The pcap reader: variants, byte orders, versions, link types and pseudo-headers (wiretap/libpcap.c)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from craft import BASE_TS, Frame, eth, ip4, pcap_bytes, tcp

from tcpscope.capture import read_records
from tcpscope.capture.pcap import _nsecs
from tcpscope.errors import CaptureError

CAPTURES = Path(__file__).resolve().parent.parent / "golden" / "captures"


def _frames(n: int = 4) -> list[Frame]:
    return [Frame(eth(ip4(tcp(b"z" * i, seq=i))), BASE_TS + i, 1000 * i) for i in range(n)]


def _write(tmp_path: Path, data: bytes, name: str = "t.pcap") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(("name", "fmt"), [
    ("http-eth.pcap", "pcap"),
    ("editcap-nsecpcap.pcap", "pcap-nsec"),
    ("editcap-modpcap.pcap", "pcap-ss991029"),
    ("editcap-suse6_3pcap.pcap", "pcap-ss990915"),
    ("editcap-rh6_1pcap.pcap", "pcap-ss990417"),
    ("editcap-nokiapcap.pcap", "pcap-nokia"),
    ("craft-pcap-aix.pcap", "pcap-aix"),
    ("craft-pcap-be-modified.pcap", "pcap-ss991029"),
])
def test_variant_is_recognised(name: str, fmt: str) -> None:
    """Every record-header flavour is told apart and gives the same 48 or 12 frames."""
    r = read_records(CAPTURES / name)
    assert r.format == fmt
    base = read_records(CAPTURES / ("http-eth.pcap" if len(r) == 48 else "http-get.pcap"))
    assert len(r) == len(base)
    assert np.array_equal(r.caplen, base.caplen)
    assert all(r.data[o : o + 14].tobytes() == base.data[p : p + 14].tobytes()
               for o, p in zip(r.offset.tolist(), base.offset.tolist(), strict=True))


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("kind", ["usec", "nsec"])
def test_byte_orders_and_resolutions(tmp_path: Path, big: bool, kind: str) -> None:
    recs = _frames()
    r = read_records(_write(tmp_path, pcap_bytes(recs, 1, big=big, kind=kind)))
    unit = 1 if kind == "nsec" else 1000
    assert r.ts_ns.tolist() == [f.sec * 10**9 + f.frac * unit for f in recs]
    assert r.caplen.tolist() == [len(f.data) for f in recs]


def test_old_versions_swap_the_lengths(tmp_path: Path) -> None:
    """Before 2.3 orig_len comes first; 2.3 swaps only where incl_len > orig_len; 543.0 (DG/UX) swaps."""
    recs = [Frame(f.data, f.sec, f.frac, caplen=20) for f in _frames()]
    for version in ((2, 2), (2, 3), (543, 0)):
        r = read_records(_write(tmp_path, pcap_bytes(recs, 1, version=version, swap_lengths=True)))
        assert r.caplen.tolist() == [20] * 4
        assert r.wirelen.tolist() == [len(f.data) for f in recs]


def test_snaplen_truncated_records(tmp_path: Path) -> None:
    recs = [Frame(f.data, f.sec, f.frac, caplen=30) for f in _frames()]
    r = read_records(_write(tmp_path, pcap_bytes(recs, 1)))
    assert r.caplen.tolist() == [30] * 4
    assert (r.wirelen > r.caplen).all()


def test_unknown_link_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CaptureError) as exc:
        read_records(_write(tmp_path, pcap_bytes(_frames(), 65000)))
    assert str(exc.value) == ('The file "' + str(tmp_path / "t.pcap") + '" contains record data that tcpscope'
                              " doesn't support.\n(pcap: network type 65000 unknown or unsupported)")


def test_major_version_one_is_unsupported(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match=r"doesn't support\.\n\(pcap: major version 1 unsupported\)"):
        read_records(_write(tmp_path, pcap_bytes(_frames(), 1, version=(1, 0))))


def test_reserved_link_type_bits(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match=r"\(pcap: network type reserved field not zero \(0x00010000\)\)"):
        read_records(_write(tmp_path, pcap_bytes(_frames(), 0x10001)))


def test_modified_pcap_from_a_pipe(tmp_path: Path) -> None:
    """The ss99 variants need a look at the first records, which a pipe does not allow."""
    data = pcap_bytes(_frames(), 1, kind="modified", record_extra=bytes(8))
    with (_write(tmp_path, data)).open("rb") as fh, pytest.raises(CaptureError, match="can't be read from a pipe"):
        read_records(fh)


def test_pseudo_header_is_stripped(tmp_path: Path) -> None:
    """Bluetooth H4 with its 4-byte direction header: frame.len and cap_len leave it out."""
    recs = [Frame(b"\0\0\0\1" + b"\x04\x0e\x01\x00", BASE_TS), Frame(b"\0\0\0\0\x01\x03", BASE_TS, 1)]
    r = read_records(_write(tmp_path, pcap_bytes(recs, 201)))
    assert r.caplen.tolist() == [4, 2]
    assert r.wirelen.tolist() == [4, 2]
    assert r.data[int(r.offset[0])] == 0x04


def test_record_shorter_than_its_pseudo_header(tmp_path: Path) -> None:
    recs = [Frame(b"\0\0\0\1\x04", BASE_TS), Frame(b"\1\2", BASE_TS, 1), Frame(b"\0\0\0\1\x04", BASE_TS, 2)]
    r = read_records(_write(tmp_path, pcap_bytes(recs, 201)))
    assert len(r) == 1
    (w,) = r.warnings
    assert w.kind == "damaged"
    assert w.message.endswith("(pcap/pcapng: Bluetooth file has a 2-byte packet, too small to have even a"
                              " pseudo-header)")


def test_pseudo_header_protocol_check(tmp_path: Path) -> None:
    """LAPD's pseudo-header must say ETH_P_LAPD at byte 14."""
    good = bytes(14) + b"\x00\x30" + b"\x02\x01"
    bad = bytes(14) + b"\x08\x00" + b"\x02\x01"
    r = read_records(_write(tmp_path, pcap_bytes([Frame(good, BASE_TS), Frame(bad, BASE_TS)], 177)))
    assert len(r) == 1
    assert r.warnings[0].message.endswith("(pcap/pcapng: LAPD capture has a packet with an invalid sll_protocol field)")


def test_larger_records_for_dbus(tmp_path: Path) -> None:
    """D-Bus records may reach 128 MiB; other link types stop at 262144 bytes."""
    big = Frame(bytes(300_000), BASE_TS)
    assert len(read_records(_write(tmp_path, pcap_bytes([big], 231), "dbus.pcap"))) == 1
    r = read_records(_write(tmp_path, pcap_bytes([big], 1)))
    assert len(r) == 0
    assert "(pcap: File has 300000-byte packet, bigger than maximum of 262144)" in r.warnings[0].message


def test_fraction_arithmetic_is_wiretaps() -> None:
    """usec * 1000 in 32 bits, then a signed int: what tshark's time fields are made of."""
    frac = [999_999, 1_000_000, 4_294_967, 4_294_968, 0xFFFFFFFF]
    assert [_nsecs(np.int64(f), 1000) for f in frac] == [999_999_000, 1_000_000_000, -296, 704, -1000]
    assert _nsecs(np.int64(0x80000000), 1) == -(2**31)


def test_fcs_bits_of_the_link_type(tmp_path: Path) -> None:
    r = read_records(_write(tmp_path, pcap_bytes(_frames(), 0x24000001)))
    assert r.fcs_len is not None
    assert r.fcs_len.tolist() == [4] * 4
    assert read_records(_write(tmp_path, pcap_bytes(_frames(), 1))).fcs_len is None


def test_gzip_broken_where_the_variant_heuristic_reads(tmp_path: Path) -> None:
    """libpcap_try reads the first three records while opening: a broken stream there fails the open."""
    import gzip

    from tcpscope.errors import CaptureDecompressError

    raw = pcap_bytes(_frames(), 1)
    broken = bytearray(gzip.compress(raw, mtime=0))
    broken[12] ^= 0x55
    data = gzip.compress(raw[:24 + 16 + 54], mtime=0) + bytes(broken)
    with pytest.raises(CaptureDecompressError, match=r"cannot be decompressed; it may be damaged or corrupt\.\("):
        read_records(_write(tmp_path, data, "t.pcap.gz"))
