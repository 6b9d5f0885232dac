"""Zeek's conn.log columns (``tcpscope.views.zeek``): equal to Zeek's own baselines where
Zeek's test suite gives them, and to values reasoned out from Zeek's definitions
(/work/shared/reference/zeek-conn.md) for one small capture per state and letter.

Each expected value below was written from the rules, not from tcpscope's output; the
comment beside it gives the reasoning. Every test runs with the kernel uncompiled and
compiled (``TCPSCOPE_JIT``).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from tcp_craft import ACK, FIN, NS, RST, SYN, Frame, tcp4, write_pcap

import tcpscope
from tcpscope.views.zeek import LIKELY_SERVER_PORTS, STATE_NAMES, ZeekConns, zeek_conns


@pytest.fixture(autouse=True, params=["never", "always"])
def _jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSCOPE_JIT", request.param)


CAPTURES = Path(__file__).resolve().parents[2] / "tests" / "golden" / "captures"

#: likely_server_ports of the Zeek runs behind the baselines: ``zeek -b`` with only the
#: conn scripts has none; with base/protocols/http loaded, HTTP's; a full run, every one
BARE: frozenset[int] = frozenset()
HTTP = frozenset({80, 81, 631, 1080, 3128, 8000, 8080, 8888})


class Baseline(NamedTuple):
    """One connection of a Zeek baseline (zeek-baselines.tsv), in the mode it was run;
    None where the baseline does not print the column."""

    ports: frozenset[int]
    conn_state: str | None
    history: str | None
    pkts: tuple[int, int] | None = None  # orig_pkts, resp_pkts
    ip_bytes: tuple[int, int] | None = None  # orig_ip_bytes, resp_ip_bytes
    sizes: tuple[int, int] | None = None  # orig_bytes (c$orig$size), resp_bytes
    missed: int | None = None
    duration_ns: int | None = None
    orig: tuple[str, int] | None = None


BASELINES: dict[str, Baseline] = {
    # core.tcp.missing-syn and core.history-flip (zeek -b -C, http loaded)
    "zeek-tcp-missing-syn.pcap": Baseline(HTTP, "SF", "^hADdFaf", (11, 10), missed=0, duration_ns=1_550_793_000,
                                          orig=("141.42.64.125", 56730)),
    # core.tcp.rxmit-history (zeek -C, every script)
    "zeek-tcp-retransmit-fast009.pcap": Baseline(LIKELY_SERVER_PORTS, "RSTO", "ShADaGdgtR", (17, 22), missed=24257,
                                                 duration_ns=60_991_770_000, orig=("10.0.88.85", 50368)),
    # core.tcp.reassembly-known-ports (zeek -b)
    "zeek-http-get.pcap": Baseline(BARE, "SF", "ShADadFf", (7, 7), missed=0, duration_ns=211_484_000,
                                   orig=("141.142.228.5", 59856)),
    # scripts.base.protocols.conn.conn_state-RST-behavior (zeek -b -C)
    "zeek-tcp-single-rst.pcap": Baseline(BARE, "OTH", "R"),
    "zeek-tcp-syn-then-rst.pcap": Baseline(BARE, "RSTOS0", "SR"),
    # core.connection_flipped (zeek -b, no analyzer ports): flipped by the reordered SYN
    "zeek-tcp-handshake-reorder.pcap": Baseline(BARE, None, "Hs^ADadFf", orig=("141.142.228.5", 59856)),
    # core.tcp.tcp-dups (zeek -b -C)
    "zeek-tcp-ssh-dups.pcap": Baseline(BARE, None, "ShADTadtTtFf", orig=("192.168.0.102", 53206)),
    # core.tcp.fin-retransmit (zeek -b): orig CLOSED, resp RESET -> RSTR; sizes 0/0
    "zeek-tcp-fin_retransmission.pcap": Baseline(BARE, "RSTR", None, (3, 2), (156, 92), (0, 0)),
    # core.tcp.rst-after-syn (zeek -b): orig SYN_SENT size 175, resp RESET size 0 -> REJ
    "zeek-tcp-rst-inject-rae.pcap": Baseline(BARE, "REJ", None, (4, 5), (395, 236), (175, 0),
                                             orig=("1.2.0.2", 2527)),
}


def _one(path: Path, ports: frozenset[int] = LIKELY_SERVER_PORTS) -> tuple[ZeekConns, int]:
    z = zeek_conns(tcpscope.open(path).table, ports)
    assert len(z) == 1
    return z, 0


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_equals_zeeks_baseline(name: str) -> None:
    b = BASELINES[name]
    z, i = _one(CAPTURES / name, b.ports)
    got = Baseline(
        b.ports,
        None if b.conn_state is None else str(z.conn_state[i]),
        None if b.history is None else str(z.history[i]),
        None if b.pkts is None else (int(z.orig_pkts[i]), int(z.resp_pkts[i])),
        None if b.ip_bytes is None else (int(z.orig_ip_bytes[i]), int(z.resp_ip_bytes[i])),
        None if b.sizes is None else (int(z.orig_bytes[i]), int(z.resp_bytes[i])),
        None if b.missed is None else int(z.missed_bytes[i]),
        None if b.duration_ns is None else int(z.duration_ns[i]),
        None if b.orig is None else (str(z.orig_h[i]), int(z.orig_p[i])),
    )
    assert got == b


def test_handshake_reorder_in_a_full_run_flips_at_creation() -> None:
    """Not a baseline: with every script loaded, port 80 is a likely server port, so the
    first segment (a SYN/ACK from port 80) flips the roles at once (``^``) and is the
    responder's ``h``; the client's SYN is then ``S`` (its sequence number is the one the
    SYN/ACK acknowledged, so no new connection), and the rest as in the baseline."""
    z, i = _one(CAPTURES / "zeek-tcp-handshake-reorder.pcap")
    assert (z.history[i], z.conn_state[i]) == ("^hSADadFf", "SF")


C, S = ("10.0.0.1", 40000), ("10.0.0.2", 5000)  # 5000: not a likely server port
W = ("10.0.0.2", 80)  # a likely server port


def _capture(tmp_path: Path, segments: list[tuple[str, int, int, int, bytes, int]],
             server: tuple[str, int] = S) -> Path:
    """Segments ``(who, seq, ack, flags, payload, window)``: who is ``c`` or ``s``."""
    frames = []
    for k, (who, seq, ack, flags, payload, win) in enumerate(segments):
        a, b = (C, server) if who == "c" else (server, C)
        frames.append(Frame(1_700_000_000 * NS + k * 1_000_000,
                            tcp4(a[0], b[0], a[1], b[1], seq, ack=ack, flags=flags, payload=payload, win=win)))
    return write_pcap(tmp_path / "z.pcap", frames)


SYN_C = ("c", 100, 0, SYN, b"", 65535)
SYNACK_S = ("s", 500, 101, SYN | ACK, b"", 65535)
ACK_C = ("c", 101, 501, ACK, b"", 65535)
HANDSHAKE = [SYN_C, SYNACK_S, ACK_C]

#: name: (segments, server, conn_state, history, orig state, resp state)
CASES: dict[str, tuple[list[tuple[str, int, int, int, bytes, int]], tuple[str, int], str, str, str, str]] = {
    # a SYN alone: orig SYN_SENT, resp INACTIVE (row 12)
    "S0": ([SYN_C], S, "S0", "S", "SYN_SENT", "INACTIVE"),
    # SYN, a pure ACK, data and FIN, never answered: the orig stays SYN_SENT until its FIN
    # (CLOSED); the resp is INACTIVE (row 8)
    "SH": ([SYN_C, ("c", 101, 0, ACK, b"", 65535), ("c", 101, 0, ACK, b"x" * 10, 65535),
            ("c", 111, 0, FIN | ACK, b"", 65535)], S, "SH", "SADF", "CLOSED", "INACTIVE"),
    # the RST/ACK answers the SYN: the responder goes from INACTIVE to RESET while the
    # originator is SYN_SENT (row 1)
    "REJ": ([SYN_C, ("s", 0, 101, RST | ACK, b"", 0)], S, "REJ", "Sr", "SYN_SENT", "RESET"),
    # the responder's eccentric ACK of the SYN leaves it INACTIVE; the originator's RST:
    # SYN_SENT to RESET; "SaR" matches ^?S[^HAFGIQ]*R.* (row 4)
    "RSTOS0 eccentric ACK": ([SYN_C, ("s", 0, 101, ACK, b"", 65535), ("c", 101, 0, RST, b"", 0)], S,
                             "RSTOS0", "SaR", "RESET", "INACTIVE"),
    # the SYN/ACK makes both ESTABLISHED (row 13)
    "S1": (HANDSHAKE, S, "S1", "ShA", "ESTABLISHED", "ESTABLISHED"),
    # only the originator closes (row 9)
    "S2": ([*HANDSHAKE, ("c", 101, 501, ACK, b"x" * 10, 65535), ("c", 111, 501, FIN | ACK, b"", 65535)], S,
           "S2", "ShADF", "CLOSED", "ESTABLISHED"),
    # only the responder closes (row 11)
    "S3": ([*HANDSHAKE, ("s", 501, 101, FIN | ACK, b"", 65535)], S, "S3", "ShAf", "ESTABLISHED", "CLOSED"),
    # both close: a FIN each way, the last FIN acknowledged (row 7)
    "SF": ([*HANDSHAKE, ("c", 101, 501, FIN | ACK, b"", 65535), ("s", 501, 102, FIN | ACK, b"", 65535),
            ("c", 102, 502, ACK, b"", 65535)], S, "SF", "ShAFf", "CLOSED", "CLOSED"),
    # established, then the responder resets (row 3)
    "RSTR": ([*HANDSHAKE, ("s", 501, 101, RST | ACK, b"", 0)], S, "RSTR", "ShAr", "ESTABLISHED", "RESET"),
    # established, then three RSTs from the originator with three sequence numbers: R each
    # time the number changes (row 6)
    "RSTO storm": ([*HANDSHAKE, ("c", 101, 0, RST, b"", 0), ("c", 101, 0, RST, b"", 0), ("c", 201, 0, RST, b"", 0),
                    ("c", 301, 0, RST, b"", 0)], S, "RSTO", "ShARRR", "RESET", "ESTABLISHED"),
    # a lone SYN/ACK from a port that is not a likely server port: its sender is the
    # originator, SYN_ACK_SENT, and the responder INACTIVE: not S0 (row 14)
    "OTH SYN/ACK": ([("s", 500, 101, SYN | ACK, b"", 65535)], S, "OTH", "H", "SYN_ACK_SENT", "INACTIVE"),
    # the SYN/ACK from port 80 flips the roles at creation (^) and is the responder's h,
    # which makes it ESTABLISHED; its RST then resets it while the originator is INACTIVE
    # (row 2)
    "RSTRH": ([("s", 500, 101, SYN | ACK, b"", 65535), ("s", 501, 0, RST, b"", 0)], W, "RSTRH", "^hr",
              "INACTIVE", "RESET"),
    # the same SYN/ACK, then a FIN from it: the responder CLOSED, the originator INACTIVE
    # (row 10)
    "SHR": ([("s", 500, 101, SYN | ACK, b"", 65535), ("s", 501, 101, FIN | ACK, b"", 65535)], W, "SHR", "^hf",
            "INACTIVE", "CLOSED"),
    # SYN+FIN: two of the three bits, not FIN+RST: Q; SYN then FIN: SYN_SENT then CLOSED (row 8)
    "Q": ([("c", 100, 0, SYN | FIN, b"", 65535)], S, "SH", "Q", "CLOSED", "INACTIVE"),
    # FIN+RST: I; the responder INACTIVE goes CLOSED then RESET (row 1)
    "I": ([SYN_C, ("s", 0, 101, FIN | RST | ACK, b"", 0)], S, "REJ", "Si", "SYN_SENT", "RESET"),
    # the same 10 bytes sent 11 times: the 1st is D, retransmissions 1 and 10 each add T
    # (logarithmic: the 1st, 10th, 100th ...)
    "T log": ([*HANDSHAKE, *[("c", 101, 501, ACK, b"x" * 10, 65535)] * 11], S, "S1", "ShADTT",
              "ESTABLISHED", "ESTABLISHED"),
    # the responder's first pure ACK advertises a zero window: a, then w
    "W": ([*HANDSHAKE, ("s", 501, 101, ACK, b"", 0)], S, "S1", "ShAaw", "ESTABLISHED", "ESTABLISHED"),
    # the responder acknowledges 20 bytes of the originator never captured, both sides
    # established: a content gap in the originator's data, G
    "G": ([*HANDSHAKE, ("s", 501, 121, ACK, b"", 65535)], S, "S1", "ShAaG", "ESTABLISHED", "ESTABLISHED"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reasoned_case(tmp_path: Path, name: str) -> None:
    segments, server, state, history, orig_state, resp_state = CASES[name]
    z, i = _one(_capture(tmp_path, segments, server))
    got = (str(z.conn_state[i]), str(z.history[i]), STATE_NAMES[int(z.orig_state[i])], STATE_NAMES[int(z.resp_state[i])])
    assert got == (state, history, orig_state, resp_state)


def test_gap_counts_missed_bytes(tmp_path: Path) -> None:
    """The G case's 20 bytes (acknowledged up to 121, relative 21; nothing past 1 seen)."""
    z, i = _one(_capture(tmp_path, CASES["G"][0]))
    assert int(z.missed_bytes[i]) == 20


