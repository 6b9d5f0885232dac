"""``tcpscope.views.expert``: ``tshark -q -z expert``, row for row.

How tshark's rows are compared (golden files of ``tests/golden/make_golden_stats.py``,
which the ``tshark`` tests check on a few captures against the installed tshark):

* every row whose protocol is TCP must be printed by tcpscope identically (count, group,
  protocol, summary), in the same order relative to the other TCP rows, but for the
  reassembly error of :data:`PENDING`; tcpscope's rows tshark prints only with a protocol
  tree (:data:`TREE_ONLY`) are left out of the plain comparison;
* every other row must either be printed by tcpscope identically too (IPv4 TTL notes,
  "Malformed Packet" of a TCP header, ...) or match an entry of :data:`PENDING`, which
  says why tcpscope does not raise it (the same list is in docs/deviations.md, "Expert
  information");
* tcpscope prints no row tshark lacks.

So the expected text is tshark's with the pending rows taken out and each section's
total reduced by their frequencies (a section left empty disappears), and tcpscope's
output must equal it byte for byte. A row pending for a capture where tcpscope does
print it fails the test (the entry is out of date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from make_golden_stats import CAPTURES, capture_names, expected_path, run_stat
from tcp_craft import ACK, FIN, NS, SYN, Frame, tcp4, write_pcap

from tcpscope.analysis import analyze
from tcpscope.capture import read_records
from tcpscope.cli.main import main
from tcpscope.dissect.context import Sev
from tcpscope.dissect.pipeline import dissect
from tcpscope.table.packets import PacketTable
from tcpscope.views.expert import expert_entries, frame_ranges

HERE = Path(__file__).resolve().parent

#: tshark rows tcpscope does not print: (protocol, summary pattern, why).
PENDING: tuple[tuple[str, str, str], ...] = (
    ("HTTP", r".*", "pending issue 18: of HTTP's items tcpscope raises only the chats on request and response "
                    "lines (group Sequence); its header warnings, notes and exceptions are not yet"),
    ("TCP", r"New fragment overlaps old data \(retransmission\?\)",
     "pending the reassembly issue: TCP reassembles for HTTP, which tcpscope does not dissect yet"),
    ("SSH", r".*", "tcpscope does not dissect SSH"),
    ("NTP", r".*", "tcpscope does not dissect NTP"),
    ("IPX", r".*", "tcpscope does not dissect IPX"),
    ("JFIF (JPEG) image", r".*", "tcpscope does not dissect media types"),
    ("IPv4", r".+ \((with too-short option length = \d+ bytes?|option length = \d+ bytes? says option goes past "
             r"end of options)\)|Suboption would go past end of option|Pointer points before first address",
     "tcpscope does not dissect IPv4 options"),
    ("IPv6 Routing", r"Routing header type is deprecated", "tcpscope raises no IPv6 Routing header items"),
    ("Ethernet", r"Source MAC must not be a group address: IEEE 802\.3-2002, Section 3\.2\.3\(b\)",
     "tcpscope does not check Ethernet source addresses"),
    ("Ethertype", r"Didn't find padding of zeros, and an undecoded trailer exists\. .*",
     "tcpscope does not analyse Ethernet trailers"),
    ("Ethernet", r"Didn't find padding of zeros, and an undecoded trailer exists\. .*",
     "tcpscope does not analyse Ethernet trailers"),
    # the frame's own items: the arrival-time note is tcpscope's, comments are not yet
    ("Frame", r"(?!Arrival Time: Fractional second ).*", "tcpscope does not read pcapng packet comments"),
    # link types and encapsulations tcpscope does not dissect (docs/deviations.md, Dissection)
    ("NETLINK", r".*", "tcpscope does not dissect Netlink"),
    ("D-Bus", r".*", "tcpscope does not dissect D-Bus"),
    ("LAPD", r".*", "tcpscope does not dissect LAPD"),
    ("HCI_EVT", r".*", "tcpscope does not dissect Bluetooth HCI"),
    ("File-PCAPNG", r".*", "tcpscope does not dissect the file formats it takes as one frame"),
    ("DLT_USER", r".*", "tcpscope does not dissect user link types"),
)

#: tcpscope's rows that a plain ``tshark -q -z expert`` leaves out: packet-tcp.c adds these
#: items only while it builds a protocol tree (``if (tree)``, ``if (opt_item)``), which tshark
#: does for ``-z expert,FILTER``, ``-Y``, ``-V`` and Wireshark but not for the plain summary.
#: tcpscope always reports them (docs/deviations.md, "Expert information").
TREE_ONLY: tuple[tuple[str, str], ...] = (
    ("TCP", r"Bogus TCP header length \(\d+, must be at least 20\)"),
    ("TCP", r"4 NOP in a row - a router may have removed some options"),
)

SECTION = re.compile(r"^(Errors|Warns|Notes|Chats|Comments) \((\d+)\)$")
LINE = "%12d %10s %18s  %s"


@dataclass(frozen=True)
class Row:
    count: int
    group: str
    protocol: str
    summary: str


def parse(text: str) -> list[tuple[str, list[Row]]]:
    """Sections of ``-z expert`` text; fails unless rendering them again gives the text."""
    sections: list[tuple[str, list[Row]]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = SECTION.match(lines[i])
        if m:
            rows: list[Row] = []
            i += 3  # the title, the rule, the column heads
            while i < len(lines) and lines[i]:
                line = lines[i]
                rows.append(Row(int(line[:12]), line[13:23].strip(), line[24:42].strip(), line[44:]))
                i += 1
            sections.append((m.group(1), rows))
        i += 1
    assert render(sections) == text, "the parser must read tshark's text exactly"
    return sections


def render(sections: list[tuple[str, list[Row]]]) -> str:
    out = []
    for label, rows in sections:
        if not rows:
            continue
        out.append(f"\n{label} ({sum(r.count for r in rows)})\n=============\n"
                   "   Frequency      Group           Protocol  Summary\n")
        out += [LINE % (r.count, r.group, r.protocol, r.summary) + "\n" for r in rows]
    return "".join(out)


#: HTTP's rows tcpscope prints: the chat on each request and response line (group Sequence)
HTTP_CHAT = ("HTTP", "Sequence")


def pending_reason(row: Row) -> str | None:
    if (row.protocol, row.group) == HTTP_CHAT:
        return None
    for proto, pattern, why in PENDING:
        if row.protocol == proto and re.fullmatch(pattern, row.summary):
            return why
    return None


def expected_from_tshark(text: str) -> tuple[str, list[tuple[Row, str]]]:
    """tshark's text with the pending rows removed, and those rows with their reasons."""
    kept: list[tuple[str, list[Row]]] = []
    dropped: list[tuple[Row, str]] = []
    for label, rows in parse(text):
        keep = []
        for r in rows:
            why = pending_reason(r)  # a TCP row only where an entry names TCP
            if why is None:
                keep.append(r)
            else:
                dropped.append((r, why))
        kept.append((label, keep))
    return render(kept), dropped


