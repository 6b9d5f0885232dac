"""``tcpscope.views.info``: what each TCP option dissector of packet-tcp.c adds to Info.

The crafted golden captures hold one option of each kind; these segments add the
variants they lack (Accurate ECN counters, experimental TARR and AccECN, Riverbed probe
responses, SCPS capabilities, Quick-Start rates, options whose bytes run past the IP
payload), checked here as text and live against tshark's packet list.
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest
from tcp_craft import ACK, NS, SYN, Frame, tcp4, write_pcap

from tcpscope.analysis import analyze
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.views.info import flags_text
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


ECE, CWR = 0x40, 0x80


def _accecn_capture(tmp_path: Path) -> Path:
    """A handshake that sets up Accurate ECN (a SYN with AE, CWR and ECE; a SYN/ACK with
    CWR alone), then segments whose flags tshark writes as ACE=n: with ACK, with none of
    FIN..URG, and with a reserved bit. AE (0x100) and the reserved bits (0xE00) are in the
    byte before the flags."""

    def seg(flags: int, high: int = 0, ack: int = 500, client: bool = True) -> bytes:
        src, dst, sp, dp, seq = ("10.0.0.1", "10.0.0.2", 40000, 80, 101) if client else (
            "10.0.0.2", "10.0.0.1", 80, 40000, 500)
        data = bytearray(tcp4(src, dst, sp, dp, seq - 1 if flags & SYN else seq, ack=ack, flags=flags))
        data[20 + 12] |= high >> 8
        return bytes(data)

    frames = [seg(SYN | ECE | CWR, 0x100, ack=0), seg(SYN | ACK | CWR, ack=101, client=False), seg(ACK | ECE),
              seg(ECE), seg(CWR | ECE, 0x100), seg(0, 0x100), seg(0), seg(0, 0x200), seg(ACK, 0x200)]
    return write_pcap(tmp_path / "accecn.pcap", [Frame((i + 1) * NS, f) for i, f in enumerate(frames)])


def test_flags_with_only_accecn_bits_keep_the_leading_comma(tmp_path: Path) -> None:
    """tcp_flags_to_str writes ", ACE=" whatever came before it: with no flag named before
    the ACE counter the list starts with a comma (tshark 4.0.17: ``[, ACE=1]``, and in the
    tree ``Flags: 0x040 (, ACE=1)``)."""
    assert flags_text(ACK | ECE, use_ace=True) == "ACK, ACE=1"
    assert flags_text(ECE, use_ace=True) == ", ACE=1"
    assert flags_text(0x1C0, use_ace=True) == ", ACE=7"
    assert flags_text(0x200, use_ace=True) == ", ACE=0, Reserved"
    assert flags_text(0x200) == "Reserved"
    assert flags_text(0) == "<None>"
    found = [re.search(r"\d \[([^]]*)\] Seq=", line) for line in _lines(_accecn_capture(tmp_path))]
    brackets = [m.group(1) if m else "" for m in found]
    assert brackets[2:] == ["ACK, ACE=1", ", ACE=1", ", ACE=7", ", ACE=4", ", ACE=0", ", ACE=0, Reserved",
                            "ACK, ACE=0, Reserved"]


@pytest.mark.tshark
def test_accecn_flags_match_tshark(tmp_path: Path, tshark: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The packet list, and the flow graph's arrow labels (flags_text too), are tshark's."""
    from tcpscope.cli.main import main

    path = _accecn_capture(tmp_path)
    out = subprocess.run([tshark, "-r", str(path)], capture_output=True, text=True, check=True).stdout
    assert _lines(path) == out.splitlines()
    main(["flow", str(path)])
    out = subprocess.run([tshark, "-r", str(path), "-q", "-z", "flow,tcp,standard"], capture_output=True, text=True,
                         check=True).stdout
    assert ", ACE=0, Reserved" in out
    assert capsys.readouterr().out == out
