"""Per-packet TCP states, phase and rule (``tcpscope.analysis.lifecycle``).

The expected states below are written from RFC 9293 for each capture, segment by
segment (the comments give the reasoning), not copied from tcpscope's output. Each row
reads ``frame client-state server-state phase rule``, then ``| finding`` where the
segment makes no sense in a state. The captures of ``lifecycle_captures/`` were recorded
for these tests by ``lifecycle_captures/record.sh``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from compare import capture_files, prefix, run_cli, stem

from tcpscope._jit import job
from tcpscope.analysis import TcpAnalyzer, analyze
from tcpscope.analysis.lifecycle import LIFECYCLE_COLUMNS, Lifecycle
from tcpscope.analysis.tcp_states import PHASE_LABELS, RULE_LABELS, STATE_LABELS, unexpected_texts
from tcpscope.capture import read_records
from tcpscope.constants import ACK, FIN, PSH, SYN
from tcpscope.dissect.pipeline import dissect
from tcpscope.errors import CaptureError
from tcpscope.pipeline import stream

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "captures"
OWN = Path(__file__).resolve().parent / "lifecycle_captures"
FIELDS = ("frame.number", "tcpscope.state.client", "tcpscope.state.server", "tcpscope.phase", "tcpscope.rule",
          "tcpscope.state.unexpected")

E = "ESTABLISHED"


def _got(cap: Path, display_filter: str | None = None) -> list[str]:
    args = [a for f in FIELDS for a in ("-e", f)]
    if display_filter is not None:
        args += ["-Y", display_filter]
    out = run_cli("fields", str(cap), *args)
    rows = []
    for line in out.splitlines():
        *cells, odd = line.split("\t")
        rows.append(" ".join(cells) + (f" | {odd}" if odd else ""))
    return rows


def _exchange(first: int, last: int, client_sends_first: bool = False) -> Iterator[str]:
    """Frames ``first``..``last`` of an established connection where data and its ACK
    alternate (the data first)."""
    for f in range(first, last + 1):
        yield f"{f} {E} {E} data {'data' if (f - first) % 2 == 0 else 'ack'}"


# The tutorial's exchange (http-eth.pcap): two HTTP/1.1 GETs, each on its own connection,
# then a SYN to a closed port.
HTTP_ETH = [
    # RFC 9293 Figure 6: the SYN makes its sender SYN-SENT and, arriving, the listener
    # SYN-RECEIVED; the SYN-ACK makes the client ESTABLISHED; the ACK the server.
    "1 SYN-SENT SYN-RECEIVED handshake syn",
    "2 ESTABLISHED SYN-RECEIVED handshake syn",
    "3 ESTABLISHED ESTABLISHED handshake ack",
    *_exchange(4, 7),  # GET, its ACK, 200 OK, its ACK
    # Figure 12: the client's FIN (FIN-WAIT-1; the server, receiving it, CLOSE-WAIT); the
    # server's FIN acknowledges the client's FIN (the client goes through FIN-WAIT-2 to
    # TIME-WAIT at once; the server LAST-ACK); the last ACK closes the server.
    "8 FIN-WAIT-1 CLOSE-WAIT teardown fin",
    "9 TIME-WAIT LAST-ACK teardown fin",
    "10 TIME-WAIT CLOSED teardown ack",
    "11 SYN-SENT SYN-RECEIVED handshake syn",
    "12 ESTABLISHED SYN-RECEIVED handshake syn",
    "13 ESTABLISHED ESTABLISHED handshake ack",
    *_exchange(14, 15),
    *_exchange(16, 43),  # the response in MSS-sized segments, each acknowledged
    "44 FIN-WAIT-1 CLOSE-WAIT teardown fin",
    "45 TIME-WAIT LAST-ACK teardown fin",
    "46 TIME-WAIT CLOSED teardown ack",
    # port 81 is closed: the RST+ACK acknowledges the SYN, so the client takes it
    # (§3.10.7.3) and the connection is over for both (the server had none).
    "47 SYN-SENT SYN-RECEIVED handshake syn",
    "48 CLOSED CLOSED reset rst",
]

# A client that half-closes (lifecycle_captures/half-close.pcap): it sends its request
# and its FIN, the server still sends 3000 bytes, then its own FIN.
HALF_CLOSE = [
    "1 SYN-SENT SYN-RECEIVED handshake syn",
    "2 ESTABLISHED SYN-RECEIVED handshake syn",
    "3 ESTABLISHED ESTABLISHED handshake ack",
    "4 ESTABLISHED ESTABLISHED data data",
    "5 FIN-WAIT-1 CLOSE-WAIT teardown fin",
    # the server's ACK (ack 19) covers the request, not the FIN (seq 19): still FIN-WAIT-1
    "6 FIN-WAIT-1 CLOSE-WAIT teardown ack",
    # the server's data acknowledges the FIN (ack 20): FIN-WAIT-2, and the half-closed
    # connection still carries data one way (§3.6: CLOSE-WAIT may send)
    "7 FIN-WAIT-2 CLOSE-WAIT data data",
    "8 FIN-WAIT-2 CLOSE-WAIT teardown ack",
    "9 FIN-WAIT-2 CLOSE-WAIT data data",
    "10 FIN-WAIT-2 CLOSE-WAIT teardown ack",
    "11 FIN-WAIT-2 CLOSE-WAIT data data",
    "12 FIN-WAIT-2 CLOSE-WAIT teardown ack",
    # the server's FIN: LAST-ACK; FIN-WAIT-2 receiving a FIN goes to TIME-WAIT
    "13 TIME-WAIT LAST-ACK teardown fin",
    "14 TIME-WAIT CLOSED teardown ack",
]

# A server that resets (lifecycle_captures/server-reset.pcap): it reads "hello" and closes
# with SO_LINGER 0; then a SYN to a port nobody listens on.
SERVER_RESET = [
    "1 SYN-SENT SYN-RECEIVED handshake syn",
    "2 ESTABLISHED SYN-RECEIVED handshake syn",
    "3 ESTABLISHED ESTABLISHED handshake ack",
    "4 ESTABLISHED ESTABLISHED data data",
    "5 ESTABLISHED ESTABLISHED data ack",
    # a RST in ESTABLISHED: its sender's connection is gone, its receiver's too (§3.10.7.4)
    "6 CLOSED CLOSED reset rst",
    "7 SYN-SENT SYN-RECEIVED handshake syn",
    "8 CLOSED CLOSED reset rst",
]

# Both sides shut down at the same moment over a 40 ms link
# (lifecycle_captures/simultaneous-close.pcap): RFC 9293 Figure 13.
SIMULTANEOUS_CLOSE = [
    "1 SYN-SENT SYN-RECEIVED handshake syn",
    "2 ESTABLISHED SYN-RECEIVED handshake syn",
    "3 ESTABLISHED ESTABLISHED handshake ack",
    "4 ESTABLISHED ESTABLISHED data data",
    "5 ESTABLISHED ESTABLISHED data ack",
    "6 FIN-WAIT-1 CLOSE-WAIT teardown fin",
    # the server's FIN acknowledges only the data (ack 19), not the client's FIN (seq
    # 19): it was sent before that FIN arrived, so the server went FIN-WAIT-1 and then,
    # the client's FIN arriving, CLOSING; the client, in FIN-WAIT-1, receives a FIN that
    # does not acknowledge its own: CLOSING
    "7 CLOSING CLOSING teardown fin",
    # each side's ACK of the other's FIN takes the other from CLOSING to TIME-WAIT
    "8 CLOSING TIME-WAIT teardown ack",
    "9 TIME-WAIT TIME-WAIT teardown ack",
]

# Both sides connect to each other at the same moment over a 40 ms link
# (lifecycle_captures/simultaneous-open.pcap, the client is port 7100): RFC 9293 Figure 7.
SIMULTANEOUS_OPEN = [
    "1 SYN-SENT SYN-RECEIVED handshake syn",
    # the server's SYN does not acknowledge the client's (no ACK bit): it was sent from
    # SYN-SENT before that SYN arrived, which then made it SYN-RECEIVED; the client, in
    # SYN-SENT, receives a SYN: SYN-RECEIVED
    "2 SYN-RECEIVED SYN-RECEIVED handshake syn",
    # each SYN-ACK (tshark: a retransmission of the SYN's sequence number) takes its
    # receiver from SYN-RECEIVED to ESTABLISHED
    "3 SYN-RECEIVED ESTABLISHED handshake retransmission",
    "4 ESTABLISHED ESTABLISHED handshake retransmission",
    "5 ESTABLISHED ESTABLISHED data ack",
    "6 ESTABLISHED ESTABLISHED data data",
    "7 ESTABLISHED ESTABLISHED data ack",
    "8 ESTABLISHED ESTABLISHED data ack",
    # the server closes first
    "9 CLOSE-WAIT FIN-WAIT-1 teardown fin",
    "10 CLOSE-WAIT FIN-WAIT-2 teardown ack",
    "11 LAST-ACK TIME-WAIT teardown fin",
    "12 CLOSED TIME-WAIT teardown ack",
]

# Mid-stream (zeek-http-get_nosyn.pcap): no SYN; port 80 is a likely server port, so the
# client is port 59856. UNKNOWN until new data has gone both ways.
NO_SYN = [
    "1 UNKNOWN UNKNOWN data data",
    "2 UNKNOWN UNKNOWN data ack",
    "3 ESTABLISHED ESTABLISHED data data",
    *(f"{f} {E} {E} data data" for f in (4, 5, 6)),
    "7 ESTABLISHED ESTABLISHED data ack",
    "8 ESTABLISHED ESTABLISHED data ack",
    "9 FIN-WAIT-1 CLOSE-WAIT teardown fin",
    "10 TIME-WAIT LAST-ACK teardown fin",
    "11 TIME-WAIT CLOSED teardown ack",
]

# The SYN was not captured (zeek-tcp-missing-syn.pcap): the SYN-ACK's receiver is the
# client, and was in SYN-SENT: the SYN-ACK makes it ESTABLISHED, its sender SYN-RECEIVED.
# The close has four segments: FIN, ACK (FIN-WAIT-2), FIN, ACK.
MISSING_SYN = [
    "1 ESTABLISHED SYN-RECEIVED handshake syn",
    "2 ESTABLISHED ESTABLISHED handshake ack",
    "3 ESTABLISHED ESTABLISHED data data",
    *(f"{f} {E} {E} data {'ack' if f in (6, 7, 12, 13, 14, 15, 17) else 'data'}" for f in range(4, 18)),
    "18 FIN-WAIT-1 CLOSE-WAIT teardown fin",
    "19 FIN-WAIT-2 CLOSE-WAIT teardown ack",
    "20 TIME-WAIT LAST-ACK teardown fin",
    "21 TIME-WAIT CLOSED teardown ack",
]

# RSTs (zeek-tcp-rst-inject-rae.pcap): after the SYN, a forged RST+ACK whose ack is the
# client's ISN, not ISN + 1: a SYN-SENT endpoint drops it (§3.10.7.3), and no TCP answers
# a SYN with it (a finding); the real SYN-ACK follows. Frame 7 is a RST+ACK in
# ESTABLISHED: both CLOSED; the client's data after it makes no sense to a closed
# connection (it was not the client's RST to take, but the observer cannot tell).
RST_INJECT = [
    "1 SYN-SENT SYN-RECEIVED handshake syn",
    "2 SYN-SENT SYN-RECEIVED reset rst | server in SYN-RECEIVED sent RST not acking the SYN",
    "3 ESTABLISHED SYN-RECEIVED handshake syn",
    "4 ESTABLISHED ESTABLISHED handshake ack",
    "5 ESTABLISHED ESTABLISHED data data",
    "6 ESTABLISHED ESTABLISHED data ack",
    "7 CLOSED CLOSED reset rst",
    "8 CLOSED CLOSED reset data | client in CLOSED sent ACK,server in CLOSED received ACK",
    "9 CLOSED CLOSED reset rst",
]

# The client sends a SYN, then a RST (zeek-tcp-syn-then-rst.pcap): the listener, reset in
# SYN-RECEIVED after a passive open, returns to LISTEN (§3.10.7.4).
SYN_THEN_RST = ["1 SYN-SENT SYN-RECEIVED handshake syn", "2 CLOSED LISTEN reset rst"]

# A lone RST, no SYN (zeek-tcp-single-rst.pcap): whatever the states were, both are closed.
SINGLE_RST = ["1 CLOSED CLOSED reset rst"]

# A FIN without ACK, then the handshake, then the client's FIN retransmitted with ACK
# (zeek-tcp-fin_retransmission.pcap). A segment without the ACK bit is dropped by every
# state (§3.10.7.4): a finding for both sides, no state changes. The FIN with ACK reaches
# the server in SYN-RECEIVED: CLOSE-WAIT (§3.10.7.4, "SYN-RECEIVED STATE ... Enter the
# CLOSE-WAIT state"); the server's RST ends both.
FIN_RETRANSMISSION = [
    "1 SYN-SENT SYN-RECEIVED handshake syn",
    "2 SYN-SENT SYN-RECEIVED teardown retransmission"
    " | client in SYN-SENT sent invalid flags,server in SYN-RECEIVED received invalid flags",
    "3 ESTABLISHED SYN-RECEIVED handshake syn",
    "4 FIN-WAIT-1 CLOSE-WAIT teardown retransmission",
    "5 CLOSED CLOSED reset rst",
]

CASES = {
    "fin-retransmission": (GOLDEN / "zeek-tcp-fin_retransmission.pcap", FIN_RETRANSMISSION),
    "http-eth": (GOLDEN / "http-eth.pcap", HTTP_ETH),
    "half-close": (OWN / "half-close.pcap", HALF_CLOSE),
    "server-reset": (OWN / "server-reset.pcap", SERVER_RESET),
    "simultaneous-close": (OWN / "simultaneous-close.pcap", SIMULTANEOUS_CLOSE),
    "simultaneous-open": (OWN / "simultaneous-open.pcap", SIMULTANEOUS_OPEN),
    "no-syn": (GOLDEN / "zeek-http-get_nosyn.pcap", NO_SYN),
    "missing-syn": (GOLDEN / "zeek-tcp-missing-syn.pcap", MISSING_SYN),
    "rst-inject": (GOLDEN / "zeek-tcp-rst-inject-rae.pcap", RST_INJECT),
    "syn-then-rst": (GOLDEN / "zeek-tcp-syn-then-rst.pcap", SYN_THEN_RST),
    "single-rst": (GOLDEN / "zeek-tcp-single-rst.pcap", SINGLE_RST),
}


@pytest.mark.parametrize("jit", ["never", "always"])
@pytest.mark.parametrize("case", list(CASES))
def test_states_reasoned_from_the_rfc(case: str, jit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", jit)
    cap, want = CASES[case]
    assert _got(cap) == want


def test_lossy_close_and_a_late_duplicate() -> None:
    """lossy-seed7.pcap, stream 0: the server closes first (its FIN rides on its last data),
    the client answers with its FIN (LAST-ACK), the server's ACK closes the client; the
    server's ACK repeated later reaches a closed endpoint (a finding), which resets."""
    got = _got(GOLDEN / "lossy-seed7.pcap", "tcp.stream == 0 && frame.number >= 8")
    assert got == [
        "8 CLOSE-WAIT FIN-WAIT-1 teardown fin",
        "9 LAST-ACK TIME-WAIT teardown fin",
        "11 LAST-ACK TIME-WAIT teardown ack",
        "12 CLOSED TIME-WAIT teardown ack",
        "16 CLOSED TIME-WAIT teardown ack | client in CLOSED received ACK of FIN",
        "17 CLOSED CLOSED reset rst",
    ]


