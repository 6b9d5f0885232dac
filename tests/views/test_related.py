"""The related-packet margin (``Capture.related``, ``tcpscope list --select N``) against
the tree tshark prints for the selected frame.

No screenshot of Wireshark's own rendering is available here, so the tests check the
rule ui/qt/models/related_packet_delegate.cpp (4.0.17) draws by, restated from it:

- MARKS: the selected frame's tree is walked in order; each FT_FRAMENUM item names a
  frame, and a frame named more than once keeps the subtype of the first item naming
  it. Subtypes, from the hf registrations: ``tcp.analysis.acks_frame`` ACK (✓),
  ``tcp.analysis.duplicate_ack_frame`` DUP_ACK (✓✓), ``http.request_in`` and
  ``icmp.resp_to`` REQUEST (→), ``http.response_in`` and ``icmp.resp_in`` RESPONSE (←),
  any other (``tcp.analysis.rto_frame``, ``tcp.segment``, ``ip.fragment``...) NONE (○).
  A REQUEST kept makes the selected frame a RESPONSE, a RESPONSE kept makes it a REQUEST.
- LINE: the selected frame's conversation (its ``tcp.stream``) runs from its first frame
  to its last over the whole capture; if they differ, the first frame gets ┌, the last
  └, the frames between ││ when of the conversation and ┆ when not; nothing elsewhere.
- Only displayed frames are drawn; the rest of each line is the plain list's.

tshark's tree is read with ``-T pdml`` (the tree ``tshark -V`` prints, with each item's
field name); its FT_FRAMENUM fields are those ``tshark -G fields`` types so. The links
tcpscope does not compute yet are declared by field, with their reason.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from functools import lru_cache

import numpy as np
import pytest
from compare import CAPTURES, run_tcpscope

import tcpscope
from tcpscope.filter.registry import registry
from tcpscope.table.schema import FieldType
from tcpscope.views.related import (
    LINK_FIELDS,
    MARK_TEXT,
    NO_MARK,
    TRACE_TEXT,
    FrameLink,
    Link,
    Trace,
    marks_of,
    selection,
    trace_of,
)

#: The frames selected, per capture, with what each shows
CASES: dict[str, tuple[tuple[int, str], ...]] = {
    "lossy-seed7.pcap": (
        (16, "a duplicate ACK of stream 0 while stream 1 has begun: ✓✓ on 12, ┆ over stream 1's frames"),
        (31, "the second duplicate ACK of 27"),
        (32, "a fast retransmission: no link, the line only"),
        (33, "an ACK of 32: ✓"),
        (10, "stream 1's first frame (a SYN): the line starts on itself"),
        (2098, "a retransmission: rto_frame 1907 (○)"),
        (3836, "stream 1's last frame, an ACK"),
        (3845, "the capture's last frame, stream 2's RST"),
    ),
    "own-lossy-seed11.pcap": ((8, "a retransmission of 6 (rto_frame)"), (7, "a duplicate ACK")),
    "http-get.pcap": ((8, "an HTTP response: request_in 4 and its segments (declared)"), (4, "an HTTP request"),
                      (12, "the last frame")),
    "zeek-http-pipelined-requests.pcap": ((12, "a pipelined response: request_in, prev_request_in, segments"),
                                          (5, "an ACK of a request")),
    "zeek-ipv4-fragmented-1.pcap": ((3, "a reassembled UDP datagram: ip.fragment (declared), no TCP"),),
    "zeek-tcp-single-rst.pcap": ((1, "a conversation of one frame: no line"),),
    "tls-dns.pcap": ((129, "a DNS response over TCP: dns.response_to (declared)"), (20, "an ACK inside a TLS connection")),
}

#: tshark's link fields tcpscope does not compute yet, with the reason
DECLARED_FIELDS = {
    "tcp.segment": "TCP reassembly: pending issue 18",
    "ip.fragment": "the frames of a reassembled IPv4 datagram are not kept as a field",
    "ip.fragment.error": "the frames of a reassembled IPv4 datagram are not kept as a field",
    "ipv6.fragment": "the frames of a reassembled IPv6 datagram are not kept as a field",
    "dns.response_to": "DNS is not dissected",
}

#: Selected frames whose conversation is not TCP: Wireshark draws their UDP (or other)
#: conversation's line; tcpscope knows TCP conversations only and draws none
NOT_TCP_DECLARED = {("zeek-ipv4-fragmented-1.pcap", 3)}

#: The subtypes of the rule above
KINDS = {"tcp.analysis.acks_frame": Link.ACK, "tcp.analysis.duplicate_ack_frame": Link.DUP_ACK,
         "http.request_in": Link.REQUEST, "icmp.resp_to": Link.REQUEST,
         "http.response_in": Link.RESPONSE, "icmp.resp_in": Link.RESPONSE}


@lru_cache(maxsize=1)
def _framenum_fields(tshark: str) -> frozenset[str]:
    out = subprocess.run([tshark, "-G", "fields"], capture_output=True, text=True, check=True).stdout
    return frozenset(cols[2] for cols in (line.split("\t") for line in out.splitlines())
                     if len(cols) > 3 and cols[0] == "F" and cols[3] == "FT_FRAMENUM")


def _tree_links(tshark: str, name: str, frames: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Each selected frame's FT_FRAMENUM items, in tree order, from tshark's PDML."""
    names = _framenum_fields(tshark)
    flt = "frame.number in {" + ", ".join(map(str, frames)) + "}"
    xml = subprocess.run([tshark, "-r", str(CAPTURES / name), "-Y", flt, "-T", "pdml"], capture_output=True,
                         check=True).stdout
    out: dict[int, list[tuple[str, int]]] = {}
    for packet in ET.fromstring(xml).iter("packet"):
        number = int(next(f for f in packet.iter("field") if f.get("name") == "frame.number").get("show", ""))
        out[number] = [(f.get("name", ""), int(f.get("show", ""))) for f in packet.iter("field")
                       if f.get("name") in names]
    return out


