"""``export --format pcap|pcapng`` against ``tshark -r IN -Y F -w OUT -F pcap|pcapng``:
pcap byte for byte; pcapng block by block after the Section Header Block (which names
the writing application: docs/deviations.md), with the differences declared below.

Of every capture, what tshark writes is compared through its digest, recorded by
tests/golden/make_golden_packets.py with the installed tshark's version (checked); tshark
runs live on the filtered cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_blocks import blocks
from make_golden_packets import read_digests, tshark_writes, written_digest

from tcpscope.cli.main import main
from tcpscope.pipeline import stream

CAPTURES = Path(__file__).resolve().parent.parent / "golden" / "captures"
ALL = sorted(p.name for p in CAPTURES.iterdir() if ".pcap" in p.name)
#: (capture, display filter) pairs: a connection, retransmissions, a frame range, none.
FILTERED = (("own-lossy-seed11.pcap", "tcp.analysis.retransmission"), ("own-lossy-seed11.pcap", "tcp.stream == 1"),
            ("zeek-pcapng-multi-interface.pcapng", "frame.number >= 3"), ("own-ipv6.pcap", "tcp.flags.syn == 1"),
            ("http-get.pcap", "frame.number > 1000"))

#: Captures tshark will not write in a format, with its reason; tcpscope refuses them too.
REFUSED = {
    ("craft-pcapng-records.pcapng", "pcap"): "custom blocks, which pcap cannot hold",
    ("craft-pcapng-sections.pcapng", "pcap"): "interfaces of several link types",
}
#: pcapng blocks tcpscope writes otherwise than tshark, with the reason (docs/deviations.md):
#: the options tcpscope does not read (an IDB's if_os and the like, an EPB's flags and
#: comments), records that are not packets, a time resolution past 64 bits, and a file
#: tshark stops writing (an internal error on the second section's link type).
PCAPNG_DECLARED = {
    "craft-pcapng-fcs.pcapng": "EPB option epb_flags not kept",
    "craft-pcapng-records.pcapng": "custom blocks are not written",
    "craft-pcapng-sections.pcapng": "tshark fails with an internal error (interface 1 encap 7 != packet encap 25)",
    "craft-pcapng-tsresol.pcapng": "if_tsresol 10^20 is read as 2^64-1 units and written as 2^63",
    "scapy-macos.pcapng.gz": "EPB options (flags, comments) not kept",
    "zeek-pcapng-multi-interface.pcapng": "IDB options other than if_name, if_tsresol, if_fcslen not kept",
}


VERSION, DIGESTS = read_digests()


def test_digests_are_of_the_installed_tshark(tshark_version: str) -> None:
    assert tshark_version == VERSION
    assert {name for name, _ in DIGESTS} == set(ALL)  # else run make_golden_packets.py


def _ours(capture: Path, fmt: str, out: Path, display_filter: str | None = None) -> int:
    return main(["export", str(capture), "--format", fmt, "-o", str(out)]
                + (["-Y", display_filter] if display_filter else []))


@pytest.mark.parametrize("name", ALL)
def test_pcap_byte_for_byte(tmp_path: Path, name: str) -> None:
    ours = tmp_path / "u.pcap"
    code, theirs = DIGESTS[name, "pcap"]
    if (name, "pcap") in REFUSED:
        assert code != 0
        assert _ours(CAPTURES / name, "pcap", ours) == 2
        assert not ours.exists()
        return
    assert code == 0
    assert _ours(CAPTURES / name, "pcap", ours) == 0
    assert written_digest(ours.read_bytes(), "pcap") == theirs


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
@pytest.mark.parametrize("case", FILTERED)
def test_filtered(tmp_path: Path, tshark: str, case: tuple[str, str], fmt: str, monkeypatch: pytest.MonkeyPatch,
                  ) -> None:
    """The frames a display filter selects, the capture read in pieces of 100 frames."""
    name, display_filter = case
    monkeypatch.setattr(stream, "PIECE_FRAMES", 100)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 100)
    theirs, ours = tmp_path / f"t.{fmt}", tmp_path / f"u.{fmt}"
    assert tshark_writes(tshark, CAPTURES / name, fmt, theirs, display_filter) == 0
    assert _ours(CAPTURES / name, fmt, ours, display_filter) == 0
    if fmt == "pcap":
        assert ours.read_bytes() == theirs.read_bytes()
    elif name not in PCAPNG_DECLARED:
        assert blocks(ours.read_bytes())[1:] == blocks(theirs.read_bytes())[1:]


@pytest.mark.parametrize("name", ALL)
def test_pcapng_blocks(tmp_path: Path, name: str) -> None:
    """Every block after the section header equal to tshark's (the declared ones differ)."""
    ours = tmp_path / "u.pcapng"
    code, theirs = DIGESTS[name, "pcapng"]
    assert _ours(CAPTURES / name, "pcapng", ours) == 0
    ok = code == 0 and written_digest(ours.read_bytes(), "pcapng") == theirs
    assert ok == (name not in PCAPNG_DECLARED), PCAPNG_DECLARED.get(name, "differs")


def test_section_header(tmp_path: Path) -> None:
    """The Section Header Block: little-endian, version 1.0, unknown length, shb_userappl."""
    out = tmp_path / "u.pcapng"
    assert _ours(CAPTURES / "http-get.pcap", "pcapng", out) == 0
    kind, shb = blocks(out.read_bytes())[0]
    assert kind == 0x0A0D0D0A
    assert shb[8:24] == bytes.fromhex("4d3c2b1a01000000ffffffffffffffff")
    assert shb[24:28] == bytes.fromhex("04000800") and shb[28:36] == b"tcpscope"
