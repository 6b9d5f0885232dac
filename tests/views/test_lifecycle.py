"""How each connection opened and closed (``tcpscope.views.lifecycle``): the verdicts and the
stories of small captures, each written from RFC 9293 §3.5-3.6 and tshark's
``tcp.analysis.acks_frame`` (the first segment that acknowledges a FIN), not from the
output. Longer stories, in frame order, are in the golden reports (test_report.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tcp_craft import ACK, FIN, NS, RST, SYN, Frame, tcp4, write_pcap

import tcpscope
from tcpscope.views.lifecycle import LifecycleSums, describe, end_states, final_states, lifecycles, sentence, verdicts
from tcpscope.views.zeek import zeek_conns

C, S = ("10.0.0.1", 40000), ("10.0.0.2", 5000)
Segment = tuple[str, int, int, int, bytes]  # who (c or s), seq, ack, flags, payload

SYN_C: Segment = ("c", 100, 0, SYN, b"")
SYNACK_S: Segment = ("s", 500, 101, SYN | ACK, b"")
ACK_C: Segment = ("c", 101, 501, ACK, b"")
HANDSHAKE = [SYN_C, SYNACK_S, ACK_C]


def _capture(tmp_path: Path, segments: list[Segment]) -> Path:
    frames = []
    for k, (who, seq, ack, flags, payload) in enumerate(segments):
        a, b = (C, S) if who == "c" else (S, C)
        frames.append(Frame(1_700_000_000 * NS + k * 1_000_000,
                            tcp4(a[0], b[0], a[1], b[1], seq, ack=ack, flags=flags, payload=payload)))
    return write_pcap(tmp_path / "l.pcap", frames)


#: name: (segments, opened, closed, closed first, Zeek's conn_state and history)
CASES: dict[str, tuple[list[Segment], str, str, str, str, str]] = {
    # the client's FIN (4) is acknowledged by the server's pure ACK (5) before the server's
    # FIN (6): four segments
    "four": ([*HANDSHAKE, ("c", 101, 501, FIN | ACK, b""), ("s", 501, 102, ACK, b""),
              ("s", 501, 102, FIN | ACK, b""), ("c", 102, 502, ACK, b"")],
             "three-way handshake", "four-segment FIN close", "client", "SF", "ShAFaf"),
    # the server's FIN (5) is the first segment acknowledging the client's FIN (4)
    "three": ([*HANDSHAKE, ("c", 101, 501, FIN | ACK, b""), ("s", 501, 102, FIN | ACK, b""),
               ("c", 102, 502, ACK, b"")],
              "three-way handshake", "three-segment FIN close", "client", "SF", "ShAFf"),
    # the server's FIN (5) acknowledges only 101, not the client's FIN: both FINs were sent
    # before either was acknowledged (6 and 7 do)
    "simultaneous close": ([*HANDSHAKE, ("c", 101, 501, FIN | ACK, b""), ("s", 501, 101, FIN | ACK, b""),
                            ("c", 102, 502, ACK, b""), ("s", 502, 102, ACK, b"")],
                           "three-way handshake", "simultaneous close", "client", "SF", "ShAFfa"),
    # a SYN without ACK from each side, then each one's SYN/ACK. Zeek: S; the responder's
    # SYN s makes both ESTABLISHED; the SYN/ACKs repeat each side's sequence number (no
    # letter): S1 "Ss"
    "simultaneous open": ([SYN_C, ("s", 500, 0, SYN, b""), ("c", 100, 501, SYN | ACK, b""),
                           ("s", 500, 101, SYN | ACK, b"")],
                          "simultaneous open", "still open", "", "S1", "Ss"),
    # one FIN: the server still open at the end; Zeek S2
    "half": ([*HANDSHAKE, ("c", 101, 501, FIN | ACK, b"")], "three-way handshake", "half-closed", "client",
             "S2", "ShAF"),
    # no ACK of the SYN/ACK
    "incomplete": ([SYN_C, SYNACK_S], "handshake incomplete", "still open", "", "S1", "Sh"),
    # the server answers the SYN with a RST: refused; Zeek REJ
    "refused": ([SYN_C, ("s", 0, 101, RST | ACK, b"")], "refused by RST", "RST by the server", "server", "REJ", "Sr"),
    "unanswered": ([SYN_C], "SYN unanswered", "still open", "", "S0", "S"),
    # data in the middle of a connection: not seen, still open; Zeek OTH
    "not seen": ([("c", 1000, 2000, ACK, b"x" * 10)], "not seen", "still open", "", "OTH", "D"),
    # established, the server resets, the client still sends data, the server resets again
    "reset then data": ([*HANDSHAKE, ("s", 501, 101, RST | ACK, b""), ("c", 101, 501, ACK, b"x" * 10),
                         ("s", 501, 0, RST, b"")],
                        "three-way handshake", "RST by the server", "server", "RSTR", "ShArD"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdicts(tmp_path: Path, name: str) -> None:
    segments, opened, closed, first, state, history = CASES[name]
    table = tcpscope.open(_capture(tmp_path, segments)).table
    v = verdicts(lifecycles(table))
    z = zeek_conns(table)
    got = (str(v.opened[0]), str(v.closed[0]), str(v.closed_first[0]), str(z.conn_state[0]), str(z.history[0]))
    assert got == (opened, closed, first, state, history)


def test_the_story_after_a_reset(tmp_path: Path) -> None:
    """The RST that ended it (4), then what still came: the client's data (5) and the
    server's second RST (6)."""
    lc = lifecycles(tcpscope.open(_capture(tmp_path, CASES["reset then data"][0])).table)
    assert describe(lc, 0)[1] == ("reset by the server (RST, frame 4); after it, 1 segment with data (frame 5) "
                                  "and 1 more RST (frame 6)")