def _tshark_rows(tshark: str, name: str, display_filter: str | None = None) -> tuple[list[int], dict[int, int]]:
    """The displayed frames, and every frame's tcp.stream (its last one), as tshark gives them."""
    def ask(*extra: str) -> list[list[str]]:
        args = [tshark, "-r", str(CAPTURES / name), "-T", "fields", "-E", "occurrence=l", "-e", "frame.number",
                "-e", "tcp.stream", *extra]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        return [line.split("\t") for line in out.splitlines()]

    streams = {int(n): int(s) for n, s in ask() if s}
    shown = [int(row[0]) for row in (ask("-Y", display_filter) if display_filter else ask())]
    return shown, streams


def _expected(frame: int, links: list[tuple[str, int]], streams: dict[int, int], shown: list[int],
              ) -> list[tuple[int, int, int]]:
    """(number, trace, mark) of each displayed frame, by the rule of the module docstring,
    from tshark's links that tcpscope computes."""
    produced = {name for name, fd in registry().items() if fd.ftype is FieldType.FRAMENUM}
    undeclared = {n for n, _ in links if n not in produced and n not in DECLARED_FIELDS}
    assert not undeclared, f"tshark links by fields neither computed nor declared: {undeclared}"
    marks: dict[int, Link] = {}
    for field, target in links:
        if field in produced:
            marks.setdefault(target, KINDS.get(field, Link.NONE))
    for kind in list(marks.values()):
        if kind in (Link.REQUEST, Link.RESPONSE):
            marks[frame] = Link.RESPONSE if kind is Link.REQUEST else Link.REQUEST
    stream = streams.get(frame)
    members = sorted(n for n, s in streams.items() if s == stream) if stream is not None else []
    rows = []
    for n in shown:
        trace = Trace.NONE
        if members and members[0] != members[-1]:
            if n == members[0]:
                trace = Trace.FIRST
            elif n == members[-1]:
                trace = Trace.LAST
            elif members[0] < n < members[-1]:
                trace = Trace.MEMBER if streams.get(n) == stream else Trace.BYPASS
        rows.append((n, int(trace), int(marks.get(n, NO_MARK))))
    return rows


def _got(cap: tcpscope.Capture, frame: int) -> list[tuple[int, int, int]]:
    m = cap.related(frame)
    return list(zip(m.number.tolist(), m.trace.tolist(), m.mark.tolist(), strict=True))