def _edited(cap: Path, out: Path, drop: frozenset[int] = frozenset(), twice: frozenset[int] = frozenset()) -> Path:
    """``cap`` (classic pcap) without the frames numbered in ``drop`` (lost before the
    capture point) and with those in ``twice`` captured twice (a retransmission)."""
    data = cap.read_bytes()
    endian = "little" if data[:4] == b"\xd4\xc3\xb2\xa1" else "big"
    parts, pos, frame = [data[:24]], 24, 0
    while pos + 16 <= len(data):
        record = data[pos:pos + 16 + int.from_bytes(data[pos + 8:pos + 12], endian)]
        frame += 1
        if frame not in drop:
            parts.extend([record] * (2 if frame in twice else 1))
        pos += len(record)
    out.write_bytes(b"".join(parts))
    return out


def test_lost_segments_before_the_capture_point(tmp_path: Path) -> None:
    """http-eth.pcap's first connection without its SYN-ACK (frame 2) and without the
    server's FIN (frame 9). The client's ACK shows it received the SYN-ACK (SYN-SENT
    sending an ACK: ESTABLISHED), and the server receiving it is ESTABLISHED. The
    client's last ACK acknowledges the server's FIN (ack 242), but no FIN was seen: the
    client stays FIN-WAIT-1 and the server CLOSE-WAIT (a FIN unseen is not guessed)."""
    cap = _edited(GOLDEN / "http-eth.pcap", tmp_path / "lost.pcap", drop=frozenset({2, 9}))
    # frames renumbered: 2 is the old 3; the last ACK is tshark's "ACKed segment that
    # wasn't captured" (the FIN)
    assert _got(cap, "tcp.stream == 0") == [
        "1 SYN-SENT SYN-RECEIVED handshake syn",
        "2 ESTABLISHED ESTABLISHED handshake ack",
        "3 ESTABLISHED ESTABLISHED data data",
        "4 ESTABLISHED ESTABLISHED data ack",
        "5 ESTABLISHED ESTABLISHED data data",
        "6 ESTABLISHED ESTABLISHED data ack",
        "7 FIN-WAIT-1 CLOSE-WAIT teardown fin",
        "8 FIN-WAIT-1 CLOSE-WAIT teardown ack-unseen",
    ]


