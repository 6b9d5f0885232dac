"""(a) Reading and dissecting the bench capture in-process, beside the time to just read its bytes.

Anchors, all on the same file with a warm page cache: ``dd bs=1M`` to /dev/null, Python
``readinto`` into a buffer allocated (and touched) beforehand, and touching every page
of a memory map (how tcpscope reads a file). tcpscope: ``read_records`` then ``dissect``
in this process after one warm-up call (numba's kernels loaded from its cache), and
the same in a fresh process including its imports (numpy, numba); also the capture
dissected a piece at a time (``pipeline.stream.pieces``), as ``tcpscope fields`` does it.
"""

from __future__ import annotations

import mmap
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, capture, env, packet_count, row, save, warm

sys.path.insert(0, str(ROOT / "src"))


def _best(fn: Any, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def baselines(path: Path, repeat: int) -> dict[str, float]:
    size = path.stat().st_size

    def dd() -> None:
        subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=1M"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    buf = bytearray(size)
    buf[:: 4096] = b"\0" * len(buf[:: 4096])  # touch the pages: time the read, not the allocation

    def readinto() -> None:
        with open(path, "rb", buffering=0) as fh:
            view = memoryview(buf)
            got = 0
            while got < size:
                n = fh.readinto(view[got:])
                if not n:
                    break
                got += n

    import numpy as np

    def mmap_touch() -> None:
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            a = np.frombuffer(mm, dtype=np.uint8)
            int(a[::4096].sum())  # one byte of every page
            del a
            mm.close()

    out = {}
    for name, fn in (("dd bs=1M", dd), ("python readinto", readinto), ("mmap touch every page", mmap_touch)):
        out[name] = min(_best(fn, repeat))
    return out


def tcpscope_in_process(path: Path, repeat: int) -> dict[str, Any]:
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect

    dissect(read_records(path))  # warm-up: kernels load (or compile, the first time ever)
    reads, dissects, totals = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = read_records(path)
        t1 = time.perf_counter()
        t = dissect(r)
        t2 = time.perf_counter()
        reads.append(t1 - t0)
        dissects.append(t2 - t1)
        totals.append(t2 - t0)
        del t, r
    from tcpscope._jit import job
    from tcpscope.pipeline.stream import pieces

    r = read_records(path)
    piecewise = []
    with job(len(r)):
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _t in pieces(r):
                pass
            piecewise.append(time.perf_counter() - t0)
    return {"read_s": min(reads), "dissect_s": min(dissects), "total_min_s": min(totals),
            "total_median_s": statistics.median(totals), "pieces_dissect_s": min(piecewise)}


_FRESH = """
import sys, time
t0 = time.perf_counter()
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
t = dissect(read_records(sys.argv[1]))
print(time.perf_counter() - t0)
"""


def tcpscope_fresh(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _FRESH, str(path)], capture_output=True, text=True,
                             env=env(), check=True).stdout
        times.append(float(out.split()[-1]))
    return min(times)


def main(repeat: int = 3) -> dict[str, Any]:
    path = capture()
    warm(path)
    n = packet_count(path)
    base = baselines(path, repeat)
    mine = tcpscope_in_process(path, repeat)
    fresh = tcpscope_fresh(path, max(1, repeat - 1))
    total = mine["total_min_s"]
    print(f"(a) read + dissect, {path.name}: {n} packets, {path.stat().st_size / 1e6:.0f} MB")
    print(row("tcpscope read_records", mine["read_s"]))
    print(row("tcpscope dissect", mine["dissect_s"]))
    print(row("tcpscope read + dissect", total))
    print(row("  same, fresh process + imports", fresh))
    pieces_total = mine["read_s"] + mine["pieces_dissect_s"]
    print(row("tcpscope read + dissect in pieces", pieces_total, None,
              f"(as fields does: {pieces_total / base['dd bs=1M']:.1f}x dd,"
              f" {pieces_total / base['python readinto']:.1f}x readinto)"))
    for name, secs in base.items():
        print(row(name, secs, None, f"-> tcpscope takes {total / secs:.1f}x this"))
    result = {"packets": n, "bytes": path.stat().st_size, "baselines_s": base, "tcpscope": mine,
              "tcpscope_fresh_process_s": fresh,
              "ratio_to_baseline": {k: total / v for k, v in base.items()},
              "pieces_ratio_to_baseline": {k: (mine["read_s"] + mine["pieces_dissect_s"]) / v
                                           for k, v in base.items()}, "goal": "ratio <= 3"}
    saved = save("read_dissect", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
