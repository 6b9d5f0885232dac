"""What the lifecycle columns cost: ``tcpscope conv FILE`` beside ``tcpscope conv FILE --extras``.

    python bench/bench_conv_extras.py [--capture FILE] [--repeat N]

Both run as fresh processes on the same file, in one run of this script, each the best
of ``--repeat`` runs (wall time; user + system CPU and peak RSS of that run, from
``wait4``), after one untimed ``--extras`` run on a small capture with compiled kernels
(``TCPSCOPE_JIT=always``) that fills numba's cache for both. ``--extras`` adds the
opening and closing verdicts (``views.lifecycle.LifecycleSums``) and Zeek's columns
(``views.zeek.ZeekSums``, one compiled walk over the segments) to the plain table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CAPTURE = Path("/work/main/bench/data/bench.pcap")
SMALL = ROOT / "tests" / "golden" / "captures" / "http-eth.pcap"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one run of ``cmd``, output discarded."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"bench_conv_extras: {' '.join(cmd)} failed ({status})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", type=Path, default=DEFAULT_CAPTURE)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    tcpscope = [sys.executable, "-m", "tcpscope.cli.main"]
    subprocess.run([*tcpscope, "conv", str(SMALL), "--extras"], stdout=subprocess.DEVNULL, check=True,
                   env={**env, "TCPSCOPE_JIT": "always"})
    size = args.capture.stat().st_size
    print(f"capture {args.capture} ({size / 2**20:.0f} MiB)")
    rows = {}
    for name, extra in (("conv", []), ("conv --extras", ["--extras"])):
        runs = [timed([*tcpscope, "conv", str(args.capture), *extra], env) for _ in range(args.repeat)]
        rows[name] = min(runs)
    base = rows["conv"]
    print(f"{'command':<16} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}")
    for name, (wall, cpu, rss) in rows.items():
        print(f"{name:<16} {wall:8.2f} {cpu:8.2f} {rss:9d}   x{wall / base[0]:.2f} wall, {rss - base[2]:+d} MiB")


if __name__ == "__main__":
    main()