def test_retransmitted_syn_and_fin(tmp_path: Path) -> None:
    """http-eth.pcap's first SYN and first FIN each captured twice: a SYN sent again from
    SYN-SENT and received again in SYN-RECEIVED changes nothing; so does a FIN sent again
    from FIN-WAIT-1 and received again in CLOSE-WAIT (tshark names both retransmissions)."""
    cap = _edited(GOLDEN / "http-eth.pcap", tmp_path / "again.pcap", twice=frozenset({1, 8}))
    assert _got(cap, "tcp.stream == 0")[:2] == [
        "1 SYN-SENT SYN-RECEIVED handshake syn",
        "2 SYN-SENT SYN-RECEIVED handshake retransmission",
    ]
    assert _got(cap, "tcp.stream == 0")[8:] == [
        "9 FIN-WAIT-1 CLOSE-WAIT teardown fin",
        "10 FIN-WAIT-1 CLOSE-WAIT teardown retransmission",
        "11 TIME-WAIT LAST-ACK teardown fin",
        "12 TIME-WAIT CLOSED teardown ack",
    ]


def test_filters_read_the_fields() -> None:
    cap = GOLDEN / "http-eth.pcap"
    assert [r.split()[0] for r in _got(cap, 'tcpscope.state.client == "TIME-WAIT"')] == ["9", "10", "45", "46"]
    assert [r.split()[0] for r in _got(cap, 'tcpscope.phase == "reset" || tcpscope.rule == "fin"')] == [
        "8", "9", "44", "45", "48"]
    assert _got(cap, "tcpscope.state.unexpected") == []