def test_the_story_of_a_simultaneous_close(tmp_path: Path) -> None:
    lc = lifecycles(tcpscope.open(_capture(tmp_path, CASES["simultaneous close"][0])).table)
    assert describe(lc, 0)[1] == ("both sides closed at once: the client's FIN (frame 4, acknowledged in frame 7) "
                                  "and the server's (frame 5, acknowledged in frame 6) crossed")


def test_one_sentence(tmp_path: Path) -> None:
    lc = lifecycles(tcpscope.open(_capture(tmp_path, CASES["four"][0])).table)
    assert sentence(lc, verdicts(lc), 0, "SF") == (
        "It opened with a three-way handshake, and both sides closed it with a FIN each (four segments), the "
        "client first; Zeek calls it SF (normal establishment and termination).")


#: name: the client's and the server's RFC 9293 state after the last segment, reasoned
#: from §3.3.2's diagram and §3.10.7 (not read from the output)
FINAL: dict[str, tuple[str, str]] = {
    # the client's FIN acknowledged (FIN-WAIT-2), then the server's FIN received: TIME-WAIT;
    # the server CLOSE-WAIT, LAST-ACK, and CLOSED on the last ACK
    "four": ("TIME-WAIT", "CLOSED"),
    # the same, the ACK of the client's FIN riding on the server's FIN
    "three": ("TIME-WAIT", "CLOSED"),
    # each FIN sent before the other arrived (the server's acks only 101): both FIN-WAIT-1,
    # CLOSING on the other's FIN, TIME-WAIT on the ACK of their own (RFC 9293 Figure 13)
    "simultaneous close": ("TIME-WAIT", "TIME-WAIT"),
    # SYN-SENT and SYN-SENT, each SYN/ACK received: ESTABLISHED (Figure 8)
    "simultaneous open": ("ESTABLISHED", "ESTABLISHED"),
    "half": ("FIN-WAIT-1", "CLOSE-WAIT"),
    # the client, in SYN-SENT, got the SYN/ACK: ESTABLISHED; the server waits for its ACK
    "incomplete": ("ESTABLISHED", "SYN-RECEIVED"),
    # an acceptable RST in SYN-SENT: CLOSED; its sender aborted
    "refused": ("CLOSED", "CLOSED"),
    # a listening server that received the SYN
    "unanswered": ("SYN-SENT", "SYN-RECEIVED"),
    # one segment without SYN: nothing shows either state
    "not seen": ("UNKNOWN", "UNKNOWN"),
    # the RST closes both; what comes after it changes nothing
    "reset then data": ("CLOSED", "CLOSED"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_final_states(tmp_path: Path, name: str) -> None:
    lc = lifecycles(tcpscope.open(_capture(tmp_path, CASES[name][0])).table)
    assert final_states(lc, 0) == FINAL[name]
    client, server = end_states(lc, np.array([0]))
    assert (str(client[0]), str(server[0])) == FINAL[name]


def test_the_client_is_the_analysis_stages(tmp_path: Path) -> None:
    """Mid-stream, the first segment from port 80: the client is the side Zeek calls the
    originator (the receiver, its port not a likely server port), in the report's
    endpoints, in the per-packet states and in Zeek's view alike; the first sender was the
    client before."""
    web, user = ("10.0.0.2", 80), ("10.0.0.1", 40000)
    frames = [Frame(1_700_000_000 * NS + k * 1_000_000, tcp4(a[0], b[0], a[1], b[1], seq, ack=ack, flags=ACK,
                                                              payload=b"x" * 10))
              for k, (a, b, seq, ack) in enumerate([(web, user, 5000, 100), (user, web, 100, 5010),
                                                    (web, user, 5010, 110)])]
    table = tcpscope.open(write_pcap(tmp_path / "m.pcap", frames)).table
    sums = LifecycleSums()
    sums.add(table)
    lc, ends = sums.result()
    assert ends[0] == ("10.0.0.1:40000", "10.0.0.2:80")
    assert int(lc.client_side[0]) == int(np.asarray(table.layer("tcp").cols["_flow"])[1])
    z = zeek_conns(table)
    assert z.originator(0) == "10.0.0.1:40000"
    # new data both ways, no FIN: ESTABLISHED by the mid-stream rule
    assert final_states(lc, 0) == ("ESTABLISHED", "ESTABLISHED")


def _reused_by_the_other_side(tmp_path: Path) -> Path:
    """Ports reused with the other side opening: 10.0.0.1:40000 sends a SYN to
    10.0.0.2:5000 that nobody answers (frame 1); two frames of another conversation 400 and
    401 s later (2, 3); then, 402 s in, 10.0.0.2:5000 opens a connection to
    10.0.0.1:40000 (SYN 4, SYN/ACK 5, ACK 6), sends 10 bytes (7, acknowledged by 8) and
    closes first (FIN 9; 10.0.0.1's FIN/ACK 10 acknowledges it; the last ACK 11)."""
    a, b = ("10.0.0.1", 40000), ("10.0.0.2", 5000)
    t = 1_700_000_000 * NS

    def seg(ends: tuple[tuple[str, int], tuple[str, int]], seq: int, ack: int, flags: int, data: bytes = b"") -> bytes:
        (src, sport), (dst, dport) = ends
        return tcp4(src, dst, sport, dport, seq, ack=ack, flags=flags, payload=data)

    later = [seg((b, a), 7000, 0, SYN), seg((a, b), 3000, 7001, SYN | ACK), seg((b, a), 7001, 3001, ACK),
             seg((b, a), 7001, 3001, ACK, b"0123456789"), seg((a, b), 3001, 7011, ACK),
             seg((b, a), 7011, 3001, FIN | ACK), seg((a, b), 3001, 7012, FIN | ACK), seg((b, a), 7012, 3002, ACK)]
    other = (("10.0.0.3", 1234), ("10.0.0.4", 80))
    frames = [Frame(t, seg((a, b), 1000, 0, SYN)),
              Frame(t + 400 * NS, seg(other, 50, 0, SYN)),
              Frame(t + 401 * NS, seg((other[1], other[0]), 90, 51, SYN | ACK)),
              *(Frame(t + 402 * NS + k * 1000, data) for k, data in enumerate(later))]
    return write_pcap(tmp_path / "reused.pcap", frames)


def test_a_revived_stream_takes_the_analysis_client(tmp_path: Path) -> None:
    """tshark keeps frames 1 and 4-11 in one tcp.stream (10.0.0.2's SYN opens no new
    conversation: its side has no base sequence number yet), as tcpscope does read whole.
    Read a frame at a time with eager retirement, the analysis retires stream 0 at frame 3
    (quiet 400 s > 5 minutes, clock of frame 2), revives it at frame 4 and starts its
    states again: 10.0.0.2, whose SYN comes first, is its client from there on. The views
    follow that choice: the connection told starts at frame 4, opened by 10.0.0.2 with a
    three-way handshake (4, 5, 6) and closed in three segments, 10.0.0.2 first (its FIN 9
    acknowledged by the FIN/ACK 10), ending client TIME-WAIT, server CLOSED; explain says
    who sends each segment by the same choice."""
    from tcpscope._jit import job
    from tcpscope.analysis import TcpAnalyzer
    from tcpscope.analysis.lifecycle import Lifecycle
    from tcpscope.analysis.state import SequenceState
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect
    from tcpscope.views.explain import ExplainFeed, explain_lines

    path = _reused_by_the_other_side(tmp_path)
    whole = tcpscope.open(path).table.layer("tcp")
    assert np.asarray(whole.cols["stream"]).tolist() == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    records = read_records(str(path))
    analyzer = TcpAnalyzer()
    analyzer.state, analyzer.lifecycle = SequenceState(eager=True), Lifecycle(eager=True)
    sums, feed = LifecycleSums(), ExplainFeed(np.array([0]))
    client_flow = []
    with job(len(records)):
        for i in range(len(records)):
            table = analyzer.feed(dissect(records.frames(i, i + 1)))
            sums.add(table)
            feed.add(table)
            tcp = table.layer("tcp")
            client_flow.append(int(tcp.cols["lc_client_flow"][0]) ^ int(tcp.cols["_flow"][0]))
    # 0: the sender is the client; the stream's client changes at frame 4
    assert client_flow == [0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0]
    lc, ends = sums.result()
    v = verdicts(lc)
    assert ends[0] == ("10.0.0.2:5000", "10.0.0.1:40000")
    assert (int(lc.restarted_at[0]), int(lc.syn[0]), int(lc.synack[0]), int(lc.handshake_ack[0])) == (4, 4, 5, 6)
    assert (str(v.opened[0]), str(v.closed[0]), str(v.closed_first[0])) == (
        "three-way handshake", "three-segment FIN close", "client")
    assert final_states(lc, 0) == ("TIME-WAIT", "CLOSED")
    # the initial RTT: from the SYN 4 to the ACK 6, 2 us
    assert describe(lc, 0, v)[0] == ("three-way handshake: SYN (frame 4), SYN/ACK (frame 5), ACK (frame 6); initial RTT"
                                     " 0.002 ms (the frames before frame 4 belong to an earlier connection on the"
                                     " same ports)")
    lines = explain_lines(feed, "en")
    assert lines[0] == "Connection 0: client 10.0.0.2:5000, server 10.0.0.1:40000"
    assert lines[1].startswith("The frames of this stream before frame 4 belong to an earlier connection")
    assert lines[2:5] == ["The client opens the connection: its SYN is frame 4.", "Opening (three-way handshake):",
                          "  Frame 4: the client sends SYN, Seq 7000 (relative 0)."]
    assert "  New data sent: by the client 10 bytes in 1 segment(s), by the server 0 bytes in 0 segment(s)." in lines
    assert "  Frame 9: the client sends FIN/ACK, Seq 7011 (relative 11), Ack 3001 (relative 1)." in lines
