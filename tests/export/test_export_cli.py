"""``tcpscope export`` on bad input: one line on standard error, exit status 2, no
traceback, and nothing at the output's path that looks complete; and its memory, which
stays that of a piece whatever the capture's length."""

from __future__ import annotations

import json
import os
import resource
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tcpscope.cli.main import main

ROOT = Path(__file__).resolve().parent.parent.parent
CAPTURES = ROOT / "tests" / "golden" / "captures"
LOSSY = CAPTURES / "own-lossy-seed11.pcap"


def _one_line_error(capsys: pytest.CaptureFixture[str], starts: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"tcpscope: {starts}"), err
    assert "Traceback" not in err
    return err


def test_output_directory_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "no" / "x.parquet"
    assert main(["export", str(LOSSY), "--format", "parquet", "-o", str(out)]) == 2
    _one_line_error(capsys, f'The file to which the export would be written ("{out}") could not be opened: '
                            "No such file or directory.")


def test_unknown_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", str(LOSSY), "--format", "xlsx", "-o", str(tmp_path / "x")])
    assert exc.value.code == 2
    assert "invalid choice: 'xlsx'" in capsys.readouterr().err


def test_json_needs_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(LOSSY), "--format", "ek", "-o", str(tmp_path / "x")]) == 2
    _one_line_error(capsys, "--format ek needs the fields")


def test_bad_capture_leaves_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A capture that cannot be read: tshark's message, and the older file at -o as it was."""
    out = tmp_path / "x.parquet"
    out.write_bytes(b"older")
    assert main(["export", str(CAPTURES / "bad" / "random-bytes.pcap"), "--format", "parquet", "-o", str(out)]) == 2
    assert "isn't a capture file" in capsys.readouterr().err
    assert out.read_bytes() == b"older"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.parquet"]


_LIMITED = """
import resource, sys
from tcpscope.cli.main import main
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("fmt", ["parquet", "csv", "pcap", "ek"])
def test_file_size_limit(tmp_path: Path, fmt: str) -> None:
    """A write that fails (a file size limit, as a full disk does): one line, status 2,
    no partial file under the output's name or beside it."""
    out = tmp_path / f"x.{fmt}"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    more = ["-e", "frame.number", "-e", "tcp.payload"] if fmt == "ek" else []
    proc = subprocess.run([sys.executable, "-c", _LIMITED, str(64 * 1024), "export", str(LOSSY), "--format", fmt,
                           "-o", str(out), *more], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f'tcpscope: An error occurred while writing to the file "{out}": File too large.\n'
    assert list(tmp_path.iterdir()) == []


def _long_capture(path: Path, copies: int) -> int:
    """``copies`` of own-lossy-seed11.pcap's frames one after another, each copy 1,000 s
    after the one before (its connections long closed); returns the frames."""
    data = LOSSY.read_bytes()
    head, body = data[:24], data[24:]
    assert struct.unpack_from("<I", head)[0] == 0xA1B2C3D4
    records = []
    at = 0
    while at < len(body):
        sec, usec, caplen, wirelen = struct.unpack_from("<IIII", body, at)
        records.append((sec, usec, caplen, wirelen, body[at + 16:at + 16 + caplen]))
        at += 16 + caplen
    with path.open("wb") as f:
        f.write(head)
        for k in range(copies):
            for sec, usec, caplen, wirelen, frame in records:
                f.write(struct.pack("<IIII", sec + 1000 * k, usec, caplen, wirelen) + frame)
    return len(records) * copies


_MEASURE = """
import json, sys, tracemalloc
import pyarrow as pa
from tcpscope.cli.main import main
from tcpscope.pipeline import stream
stream.PIECE_FRAMES = stream.PIECE_FRAMES_ANALYSED = 1024
tracemalloc.start()
code = main(["export", sys.argv[1], "--format", "parquet", "-o", sys.argv[2]])
print(json.dumps({"code": code, "python": tracemalloc.get_traced_memory()[1],
                  "arrow": pa.default_memory_pool().max_memory()}))
"""


@pytest.mark.slow
def test_memory_does_not_grow_with_length(tmp_path: Path) -> None:
    """Peak memory (numpy's, through tracemalloc, and Arrow's pool) exporting 1 and 4
    copies of a capture (4,572 and 18,288 frames) in pieces of 1,024 frames: the longer
    costs at most a quarter more."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), TCPSCOPE_JIT="always")
    peaks = {}
    for copies in (1, 4):
        capture = tmp_path / f"x{copies}.pcap"
        frames = _long_capture(capture, copies)
        proc = subprocess.run([sys.executable, "-c", _MEASURE, str(capture), str(tmp_path / f"x{copies}.parquet")],
                              capture_output=True, text=True, env=env, check=True)
        answer = json.loads(proc.stdout.splitlines()[-1])
        assert answer["code"] == 0
        import pyarrow.parquet as pq

        assert pq.read_metadata(tmp_path / f"x{copies}.parquet").num_rows == frames
        peaks[copies] = answer["python"] + answer["arrow"]
    assert peaks[4] < 1.25 * peaks[1], peaks
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss > 0
