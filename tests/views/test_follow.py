"""``tcpscope follow``: ``tshark -q -z follow,tcp,MODE,N`` byte for byte, in all four modes.

The golden comparison follows every stream (and one past the last, which does not
exist) of every capture of ``tests/golden/captures`` with TCP, in every mode, and
compares the text with tshark's, stored by ``tests/golden/make_golden_follow.py`` (the
captures of more than 500 records on their first 400); the ``tshark`` tests check that
the installed tshark prints the golden files again. The crafted quirks capture is tshark-stats.md's
example E13 (overlap, duplicate, reordering, an acknowledged hole, an unacknowledged
one), checked against the text the note quotes.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import numpy as np
import pytest
from compare import run_piped
from make_golden_follow import FOLLOW_MODES, block_order, follow_args, follow_path, follow_source, read_follow
from make_golden_stats import CAPTURES, EXPECTED, capture_names, run_stat
from tcp_craft import ACK, NS, PSH, SYN, Frame, tcp4, write_pcap

import tcpscope
from tcpscope.analysis.follow import FollowFeed, follow_chunks
from tcpscope.cli.main import main
from tcpscope.views.follow import Node, follow_nodes, hex_lines, render_follow

GOLDEN = [name for name in capture_names() if follow_path(name).exists()]
RULE = "=" * 67 + "\n"


@functools.cache
def _followed(path: Path) -> dict[tuple[str, int], str]:
    """tcpscope's follow of every stream of ``path`` (and one more), in every mode."""
    cap = tcpscope.open(path)
    table = cap.table
    tcp = table.layer("tcp")
    count = int(table.frame_cols["_tcp_streams"][0]) if "_tcp_streams" in table.frame_cols else 0
    out = {}
    for stream in range(count + 1):
        feed = FollowFeed()
        if len(tcp):
            feed.add(table, np.asarray(tcp.cols["stream"]) == stream)
        chunks = follow_chunks(feed.segments())
        nodes = follow_nodes(feed.first)
        for mode in FOLLOW_MODES:
            out[mode, stream] = render_follow(mode, f"tcp.stream eq {stream}", nodes, chunks)
    return out


def _first_difference(expected: str, got: str) -> str:
    a, b = expected.splitlines(keepends=True), got.splitlines(keepends=True)
    for k, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {k + 1}: expected {x!r}, got {y!r}"
    return f"{len(a)} lines expected, {len(b)} got"


@pytest.mark.parametrize("name", GOLDEN)
def test_golden(name: str) -> None:
    expected = read_follow(name)
    followed = _followed(follow_source(name))
    streams = max(s for _, s in followed)
    assert [key for key in block_order(streams) if key not in followed] == []
    got = "".join(followed[key] for key in block_order(streams))
    assert got == expected, _first_difference(expected, got)


def test_golden_covers_the_captures() -> None:
    """Every capture with TCP has its golden file, the shared ones included."""
    assert len(GOLDEN) >= 100
    for name in ("tls-dns.pcap", "lossy-seed7.pcap", "own-lossy-seed11.pcap", "own-zero-window.pcap",
                 "http-eth.pcap", "zeek-tcp-reassembly.pcap"):
        assert name in GOLDEN
    # the zero-window capture whole: its last connection's keep-alives are at its end
    assert follow_source("own-zero-window.pcap") == CAPTURES / "own-zero-window.pcap"


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["http-eth.pcap", "zeek-tcp-reassembly.pcap", "tls-dns.pcap", "lossy-seed7.pcap",
                                  "own-zero-window.pcap", "zeek-communityid-ipv6.pcap"])
def test_golden_is_what_tshark_prints(name: str, tshark: str, tshark_version: str) -> None:
    """The golden files are what the installed tshark prints today (the same version)."""
    assert tshark_version == (EXPECTED / "TSHARK_VERSION").read_text().strip()
    source = follow_source(name)
    streams = max(s for _, s in _followed(source))
    args = follow_args(streams)
    assert run_stat(str(source), args[1], tshark, tuple(args[2:])) == read_follow(name)


# ---- the crafted quirks of tshark-stats.md E13 ----

C, S = ("192.0.2.1", 50000), ("198.51.100.2", 80)
ISN_C, ISN_S = 1000, 5000
T0 = 1_700_000_000 * NS


def _c(ms: int, rel: int, payload: bytes = b"", flags: int = PSH | ACK) -> Frame:
    return Frame(T0 + ms * NS // 1000, tcp4(C[0], S[0], C[1], S[1], ISN_C + rel, ack=ISN_S + 1, flags=flags,
                                             payload=payload))


def _s(ms: int, rel: int, ack_rel: int, payload: bytes = b"", flags: int = ACK) -> Frame:
    return Frame(T0 + ms * NS // 1000, tcp4(S[0], C[0], S[1], C[1], ISN_S + rel, ack=ISN_C + ack_rel, flags=flags,
                                             payload=payload))


