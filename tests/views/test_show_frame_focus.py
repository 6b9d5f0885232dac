"""``show --frame N`` frames HTTP, TLS and DNS over TCP in frame N's conversations only
(``Scan.focus``) and reads the capture's records up to frame N only: each frame's tree
must be the one the whole capture's output gives it, compiled and not, on captures with
HTTP (pipelined, chunked), TLS and DNS over TCP and UDP, a port reused by a second
connection, retransmissions, and IP fragments (which frame every conversation; every
frame of those is compared, a datagram's first fragments shown without the frames that
complete it).
"""

from __future__ import annotations

import re

import pytest
from compare import run_tcpscope
from test_show_golden import _golden

from tcpscope.pipeline import focus, stream

pytestmark = pytest.mark.usefixtures("utc")


@pytest.fixture(autouse=True)
def _always_focused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The focused pass on every capture, however few of its frames are plain TCP
    (``pipeline.focus.MIN_PLAIN_SHARE``): IP fragments, UDP and ICMP go through it too."""
    monkeypatch.setattr(focus, "MIN_PLAIN_SHARE", 0.0)

#: Captures compared
CASES = ["http-eth.pcap", "zeek-http-pipelined-requests.pcap", "tls-dns.pcap", "own-port-reuse.pcap",
         "craft-ipv4-frags.pcap", "scapy-http_chunk.pcap.gz", "zeek-ipv4-fragmented-1.pcap",
         "zeek-tcp-fin_retransmission.pcap"]
#: Captures whose every frame is compared (IP fragments: the cut at frame N may leave a
#: datagram open)
EVERY_FRAME = {"craft-ipv4-frags.pcap", "zeek-ipv4-fragmented-1.pcap"}
#: About how many frames of each capture are shown alone (spread evenly, the last one too)
_SAMPLE = 4
#: Frames whose whole output, read in pieces of 16 frames here, differs from tshark's,
#: compared with tshark's recorded tree instead (docs/deviations.md, "Details tree"): the
#: TLS/DNS reassembly walk of views/tree_pdu_reassembled.py does not carry a PDU over a
#: piece's end, where the focused pass reads the conversation as one table
ACROSS_PIECES = {("tls-dns.pcap", 129): "a DNS message over TCP whose segments fall in two pieces"}
_ABOVE_TCP = re.compile(r"\[Protocols in frame: .*:tcp:")
#: The one line that depends on the frames shown before (none with --frame N alone)
_DISPLAYED = re.compile(r"(?m)^    \[Time delta from previous displayed frame: .*\n")


def _frames(text: str) -> list[str]:
    return [_DISPLAYED.sub("", "Frame " + block).rstrip("\n") for block in ("\n" + text).split("\nFrame ")[1:]]


def _sample(trees: list[str]) -> list[int]:
    """The numbers of the frames compared: about :data:`_SAMPLE` spread evenly over those
    with a protocol above TCP (those framed), as many over all frames, the last, and the
    last frame that completes a reassembled PDU (its segments' frame numbers: a focused
    pass's table starts at a later frame)."""
    above = [n for n, tree in enumerate(trees, start=1) if _ABOVE_TCP.search(tree)]
    every = list(range(1, len(trees) + 1))
    reassembled = [n for n, tree in enumerate(trees, start=1) if "Reassembled TCP Segments" in tree][-1:]
    return sorted({*above[::max(1, len(above) // _SAMPLE)], *every[::max(1, len(every) // _SAMPLE)], every[-1],
                   *reassembled})


@pytest.mark.parametrize("jit", ["never", "always"])
@pytest.mark.parametrize("name", CASES)
def test_a_frame_shown_alone_has_the_tree_the_whole_output_gives_it(
        name: str, jit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", jit)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 16)  # the framing carried over pieces too
    whole = _frames(run_tcpscope("show", name).stdout)
    assert len(whole) >= 3
    for number in range(1, len(whole) + 1) if name in EVERY_FRAME else _sample(whole):
        tree = whole[number - 1]
        if (name, number) in ACROSS_PIECES:  # (tshark's tree is recorded with -n)
            assert "Reassembled TCP Segments" not in tree, f"{name} frame {number}: declared, yet written (stale)"
            alone = run_tcpscope("show", "-n", name, "--frame", str(number))
            tree = _frames(_golden(name))[number - 1]
        else:
            alone = run_tcpscope("show", name, "--frame", str(number))
        assert alone.status == 0
        assert _frames(alone.stdout) == [tree], f"{name} frame {number}"


def test_the_conversations_framed_are_those_of_the_frames_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The restriction is real (the comparison above can fail): with --frame, the framers
    are given one conversation's port pair; a frame holding an IP fragment gives none."""
    from tcpscope.analysis import TcpAnalyzer

    seen: list[object] = []
    real = TcpAnalyzer.feed

    def spy(self: TcpAnalyzer, table):  # type: ignore[no-untyped-def]
        seen.append(self.framed)
        return real(self, table)

    monkeypatch.setattr(TcpAnalyzer, "feed", spy)
    run_tcpscope("show", "http-eth.pcap", "--frame", "4")
    assert [len(f) for f in seen if f is not None] == [1]  # type: ignore[arg-type]
    seen.clear()
    run_tcpscope("show", "zeek-ipv4-fragmented-1.pcap", "--frame", "1")
    assert seen == [None]


def test_the_capture_is_read_up_to_the_last_frame_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records after the last frame asked for are not read (``read_records(upto=N)``);
    a frame number that is none (0) reads them all, to say how many the capture has."""
    from tcpscope.capture import pipe

    read: list[int] = []
    real = pipe.read_records

    def spy(path, upto=None):  # type: ignore[no-untyped-def]
        records = real(path, upto)
        read.append(len(records))
        return records

    monkeypatch.setattr(pipe, "read_records", spy)
    run_tcpscope("show", "http-eth.pcap", "--frame", "7", "--frame", "4")
    assert read == [7]
    assert run_tcpscope("show", "http-eth.pcap", "--frame", "0").status != 0
    assert read[1] > 7


def test_a_reassembled_pdu_shown_alone_names_its_segments_frames_as_tshark_does() -> None:
    """http-eth.pcap's frame 42 completes a 14-segment PDU: shown alone, through a focused
    pass whose table starts at a later frame than the capture's first, its segments' frame
    numbers are tshark's (they were counted from the table's first frame)."""
    import lzma

    from make_golden_show import show_path

    golden = lzma.decompress(show_path("http-eth.pcap").read_bytes()).decode("utf-8")
    want = [tree for tree in _frames(golden) if tree.startswith("Frame 42:")]
    alone = run_tcpscope("show", "-n", "http-eth.pcap", "--frame", "42")
    assert "#16(1448)" in want[0]
    assert _frames(alone.stdout) == want