def tree_only(row: Row) -> bool:
    return any(row.protocol == proto and re.fullmatch(pattern, row.summary) for proto, pattern in TREE_ONLY)


def without_tree_only(text: str) -> str:
    """tcpscope's text without the :data:`TREE_ONLY` rows (each section's total reduced)."""
    return render([(label, [r for r in rows if not tree_only(r)]) for label, rows in parse(text)])


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    main(args)
    return capsys.readouterr().out


def check(name: str, tshark_text: str, out: str, tree: bool = False) -> None:
    """tcpscope's ``out`` against tshark's text: the pending rows out of tshark's, and, unless
    tshark built a tree (``tree``), the :data:`TREE_ONLY` rows out of tcpscope's."""
    expected, dropped = expected_from_tshark(tshark_text)
    ours = {(r.protocol, r.summary) for _, rows in parse(out) for r in rows}
    for r, why in dropped:
        assert (r.protocol, r.summary) not in ours, f"{name}: tcpscope prints a row listed as pending ({why})"
    if not tree:
        assert not any(tree_only(r) for _, rows in parse(tshark_text) for r in rows), \
            f"{name}: tshark printed a row listed as tree-only"
        out = without_tree_only(out)
    assert out == expected, name


#: Captures where tshark has HTTP chats on lines tcpscope's HTTP framing does not frame
#: (docs/deviations.md, HTTP): their chat rows are compared apart, and must differ.
UNFRAMED_CHATS: dict[str, str] = {
    "zeek-communityid-tcp.pcap": "a request and a response cut by the snapshot length: the framing stops there",
}


def without_http_chats(text: str) -> str:
    """``-z expert`` text without HTTP's chat rows (each section's total reduced)."""
    return render([(label, [r for r in rows if (r.protocol, r.group) != HTTP_CHAT]) for label, rows in parse(text)])