def test_one_sided_synack_sender_flips_to_responder(tmp_path: Path) -> None:
    """zeek-conn.md §1 case 2: a SYN/ACK from a port that is not a likely server port makes
    its sender the originator (SYN_ACK_SENT), history ``H``; its pure ACK is productive
    traffic, so the roles flip and the history becomes ``^h``, the ACK then the
    responder's ``a``; its FIN ``f`` closes it from SYN_ACK_SENT. The new originator sent
    nothing: INACTIVE, 0 packets; the responder CLOSED: SHR."""
    z, i = _one(_capture(tmp_path, [("s", 500, 101, SYN | ACK, b"", 65535), ("s", 501, 101, ACK, b"", 65535),
                                    ("s", 501, 101, FIN | ACK, b"", 65535)]))
    got = (str(z.history[i]), str(z.conn_state[i]), int(z.orig_pkts[i]), int(z.resp_pkts[i]), z.originator(i))
    assert got == ("^haf", "SHR", 0, 3, "10.0.0.1:40000")


def test_two_holes_are_two_gaps(tmp_path: Path) -> None:
    """The originator's bytes 1-10 arrive, then 21-30 and 41-50 (two holes of 10 bytes);
    the responder acknowledges all 50: Zeek reports a content gap per hole (the first
    adds G, the second is its 2nd event: no letter until the 10th), 20 missed bytes."""
    data = [("c", 101, 501, ACK, b"x" * 10, 65535), ("c", 121, 501, ACK, b"x" * 10, 65535),
            ("c", 141, 501, ACK, b"x" * 10, 65535), ("s", 501, 151, ACK, b"", 65535)]
    z, i = _one(_capture(tmp_path, [*HANDSHAKE, *data]))
    assert (str(z.history[i]), int(z.missed_bytes[i])) == ("ShADaG", 20)


