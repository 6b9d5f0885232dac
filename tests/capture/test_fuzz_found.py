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
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from compare import run_piped, run_problems, run_tcpscope
from golden_io import TsharkRun, run_tshark
from list_declared import IP_INFO, NULL_RAW

ROOT = Path(__file__).resolve().parents[2]
FUZZ = ROOT / "tests" / "data" / "fuzz"
SMALL = sorted(p for p in FUZZ.iterdir() if p.suffix in (".pcap", ".pcapng"))
LARGE = sorted(FUZZ.glob("*.gz"))
FIELDS = ["frame.number", "frame.time", "frame.time_relative", "ip.src", "ip.version", "ipv6.src", "tcp.seq",
          "tcp.payload", "tcp.analysis.flags", "tcp.analysis.ack_rtt", "_ws.col.Info"]
#: docs/deviations.md, "Times past the year 2262"
TIMES_PAST_2262 = "frame.time past the year 2262: tcpscope's int64 nanoseconds wrap"
#: docs/deviations.md, "Unknown EtherTypes"
UNKNOWN_ETHERTYPE = "an unknown EtherType: tshark's Protocol is its number (0x0000), its Info Ethernet II"
COMMANDS = [["fields", *(a for f in FIELDS for a in ("-e", f))], ["list"], ["conv"], ["expert"], ["analyze"]]


def _clean(run: subprocess.CompletedProcess[bytes] | TsharkRun) -> None:
    if isinstance(run, TsharkRun):
        err, status = run.stderr, run.status
    else:
        err, status = run.stderr.decode("utf-8", "replace"), run.returncode
    assert "Traceback" not in err and "Warning:" not in err, err
    assert status in (0, 2), err


@pytest.mark.parametrize("jit", ["never", "always"])
@pytest.mark.parametrize("cap", SMALL, ids=[p.name for p in SMALL])
def test_every_command_ends_cleanly(cap: Path, jit: str, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Each command on the file, then through a pipe, in this process (an exception or a
    warning fails the test, warnings being errors here)."""
    from tcpscope.cli.main import main

    monkeypatch.setenv("TCPSCOPE_JIT", jit)
    for args in COMMANDS:
        assert main([args[0], str(cap), *args[1:]]) in (0, 2), capsys.readouterr().err
    _clean(run_piped("fields", "-", *COMMANDS[0][1:], stdin=cap.read_bytes(), cwd=FUZZ))


#: What tcpscope does not reproduce of tshark's text on these files, by reason (the reasons
#: of the packet list's declarations, tests/views/list_declared.py, and docs/deviations.md):
#: reason -> capture -> frames whose packet-list line differs, and -> (field, frame) cells
#: of the fields that differ. Every other line and cell must be tshark's; a declared one
#: that has come to match fails as stale.
LINES_DECLARED: dict[str, dict[str, list[int]]] = {
    NULL_RAW: {"conv-row-addresses-empty-ip.pcap": [1]},
    UNKNOWN_ETHERTYPE: {"fields-frame-time-no-timestamps-spb.pcapng": [1]},
    IP_INFO: {"list-ip-layer-without-src.pcap": [1]},
}
CELLS_DECLARED: dict[str, dict[str, list[tuple[str, int]]]] = {
    TIMES_PAST_2262: {"analysis-int64-time-overflow-warning.pcapng": [("frame.time", 2)]},
    UNKNOWN_ETHERTYPE: {"fields-frame-time-no-timestamps-spb.pcapng": [("_ws.col.Info", 1)]},
    IP_INFO: {"list-ip-layer-without-src.pcap": [("_ws.col.Info", 1)]},
}


def _declared_lines(name: str) -> dict[int, str]:
    return {n: reason for reason, caps in LINES_DECLARED.items() for n in caps.get(name, [])}


def line_problems(name: str, theirs: list[str], ours: list[str]) -> list[str]:
    """Every line that differs and is not declared, and every declared line that does not."""
    declared = _declared_lines(name)
    out = [f"{len(theirs)} lines from tshark, {len(ours)} from tcpscope"] if len(theirs) != len(ours) else []
    for n, (a, b) in enumerate(zip(theirs, ours, strict=False), start=1):
        if a != b and n not in declared:
            out.append(f"frame {n}:\n  tshark   {a!r}\n  tcpscope {b!r}")
        elif a == b and n in declared:
            out.append(f"frame {n}: declared ({declared[n]}) but equal to tshark's: stale")
    out += [f"frame {n}: declared past tshark's {len(theirs)} lines" for n in declared if n > len(theirs)]
    return out


@pytest.mark.tshark
@pytest.mark.parametrize("cap", SMALL, ids=[p.name for p in SMALL])
def test_the_text_is_tsharks(cap: Path, tshark: str, utc: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fields (header, rows, every cell, status and message) and every line of the packet
    list equal the installed tshark's, uncompiled, but for what the tables above declare."""
    monkeypatch.setenv("TCPSCOPE_JIT", "never")
    path = str(cap)
    want = run_tshark(path, FIELDS, tshark)
    got = run_tcpscope("fields", path, "-E", "header=y", *COMMANDS[0][1:], cwd=FUZZ)
    cells = [c for caps in CELLS_DECLARED.values() for c in caps.get(cap.name, [])]
    wrong = run_problems(want, got, cells)
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
        env.update(HOME=home, LC_ALL="C.UTF-8", TZ="UTC")
        theirs = subprocess.run([tshark, "-r", path], capture_output=True, env=env, check=False).stdout
    ours = run_tcpscope("list", path, cwd=FUZZ).stdout
    wrong += line_problems(cap.name, theirs.decode("utf-8").splitlines(), ours.splitlines())
    assert not wrong, "\n".join(wrong)


#: The commands each large capture runs: each reads, dissects and analyses the whole file (the
#: fragment heap, the id table and the unacknowledged list are there), and conv and analyze
#: add their views of its thousands of conversations. One child process runs the three, so
#: Python and numba start once per capture, not three times.
HOSTILE_COMMANDS = [COMMANDS[0], ["conv"], ["analyze"]]


@pytest.mark.parametrize("cap", LARGE, ids=[p.name for p in LARGE])
def test_hostile_captures_take_seconds_not_minutes(cap: Path, tmp_path: Path) -> None:
    """The three commands, in one child process with the time limit the three had apart (they take a
    few seconds together; the quadratic cases took minutes)."""
    path = tmp_path / cap.name.removesuffix(".gz")
    path.write_bytes(gzip.decompress(cap.read_bytes()))
    code = ("import sys\nfrom tcpscope.cli.main import main\n"
            f"for args in {HOSTILE_COMMANDS!r}:\n"
            f"    assert main([args[0], {str(path)!r}, *args[1:]]) in (0, 2)\n")
    env = dict(os.environ, TCPSCOPE_JIT="auto", PYTHONPATH=str(ROOT / "src"))
    _clean(subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=180, check=False))


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


def test_a_stream_that_is_no_capture_is_judged_by_its_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes that are neither a capture nor gzip are not read to their end (``cat /dev/zero |``)."""
    monkeypatch.setenv("TCPSCOPE_JIT", "never")
    run = run_piped("list", "-", stdin=b"\0" * (64 << 20), cwd=FUZZ)
    assert run.status == 2
    assert "isn't a capture file" in run.stderr
