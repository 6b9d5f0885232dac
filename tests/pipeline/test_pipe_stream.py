"""A capture through a pipe is printed a batch at a time, as its bytes come, and prints
what the whole stream prints.

Every committed capture (damaged ones too) is written into a FIFO in small writes and read
in batches of a few hundred bytes, with tiny pieces: the output, the warnings and the
exit status must be those of reading the whole stream first (what tcpscope did before,
and what tshark reads from a pipe: no guessing at pcap variants, for one). A live
stream must show its first frames before it ends.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from analysis_fields import ANALYSIS_FIELDS
from compare import capture_files, prefix, stem
from fieldsets import all_fields

from tcpscope.capture import pipe, read_batches, read_records
from tcpscope.cli.main import main
from tcpscope.dissect.pipeline import dissect
from tcpscope.pipeline import stream
from tcpscope.views.columns import full_registry
from tcpscope.views.fields import FieldsOptions, write_fields

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = capture_files()
#: what batches could change: numbers and times, interfaces, reassembly, the analysis
#: carried between batches (every field is compared between pieces in test_stream.py)
FIELDS = [f for f in dict.fromkeys([
    *(f for f in all_fields() if f.startswith(("frame.", "ip.", "ipv6.", "udp."))),
    "eth.src", "sll.pkttype", "null.family", "vlan.id", "tcp.srcport", "tcp.seq_raw", "tcp.len", "tcp.flags.str",
    "tcp.options.sack_le", *ANALYSIS_FIELDS[:12], "tcp.analysis.flags", "frame.protocols", "tcp.payload",
]) if f in full_registry()]
ARGS = ["-E", "header=y", *(a for f in FIELDS for a in ("-e", f))]


def _cli(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return out.getvalue(), err.getvalue(), status


def _feed(fifo: Path, data: bytes, chunk: int) -> threading.Thread:
    """Write ``data`` into ``fifo`` ``chunk`` bytes at a time, on a thread."""
    def run() -> None:
        with open(fifo, "wb", buffering=0) as fh:
            for i in range(0, len(data), chunk):
                try:
                    fh.write(data[i : i + chunk])
                except BrokenPipeError:  # the reader stopped at damage, as tshark does
                    return

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipe, "BATCH_BYTES", 300)
    monkeypatch.setattr(pipe, "READ_BYTES", 97)
    monkeypatch.setattr(pipe, "QUIET_S", 0.0)
    monkeypatch.setattr(stream, "PIECE_FRAMES", 4)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", 4)


def _through_fifo(fifo: Path, data: bytes, *args: str, command: str = "fields") -> tuple[str, str, int]:
    feeder = _feed(fifo, data, 211)
    try:
        return _cli(command, str(fifo), *args)
    finally:
        feeder.join(timeout=30)


@pytest.mark.parametrize("command", ["fields", "analyze"])
@pytest.mark.parametrize("cap", CAPTURES, ids=[stem(c) for c in CAPTURES])
def test_a_fifo_in_batches_prints_what_the_whole_stream_prints(cap: Path, command: str, tmp_path: Path,
                                                               small_batches: None,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``fields`` prints, and ``analyze`` sums its report, over the batches of a pipe as
    they come: the same text as from the whole stream (a large capture's first
    ``PREFIX_FRAMES`` records, as for the other piece tests)."""
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    data = prefix(cap).read_bytes()
    args = ARGS if command == "fields" else []
    got = _through_fifo(fifo, data, *args, command=command)
    with monkeypatch.context() as m:
        m.setattr(pipe, "_pipe", lambda path: None)  # read the stream whole, then print
        want = _through_fifo(fifo, data, *args, command=command)
    assert got == want


def test_batches_number_and_time_frames_as_one_capture(tmp_path: Path, small_batches: None) -> None:
    cap = next(c for c in CAPTURES if c.name == "http-eth.pcap")
    whole = read_records(cap)
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    feeder = _feed(fifo, cap.read_bytes(), 100)
    batches = list(read_batches(str(fifo)))
    feeder.join(timeout=30)
    assert len(batches) > 5
    assert [last for _, last in batches] == [False] * (len(batches) - 1) + [True]
    firsts = [b.first_frame for b, _ in batches]
    sizes = [len(b) for b, _ in batches]
    assert firsts == list(np.cumsum([0, *sizes[:-1]]))
    assert sum(sizes) == len(whole)
    assert np.array_equal(np.concatenate([b.ts_ns for b, _ in batches]), whole.ts_ns)
    for b, _ in batches[1:]:
        assert b.ts_first == int(whole.ts_ns[0])
        assert b.ts_before == int(whole.ts_ns[b.first_frame - 1])


def test_fragments_wait_for_the_batch_that_completes_them(tmp_path: Path, small_batches: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With HOLD_FRAMES at 0 the frames a batch leaves open are printed as they are: every
    frame is still printed once, in order."""
    cap = next(c for c in CAPTURES if c.name == "craft-ipv4-frags.pcap")
    monkeypatch.setattr(stream, "HOLD_FRAMES", 0)
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    feeder = _feed(fifo, cap.read_bytes(), 50)
    out, _, status = _cli("fields", str(fifo), "-e", "frame.number")
    feeder.join(timeout=30)
    assert status == 0
    assert out.split() == [str(i) for i in range(1, len(read_records(cap)) + 1)]


@pytest.mark.parametrize("name", ["http-eth.pcap", "craft-ipv4-frags.pcap", "craft-pcapng-sections.pcapng"])
def test_joined_records_dissect_as_the_whole(name: str) -> None:
    cap = next(c for c in CAPTURES if c.name == name)
    whole = read_records(cap)
    defs = full_registry().require(FIELDS)
    want = io.BytesIO()
    write_fields(dissect(whole), defs, FieldsOptions(), want)
    n = len(whole)
    for k in (0, 1, n // 2, n):
        joined = whole.frames(0, k).join(whole.frames(k, n))
        assert joined.data is not whole.data
        got = io.BytesIO()
        write_fields(dissect(joined), defs, FieldsOptions(), got)
        assert got.getvalue() == want.getvalue(), k


def test_a_live_stream_shows_its_frames_before_it_ends() -> None:
    """The first records written show on standard output while the pipe is still open."""
    data = (ROOT / "tests" / "golden" / "captures" / "http-eth.pcap").read_bytes()
    first = read_records(ROOT / "tests" / "golden" / "captures" / "http-eth.pcap")
    cut = int(first.offset[10] + first.caplen[10])  # the header and 11 whole records
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    with subprocess.Popen([sys.executable, "-m", "tcpscope.cli.main", "fields", "-", "-e", "frame.number"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(data[:cut])
        proc.stdin.flush()
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while len(lines) < 11 and time.monotonic() < deadline:
            lines.append(proc.stdout.readline().decode().strip())
        assert lines == [str(i) for i in range(1, 12)]
        assert proc.poll() is None  # still reading: the pipe is open
        proc.stdin.write(data[cut:])
        proc.stdin.close()
        rest = proc.stdout.read().decode().split()
        assert rest == [str(i) for i in range(12, len(first) + 1)]
        assert proc.wait(timeout=60) == 0