@pytest.mark.parametrize("name", capture_names())
def test_expert_matches_tshark_golden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    tshark_text = expected_path(name, "expert").read_text(encoding="utf-8")
    out = run_cli(["expert", str(CAPTURES / name)], capsys)
    if name in UNFRAMED_CHATS:
        expected, _ = expected_from_tshark(tshark_text)
        assert expected != without_tree_only(out), f"{name}: declared in UNFRAMED_CHATS but equal"
        tshark_text, out = without_http_chats(tshark_text), without_http_chats(out)
    check(name, tshark_text, out)


#: Captures on which tshark is asked again (its version is checked once, by
#: tests/golden/test_fields.py against the conftest's ``tshark_version``): TCP's notes and
#: warnings, its option and header errors, and a damaged file's.
LIVE_SAMPLE = ["lossy-seed7.pcap", "craft-tcp-options.pcap", "bad/truncated-mid-record.pcap"]


@pytest.mark.tshark
@pytest.mark.parametrize("name", LIVE_SAMPLE)
def test_golden_is_what_tshark_prints(name: str, tshark: str) -> None:
    """The golden files are what the installed tshark prints (asked again on a few captures)."""
    assert run_stat(name, "expert", tshark) == expected_path(name, "expert").read_text(encoding="utf-8")


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["craft-tcp-header.pcap", "craft-tcp-options.pcap"])
def test_tree_only_rows_match_tshark_with_a_tree(name: str, tshark: str, capsys: pytest.CaptureFixture[str]) -> None:
    """With a filter (here one every frame passes) tshark builds the tree, and then prints
    the :data:`TREE_ONLY` rows too: tcpscope's whole text is its text."""
    out = run_cli(["expert", str(CAPTURES / name)], capsys)
    assert out != without_tree_only(out), "the capture no longer has tree-only rows"
    check(name, run_stat(name, "expert,frame", tshark), out, tree=True)


def test_every_pending_entry_is_used() -> None:
    seen = set()
    for name in capture_names():
        _, dropped = expected_from_tshark(expected_path(name, "expert").read_text(encoding="utf-8"))
        seen |= {why for _, why in dropped}
    assert seen == {why for _, _, why in PENDING}


def test_pending_rows_are_in_the_deviations_doc() -> None:
    doc = (HERE.parent.parent / "docs" / "deviations.md").read_text(encoding="utf-8")
    for proto, _, _ in PENDING:
        assert f"`{proto}`" in doc, proto


# ---- entries, levels, frames ----

def table_of(path: Path) -> PacketTable:
    return analyze(dissect(read_records(path)))


def test_entries_of_http_eth() -> None:
    entries = expert_entries(table_of(CAPTURES / "http-eth.pcap"))
    assert [(e.severity, e.count, e.summary) for e in entries][:3] == [
        (Sev.WARN, 1, "Connection reset (RST)"),
        (Sev.NOTE, 2, "This frame initiates the connection closing"),
        (Sev.NOTE, 2, "This frame undergoes the connection closing"),
    ]
    rst = entries[0]
    assert rst.group_name == "Sequence" and rst.protocol == "TCP"
    assert rst.frames.tolist() == [48]


