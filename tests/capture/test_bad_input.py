"""Bad input through the command line: tshark's message, its exit status, the frames before the damage.

Every file of ``tests/golden/captures/bad`` is run through ``tcpscope.cli.main.main``; its
golden files say what tshark printed. Then the inputs that are not files of that
directory: text, random bytes, an empty file, a missing path, a directory, standard
input (plain, gzip, cut short, a variant a pipe cannot carry). Finally the readers'
bounds: a record or block that claims gigabytes in a small file allocates nothing of
that size, and no input keeps a reader busy.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from tcpscope.capture import read_records
from tcpscope.cli.main import main
from tcpscope.dissect.pipeline import dissect

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"
CAPTURES = GOLDEN_DIR / "captures"
EXPECTED = GOLDEN_DIR / "expected"
BAD = sorted(p.relative_to(CAPTURES).as_posix() for p in (CAPTURES / "bad").iterdir()
             if p.name.endswith((".pcap", ".pcapng", ".gz")))
SRC = Path(__import__("tcpscope").__file__).resolve().parent.parent


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[list[str], str, int]:
    capsys.readouterr()
    status = main(args)
    out, err = capsys.readouterr()
    return out.splitlines(), err, status


@pytest.mark.parametrize("name", BAD)
def test_bad_file(name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """tshark's words with tcpscope's name, tshark's status, and every frame before the damage."""
    monkeypatch.chdir(CAPTURES)
    want_err = (EXPECTED / f"{name}.stderr").read_text()
    want_status = int((EXPECTED / f"{name}.status").read_text())
    golden_rows = (EXPECTED / f"{name}.fields.tsv").read_text().splitlines()
    frames = [row.split("\t")[0] for row in golden_rows[1:]]
    lines, err, status = _run(["fields", name, "-e", "frame.number"], capsys)
    assert err == want_err.replace("tshark: ", "tcpscope: ").replace("TShark", "tcpscope")
    assert status == want_status
    assert lines == frames
    if status:
        assert err.startswith(f"tcpscope: The file \"{name}\" ")


def test_shared_bad_captures_keep_the_frames_before_the_damage(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CAPTURES)
    lines, err, status = _run(["fields", "bad/truncated-mid-record.pcap", "-e", "frame.number"], capsys)
    assert (len(lines), status) == (47, 2)
    assert err == 'tcpscope: The file "bad/truncated-mid-record.pcap" appears to have been cut short in the middle of a packet.\n'
    lines, err, status = _run(["fields", "bad/huge-record-length.pcap", "-e", "frame.len"], capsys)
    assert (lines, status) == (["74", "2147483647"], 2)


def test_not_a_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, data in (("notes.txt", b"some notes\nnot packets\n"), ("noise.bin", bytes(range(256)) * 8)):
        p = tmp_path / name
        p.write_bytes(data)
        lines, err, status = _run(["fields", str(p), "-e", "frame.number"], capsys)
        assert (lines, status) == ([], 2)
        assert err == f'tcpscope: The file "{p}" isn\'t a capture file in a format tcpscope understands.\n'


def test_empty_file_is_a_capture_without_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "empty.pcap"
    p.write_bytes(b"")
    assert _run(["fields", str(p), "-e", "frame.number"], capsys) == ([], "", 0)


def test_missing_path_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing.pcap"
    assert _run(["fields", str(missing), "-e", "frame.number"], capsys) == (
        [], f'tcpscope: The file "{missing}" doesn\'t exist.\n', 2)
    assert _run(["fields", str(tmp_path), "-e", "frame.number"], capsys) == (
        [], f'tcpscope: "{tmp_path}" is a directory (folder), not a file.\n', 2)


def test_gzip_reads_as_the_plain_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = CAPTURES / "http-eth.pcap"
    gz = tmp_path / "http-eth.pcap.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    fields = ["-e", "frame.number", "-e", "ip.src", "-e", "tcp.seq_raw"]
    want = _run(["fields", str(plain), *fields], capsys)
    assert _run(["fields", str(gz), *fields], capsys) == want
    cut = tmp_path / "cut.pcap.gz"
    cut.write_bytes(gz.read_bytes()[:4000])
    lines, err, status = _run(["fields", str(cut), "-e", "frame.number"], capsys)
    assert status == 2
    assert 0 < len(lines) < len(want[0])
    assert err == f'tcpscope: The file "{cut}" appears to have been cut short in the middle of a packet.\n'


def _stdin(data: bytes, *fields: str) -> subprocess.CompletedProcess[bytes]:
    args = [sys.executable, "-m", "tcpscope.cli.main", "fields", "-"]
    for f in fields:
        args += ["-e", f]
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run(args, input=data, capture_output=True, env=env, timeout=120, check=False)


def test_standard_input(capsys: pytest.CaptureFixture[str]) -> None:
    """``-`` reads standard input, plain or gzip; messages call it "the standard input"."""
    plain = (CAPTURES / "http-get.pcap").read_bytes()
    want, _, _ = _run(["fields", str(CAPTURES / "http-get.pcap"), "-e", "frame.number", "-e", "tcp.flags.str"], capsys)
    for data in (plain, gzip.compress(plain, mtime=0)):
        done = _stdin(data, "frame.number", "tcp.flags.str")
        assert (done.returncode, done.stderr) == (0, b"")
        assert done.stdout.decode().splitlines() == want
    done = _stdin(plain[:-10], "frame.number")
    assert done.returncode == 2
    assert done.stdout.decode().splitlines() == [str(i) for i in range(1, 12)]
    assert done.stderr == b"tcpscope: The standard input appears to have been cut short in the middle of a packet.\n"
    done = _stdin((CAPTURES / "editcap-modpcap.pcap").read_bytes(), "frame.number")
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr == (b"tcpscope: The standard input contains record data that tcpscope doesn't support.\n"
                           b"(pcap: that type of pcap file can't be read from a pipe)\n")


@pytest.mark.parametrize("name", ["bad/craft-pcap-4gib-record.pcap", "bad/craft-pcap-100mib-record.pcap",
                                  "bad/craft-pcapng-100mib-block.pcapng", "bad/craft-pcapng-too-large.pcapng"])
def test_huge_claims_allocate_nothing(name: str) -> None:
    """A record or block that claims far more than the file holds costs no more than the file."""
    dissect(read_records(CAPTURES / name))  # compile and import first: only the reading is measured
    tracemalloc.start()
    try:
        table = dissect(read_records(CAPTURES / name))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.n <= 3
    assert peak < 8 * 2**20


def test_readers_finish(tmp_path: Path) -> None:
    """Inputs that could send a walk around in circles: blocks of length 0 and 4, records of length 0."""
    import struct

    from craft import pcap_bytes, pcapng_idb, pcapng_shb

    cases = {
        "zero.pcapng": pcapng_shb() + pcapng_idb(1) + struct.pack("<II", 6, 0) * 1000,
        "four.pcapng": pcapng_shb() + pcapng_idb(1) + struct.pack("<II", 6, 4) * 1000,
        "empty-records.pcap": pcap_bytes([], 1) + struct.pack("<IIII", 1, 0, 0, 0) * 100_000,
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        t0 = time.monotonic()
        records = read_records(p)
        dissect(records)
        assert time.monotonic() - t0 < 60, name  # a guard against a walk that never ends, not a speed goal
