"""The per-connection table: tcpscope beside tcptrace and tshark, on one capture, in one run.

    python bench/bench_conv.py [--capture FILE] [--repeat N] [--no-tshark]

Times, on the same file, each as the best of ``--repeat`` runs (tshark runs once: it
takes the longest and varies least):

* ``tcpscope conv`` end to end (a fresh process: read, dissect, analyse, aggregate,
  print tshark's text), after one untimed run that fills numba's cache;
* in-process, after loading (read + dissect + analyse, timed apart): the conversations
  table (:func:`tcpscope.views.conversations.conversations`) and its text;
* ``tcptrace -n -l -r FILE > /dev/null`` (Debian's tcptrace: long per-connection output,
  no name resolution);
* ``tshark -q -z conv,tcp -r FILE``,

then prints the times and the ratios, and checks that tcpscope's text equals tshark's.
The capture defaults to ``/work/bench-data/bench.pcap``; when it is missing, it is made
with ``/work/shared/tools/make-bench-capture.sh`` (needs root). Its packet count is
printed, since tcpdump's drops make every capture a little different.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
DEFAULT_CAPTURE = Path("/work/bench-data/bench.pcap")
MAKE_CAPTURE = Path("/work/shared/tools/make-bench-capture.sh")


def ensure_capture(path: Path) -> None:
    if path.exists():
        return
    if os.geteuid() != 0:
        sys.exit(f"bench_conv: {path} is missing; make it as root with {MAKE_CAPTURE} {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"making {path} with {MAKE_CAPTURE} (a few minutes) ...", flush=True)
    subprocess.run([str(MAKE_CAPTURE), str(path)], check=True)


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(cmd: list[str], out: Path | None = None, env: dict[str, str] | None = None) -> None:
    with open(out if out is not None else os.devnull, "wb") as sink:
        subprocess.run(cmd, stdout=sink, stderr=subprocess.DEVNULL, check=True, env=env)


@dataclass(frozen=True)
class _Timings:
    """Seconds of each measured run (None: the tool is not installed or was skipped)."""

    cli: float
    load: float
    table: float
    text: float
    tcptrace: float | None
    tshark: float | None
    same: bool | None  #: tcpscope's text equals tshark's


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--capture", type=Path, default=DEFAULT_CAPTURE)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-tshark", action="store_true", help="skip tshark (about a minute on the default capture)")
    args = ap.parse_args(argv)
    cap: Path = args.capture
    ensure_capture(cap)
    t, packets, convs = _measure(cap, args.repeat, None if args.no_tshark else shutil.which("tshark"))
    print(f"capture: {cap} ({packets} packets, {convs} TCP conversations, {cap.stat().st_size / 1e6:.0f} MB)")
    print(f"best of {args.repeat} runs; tshark once")
    _report(t)
    return 0 if t.same in (None, True) else 1


def _measure(cap: Path, repeat: int, tshark: str | None) -> tuple[_Timings, int, int]:
    """Time every run on ``cap``; also the packets and TCP conversations it has."""
    tcptrace = shutil.which("tcptrace")
    env = dict(os.environ, PYTHONPATH=str(SRC))
    cli = [sys.executable, "-m", "tcpscope.cli.main", "conv", str(cap)]

    sys.path.insert(0, str(SRC))
    from tcpscope.analysis import analyze
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect
    from tcpscope.views.conversations import conversations, render_tshark

    with tempfile.TemporaryDirectory() as tmp:
        ours_txt, theirs_txt = Path(tmp) / "tcpscope.txt", Path(tmp) / "tshark.txt"
        run(cli, ours_txt, env)  # untimed: fills numba's cache
        t_cli = best_of(repeat, lambda: run(cli, None, env))

        t0 = time.perf_counter()
        table = analyze(dissect(read_records(cap)))
        t_load = time.perf_counter() - t0
        t_table = best_of(repeat, lambda: conversations(table))
        conv = conversations(table)
        t_text = best_of(repeat, lambda: render_tshark(conv))

        t_tcptrace = None
        if tcptrace:
            t_tcptrace = best_of(repeat, lambda: run([tcptrace, "-n", "-l", "-r", str(cap)]))
        t_tshark = None
        same = None
        if tshark:
            t0 = time.perf_counter()
            run([tshark, "-q", "-z", "conv,tcp", "-r", str(cap)], theirs_txt)
            t_tshark = time.perf_counter() - t0
            same = theirs_txt.read_bytes() == ours_txt.read_bytes()
    return _Timings(t_cli, t_load, t_table, t_text, t_tcptrace, t_tshark, same), table.n, len(conv)


def _report(t: _Timings) -> None:
    print(f"  tcpscope conv (CLI, end to end)     {t.cli:8.2f} s")
    print(f"  tcpscope load (read+dissect+analyse) {t.load:7.2f} s   (in-process, once)")
    print(f"  tcpscope conversations table        {t.table:8.3f} s   (in-process, after loading)")
    print(f"  tcpscope tshark text of the table   {t.text:8.3f} s")
    if t.tcptrace is not None:
        print(f"  tcptrace -n -l -r                   {t.tcptrace:8.2f} s")
    if t.tshark is not None:
        print(f"  tshark -q -z conv,tcp               {t.tshark:8.2f} s")
    print("ratios (how many times faster tcpscope is):")
    if t.tcptrace is not None:
        print(f"  tcptrace / tcpscope CLI             {t.tcptrace / t.cli:8.1f}x")
        print(f"  tcptrace / tcpscope table           {t.tcptrace / t.table:8.1f}x   (tcpscope after loading)")
    if t.tshark is not None:
        print(f"  tshark / tcpscope CLI               {t.tshark / t.cli:8.1f}x")
        print(f"  tshark / tcpscope table             {t.tshark / t.table:8.1f}x   (tcpscope after loading)")
        print(f"tcpscope's text equals tshark's: {'yes' if t.same else 'NO'}")


if __name__ == "__main__":
    sys.exit(main())