RECORDED = Path(__file__).resolve().parents[2] / "tests" / "analysis" / "lifecycle_captures"
#: The per-connection columns of ``conv --format json`` checked on the recorded captures.
_CONNECTION = ("id.orig_p", "conn_state", "history", "orig_pkts", "resp_pkts", "orig_bytes", "resp_bytes", "opened",
               "closed", "closed_first", "client_state", "server_state")

#: capture: one row per tcp.stream, reasoned from Zeek's rules (shared reference zeek-conn.md
#: §§2-5: the first sender of a SYN is the originator, no likely server port among 7001-7200;
#: letters once per direction, S/H/F/R again only for a new sequence number) and RFC 9293.
RECORDED_CONNECTIONS: dict[str, list[tuple[object, ...]]] = {
    # SYN 1 S, SYN/ACK 2 h, ACK 3 A, 18 bytes 4 D, the client's FIN 5 F, its ACK 6 a, the
    # server's 3,000 bytes 7, 9, 11 d, the server's FIN 13 f: both CLOSED, SF. Packets 8 and
    # 6; sizes from the sequence numbers: 20 - SYN - FIN = 18, 3001 - FIN = 3,000. The FIN 5
    # acknowledged (6) before the server's FIN 13: four segments, the client first; the
    # client FIN-WAIT-2 -> TIME-WAIT at 13, the server LAST-ACK -> CLOSED at 14.
    "half-close.pcap": [(51470, "SF", "ShADFadf", 8, 6, 18, 3000, "three-way handshake", "four-segment FIN close",
                         "client", "TIME-WAIT", "CLOSED")],
    # stream 0: S h A D, the server's ACK 5 a, its RST 6 r: the responder RESET, the
    # originator ESTABLISHED: RSTR; 3 and 3 packets, 5 bytes and 0. Stream 1: the SYN 7 S
    # answered by the RST/ACK 8 r (it acknowledges the SYN: RFC 9293 §3.10.7.3, the client
    # takes it): the originator SYN_SENT, the responder RESET: REJ.
    "server-reset.pcap": [
        (40994, "RSTR", "ShADar", 3, 3, 5, 0, "three-way handshake", "RST by the server", "server", "CLOSED",
         "CLOSED"),
        (35262, "REJ", "Sr", 1, 1, 0, 0, "refused by RST", "RST by the server", "server", "CLOSED", "CLOSED")],
    # S h A D a, the client's FIN 6 F and the server's FIN 7 f (its ack 19 is the client's
    # FIN's own sequence number: it had not received it), the two last ACKs repeat A and a:
    # SF, 5 and 4 packets, 18 and 0 bytes. The FINs crossed: both CLOSING -> TIME-WAIT.
    "simultaneous-close.pcap": [(43446, "SF", "ShADaFf", 5, 4, 18, 0, "three-way handshake", "simultaneous close",
                                 "client", "TIME-WAIT", "TIME-WAIT")],
    # 7100's SYN 1 S makes it the originator; 7200's SYN 2 s (no flip: the originator is
    # SYN_SENT, not SYN_ACK_SENT); the two SYN/ACKs 3, 4 repeat their SYNs' sequence numbers:
    # no letter; ACK 5 A, 2 bytes 6 D, ACK 7 a, 7200's FIN 9 f, 7100's FIN 11 F: SF, 6 and 6
    # packets, 2 and 0 bytes. 7200 closed first (its FIN acknowledged by 10 before 7100's FIN
    # 11): four segments; 7100 (the client: its SYN came first) LAST-ACK -> CLOSED at 12,
    # 7200 FIN-WAIT-2 -> TIME-WAIT at 11.
    "simultaneous-open.pcap": [(7100, "SF", "SsADafF", 6, 6, 2, 0, "simultaneous open", "four-segment FIN close",
                                "server", "CLOSED", "TIME-WAIT")],
}


@pytest.mark.parametrize("name", sorted(RECORDED_CONNECTIONS))
def test_recorded_connections(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The captures recorded between network namespaces (lifecycle_captures/record.sh):
    Zeek's columns and the lifecycle's verdicts and final states as reasoned above."""
    import json

    from tcpscope.cli.main import main

    assert main(["conv", str(RECORDED / name), "--format", "json"]) == 0
    rows = sorted(json.loads(capsys.readouterr().out), key=lambda r: r["stream"])
    assert [tuple(r[c] for c in _CONNECTION) for r in rows] == RECORDED_CONNECTIONS[name]