@pytest.mark.parametrize("name", sorted(CASES))
def test_marks_and_line_match_tsharks_tree(tshark: str, name: str) -> None:
    frames = [f for f, _ in CASES[name]]
    trees = _tree_links(tshark, name, frames)
    shown, streams = _tshark_rows(tshark, name)
    cap = tcpscope.open(CAPTURES / name)
    for frame in frames:
        expected = _expected(frame, trees[frame], streams, shown)
        if (name, frame) in NOT_TCP_DECLARED:
            assert frame not in streams
        assert _got(cap, frame) == expected, (name, frame)


def test_marks_on_displayed_frames_only(tshark: str) -> None:
    """With a display filter (as -Y), the marks and the line on the frames it shows; the
    conversation's first and last frames are still those of the whole capture."""
    name = "lossy-seed7.pcap"
    for flt, frame in (("tcp.stream == 1 && tcp.len == 0", 31), ("frame.number >= 20 && frame.number <= 60", 31),
                       ("tcp.analysis.flags || frame.number == 27", 29)):
        trees = _tree_links(tshark, name, [frame])
        shown, streams = _tshark_rows(tshark, name, flt)
        cap = tcpscope.open(CAPTURES / name).filter(flt)
        assert _got(cap, frame) == _expected(frame, trees[frame], streams, shown), flt


def test_every_framenum_field_has_its_subtype() -> None:
    """Each FT_FRAMENUM field of the registry is in LINK_FIELDS, whose subtypes are the
    rule's; no declared field is computed (a stale declaration)."""
    framenum = {name for name, fd in registry().items() if fd.ftype is FieldType.FRAMENUM}
    listed = dict(LINK_FIELDS)
    assert framenum <= set(listed)
    assert all(kind == KINDS.get(name, Link.NONE) for name, kind in LINK_FIELDS)
    assert not framenum & set(DECLARED_FIELDS)


def test_the_first_link_wins_and_the_selected_frame_answers() -> None:
    links = (FrameLink("tcp.segment", 4, Link.NONE), FrameLink("http.request_in", 4, Link.REQUEST),
             FrameLink("tcp.analysis.acks_frame", 6, Link.ACK))
    assert marks_of(8, links) == {4: Link.NONE, 6: Link.ACK}  # 4's REQUEST lost: 8 is not marked
    assert marks_of(8, links[1:]) == {4: Link.REQUEST, 6: Link.ACK, 8: Link.RESPONSE}
    assert marks_of(3, (FrameLink("http.response_in", 9, Link.RESPONSE), FrameLink("tcp.segment", 3, Link.NONE))
                    ) == {9: Link.RESPONSE, 3: Link.REQUEST}


def test_a_conversation_of_one_frame_draws_no_line() -> None:
    numbers = np.arange(1, 6, dtype=np.int64)
    streams = np.array([0, 1, 0, 2, 0], dtype=np.int64)
    assert trace_of(selection(3, 0, (3, 3), ()), numbers, streams).tolist() == [0] * 5
    assert trace_of(selection(3, 0, (1, 5), ()), numbers, streams).tolist() == [1, 3, 2, 3, 4]
    assert trace_of(selection(3, 0, (2, 4), ()), numbers, streams).tolist() == [0, 1, 2, 4, 0]
    assert trace_of(selection(3, -1, (0, 0), ()), numbers, streams).tolist() == [0] * 5


def test_margin_symbols() -> None:
    """The terminal's symbols, as the README's list section documents them."""
    assert [TRACE_TEXT[t] for t in Trace] == [" ", "┌", "│", "┆", "└"]
    assert [MARK_TEXT[k] for k in (NO_MARK, *Link)] == ["  ", "○ ", "→ ", "← ", "✓ ", "✓✓", "» ", "« "]


def test_a_frame_the_capture_does_not_have() -> None:
    cap = tcpscope.open(CAPTURES / "http-get.pcap")
    with pytest.raises(IndexError, match=r"^There is no packet number 13\.$"):
        cap.related(13)
    with pytest.raises(IndexError, match=r"^There is no packet number 0\.$"):
        cap.related(0)
    with pytest.raises(IndexError, match=r"^Packet number 3 isn't displayed\.$"):
        cap.filter("frame.number > 5").related(3)


