"""Rotated files (``tcpdump -C``/``-G``) and several files read as one capture
(``tcpscope.capture.files``): the same output as the whole capture, which is what tshark
reads after ``mergecap -a`` joins the files (the join is checked to be the original capture).

The files are made by cutting golden captures with ``editcap -c N``, so that connections,
their retransmissions and an IP datagram's fragments cross file boundaries; every check
compares every cell of the per-frame export (the packet list's columns, the TCP header
and analysis fields, ``tcp.stream`` among them), the conversations and Zeek's conn.log.
Reading the files one by one gives other stream numbers and analysis: the proof that
the boundaries are crossed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tcpscope.capture.files import capture_files
from tcpscope.cli.main import main

CAPTURES = Path(__file__).resolve().parents[2] / "tests" / "golden" / "captures"

pytestmark = pytest.mark.skipif(shutil.which("editcap") is None or shutil.which("mergecap") is None,
                                reason="editcap and mergecap (wireshark-common) are needed to cut and join files")

#: capture -> frames per file (connections, retransmissions and fragments cross the cuts)
CUTS = {"zeek-http-methods.pcap": 100, "zeek-tcp-retransmit-fast009.pcap": 7, "zeek-ipv4-fragmented-1.pcap": 1}


def _cut(name: str, directory: Path) -> list[Path]:
    directory.mkdir()
    subprocess.run(["editcap", "-F", "pcap", "-c", str(CUTS[name]), str(CAPTURES / name), str(directory / "part.pcap")], check=True)
    return sorted(directory.iterdir())


def _out(args: list[str], path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*args, "-o", str(path)] if "export" in args else args) == 0
    return path.read_text(encoding="utf-8") if "export" in args else capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(CUTS))
def test_directory_equals_the_whole(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    files = _cut(name, tmp_path / "rotated")
    assert len(files) > 1
    joined = tmp_path / "joined.pcap"
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", str(joined), *map(str, files)], check=True)
    # the join is the capture (but the file header's snapshot length): tshark reads the whole
    assert joined.read_bytes()[24:] == (CAPTURES / name).read_bytes()[24:]
    for command in (["export", "--format", "csv"], ["export", "--format", "zeek"], ["conv", "--extras"]):
        whole = _out([command[0], str(joined), *command[1:]], tmp_path / "whole", capsys)
        for given in ([str(tmp_path / "rotated")], list(map(str, files))):
            assert _out([command[0], *given, *command[1:]], tmp_path / "parts", capsys) == whole, (command, given)


def test_one_by_one_differs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each file read alone loses what crosses its boundaries (the test above can fail)."""
    files = _cut("zeek-http-methods.pcap", tmp_path / "rotated")
    whole = _out(["export", str(CAPTURES / "zeek-http-methods.pcap"), "--format", "csv"], tmp_path / "whole", capsys)
    parts = []
    for i, f in enumerate(files):
        text = _out(["export", str(f), "--format", "csv"], tmp_path / f"p{i}", capsys)
        parts.append(text if i == 0 else text.split("\n", 1)[1])
    assert "".join(parts) != whole


def test_tcpdump_names_in_order(tmp_path: Path) -> None:
    """``tcpdump -C`` names x, x1, x2 ... x10: digits compare as numbers; dot files are left out."""
    for name in ("x", "x1", "x2", "x10", "x11", ".x.swp"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    assert capture_files(tmp_path) == [str(tmp_path / n) for n in ("x", "x1", "x2", "x10", "x11")]
    assert capture_files(tmp_path / "x") is None


def test_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fields", str(tmp_path), "-e", "frame.number"]) == 2
    err = capsys.readouterr().err
    assert err == f'tcpscope: "{tmp_path}" is a directory (folder), not a file.\n'
