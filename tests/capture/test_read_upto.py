"""``read_records(path, upto=N)``: a capture's first N records, as ``tcpscope show --frame N``
reads them (a frame's tree depends on the frames before it only). Every column equals
the whole file's first N rows, on every pcap variant, pcapng, gzip, a file larger than the
reader's window, and damaged files; the damage after them is not reported (a pcap file
is read no further than the next record's header; damage there is, as for all records).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from craft import BASE_TS, Frame, eth, ip4, pcap_bytes, tcp

from tcpscope.capture import Records, read_records

CAPTURES = Path(__file__).resolve().parent.parent / "golden" / "captures"
BAD = Path("/work/shared/captures/bad")

#: Captures compared (the reader's variants, pseudo-headers, pcapng, gzip)
CASES = ["http-eth.pcap", "editcap-nsecpcap.pcap", "editcap-modpcap.pcap", "editcap-rh6_1pcap.pcap",
         "craft-pcap-aix.pcap", "craft-pcap-odd-nsec.pcap", "craft-pcap-fcs.pcap", "craft-link-user0.pcap",
         "craft-pcapng-sections.pcapng", "craft-gzip-members.pcap.gz"]


def _columns(r: Records) -> dict[str, np.ndarray]:
    """Every per-frame column of ``r``, an absent optional one as what its absence means."""
    return {
        "offset": r.offset, "caplen": r.caplen, "wirelen": r.wirelen, "ts_ns": r.ts_ns, "iface": r.iface,
        "linktype": r.linktype,
        "interface_id": r.iface if r.interface_id is None else r.interface_id,
        "has_ts": np.ones(len(r), np.bool_) if r.has_ts is None else r.has_ts,
        "fcs_len": np.full(len(r), -1) if r.fcs_len is None else r.fcs_len,
        "ts_nsecs": r.ts_ns % 1_000_000_000 if r.ts_nsecs is None else r.ts_nsecs,
    }


def _same_frames(cut: Records, whole: Records, n: int) -> None:
    assert len(cut) == n
    a, b = _columns(cut), _columns(whole.frames(0, n))
    for name, column in a.items():
        assert np.array_equal(column, b[name]), name
    assert (cut.format, cut.interfaces, cut.has_interface_id) == (whole.format, whole.interfaces, whole.has_interface_id)
    assert bytes(cut.data[cut.offset[-1]:cut.offset[-1] + cut.caplen[-1]]) == \
        bytes(whole.data[whole.offset[n - 1]:whole.offset[n - 1] + whole.caplen[n - 1]])


@pytest.mark.parametrize("name", CASES)
def test_the_first_records_are_the_whole_files_first(name: str) -> None:
    whole = read_records(CAPTURES / name)
    n = len(whole)
    assert n >= 3
    for upto in (1, n // 2, n - 1):
        cut = read_records(CAPTURES / name, upto)
        _same_frames(cut, whole, upto)
        assert cut.warnings == ()
    for upto in (n, n + 1):  # all of them: the whole file, as without upto
        cut = read_records(CAPTURES / name, upto)
        _same_frames(cut, whole, n)
        assert cut.warnings == whole.warnings


def test_a_file_larger_than_the_readers_window(tmp_path: Path) -> None:
    """The walk reads a file a window at a time (256 KiB): it stops inside a later window."""
    recs = [Frame(eth(ip4(tcp(b"x" * 400, seq=i))), BASE_TS + i, 0) for i in range(3000)]
    path = tmp_path / "big.pcap"
    path.write_bytes(pcap_bytes(recs, 1))
    whole = read_records(path)
    assert len(whole) == 3000
    for upto in (1, 700, 2999):
        _same_frames(read_records(path, upto), whole, upto)


def _cut_pcapng(tmp_path: Path) -> Path:
    """A pcapng file whose last block is cut short."""
    path = tmp_path / "cut.pcapng"
    path.write_bytes((CAPTURES / "craft-pcapng-sections.pcapng").read_bytes()[:-5])
    return path


@pytest.mark.parametrize("name", ["truncated-mid-record.pcap", "huge-record-length.pcap", "cut.pcapng"])
def test_damage_after_the_records_asked_for_is_not_seen(name: str, tmp_path: Path) -> None:
    path = _cut_pcapng(tmp_path) if name == "cut.pcapng" else BAD / name
    whole = read_records(path)
    assert whole.warnings
    assert len(whole) >= 2
    cut = read_records(path, len(whole) - 1)
    _same_frames(cut, whole, len(whole) - 1)
    assert cut.warnings == ()
    assert read_records(path, len(whole)).warnings == whole.warnings