SERVER_BYTES = b"hi\tthere \x80\xff\x00 end \r\nX "

QUIRKS = [
    _c(0, 0, flags=SYN),
    Frame(T0 + NS // 1000, tcp4(S[0], C[0], S[1], C[1], ISN_S, ack=ISN_C + 1, flags=SYN | ACK)),
    _c(2, 1, flags=ACK),
    _c(10, 1, b"0123456789"),
    _c(20, 6, b"56789ABCDE"),
    _c(30, 1, b"0123456789"),
    _c(40, 21, b"KLMNO"),
    _c(50, 16, b"FGHIJ"),
    _s(60, 1, 26, SERVER_BYTES, PSH | ACK),
    _c(70, 31, b"UVWXY"),
    _s(80, 22, 36),
    _c(90, 41, b"pending"),
]

E13_ASCII = ("\n" + RULE + "Follow: tcp,ascii\nFilter: tcp.stream eq 0\nNode 0: 192.0.2.1:50000\n"
             "Node 1: 198.51.100.2:80\n10\n0123456789\n5\nABCDE\n5\nFGHIJ\n5\nKLMNO\n\t21\n"
             "hi.there ... end \r\nX \n34\n[5 bytes missing in capture file].\n5\nUVWXY\n" + RULE)
E13_HEX_BODY = """\
00000000  30 31 32 33 34 35 36 37  38 39                    01234567 89
0000000A  41 42 43 44 45                                    ABCDE
0000000F  46 47 48 49 4a                                    FGHIJ
00000014  4b 4c 4d 4e 4f                                    KLMNO
\t00000000  68 69 09 74 68 65 72 65  20 80 ff 00 20 65 6e 64  hi.there  ... end
\t00000010  20 0d 0a 58 20                                     ..X
00000019  5b 35 20 62 79 74 65 73  20 6d 69 73 73 69 6e 67  [5 bytes  missing
00000029  20 69 6e 20 63 61 70 74  75 72 65 20 66 69 6c 65   in capt ure file
00000039  5d 00                                             ].
0000003B  55 56 57 58 59                                    UVWXY
"""


@pytest.fixture
def quirks(tmp_path: Path) -> Path:
    return write_pcap(tmp_path / "quirks.pcap", QUIRKS)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["follow", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_quirks_ascii_and_hex(quirks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(capsys, str(quirks), "--stream", "0") == (0, E13_ASCII, "")
    code, out, _ = _cli(capsys, str(quirks), "--stream", "0", "--format", "hex")
    assert code == 0
    assert out.split("\n", 6)[6] == E13_HEX_BODY + RULE


@pytest.mark.tshark
def test_quirks_as_tshark(quirks: Path, capsys: pytest.CaptureFixture[str], tshark: str) -> None:
    for mode in FOLLOW_MODES:
        expected = subprocess.run([tshark, "-r", str(quirks), "-q", "-z", f"follow,tcp,{mode},0"],
                                  capture_output=True, check=True).stdout.decode()
        assert _cli(capsys, str(quirks), "--stream", "0", "--format", mode)[1] == expected


def test_the_chunks_of_the_quirks(quirks: Path) -> None:
    """Frame 5 adds only its new tail, frame 6 nothing, frame 7 waits for frame 8, frame 11's
    ACK past held frame 10 brings the marker (with frame 11's number and time 0), frame 12
    after a hole nobody acknowledges is never printed."""
    table = tcpscope.open(quirks).table
    feed = FollowFeed()
    feed.add(table, np.ones(len(table.layer("tcp")), dtype=np.bool_))
    chunks = follow_chunks(feed.segments())
    assert chunks.frame.tolist() == [4, 5, 8, 7, 9, 11, 10]
    assert chunks.node.tolist() == [0, 0, 0, 0, 1, 0, 0]
    assert chunks.missing.tolist() == [0, 0, 0, 0, 0, 5, 0]
    assert chunks.ts[5] == 0
    assert [chunks.data(i) for i in (1, 4, 5)] == [b"ABCDE", SERVER_BYTES, b"[5 bytes missing in capture file]\x00"]


# ---- the command ----


def test_cli_equals_the_golden_blocks(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The command reads the capture a piece at a time (here 7 frames a piece) and prints
    each mode's block of the golden file."""
    from tcpscope.pipeline import stream

    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 7)
    name = "lossy-seed7.pcap"
    source = follow_source(name)
    followed = _followed(source)
    for mode in FOLLOW_MODES:
        assert _cli(capsys, str(source), "--stream", "1", "--format", mode) == (0, followed[mode, 1], "")


def test_stream_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    """As tshark: the header with empty nodes, exit status 0."""
    path = str(follow_source("http-eth.pcap"))
    expected = "\n" + RULE + "Follow: tcp,raw\nFilter: tcp.stream eq 99\nNode 0: :0\nNode 1: :0\n" + RULE
    assert _cli(capsys, path, "--stream", "99", "--format", "raw") == (0, expected, "")
    assert _cli(capsys, path, "--stream", "99", "--format", "yaml")[1] == (
        "peers:\n  - peer: 0\n    host: \n    port: 0\n  - peer: 1\n    host: \n    port: 0\npackets:\n")


def test_display_filter_picks_the_first_frames_stream(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(follow_source("http-eth.pcap"))
    by_number = _cli(capsys, path, "--stream", "2")
    assert _cli(capsys, path, "-Y", "tcp.port == 8081") == by_number
    assert _cli(capsys, path, "-Y", "frame.number >= 3") == _cli(capsys, path, "--stream", "0")
    code, out, err = _cli(capsys, path, "-Y", "udp")
    assert (code, out) == (2, "")
    assert err == "tcpscope: follow: no frame of a TCP stream matches the filter 'udp'\n"


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(follow_source("http-eth.pcap"))
    for args in ([path], [path, "--stream", "-1"], [path, "--stream", "x"], [path, "--stream", "0", "-Y", "tcp"],
                 [path, "--stream", "0", "--format", "ebcdic"]):
        with pytest.raises(SystemExit) as exc:
            main(["follow", *args])
        assert exc.value.code == 2
    capsys.readouterr()
    code, out, err = _cli(capsys, "-", "-Y", "tcp")
    assert (code, out) == (2, "")
    assert err.startswith("tcpscope: follow: -Y reads the capture twice")


def test_out_writes_each_nodes_bytes(quirks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "out"
    assert _cli(capsys, str(quirks), "--stream", "0", "--out", str(folder))[0] == 0
    assert (folder / "tcp-stream-0-node0.bin").read_bytes() == b"0123456789ABCDEFGHIJKLMNOUVWXY"
    assert (folder / "tcp-stream-0-node1.bin").read_bytes() == SERVER_BYTES
    (tmp_path / "file").write_text("")
    code, _, err = _cli(capsys, str(quirks), "--stream", "0", "--out", str(tmp_path / "file"))
    assert code == 2
    assert err.startswith("tcpscope: follow: cannot write to ")


# ---- the layout ----


def test_hex_lines() -> None:
    """tshark-stats.md E8: an eight-byte line loses its gap, a trailing 0x20 its column."""
    assert hex_lines("", 0, b"GET /index.html HTTP/1.1") == [
        "00000000  47 45 54 20 2f 69 6e 64  65 78 2e 68 74 6d 6c 20  GET /ind ex.html\n",
        "00000010  48 54 54 50 2f 31 2e 31                           HTTP/1.1\n",
    ]
    assert hex_lines("\t", 0x1F, b"abcdefghi") == ["\t0000001F  61 62 63 64 65 66 67 68  69" + " " * 21 + "  abcdefgh i\n"]


def test_yaml_ipv6_hosts_and_times() -> None:
    nodes = (Node("2001:db8::1", True, 443), Node("2001:db8::2", True, 50000))
    assert nodes[0].text() == "[2001:db8::1]:443"
    assert "    host: 2001:db8::1\n" in render_follow("yaml", "", nodes, follow_chunks(FollowFeed().segments()))


@pytest.mark.parametrize("name", ["lossy-seed7.pcap", "own-lossy-seed11.pcap", "zeek-tcp-reassembly.pcap"])
def test_compiled_rules_equal_uncompiled(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The follower's kernel gives the same chunks compiled and not, on the whole lossy
    captures (held segments, markers, overlaps)."""
    table = tcpscope.open(CAPTURES / name).table
    tcp = table.layer("tcp")
    stream = np.asarray(tcp.cols["stream"])
    for s in np.unique(stream[stream >= 0]).tolist():
        feed = FollowFeed()
        feed.add(table, stream == s)
        segs = feed.segments()
        got = []
        for mode in ("never", "always"):
            monkeypatch.setenv("TCPSCOPE_JIT", mode)
            chunks = follow_chunks(segs)
            got.append([getattr(chunks, f).tolist() for f in ("node", "frame", "ts", "start", "length", "missing")])
        assert got[0] == got[1]


def test_through_a_pipe() -> None:
    """``tcpscope follow - --stream N`` reads standard input as it comes, and prints the same."""
    source = follow_source("lossy-seed7.pcap")
    done = run_piped("follow", "-", "--stream", "1", "--format", "yaml", stdin=source.read_bytes())
    assert (done.status, done.stderr) == (0, "")
    assert done.stdout == _followed(source)["yaml", 1]