def test_level_keeps_higher_severities(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(["expert", str(CAPTURES / "lossy-seed7.pcap"), "--level", "warn"], capsys)
    assert [m.group(1) for m in map(SECTION.match, out.splitlines()) if m] == ["Warns"]
    entries = expert_entries(table_of(CAPTURES / "lossy-seed7.pcap"), level=Sev.NOTE)
    assert {e.severity for e in entries} == {Sev.WARN, Sev.NOTE}


def test_frames_option(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(["expert", str(CAPTURES / "http-eth.pcap"), "--frames"], capsys).splitlines()
    i = out.index("           1   Sequence                TCP  Connection reset (RST)")
    assert out[i + 1] == "             Frames: 48"
    j = out.index("           4   Sequence                TCP  Connection finish (FIN)")
    assert out[j + 1].startswith("             Frames: ")
    # without the frame lines the text is tshark's
    plain = [line for line in out if not line.startswith("             Frames: ")]
    assert "\n".join(plain) + "\n" == run_cli(["expert", str(CAPTURES / "http-eth.pcap")], capsys)


@pytest.mark.parametrize(("frames", "text"), [
    ([], ""), ([7], "7"), ([1, 2, 3], "1-3"), ([1, 3, 4, 5, 9], "1,3-5,9"), ([2, 4], "2,4"),
])
def test_frame_ranges(frames: list[int], text: str) -> None:
    assert frame_ranges(np.array(frames, dtype=np.int64)) == text


def test_mask_keeps_items_of_selected_frames() -> None:
    table = table_of(CAPTURES / "http-eth.pcap")
    mask = np.zeros(table.n, dtype=np.bool_)
    mask[47] = True  # frame 48, the RST
    entries = expert_entries(table, mask)
    assert [(e.count, e.summary) for e in entries] == [(1, "Connection reset (RST)")]


def test_no_expert_items_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["expert", str(CAPTURES / "scapy-macos.pcapng.gz")], capsys) == ""


def test_duplicate_ack_numbers_are_rows_of_their_own() -> None:
    entries = expert_entries(table_of(CAPTURES / "lossy-seed7.pcap"))
    dup = [e.summary for e in entries if e.summary.startswith("Duplicate ACK")]
    assert dup[:3] == ["Duplicate ACK (#1)", "Duplicate ACK (#2)", "Duplicate ACK (#3)"]


# ---- where tshark is wrong: items it raises only when it builds a tree ----

def _bogus(tmp_path: Path) -> Path:
    """A connection whose 4th frame has data offset 4 (a 16-byte header)."""
    c, s = "10.0.0.1", "10.0.0.2"
    t = 1_700_000_000 * NS
    return write_pcap(tmp_path / "bogus.pcap", [
        Frame(t, tcp4(c, s, 40000, 80, 100, ack=0, flags=SYN)),
        Frame(t + 1000, tcp4(s, c, 80, 40000, 500, ack=101, flags=SYN | ACK)),
        Frame(t + 2000, tcp4(c, s, 40000, 80, 101, ack=501, flags=ACK)),
        Frame(t + 3000, tcp4(c, s, 40000, 80, 101, ack=501, flags=ACK, payload=b"abcd", doff=4)),
        Frame(t + 4000, tcp4(c, s, 40000, 80, 101, ack=501, flags=ACK | FIN)),
    ])


BOGUS_ROW = "           1   Protocol                TCP  Bogus TCP header length (16, must be at least 20)"


def test_bogus_header_length_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """tshark 4.0 adds this error only inside ``if (tree)`` (packet-tcp.c), so a plain
    ``-q -z expert`` (no protocol tree) leaves it out while ``-z expert,FILTER``, ``-Y``,
    ``-V`` and Wireshark show it; tcpscope always reports it (docs/deviations.md)."""
    out = run_cli(["expert", str(_bogus(tmp_path))], capsys)
    sections = dict(parse(out))
    assert [LINE % (r.count, r.group, r.protocol, r.summary) for r in sections["Errors"]] == [BOGUS_ROW]


@pytest.mark.tshark
def test_bogus_header_length_tshark_needs_a_tree(tmp_path: Path, tshark: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    path = _bogus(tmp_path)

    def z(stat: str) -> str:
        return subprocess.run([tshark, "-r", str(path), "-q", "-z", stat], capture_output=True, text=True,
                              check=False).stdout

    ours = run_cli(["expert", str(path)], capsys)
    assert ours == z("expert,frame")  # with a tree: the same text
    plain = z("expert")
    assert BOGUS_ROW not in plain
    assert ours.replace(f"\nErrors (1)\n=============\n   Frequency      Group           Protocol  Summary\n"
                        f"{BOGUS_ROW}\n", "") == plain


def test_malformed_packet_names_the_protocol_being_dissected() -> None:
    """bad-tcp-offset.pcap frame 1: a 60-byte TCP header in a shorter IP payload; the
    options walk reads past the reported length, so "Malformed Packet" is TCP's, last in
    its frame."""
    table = table_of(CAPTURES / "bad" / "bad-tcp-offset.pcap")
    errors = [e for e in expert_entries(table) if e.severity is Sev.ERROR]
    assert [(e.group_name, e.protocol, e.summary, e.frames.tolist()) for e in errors] == [
        ("Malformed", "TCP", "Malformed Packet (Exception occurred)", [1])]
    ex = table.layer("_expert")
    assert np.flatnonzero(ex.pkt == 0)[-1] == errors[0].first
    assert table.malformed[0]
