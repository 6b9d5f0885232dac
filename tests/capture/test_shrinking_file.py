"""A capture file that shrinks after it was opened (a tcpdump ring buffer starting a file
over): the frames before the cut, then tshark's warning for a file cut short, never a
crash. A read through the memory map past the file's new end would be SIGBUS, so each
case runs in a child process: a signal fails the test instead of killing pytest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tcpscope.capture import read_records

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"
SRC = Path(__file__).resolve().parents[2] / "src"

#: The child: ``tcpscope fields`` on the file, which is cut to ``size`` bytes once its
#: records have been read (when the file is open and mapped), before any frame is dissected.
CHILD = """
import os, sys
import tcpscope.capture.pipe as pipe
from tcpscope.cli.main import main

path, size = sys.argv[1], int(sys.argv[2])
read = pipe.read_records

def read_then_cut(p, *upto):
    records = read(p, *upto)
    os.truncate(path, size)
    return records

pipe.read_records = read_then_cut
sys.exit(main(["fields", path, "-e", "frame.number", "-e", "frame.len", "-e", "tcp.len"]))
"""


def _ends(path: Path) -> np.ndarray:
    records = read_records(path)
    return np.asarray(records.offset + records.caplen)


def _cuts() -> list[tuple[str, str]]:
    return [("http-eth.pcap", where) for where in ("mid-frame", "mid-record-header", "after-record")] + [
        ("craft-pcapng-records.pcapng", "mid-frame")]


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize(("name", "where"), _cuts())
def test_a_file_cut_after_it_was_opened(name: str, where: str, tmp_path: Path) -> None:
    ends = _ends(CAPTURES / name)
    k = len(ends) // 2
    size = {"mid-frame": int(ends[k]) - 3, "mid-record-header": int(ends[k]) + 5, "after-record": int(ends[k])}[where]
    path = tmp_path / name
    shutil.copyfile(CAPTURES / name, path)
    done = subprocess.run([sys.executable, "-c", CHILD, name, str(size)], capture_output=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(SRC), "TCPSCOPE_JIT": "never"},
                          cwd=tmp_path, check=False)
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: {done.stderr.decode()[-2000:]}"
    assert path.stat().st_size == size
    want = subprocess.run(["tshark", "-r", name, "-T", "fields", "-e", "frame.number", "-e", "frame.len",
                           "-e", "tcp.len"], capture_output=True, cwd=tmp_path, check=False)
    assert done.stdout.decode().splitlines() == want.stdout.decode().splitlines()
    assert want.stdout  # the frames before the cut are there
    said = [line for line in want.stderr.decode().splitlines(keepends=True) if not line.startswith("Running as user")]
    assert done.stderr.decode() == "".join(said).replace("tshark: ", "tcpscope: ")
    assert done.returncode == want.returncode
