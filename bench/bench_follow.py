"""Follow TCP Stream: ``tcpscope follow`` beside ``tshark -q -z follow,tcp,raw,N``, in one run.

    python bench/bench_follow.py [--repeat N] [--format raw|ascii|hex|yaml]

On the bench capture (``common.capture()``), the largest stream (most bytes, from
``tcpscope conv --format csv``, an untimed run that also fills numba's cache) is
followed end to end in a fresh process:

* ``tcpscope follow FILE --stream N --format raw``, after one untimed run, best of
  ``--repeat`` (wall time; CPU time and peak memory from ``/usr/bin/time``);
* ``tshark -r FILE -q -z follow,tcp,raw,N``, once (it takes the longest and varies least),

both writing to a file, then prints the figures and the ratio and checks that the two
outputs are equal byte for byte. The goal (issue 18): at least 10x tshark's time.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import capture, env, run_cmd, save, summary, tcpscope_cmd, warm


def largest_stream(cap: Path) -> tuple[int, int]:
    """The stream with the most bytes (frame lengths, both ways) and that count."""
    text = subprocess.run(tcpscope_cmd("conv", str(cap), "--format", "csv"), capture_output=True, check=True,
                          env=env()).stdout.decode()
    best = max(csv.DictReader(io.StringIO(text)), key=lambda r: int(r["bytes"]))
    return int(best["stream"]), int(best["bytes"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--format", choices=("raw", "ascii", "hex", "yaml"), default="raw")
    args = ap.parse_args(argv)
    cap = capture()
    warm(cap)
    stream, nbytes = largest_stream(cap)
    ours_cmd = tcpscope_cmd("follow", str(cap), "--stream", str(stream), "--format", args.format)
    tshark = shutil.which("tshark")
    with tempfile.TemporaryDirectory() as tmp:
        ours_out, theirs_out = Path(tmp) / "tcpscope.txt", Path(tmp) / "tshark.txt"
        with open(ours_out, "wb") as sink:
            run_cmd(ours_cmd, stdout=sink, environ=env())  # untimed: numba's cache, the page cache
        ours = []
        for _ in range(args.repeat):
            with open(ours_out, "wb") as sink:
                ours.append(run_cmd(ours_cmd, stdout=sink, environ=env()))
        theirs = None
        same = None
        if tshark:
            with open(theirs_out, "wb") as sink:
                theirs = run_cmd([tshark, "-r", str(cap), "-q", "-z", f"follow,tcp,{args.format},{stream}"],
                                 stdout=sink)
            same = ours_out.read_bytes() == theirs_out.read_bytes()
        out_size = ours_out.stat().st_size
    best = min(ours, key=lambda r: r.wall)
    print(f"capture: {cap} ({cap.stat().st_size / 1e6:.0f} MB); stream {stream} ({nbytes} bytes of frames), "
          f"--format {args.format}, {out_size} bytes printed")
    print(f"  tcpscope follow   {best.wall:7.2f} s wall (best of {args.repeat}), CPU {best.cpu:.2f} s, "
          f"{best.maxrss_kib / 1024:.0f} MiB")
    data = {"capture": str(cap), "stream": stream, "format": args.format, "tcpscope": summary(ours)}
    if theirs is not None:
        print(f"  tshark -z follow  {theirs.wall:7.2f} s wall, CPU {theirs.cpu:.2f} s, {theirs.maxrss_kib / 1024:.0f} MiB")
        print(f"  ratio: {theirs.wall / best.wall:.1f}x the wall time, {theirs.cpu / best.cpu:.1f}x the CPU time; "
              f"outputs equal: {'yes' if same else 'NO'}")
        data.update(tshark=summary([theirs]), same=same, ratio_wall=theirs.wall / best.wall,
                    ratio_cpu=theirs.cpu / best.cpu)
    print(f"results: {save('bench_follow', data)}")
    return 0 if same in (None, True) else 1


if __name__ == "__main__":
    sys.exit(main())
