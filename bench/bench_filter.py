"""Display-filter speed: tcpscope's compiled mask beside ``tshark -Y`` on the same capture.

    PYTHONPATH=src python bench/bench_filter.py [CAPTURE] [--filter TEXT] [--repeat N] [--no-tshark]

Loads the capture once (default ``/work/bench-data/bench.pcap``, the 700k-packet
capture; make it with ``sudo shared/tools/make-bench-capture.sh OUT`` if missing),
then times ``compile_filter(TEXT).mask(table)`` (best of N, after one warm-up run
that also compiles any numba kernels) and the whole ``tshark -r CAPTURE -Y TEXT -T
fields -e frame.number > /dev/null`` run. Both select the same frames; the script
checks that their counts agree and prints both times and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_CAPTURE = Path("/work/bench-data/bench.pcap")
DEFAULT_FILTER = "ip.addr == 10.88.0.2 && tcp.port == 80 && tcp.len > 0"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("capture", nargs="?", type=Path, default=DEFAULT_CAPTURE)
    ap.add_argument("--filter", default=DEFAULT_FILTER)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-tshark", action="store_true")
    args = ap.parse_args()
    if not args.capture.exists():
        print(f"{args.capture} is missing: sudo shared/tools/make-bench-capture.sh {args.capture}", file=sys.stderr)
        return 1

    from tcpscope.analysis import analyze
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect
    from tcpscope.filter import compile_filter

    t0 = time.perf_counter()
    table = analyze(dissect(read_records(args.capture)))
    load_s = time.perf_counter() - t0
    print(f"capture   {args.capture} ({table.n} frames), loaded and dissected in {load_s:.2f} s")
    print(f"filter    {args.filter}")

    t0 = time.perf_counter()
    flt = compile_filter(args.filter)
    compile_ms = (time.perf_counter() - t0) * 1e3
    mask = flt.mask(table)  # warm-up (numba kernels, first touches of the columns)
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        mask = flt.mask(table)
        best = min(best, time.perf_counter() - t0)
    ours = int(mask.sum())
    print(f"tcpscope  compile {compile_ms:.1f} ms, mask best of {args.repeat}: {best * 1e3:.1f} ms"
          f" -> {ours} frames")

    tshark = shutil.which("tshark")
    if args.no_tshark or tshark is None:
        return 0
    t0 = time.perf_counter()
    p = subprocess.run([tshark, "-n", "-r", str(args.capture), "-Y", args.filter, "-T", "fields", "-e",
                        "frame.number"], capture_output=True, check=False)
    ts_s = time.perf_counter() - t0
    theirs = len(p.stdout.split())
    print(f"tshark    -Y run: {ts_s:.2f} s -> {theirs} frames (exit {p.returncode})")
    print(f"ratio     tshark / tcpscope mask: {ts_s / best:,.0f}x"
          f"  (tshark / tcpscope load+mask: {ts_s / (load_s + best):.1f}x)")
    if theirs != ours:
        print("MISMATCH: the frame counts differ", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
