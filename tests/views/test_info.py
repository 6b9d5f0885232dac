"""``tcpscope.views.info``: what each TCP option dissector of packet-tcp.c adds to Info.

The crafted golden captures hold one option of each kind; these segments add the
variants they lack (Accurate ECN counters, experimental TARR and AccECN, Riverbed probe
responses, SCPS capabilities, Quick-Start rates, options whose bytes run past the IP
payload), checked here as text and live against tshark's packet list.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from tcp_craft import ACK, NS, SYN, Frame, tcp4, write_pcap

from tcpscope.analysis import analyze
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.views.packet_list import packet_lines

NOP = b"\x01"
SYNACK = SYN | ACK


def _pad(opts: bytes) -> bytes:
    return opts + b"\x00" * (-len(opts) % 4)


#: (options, flags, the end of tcpscope's Info line)
CASES: list[tuple[bytes, int, str]] = [
    (bytes([172, 2]), SYN, "Len=0 AccECN"),
    (bytes([172, 5, 0, 0, 7]), SYN, "Len=0 EE0B=7"),
    (bytes([174, 8, 0, 0, 1, 0, 0, 2]), SYN, "Len=0 EE1B=1 ECEB=2"),
    (bytes([172, 11, 0, 0, 1, 0, 0, 2, 0, 0, 3]), SYN, "Len=0 EE0B=1 ECEB=2 EE1B=3"),
    (bytes([174, 3, 0]), SYN, "Len=0"),  # a length Accurate ECN does not have
    (bytes([254, 4, 0x00, 0xAC]), SYN, "Len=0 TARR"),
    (bytes([254, 5, 0x00, 0xAC, 0x0B]), SYN, "Len=0 TARR=5"),
    (bytes([254, 7, 0xAC, 0xC1, 0, 1, 0]), SYN, "Len=0 EE1B=256"),
    (bytes([254, 4, 0xAC, 0xC0]), SYN, "Len=0 AccECN"),
    (bytes([254, 6, 0xF9, 0x89, 1, 2]), SYN, "Len=0 TFO=C"),
    (bytes([253, 6, 0x12, 0x34, 1, 2]), SYN, "Len=0 ExID=1234"),
    # Riverbed probes: version 1 response ("SA+, "), version 2 last-notify query in a SYN/ACK
    (bytes([76, 14, 0x11, 0]) + bytes(4) + bytes([10, 0, 0, 1, 0, 80]), SYN, "Len=0"),
    (bytes([76, 4, 6 << 1, 1]), SYNACK, "Len=0"),
    (bytes([76, 4, 6 << 1, 0]), SYNACK, "Len=0"),
    (bytes([76, 3, 0x21]), SYN, "Len=0"),  # version 1, internal: nothing read after the type
    (bytes([78, 16, 0, 2]) + bytes(12), SYN, "Len=0"),
    (bytes([20, 4, 0x80 | 0x20, 0]), SYN, "Len=0 SCPS[BETS, SNACK2]"),
    (bytes([20, 4, 0, 9]), SYN, "Len=0 Connection ID=9"),
    (bytes([27, 8, 0x1F, 0]) + bytes(4), SYN, "Len=0 QSresp=1.31072 Gbit/s"),
    (bytes([19, 18]) + bytes(16), SYN, "Len=0 MD5"),
    (bytes([29, 3, 1]), SYN, "Len=0TCP AO"),
    (bytes([28, 4, 0x80, 0x05]), SYN, "Len=0 USER_TO=5"),
    (bytes([76, 2]), SYN, "Len=0"),  # shorter than a probe: an expert note
    (bytes([254, 6, 0x00, 0xAC, 1, 2]), SYN, "Len=0"),
    (bytes([254, 5, 0xAC, 0xC0, 1]), SYN, "Len=0"),
]

PREFIX = {11: "SA+, ", 12: "SA++, ", 15: "TRPY, "}


def _capture(tmp_path: Path) -> Path:
    t = 1_700_000_000 * NS
    frames = []
    for i, (opts, flags, _) in enumerate(CASES):
        o = _pad(opts)
        frames.append(Frame(t + i * 1000, tcp4("10.0.0.1", "10.0.0.2", 40000 + i, 443, 1000, ack=1 if flags & ACK else 0,
                                               flags=flags, doff=5 + len(o) // 4, options=o)))
    # timestamps whose echo reply lies past the IP payload: a ContainedBoundsError
    o = _pad(struct.pack("!BBHBBII", 2, 4, 1460, 8, 10, 1, 2))
    seg = tcp4("10.0.0.1", "10.0.0.2", 41000, 443, 1000, ack=0, flags=SYN, doff=5 + len(o) // 4, options=o)
    frames.append(Frame(t + NS, seg[:2] + struct.pack("!H", 20 + 20 + 10) + seg[4:]))
    # an MPTCP option: the Protocol column says MPTCP
    o = _pad(bytes([30, 12, 0x00, 0x81]) + bytes(8))
    frames.append(Frame(t + 2 * NS, tcp4("10.0.0.1", "10.0.0.2", 41001, 443, 1000, ack=0, flags=SYN, doff=5 + len(o) // 4,
                                         options=o)))
    return write_pcap(tmp_path / "options.pcap", frames)


def _lines(path: Path) -> list[str]:
    return list(packet_lines(analyze(dissect(read_records(path)))))


def test_option_info_texts(tmp_path: Path) -> None:
    lines = _lines(_capture(tmp_path))
    for i, (_, _, end) in enumerate(CASES):
        assert lines[i].endswith(end), (i, lines[i])
        info = lines[i].split(" TCP ", 1)[1].split(" ", 1)[1]
        assert info.startswith(PREFIX.get(i, "") + f"{40000 + i} \u2192 443"), (i, lines[i])
    assert lines[len(CASES)].endswith(
        " MSS=1460[Malformed Packet: length of contained item exceeds length of containing item]")
    assert " MPTCP " in lines[len(CASES) + 1]


@pytest.mark.tshark
def test_option_info_matches_tshark(tmp_path: Path, tshark: str) -> None:
    path = _capture(tmp_path)
    out = subprocess.run([tshark, "-r", str(path)], capture_output=True, text=True, check=True).stdout
    assert _lines(path) == out.splitlines()


@pytest.mark.tshark
def test_option_experts_match_tshark(tmp_path: Path, tshark: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The same segments' expert summary (length notes of Accurate ECN and the Riverbed probe,
    the malformed frame) is tshark's."""
    from tcpscope.cli.main import main

    path = _capture(tmp_path)
    main(["expert", str(path)])
    out = subprocess.run([tshark, "-r", str(path), "-q", "-z", "expert"], capture_output=True, text=True,
                         check=True).stdout
    assert capsys.readouterr().out == out
