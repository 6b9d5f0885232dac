"""``tcpscope.views.conversations``: tshark's ``-z conv,tcp`` text byte for byte, and the extras.

The golden comparison runs ``tcpscope conv`` on every capture of ``tests/golden/captures``
(``bad/`` included) and compares its standard output with tshark's, stored by
``tests/golden/make_golden_stats.py``; the ``tshark`` tests check on a few captures that
the installed tshark prints the golden files again, and check the extras against
``tshark -2 -T fields``.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path

import numpy as np
import pytest
from golden_io import LIVE_SAMPLE as LIVE_SAMPLES
from make_golden_conv_extras import Extras, read_extras, stream_extras, tshark_extras
from make_golden_stats import (
    CAPTURES,
    capture_names,
    expected_path,
    run_stat,
)
from tcp_craft import ACK, FIN, NS, RST, SYN, Frame, tcp4, write_pcap

from tcpscope.analysis import analyze
from tcpscope.capture import read_records
from tcpscope.cli.main import main
from tcpscope.dissect.pipeline import dissect
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import (
    COLUMNS,
    LIFECYCLE_COLUMNS,
    Conversations,
    completeness_label,
    conversations,
    format_size,
    render_csv,
    render_json,
    render_tshark,
)

HERE = Path(__file__).resolve().parent

HEADER = (
    "================================================================================\n"
    "TCP Conversations\n"
    "Filter:<No Filter>\n"
    "                                                           |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n"
    "                                                           | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n"
)
RULE = "================================================================================\n"


#: Conversations whose Relative Start and Duration deliberately differ from tshark's: their
#: frames include pcap records whose fraction of a second is out of range, which tshark
#: keeps as a raw (seconds, fraction) pair and compares and subtracts as such; tcpscope
#: holds the normalized instant (docs/deviations.md; the frame and TCP times of the same
#: frames are declared in tests/golden/fieldsets.py and analysis_fields.py).
KNOWN_TIME_DIFFS: dict[str, tuple[str, ...]] = {
    "craft-pcap-odd-usec.pcap": ("10.99.0.1:60054 <-> 10.99.0.2:80",),
    "craft-pcap-odd-nsec.pcap": ("10.99.0.1:60054 <-> 10.99.0.2:80",),
}


def assert_conv_equal(name: str, expected: str, out: str) -> None:
    """tcpscope's table is tshark's, but for the times of the conversations ``KNOWN_TIME_DIFFS``
    declares: those rows must differ there and only there."""
    known = KNOWN_TIME_DIFFS.get(name, ())
    exp, got = expected.splitlines(), out.splitlines()
    assert len(got) == len(exp)
    seen = []
    for a, b in zip(exp, got, strict=True):
        ta, tb = a.split(), b.split()
        if " ".join(ta[:3]) in known:
            seen.append(" ".join(ta[:3]))
            assert ta[:-2] == tb[:-2] and ta[-2:] != tb[-2:], (a, b)
        else:
            assert a == b
    assert sorted(seen) == sorted(known)


@functools.lru_cache(maxsize=8)
def _cached(path: Path) -> PacketTable:
    return analyze(dissect(read_records(path)))


def table_of(path: Path) -> PacketTable:
    return _cached(path) if path.is_relative_to(CAPTURES) else analyze(dissect(read_records(path)))


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(args)
    return status, capsys.readouterr().out


# ---- golden: tshark's text, every capture ----

@pytest.mark.parametrize("name", capture_names())
def test_conv_matches_tshark_golden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = expected_path(name, "conv").read_text(encoding="utf-8")
    _, out = run_cli(["conv", str(CAPTURES / name)], capsys)
    assert_conv_equal(name, expected, out)


#: Captures on which tshark is asked again: the golden files are what it prints (its version
#: is checked once, by tests/golden/test_fields.py against the conftest's ``tshark_version``).
LIVE_SAMPLE = ["http-eth.pcap", "craft-pcap-odd-usec.pcap", "bad/truncated-mid-record.pcap"]


@pytest.mark.tshark
@pytest.mark.parametrize("name", LIVE_SAMPLE)
def test_golden_is_what_tshark_prints(name: str, tshark: str) -> None:
    assert run_stat(name, "conv,tcp", tshark) == expected_path(name, "conv").read_text(encoding="utf-8")


# ---- extras: against tshark -2 -T fields ----

EXTRAS_VERSION, EXTRAS = read_extras()


def test_extras_golden_is_of_the_installed_tshark(tshark_version: str) -> None:
    assert tshark_version == EXTRAS_VERSION


@pytest.mark.parametrize("name", [n for n in capture_names() if expected_path(n, "conv").read_text(encoding="utf-8")])
def test_extras_match_tshark_fields(name: str) -> None:
    """Completeness as ``-2`` shows it on a stream's last frame; retransmissions as the
    frames ``tcp.analysis.retransmission`` marks; RTT from ``tcp.analysis.ack_rtt``.

    Over the captures tshark reads (its conversation table is empty for the others), as
    tests/golden/make_golden_conv_extras.py recorded them. The RTTs of the conversations
    ``KNOWN_TIME_DIFFS`` declares differ as their times do."""
    assert_extras_equal(name, EXTRAS.get(name, {}))


@pytest.mark.tshark
@pytest.mark.parametrize("name", [n for n in LIVE_SAMPLES if expected_path(n, "conv").read_text(encoding="utf-8")])
def test_extras_golden_is_what_tshark_prints(name: str, tshark: str) -> None:
    want = stream_extras(tshark_extras(CAPTURES / name, tshark))
    assert want == EXTRAS.get(name, {}), "conv-extras.tsv is not the installed tshark's: re-record it"
    assert_extras_equal(name, want)


def assert_extras_equal(name: str, want: Extras) -> None:
    """tcpscope's conversations of capture ``name`` against tshark's extras ``want``."""
    conv = conversations(table_of(CAPTURES / name))
    for i in range(len(conv)):
        s = int(conv.stream[i])
        completeness, retransmissions, samples, least, greatest, total = want[s]
        assert int(conv.completeness[i]) == completeness, s
        assert int(conv.retransmissions[i]) == retransmissions, s
        assert int(conv.rtt_samples[i]) == samples, s
        if samples and name in KNOWN_TIME_DIFFS:
            got = (int(conv.rtt_min_ns[i]), int(conv.rtt_max_ns[i]))
            assert got != (least, greatest)
        elif samples:
            assert int(conv.rtt_min_ns[i]) == least
            assert int(conv.rtt_max_ns[i]) == greatest
            assert int(conv.rtt_avg_ns[i]) == total // samples


def test_extras_of_http_eth() -> None:
    conv = conversations(table_of(CAPTURES / "http-eth.pcap"))
    assert conv.stream.tolist() == [1, 0, 2]
    assert conv.first_frame.tolist() == [11, 1, 47]
    assert conv.completeness_label.tolist() == [
        "Complete, WITH_DATA (31)", "Complete, WITH_DATA (31)", "Incomplete (37)"]
    assert conv.closing.tolist() == ["closed", "closed", "reset"]
    assert conv.retransmissions.tolist() == [0, 0, 0]
    assert conv.rtt_samples.tolist() == [18, 6, 1]
    assert conv.rtt_min_ns[2] == conv.rtt_max_ns[2] == 12000


def test_retransmissions_count_every_retransmission_kind() -> None:
    """lossy-seed7: 120 plain, 87 fast and 30 spurious retransmission notes in tshark's
    expert summary; fast and spurious frames carry the plain note too, so the frames
    ``tcp.analysis.retransmission`` matches are the 120."""
    conv = conversations(table_of(CAPTURES / "lossy-seed7.pcap"))
    assert int(conv.retransmissions.sum()) == 120


# ---- format_size (tshark-stats.md §1.4) ----

@pytest.mark.parametrize(("n", "text"), [
    (0, "0 bytes"), (9, "9 bytes"), (9999, "9999 bytes"), (10000, "10 kB"), (10999, "10 kB"),
    (99999, "99 kB"), (9999999, "9999 kB"), (10000000, "10 MB"), (123456789, "123 MB"),
    (2 * 2147483647, "4294 MB"), (5 * 2147483647, "10 GB"), (9999 * 10**9, "9999 GB"),
    (10**13, "10 TB"), (-1, "-1 bytes"), (-2147483648, "-2147483648 bytes"), (-(10**9), "-1000000000 bytes"),
])
def test_format_size(n: int, text: str) -> None:
    assert format_size(n) == text


# ---- crafted captures ----

def _sizes(tmp_path: Path) -> Path:
    lens = [9, 9999, 10000, 10999, 99999, 999999, 9999999, 10000000, 123456789, 4294967295]
    return write_pcap(tmp_path / "sizes.pcap", [
        Frame(1_700_000_000 * NS + i * NS, tcp4("10.0.0.1", "10.0.0.2", 40000 + i, 80, flags=SYN), n)
        for i, n in enumerate(lens)])


def _gb(tmp_path: Path) -> Path:
    """tshark-stats.md E15 gb.pcap: 5 x 2147483647, 2 x 2147483647, 1 x 2147483648 bytes."""
    frames = []
    for conv, (count, size) in enumerate([(5, 2147483647), (2, 2147483647), (1, 2147483648)]):
        for k in range(count):
            frames.append(Frame((1_700_000_000 + 10 * conv + k) * NS,
                                tcp4("10.0.0.2", "10.0.0.1", 80, 41000 + conv, flags=ACK), size))
    return write_pcap(tmp_path / "gb.pcap", frames)


def test_sizes_rows(tmp_path: Path) -> None:
    """The rows of tshark-stats.md E15 (tested there with tshark)."""
    text = render_tshark(conversations(table_of(_sizes(tmp_path))))
    rows = text.splitlines()[5:-1]
    assert rows[1] == ("10.0.0.1:40001             <-> 10.0.0.2:80                      0 0 bytes         "
                       "1 9999 bytes       1 9999 bytes     1.000000000         0.0000")
    assert rows[9] == ("10.0.0.1:40009             <-> 10.0.0.2:80                      0 0 bytes         "
                       "1 -1 bytes        1 -1 bytes      9.000000000         0.0000")
    assert [" ".join(r.split()[7:9]) for r in rows] == [
        "9 bytes", "9999 bytes", "10 kB", "10 kB", "99 kB", "999 kB", "9999 kB", "10 MB", "123 MB", "-1 bytes"]


def test_int_frame_lengths_wrap_like_tshark(tmp_path: Path) -> None:
    rows = render_tshark(conversations(table_of(_gb(tmp_path)))).splitlines()[5:-1]
    assert rows == [
        "10.0.0.2:80                <-> 10.0.0.1:41000                   0 0 bytes         5 10 GB           "
        "5 10 GB         0.000000000         4.0000",
        "10.0.0.2:80                <-> 10.0.0.1:41001                   0 0 bytes         2 4294 MB         "
        "2 4294 MB      10.000000000         1.0000",
        "10.0.0.2:80                <-> 10.0.0.1:41002                   0 0 bytes         1 -2147483648 bytes       "
        "1 -2147483648 bytes    20.000000000         0.0000",
    ]


def _ties(tmp_path: Path) -> Path:
    """Four connections: 2, 3, 2 and 3 frames, first seen in that order, interleaved."""
    a = ("10.0.0.1", "10.0.0.9")
    plan = [(50000, 2), (50001, 3), (50002, 2), (50003, 3)]
    frames = []
    t = 1_700_000_000 * NS
    for rnd in range(3):
        for port, count in plan:
            if rnd < count:
                frames.append(Frame(t, tcp4(a[0], a[1], port, 80, 100 + rnd, ack=0, flags=SYN if rnd == 0 else ACK)))
                t += 1000
    return write_pcap(tmp_path / "ties.pcap", frames)


def test_row_order_ties_keep_first_seen_order(tmp_path: Path) -> None:
    conv = conversations(table_of(_ties(tmp_path)))
    assert conv.port_a.tolist() == [50001, 50003, 50000, 50002]
    assert conv.frames.tolist() == [3, 3, 2, 2]


def _times(tmp_path: Path) -> Path:
    """Frames going back in time: negative starts, a start one nanosecond before frame 1,
    and one conversation spanning more than 2^31 seconds."""
    return write_pcap(tmp_path / "times.pcap", [
        Frame(1_700_000_000 * NS + 987_654_321, tcp4("10.0.0.1", "10.0.0.2", 50000, 80, 1000, ack=0, flags=SYN)),
        Frame(1_700_000_000 * NS + 987_654_320, tcp4("10.0.0.4", "10.0.0.2", 50002, 80, 5, ack=0, flags=SYN)),
        Frame(1_700_000_001 * NS + 987_654_319, tcp4("10.0.0.4", "10.0.0.2", 50002, 80, 5, ack=0, flags=SYN)),
        Frame(1_699_999_999 * NS + 987_654_322, tcp4("10.0.0.5", "10.0.0.2", 50003, 80, 5, ack=0, flags=SYN)),
        Frame(1_700_000_009 * NS + 237_654_321, tcp4("10.0.0.6", "10.0.0.2", 50004, 80, 5, ack=0, flags=SYN)),
        Frame(5 * NS + 123_456_789, tcp4("10.0.0.3", "10.0.0.2", 50001, 80, 5, ack=0, flags=SYN)),
        Frame(3_400_000_000 * NS + 123_456_787, tcp4("10.0.0.3", "10.0.0.2", 50001, 80, 5, ack=0, flags=SYN)),
    ])


TIMES_ROWS = [
    "10.0.0.4:50002             <-> 10.0.0.2:80                      0 0 bytes         2 80 bytes        "
    "2 80 bytes     -0.000000001         1.0000",
    # tshark prints "1699999999.135802507   -3399999995.0000" here: see test_times_tshark_overflow
    "10.0.0.3:50001             <-> 10.0.0.2:80                      0 0 bytes         2 80 bytes        "
    "2 80 bytes   -1699999995.864197493   3399999995.0000",
    "10.0.0.1:50000             <-> 10.0.0.2:80                      0 0 bytes         1 40 bytes        "
    "1 40 bytes      0.000000000         0.0000",
    "10.0.0.5:50003             <-> 10.0.0.2:80                      0 0 bytes         1 40 bytes        "
    "1 40 bytes     -0.999999999         0.0000",
    "10.0.0.6:50004             <-> 10.0.0.2:80                      0 0 bytes         1 40 bytes        "
    "1 40 bytes      8.250000000         0.0000",
]


def test_negative_and_huge_relative_times(tmp_path: Path) -> None:
    conv = conversations(table_of(_times(tmp_path)))
    assert render_tshark(conv).splitlines()[5:-1] == TIMES_ROWS
    assert conv.rel_start_ns.tolist()[:2] == [-1, -1_699_999_995_864_197_532]


@pytest.mark.tshark
def test_times_tshark_overflow(tmp_path: Path, tshark: str) -> None:
    """tshark agrees on every row but the conversation whose frames are more than 2^31 s
    apart: nstime_cmp casts the difference of the seconds to int, so the later frame
    compares as earlier (docs/deviations.md, Statistics)."""
    path = _times(tmp_path)
    got = _live(tshark, path, "conv,tcp").splitlines()[5:-1]
    assert got[0] == TIMES_ROWS[0] and got[2:] == TIMES_ROWS[2:]
    assert got[1].endswith("1699999999.135802507   -3399999995.0000")


def _live(tshark: str, path: Path, stat: str) -> str:
    import subprocess

    return subprocess.run([tshark, "-r", str(path), "-q", "-z", stat], capture_output=True, text=True,
                          check=False).stdout


@pytest.mark.tshark
@pytest.mark.parametrize("make", [_sizes, _gb, _ties])
def test_crafted_match_tshark_live(make, tmp_path: Path, tshark: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    assert render_tshark(conversations(table_of(path))) == _live(tshark, path, "conv,tcp")


def _reuse(tmp_path: Path) -> Path:
    """Two connections on one 4-tuple (new ISN: a new tcp.stream), and one whose first
    captured frame is the SYN/ACK (A is the server), closed by a FIN each way and then a RST."""
    c, s = ("192.0.2.1", 50000), ("198.51.100.2", 80)
    t0 = 1_700_000_000 * NS
    frames = []
    for k, (isn, t) in enumerate([(1000, t0), (900000, t0 + NS)]):
        frames += [
            Frame(t, tcp4(c[0], s[0], c[1], s[1], isn, ack=0, flags=SYN)),
            Frame(t + 1_000_000, tcp4(s[0], c[0], s[1], c[1], 5000, ack=isn + 1, flags=SYN | ACK)),
            Frame(t + 2_000_000, tcp4(c[0], s[0], c[1], s[1], isn + 1, ack=5001, flags=ACK, payload=b"x" * (6 + k))),
            Frame(t + 3_000_000, tcp4(s[0], c[0], s[1], c[1], 5001, ack=isn + 7 + k, flags=ACK | FIN)),
            Frame(t + 4_000_000, tcp4(c[0], s[0], c[1], s[1], isn + 7 + k, ack=5002, flags=ACK | FIN)),
            Frame(t + 5_000_000, tcp4(s[0], c[0], s[1], c[1], 5002, ack=isn + 8 + k, flags=ACK)),
        ]
    frames += [
        Frame(t0 + 2 * NS, tcp4("192.0.2.7", "192.0.2.1", 443, 51000, 70, ack=11, flags=SYN | ACK)),
        Frame(t0 + 2 * NS + 1000, tcp4("192.0.2.1", "192.0.2.7", 51000, 443, 11, ack=71, flags=RST)),
    ]
    return write_pcap(tmp_path / "reuse.pcap", frames)


def test_port_reuse_and_server_first(tmp_path: Path) -> None:
    conv = conversations(table_of(_reuse(tmp_path)))
    assert conv.stream.tolist() == [0, 1, 2]
    assert conv.addr_a.tolist() == ["192.0.2.1", "192.0.2.1", "192.0.2.7"]
    assert conv.port_a.tolist() == [50000, 50000, 443]
    assert conv.frames_ab.tolist() == [3, 3, 1]
    assert conv.bytes_ab.tolist() == [46 + 40 + 40, 47 + 40 + 40, 40]
    assert conv.closing.tolist() == ["closed", "closed", "reset"]
    assert conv.completeness_label.tolist() == [
        "Complete, WITH_DATA (31)", "Complete, WITH_DATA (31)", "Incomplete (34)"]
    # SYN/ACK, data, FIN, FIN and last ACK each acknowledge a segment; the RST acks the SYN/ACK
    assert conv.rtt_samples.tolist() == [5, 5, 1]


@pytest.mark.tshark
def test_port_reuse_matches_tshark_live(tmp_path: Path, tshark: str) -> None:
    path = _reuse(tmp_path)
    assert render_tshark(conversations(table_of(path))) == _live(tshark, path, "conv,tcp")


# ---- masks (the tap filter of -z conv,tcp,FILTER) ----

E6 = (
    "================================================================================\n"
    "TCP Conversations\n"
    "Filter:tcp.port==8081 || frame.number<=3\n"
    + HEADER.split("\n", 3)[3]
    + "10.88.0.1:33424            <-> 10.88.0.2:8080                   1 74 bytes        2 140 bytes       "
      "3 214 bytes     0.000000000         0.0000\n"
    "10.88.0.1:37326            <-> 10.88.0.2:8081                   1 54 bytes        1 74 bytes        "
    "2 128 bytes     0.012289000         0.0000\n"
    + RULE
)


def _e6_mask(table: PacketTable) -> np.ndarray:  # type: ignore[type-arg]
    tcp = table.layer("tcp")
    mask = np.arange(table.n) < 3
    port = (np.asarray(tcp.cols["srcport"]) == 8081) | (np.asarray(tcp.cols["dstport"]) == 8081)
    mask[tcp.pkt[port]] = True
    return mask


def test_mask_counts_only_selected_frames() -> None:
    """tshark-stats.md E6: ``-z 'conv,tcp,tcp.port==8081 || frame.number<=3'``."""
    table = table_of(CAPTURES / "http-eth.pcap")
    conv = conversations(table, _e6_mask(table))
    assert render_tshark(conv, "tcp.port==8081 || frame.number<=3") == E6
    # the state still describes the whole connection
    assert conv.completeness_label.tolist() == ["Complete, WITH_DATA (31)", "Incomplete (37)"]


@pytest.mark.tshark
def test_mask_matches_tshark_tap_filter(tshark: str) -> None:
    flt = "tcp.port==8081 || frame.number<=3"
    table = table_of(CAPTURES / "http-eth.pcap")
    assert render_tshark(conversations(table, _e6_mask(table)), flt) == run_stat("http-eth.pcap", f"conv,tcp,{flt}",
                                                                                tshark)


def test_cli_display_filter(capsys: pytest.CaptureFixture[str]) -> None:
    import tcpscope.filter

    if not hasattr(tcpscope.filter, "compile_filter"):
        pytest.skip("display filters (tcpscope.filter.compile_filter) are not merged yet")
    status, out = run_cli(["conv", str(CAPTURES / "http-eth.pcap"), "-Y", "tcp.port==8081 || frame.number<=3"],
                          capsys)
    assert status == 0
    assert out == E6


# ---- empty ----

def test_no_tcp_prints_header_and_rule(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run_cli(["conv", str(CAPTURES / "scapy-macos.pcapng.gz")], capsys)
    assert out == HEADER + RULE
    conv = conversations(table_of(CAPTURES / "scapy-macos.pcapng.gz"))
    assert len(conv) == 0
    assert render_csv(conv) == ",".join([*COLUMNS, *LIFECYCLE_COLUMNS]) + "\n"
    assert render_json(conv) == "[]\n"


def test_empty_capture(tmp_path: Path) -> None:
    conv = conversations(table_of(write_pcap(tmp_path / "empty.pcap", [])))
    assert render_tshark(conv) == HEADER + RULE


def test_unanalysed_table_is_misuse() -> None:
    with pytest.raises(ValueError, match="analysed"):
        conversations(dissect(read_records(CAPTURES / "http-eth.pcap")))


# ---- labels, renderers, dataframes ----

@pytest.mark.parametrize(("value", "label"), [
    (0, "Incomplete (0)"), (1, "Incomplete, SYN_SENT (1)"), (3, "Incomplete, CLIENT_ESTABLISHED (3)"),
    (7, "Incomplete, ESTABLISHED (7)"), (15, "Incomplete, DATA (15)"), (31, "Complete, WITH_DATA (31)"),
    (47, "Complete, WITH_DATA (47)"), (63, "Complete, WITH_DATA (63)"), (23, "Complete, NO_DATA (23)"),
    (39, "Complete, NO_DATA (39)"), (55, "Complete, NO_DATA (55)"), (30, "Incomplete (30)"),
    (12, "Incomplete (12)"), (37, "Incomplete (37)"),
])
def test_completeness_labels(value: int, label: str) -> None:
    assert completeness_label(value) == label


def _http_eth() -> Conversations:
    return conversations(table_of(CAPTURES / "http-eth.pcap"))


def test_csv_and_json_carry_every_column(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run_cli(["conv", str(CAPTURES / "http-eth.pcap"), "--format", "csv"], capsys)
    lines = out.splitlines()
    assert lines[0] == ",".join([*COLUMNS, *LIFECYCLE_COLUMNS])
    # stream 1: the client 10.88.0.1:33432 sends SYN 11, the server SYN/ACK 12, ACK 13;
    # the client's FIN 44 is acknowledged by the server's FIN 45 (acks_frame 44): three
    # segments, the client first. Zeek: the client is the originator; both FINs: SF;
    # duration from frame 11 (0.006392) to the FIN that completes the close, 45 (0.006656):
    # 0.000264 s; 87 bytes of payload from the client, 20242 from the server; letters S
    # (11), h (12), A (13), D (14), a (15), d (16), F (44), f (45); 19 and 17 packets, their
    # IP lengths 1349 - 19 * 14 = 1083 and 21372 - 17 * 14 = 21134 bytes
    assert lines[1] == ('1,10.88.0.1,33432,10.88.0.2,8080,19,1349,17,21372,36,22721,6392000,266000,11,0,'
                        '18,1000,2666,13000,31,"Complete, WITH_DATA (31)",closed,'
                        '10.88.0.1:33432,10.88.0.2:8080,three-way handshake,three-segment FIN close,client,TIME-WAIT,CLOSED,'
                        '10.88.0.1,33432,10.88.0.2,8080,tcp,0.000264,87,20242,SF,0,ShADadFf,19,1083,17,21134')
    _, out = run_cli(["conv", str(CAPTURES / "http-eth.pcap"), "--format", "json"], capsys)
    rows = json.loads(out)
    assert [r["stream"] for r in rows] == [1, 0, 2]
    assert list(rows[0]) == [*COLUMNS, *LIFECYCLE_COLUMNS]
    assert rows[2]["closing"] == "reset"
    # stream 2: the SYN 47 answered by the RST/ACK 48: refused, Zeek REJ, history S r
    assert (rows[2]["opened"], rows[2]["closed"], rows[2]["conn_state"], rows[2]["history"]) == (
        "refused by RST", "RST by the server", "REJ", "Sr")


def test_csv_prints_zeek_duration_as_conn_log_does(capsys: pytest.CaptureFixture[str]) -> None:
    """Zeek's conn.log prints an interval with six decimals and no exponent; JSON keeps a
    number. http-eth stream 2: the SYN 47 (1795557577.146333) and the RST 48
    (.146345): 12 us, 0.000012 (Python would print 1.2e-05). zeek-tcp-retransmit-fast009:
    Zeek's own baseline (shared reference zeek-baselines.tsv, core.tcp.rxmit-history)
    logs 60.991770, trailing zero kept."""
    _, out = run_cli(["conv", str(CAPTURES / "http-eth.pcap"), "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["duration"] for r in rows] == ["0.000264", "0.000264", "0.000012"]
    _, out = run_cli(["conv", str(CAPTURES / "http-eth.pcap"), "--format", "json"], capsys)
    assert [r["duration"] for r in json.loads(out)] == [0.000264, 0.000264, 0.000012]
    _, out = run_cli(["conv", str(CAPTURES / "zeek-tcp-retransmit-fast009.pcap"), "--format", "csv"], capsys)
    assert [r["duration"] for r in csv.DictReader(io.StringIO(out))] == ["60.991770"]


def test_zeek_duration_and_sizes_are_null_when_zeek_logs_a_dash(capsys: pytest.CaptureFixture[str]) -> None:
    """zeek-tcp-single-rst: one RST, so a duration of 0, which Zeek logs as ``-``, and
    then no orig_bytes or resp_bytes either."""
    _, out = run_cli(["conv", str(CAPTURES / "zeek-tcp-single-rst.pcap"), "--format", "json"], capsys)
    row = json.loads(out)[0]
    assert (row["duration"], row["orig_bytes"], row["resp_bytes"], row["conn_state"]) == (None, None, None, "OTH")


def test_missing_rtt_is_null(tmp_path: Path) -> None:
    conv = conversations(table_of(_sizes(tmp_path)))
    assert set(conv.rtt_samples.tolist()) == {0}
    assert render_csv(conv).splitlines()[1].split(",")[16:19] == ["", "", ""]
    assert json.loads(render_json(conv))[0]["rtt_min_ns"] is None
    assert conv.to_arrow().column("rtt_avg_ns").null_count == 10
    assert conv.to_pandas()["rtt_max_ns"].isna().all()


def test_to_arrow_and_pandas() -> None:
    conv = _http_eth()
    at = conv.to_arrow()
    assert at.column_names == [*COLUMNS, *LIFECYCLE_COLUMNS]
    assert at.column("addr_a").to_pylist() == ["10.88.0.1"] * 3
    df = conv.to_pandas()
    assert list(df.columns) == [*COLUMNS, *LIFECYCLE_COLUMNS]
    assert df["frames"].tolist() == [36, 10, 2]
    assert str(df["rtt_min_ns"].dtype) == "timedelta64[ns]"  # a duration, NaT where null
    assert str(df["port_a"].dtype) == "UInt16" and str(at.schema.field("duration_ns").type) == "duration[ns]"
    assert df.loc[2, "completeness_label"] == "Incomplete (37)"


def test_extras_table(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run_cli(["conv", str(CAPTURES / "http-eth.pcap"), "--extras"], capsys)
    lines = out.splitlines()
    assert lines[3].endswith("| Stream | Retrans |  RTT min/avg/max (ms)  | State | Opened / closed | Final states "
                             "| Zeek")
    assert lines[5].endswith("Complete, WITH_DATA (31), closed   three-way handshake / three-segment FIN close "
                             "(client first)   client TIME-WAIT, server CLOSED   SF ShADadFf")
    assert lines[7].endswith("2         0        0.012/0.012/0.012   Incomplete (37), reset   "
                             "refused by RST / RST by the server   client CLOSED, server CLOSED   REJ Sr")
    # the tshark part of each row is unchanged
    plain = render_tshark(_http_eth()).splitlines()
    for i in range(5, 8):
        assert lines[i].startswith(plain[i])


def test_capture_api() -> None:
    import tcpscope

    cap = tcpscope.open(CAPTURES / "http-eth.pcap")
    conv = cap.conversations
    assert isinstance(conv, Conversations)
    assert conv.to_pandas()["stream"].tolist() == [1, 0, 2]
    one = cap.stream(2).conversations
    assert one.stream.tolist() == [2] and one.frames.tolist() == [2]