def test_the_api_tables_carry_the_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fields in the API's tables as in ``tcpscope fields``: ``Capture.packets`` read
    whole, and ``tcpscope.scan`` in pieces of 4 frames (the states carried across)."""
    import tcpscope

    names = ["frame.number", "tcpscope.state.client", "tcpscope.state.server", "tcpscope.phase", "tcpscope.rule"]
    want = [line.split(" ") for line in HTTP_ETH[:10]]
    whole = tcpscope.open(GOLDEN / "http-eth.pcap").packets.to_arrow(names).to_pylist()
    assert [[str(row[n]) for n in names] for row in whole[:10]] == want
    monkeypatch.setattr(stream, "PIECE_FRAMES", 4)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 4)
    pieces = [row for view in tcpscope.scan(GOLDEN / "http-eth.pcap", names) for row in view.to_arrow().to_pylist()]
    assert pieces == whole


def test_port_reuse_starts_closed() -> None:
    """own-port-reuse.pcap: the same ports three times; each new tcp.stream starts from
    CLOSED (its SYN makes the client SYN-SENT), not from the TIME-WAIT of the last."""
    got = _got(GOLDEN / "own-port-reuse.pcap", "tcp.flags.syn == 1 && tcp.flags.ack == 0")
    assert got == [f"{f} SYN-SENT SYN-RECEIVED handshake syn" for f in (1, 13, 25)]


# tshark's analysis fields that name a cause, by tcpscope.rule's precedence; tshark shows
# tcp.analysis.retransmission on fast and spurious retransmissions too (packet-tcp.c adds
# its expert item with theirs), so those two come first and the plain one is what is left
_CAUSES = (("tcp.analysis.keep_alive", "keep-alive"), ("tcp.analysis.zero_window_probe", "window-probe"),
           ("tcp.analysis.fast_retransmission", "fast-retransmission"),
           ("tcp.analysis.spurious_retransmission", "spurious-retransmission"),
           ("tcp.analysis.retransmission", "retransmission"), ("tcp.analysis.out_of_order", "out-of-order"),
           ("tcp.analysis.lost_segment", "lost-segment"), ("tcp.analysis.ack_lost_segment", "ack-unseen"))


def _rule_from_tshark(row: dict[str, str]) -> str | None:
    """The rule tshark's own fields give a segment: the first cause it names, else what
    the flags and the length say (None: no flags shown, a header cut short)."""
    for field, rule in _CAUSES:
        if row[field]:
            return rule
    flags = row["tcp.flags.str"]
    if not flags:
        return None
    if flags[9] == "R":
        return "rst"
    if flags[10] == "S":
        return "syn"
    if flags[11] == "F":
        return "fin"
    return "data" if int(row["tcp.len"] or 0) > 0 else "ack"


_GOLDEN_ANALYSIS = sorted((ROOT / "tests" / "golden" / "expected").glob("*.analysis.tsv"))


@pytest.mark.parametrize("tsv", _GOLDEN_ANALYSIS, ids=[p.name.removesuffix(".pcap.analysis.tsv") for p in _GOLDEN_ANALYSIS])
def test_rule_takes_tshark_causes(tsv: Path) -> None:
    """On every golden capture, tcpscope.rule is what tshark's recorded analysis fields
    name, frame by frame (frames with one TCP header)."""
    lines = tsv.read_text().splitlines()
    if not lines:
        pytest.skip("tshark printed nothing (a capture it cannot read)")
    head = lines[0].split("\t")
    want = {}
    for line in lines[1:]:
        row = dict(zip(head, line.split("\t"), strict=True))
        rule = _rule_from_tshark(row)
        if row["tcp.stream"] and "," not in row["tcp.stream"] and rule is not None:
            want[row["frame.number"]] = rule
    cap = GOLDEN / tsv.name.removesuffix(".analysis.tsv").replace("__", "/")
    out = run_cli("fields", str(cap), "-e", "frame.number", "-e", "tcpscope.rule", "-e", "tcp.stream")
    got = {f: r for f, r, s in (line.split("\t") for line in out.splitlines()) if f in want}
    assert len(got) == len(want)
    assert got == want


def test_retransmissions_by_cause_on_the_lossy_capture() -> None:
    """lossy-seed7.pcap's stream 1: tshark's fields show tcp.analysis.retransmission on
    120 of the server's segments, tcp.analysis.fast_retransmission on 87 (two duplicate
    ACKs or more asked for each within 20 ms) and tcp.analysis.spurious_retransmission on
    30 (data already acknowledged): so 3 plain ones, sent again with no duplicate ACK
    asking (frames 2098, 3826 and 3828)."""
    out = run_cli("fields", str(GOLDEN / "lossy-seed7.pcap"), "-e", "frame.number", "-e", "tcpscope.rule",
                  "-Y", 'tcpscope.rule contains "retransmission"')
    rules = [line.split("\t") for line in out.splitlines()]
    counts = {rule: sum(1 for _, r in rules if r == rule)
              for rule in ("retransmission", "fast-retransmission", "spurious-retransmission")}
    assert counts == {"retransmission": 3, "fast-retransmission": 87, "spurious-retransmission": 30}
    assert [f for f, r in rules if r == "retransmission"] == ["2098", "3826", "3828"]


_ALL = [*capture_files(), *sorted(OWN.glob("*.pcap"))]


@pytest.mark.parametrize("cap", _ALL, ids=[stem(c) if c.parent != OWN else c.stem for c in _ALL])
def test_every_connection_gets_states_in_pieces_as_whole(cap: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every segment of every conversation of every test capture gets both states, a
    phase and a rule, with no exception; read in pieces of 3 frames (carrying the state
    across) it gets what it gets read whole."""
    try:
        read_records(str(cap))
    except CaptureError:
        pytest.skip("not a readable capture")
    cap = prefix(cap)
    args = ["-E", "header=y", "-e", "tcp.stream", *(a for f in FIELDS for a in ("-e", f))]
    whole = run_cli("fields", str(cap), *args)
    labels = set(STATE_LABELS.tolist())
    for line in whole.splitlines()[1:]:
        streams, _, client, server, phase, rule, _ = line.split("\t")
        for s, values in ((streams, (client, server, phase, rule)),):
            if s and "," not in s:
                assert values[0] in labels and values[1] in labels, line
                assert values[2] in PHASE_LABELS and values[3] in RULE_LABELS, line
    monkeypatch.setattr(stream, "PIECE_FRAMES", 3)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 3)
    assert run_cli("fields", str(cap), *args) == whole