# --- the command line ---------------------------------------------------------------------

def test_list_select_draws_the_margin_before_the_plain_line() -> None:
    """Each line is the margin (4 columns) and then, byte for byte, the plain list's line."""
    for name, frame in (("lossy-seed7.pcap", 31), ("http-get.pcap", 9), ("tls-dns.pcap", 129),
                        ("zeek-ipv4-fragmented-1.pcap", 3)):
        plain = run_tcpscope("list", name).stdout.splitlines(keepends=True)
        run = run_tcpscope("list", name, "--select", str(frame))
        assert (run.stderr, run.status) == ("", 0)
        lines = run.stdout.splitlines(keepends=True)
        assert [line[4:] for line in lines] == plain
        cap = tcpscope.open(CAPTURES / name)
        m = cap.related(frame)
        assert [line[:4] for line in lines] == [f"{TRACE_TEXT[Trace(t)]}{MARK_TEXT[k]} " for t, k in
                                                zip(m.trace.tolist(), m.mark.tolist(), strict=True)]


def test_list_select_text() -> None:
    """The symbols as a terminal shows them: frame 9 of http-get.pcap ACKs 8."""
    out = run_tcpscope("list", "http-get.pcap", "--select", "9").stdout.splitlines()
    assert [line[:9] for line in out] == [
        "┌       1", "│       2", "│       3", "│       4", "│       5", "│       6",
        "│       7", "│✓      8", "│       9", "│      10", "│      11", "└      12"]


def test_list_select_with_a_filter() -> None:
    flt = "tcp.analysis.flags || frame.number == 27"
    plain = run_tcpscope("list", "lossy-seed7.pcap", "-Y", flt).stdout.splitlines(keepends=True)
    lines = run_tcpscope("list", "lossy-seed7.pcap", "-Y", flt, "--select", "29").stdout.splitlines(keepends=True)
    assert [line[4:] for line in lines] == plain
    m = tcpscope.open(CAPTURES / "lossy-seed7.pcap").filter(flt).related(29)
    assert [line[:4] for line in lines] == [f"{TRACE_TEXT[Trace(t)]}{MARK_TEXT[k]} " for t, k in
                                            zip(m.trace.tolist(), m.mark.tolist(), strict=True)]


@pytest.mark.parametrize("name", ["http-eth.pcap", "zeek-http-pipelined-requests.pcap", "lossy-seed7.pcap"])
def test_list_select_in_small_pieces(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A piece of a few frames at a time, and a spool that leaves memory at once, print
    what the whole prints."""
    from tcpscope.cli import listing
    from tcpscope.pipeline import stream

    frames = {"http-eth.pcap": (1, 6, 12, 30, 48), "zeek-http-pipelined-requests.pcap": (1, 12, 49),
              "lossy-seed7.pcap": (3836,)}[name]
    whole = {f: run_tcpscope("list", name, "--select", str(f)).stdout for f in frames}
    monkeypatch.setattr(stream, "PIECE_FRAMES", 4 if name != "lossy-seed7.pcap" else 500)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 4 if name != "lossy-seed7.pcap" else 500)
    monkeypatch.setattr(listing, "SPOOL_MEMORY", 100)
    monkeypatch.setattr(listing, "_BATCH", 3)
    for f in frames:
        assert run_tcpscope("list", name, "--select", str(f)).stdout == whole[f], f


def test_list_select_bad_frame_numbers() -> None:
    run = run_tcpscope("list", "http-get.pcap", "--select", "13")
    assert (run.stdout, run.stderr, run.status) == ("", "tcpscope: There is no packet number 13.\n", 2)
    run = run_tcpscope("list", "http-get.pcap", "-Y", "frame.number > 5", "--select", "3")
    assert (run.stdout, run.stderr, run.status) == ("", "tcpscope: Packet number 3 isn't displayed.\n", 2)
    with pytest.raises(SystemExit) as exc:
        run_tcpscope("list", "http-get.pcap", "--select", "x")
    assert exc.value.code == 2
