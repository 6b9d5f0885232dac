"""The captures a fuzzer found (tests/data/fuzz/README.md): every command on every one,
uncompiled and compiled, ends with a clean status and no traceback, in bounded time;
where tshark answers quickly the text is tshark's.

The large ones once took minutes (tshark takes 13-48 s on two of them): they run as a
child process with a time limit far above what they take now (1-3 s) and far below what
they took, so a return of the quadratic work fails the test rather than hanging it.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FUZZ = ROOT / "tests" / "data" / "fuzz"
SMALL = sorted(p for p in FUZZ.iterdir() if p.suffix in (".pcap", ".pcapng"))
LARGE = sorted(FUZZ.glob("*.gz"))
FIELDS = ["frame.number", "frame.time", "frame.time_relative", "ip.src", "ip.version", "ipv6.src", "tcp.seq",
          "tcp.payload", "tcp.analysis.flags", "tcp.analysis.ack_rtt", "_ws.col.Info"]
COMMANDS = [["fields", *(a for f in FIELDS for a in ("-e", f))], ["list"], ["conv"], ["expert"], ["analyze"]]


def _cli(args: list[str], jit: str, timeout: float = 120.0, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, TCPSCOPE_JIT=jit, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "tcpscope.cli.main", *args], capture_output=True, env=env,
                          timeout=timeout, input=stdin, check=False)


def _clean(run: subprocess.CompletedProcess[bytes]) -> None:
    err = run.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "Warning:" not in err, err
    assert run.returncode in (0, 2), err


@pytest.mark.parametrize("jit", ["never", "always"])
@pytest.mark.parametrize("cap", SMALL, ids=[p.name for p in SMALL])
def test_every_command_ends_cleanly(cap: Path, jit: str, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Each command on the file, in this process (an exception or a warning fails the test,
    warnings being errors here), then through a pipe in a child process."""
    from tcpscope.cli.main import main

    monkeypatch.setenv("TCPSCOPE_JIT", jit)
    for args in COMMANDS:
        assert main([args[0], str(cap), *args[1:]]) in (0, 2), capsys.readouterr().err
    _clean(_cli(["fields", "-", *COMMANDS[0][1:]], jit, stdin=cap.read_bytes()))


@pytest.mark.tshark
@pytest.mark.parametrize("cap", SMALL, ids=[p.name for p in SMALL])
def test_the_text_is_tsharks(cap: Path, tshark: str) -> None:
    """The fields and the TCP lines of the packet list, against the installed tshark (as the
    golden suites compare them: not ``frame.time`` past the year 2262, where tcpscope's
    nanoseconds wrap, nor the Info of other protocols; docs/deviations.md)."""
    args = [a for f in FIELDS if f not in ("frame.time", "_ws.col.Info") for a in ("-e", f)]
    got = _cli(["fields", str(cap), *args], "never")
    want = subprocess.run([tshark, "-n", "-r", str(cap), "-T", "fields", *args], capture_output=True, check=False)
    assert got.stdout.decode() == want.stdout.decode()
    lines = _cli(["list", str(cap)], "never").stdout.decode().splitlines()
    theirs = subprocess.run([tshark, "-n", "-r", str(cap)], capture_output=True, check=False).stdout.decode()
    for a, b in zip(lines, theirs.splitlines(), strict=False):
        if " TCP " in b:
            assert a.rstrip() == b.rstrip()


@pytest.mark.parametrize("cap", LARGE, ids=[p.name for p in LARGE])
def test_hostile_captures_take_seconds_not_minutes(cap: Path, tmp_path: Path) -> None:
    path = tmp_path / cap.name.removesuffix(".gz")
    path.write_bytes(gzip.decompress(cap.read_bytes()))
    for args in (COMMANDS[0], ["conv"], ["analyze"]):
        _clean(_cli([args[0], str(path), *args[1:]], "auto", timeout=60))


def test_id_table_ids_are_the_same_whatever_the_seed_and_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The id table's hash is seeded per table (no capture can aim at it), and the same in
    Python's integers and compiled: ids follow first appearance only."""
    from tcpscope.analysis.keys import IdTable

    rng = np.random.default_rng(7)
    a = rng.integers(-(2**62), 2**62, 3000)
    b = np.repeat(rng.integers(0, 2**40, 300), 10)
    c = np.arange(3000) % 7
    want = None
    for jit in ("never", "always"):
        monkeypatch.setenv("TCPSCOPE_JIT", jit)
        for _ in range(2):
            t = IdTable()
            ids = np.concatenate([t.ids(a[:1000], b[:1000], c[:1000]), t.ids(a[1000:], b[1000:], c[1000:])])
            if want is None:
                want = ids
            assert (ids == want).all()
    assert want is not None and int(want.max()) + 1 == len({(int(x), int(y), int(z)) for x, y, z in zip(a, b, c, strict=True)})


def test_a_long_unacknowledged_list_runs_compiled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Segments times waiting segments past WALK_BUDGET: the analysis runs compiled however
    few the segments (an ACK walks the whole list); a small benign capture stays uncompiled."""
    from tcpscope._jit import compiles
    from tcpscope.analysis import sequence
    from tcpscope.cli.main import main

    chosen: list[bool] = []
    real = sequence._KERNEL

    class Spy:
        def run(self, n: int, *args: object) -> object:
            chosen.append(compiles(n))
            return real.run(n, *args)

    monkeypatch.setattr(sequence, "_KERNEL", Spy())
    monkeypatch.setenv("TCPSCOPE_JIT", "auto")
    main(["conv", str(ROOT / "tests" / "golden" / "captures" / "http-eth.pcap")])
    assert chosen and not any(chosen)
    chosen.clear()
    path = tmp_path / "unacked.pcap"
    path.write_bytes(gzip.decompress((FUZZ / "conv-unacked-list-walk-interpreted.pcap.gz").read_bytes()))
    main(["conv", str(path)])
    capsys.readouterr()
    assert chosen and all(chosen)


@pytest.mark.parametrize("jit", ["never", "always"])
def test_a_key_first_seen_cut_short_gets_room_for_its_conversation(jit: str) -> None:
    """A TCP header cut after its ports gives its key an id but no conversation; when a
    later batch brings a whole segment of that key, the analysis makes room for it (it
    wrote one row past its conversations: an IndexError uncompiled, heap corruption
    compiled). The pipe's pause makes the two batches."""
    data = (FUZZ / "pipe-conv-array-overflow-3-frames.pcap").read_bytes()
    env = dict(os.environ, TCPSCOPE_JIT=jit, PYTHONPATH=str(ROOT / "src"))
    with subprocess.Popen([sys.executable, "-m", "tcpscope.cli.main", "fields", "-", "-e", "tcp.stream"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as p:
        assert p.stdin is not None
        p.stdin.write(data[:64])
        p.stdin.flush()
        time.sleep(0.5)  # past the pipe's quiet time: the first batch is handed on
        p.stdin.write(data[64:])
        out, err = p.communicate(timeout=120)  # (closes standard input)
    assert p.returncode == 0, err.decode()
    assert out.decode().split() == ["0", "1"]


def test_a_stream_that_is_no_capture_is_judged_by_its_start() -> None:
    """Bytes that are neither a capture nor gzip are not read to their end (``cat /dev/zero |``)."""
    run = _cli(["list", "-"], "never", stdin=b"\0" * (64 << 20))
    assert run.returncode == 2
    assert b"isn't a capture file" in run.stderr