def _short(tmp_path: Path, ports: int) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location("short_connections", ROOT / "bench" / "short_connections.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path / "short.pcap"
    with open(path, "wb") as fh:
        module.write(fh, 30_000, 40_000, ports)
    return path


def test_retired_with_the_conversations(tmp_path: Path) -> None:
    """A stream of 3,000 short connections fed 4,096 frames at a time: the lifecycle rows
    are retired with the analysis' conversations (bounded, as the analysis state is), and
    every column equals the one pass over the whole capture."""
    path = _short(tmp_path, 300)
    records = read_records(str(path))
    analyzer = TcpAnalyzer()
    parts, rows = [], []
    with job(len(records)):
        whole = analyze(dissect(records)).layer("tcp").cols
        for lo in range(0, len(records), 4096):
            tcp = analyzer.feed(dissect(records.frames(lo, min(len(records), lo + 4096)))).layer("tcp")
            parts.append({k: np.asarray(tcp.cols[k]) for k in LIFECYCLE_COLUMNS})
            rows.append(analyzer.lifecycle.rows)
    for name in LIFECYCLE_COLUMNS:
        assert np.array_equal(np.concatenate([p[name] for p in parts]), np.asarray(whole[name])), name
    assert max(rows[len(rows) // 2:]) <= 2 * max(analyzer.state.slots, 1 << 10)


def test_retired_conversation_starts_again() -> None:
    """A row whose stream the analysis no longer keeps is dropped; a later segment of that
    stream (the analysis revives it: docs/deviations.md, "Retired conversations") starts
    from what it shows, never a guess: the rest of http-eth.pcap's first connection after
    its handshake and GET stays UNKNOWN, since no new data goes both ways after it."""
    records = read_records(str(GOLDEN / "http-eth.pcap"))
    lifecycle = Lifecycle(eager=True)
    analyzer = TcpAnalyzer()
    analyzer.lifecycle = lifecycle
    first = analyzer.feed(dissect(records.frames(0, 5))).layer("tcp")
    assert STATE_LABELS[np.asarray(first.cols["lc_client"])].tolist() == ["SYN-SENT", *["ESTABLISHED"] * 4]
    lifecycle.retire(np.zeros(0, dtype=np.int64))
    assert lifecycle.rows == 0
    rest = analyzer.feed(dissect(records.frames(5, 10))).layer("tcp")
    assert STATE_LABELS[np.asarray(rest.cols["lc_client"])].tolist() == ["UNKNOWN"] * 5


def test_docs_are_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_tcp_states", ROOT / "docs" / "make_tcp_states.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "tcp-states.md").read_text() == module.tcp_states_markdown(), (
        "docs/tcp-states.md is stale: run python docs/make_tcp_states.py")


@pytest.mark.parametrize("cap", [GOLDEN / "http-eth.pcap", GOLDEN / "lossy-seed7.pcap", *sorted(OWN.glob("*.pcap"))],
                         ids=lambda p: p.stem)
def test_through_a_pipe_in_small_batches(cap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a FIFO in batches of a few hundred bytes, pieces of 4 frames, the fields are
    what the file read whole gives (the states carry from batch to batch)."""
    import os
    import threading

    from tcpscope.capture import pipe

    args = ["-E", "header=y", *(a for f in FIELDS for a in ("-e", f))]
    want = run_cli("fields", str(prefix(cap)), *args)
    monkeypatch.setattr(pipe, "BATCH_BYTES", 300)
    monkeypatch.setattr(pipe, "READ_BYTES", 97)
    monkeypatch.setattr(pipe, "QUIET_S", 0.0)
    monkeypatch.setattr(stream, "PIECE_FRAMES", 4)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 4)
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    data = prefix(cap).read_bytes()

    def feed() -> None:
        with open(fifo, "wb", buffering=0) as fh:
            for i in range(0, len(data), 211):
                fh.write(data[i : i + 211])

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        assert run_cli("fields", str(fifo), *args) == want
    finally:
        feeder.join(timeout=30)


def test_data_after_its_own_fin_is_a_finding() -> None:
    """A segment carrying data beyond its sender's FIN makes no sense in any state (RFC
    9293 §3.10.7.4, CLOSE-WAIT: "this should not occur"): a finding for both sides, and
    no state moves. Segments given as the kernel's columns: a handshake without its last
    ACK, the client's FIN (seq 101), then 5 bytes at seq 102."""
    cols = {
        "stream": np.zeros(4, dtype=np.int32), "flow": np.array([0, 1, 0, 0], dtype=np.int8),
        "flags": np.array([SYN, SYN | ACK, FIN | ACK, PSH | ACK], dtype=np.uint16),
        "seglen": np.array([0, 0, 0, 5]), "seq": np.array([100, 300, 101, 102], dtype=np.uint32),
        "ack": np.array([0, 101, 301, 301], dtype=np.uint32), "aflags": np.zeros(4, dtype=np.uint16),
        "srcport": np.full(4, 40000, dtype=np.uint16), "dstport": np.full(4, 80, dtype=np.uint16),
    }
    out = Lifecycle().run(4, cols)
    assert STATE_LABELS[out["lc_client"]].tolist() == ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-1"]
    assert STATE_LABELS[out["lc_server"]].tolist() == ["SYN-RECEIVED", "SYN-RECEIVED", "CLOSE-WAIT", "CLOSE-WAIT"]
    assert out["lc_odd_client"][:3].tolist() == [0, 0, 0] and out["lc_odd_server"][:3].tolist() == [0, 0, 0]
    assert unexpected_texts("client")[out["lc_odd_client"][3]] == "client in FIN-WAIT-1 sent data after its FIN"
    assert unexpected_texts("server")[out["lc_odd_server"][3]] == "server in CLOSE-WAIT received data after its FIN"
