"""A change must not cost speed: ``tcpscope fields`` (the issue's 65 fields) and the
analysis fields, from an older checkout and from this one, beside tshark, in one run.

    python bench/before_after.py --before /path/to/old/checkout [--repeat 3]

The two checkouts' commands run alternately (before, after, before, after, ...) so that a
change of load on the machine falls on both; tshark runs once per field set. Each
figure is the minimum wall time over the runs, with the median CPU time (user + system)
and the peak resident memory beside it, and the speed-up over tshark as a ratio. The
outputs of the two checkouts and tshark's are compared by SHA-256 outside the timed runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from analysis_e2e import ANALYSIS_FIELDS
from common import FIELDS, ROOT, capture, e_args, output_sha, packet_count, run_cmd, save, summary, tcpscope_cmd, warm


def _env(src: Path) -> dict[str, str]:
    """The environment that runs ``tcpscope`` from the checkout whose ``src`` is ``src``."""
    return dict(os.environ, PYTHONPATH=str(src))


def _compare(name: str, fields: tuple[str, ...], trees: dict[str, Path], path: Path, repeat: int) -> dict[str, Any]:
    args = ["fields", str(path), *e_args(fields)]
    cmd = tcpscope_cmd(*args)
    envs = {label: _env(src) for label, src in trees.items()}
    for environ in envs.values():
        run_cmd(cmd, environ=environ)  # warm-up: kernels into each checkout's numba cache
    runs: dict[str, list[Any]] = {label: [] for label in trees}
    for _ in range(repeat):
        for label, environ in envs.items():
            runs[label].append(run_cmd(cmd, environ=environ))
    tshark_cmd = ["tshark", "-n", "-r", str(path), "-T", "fields", *e_args(fields)]
    theirs = summary([run_cmd(tshark_cmd)])
    want = output_sha(tshark_cmd)
    out: dict[str, Any] = {"tshark": theirs}
    for label, environ in envs.items():
        mine = summary(runs[label])
        mine["same_output_as_tshark"] = output_sha(cmd, environ) == want
        mine["speedup_vs_tshark"] = theirs["wall_min_s"] / mine["wall_min_s"]
        mine["memory_vs_tshark"] = mine["maxrss_mib"] / theirs["maxrss_mib"]
        out[label] = mine
    print(f"{name}: tshark {theirs['wall_min_s']:.2f} s, {theirs['maxrss_mib']:.0f} MiB")
    for label in trees:
        m = out[label]
        print(f"  {label:<6} {m['wall_min_s']:.2f} s (CPU {m['cpu_median_s']:.2f} s), {m['maxrss_mib']:.0f} MiB: "
              f"{m['speedup_vs_tshark']:.1f}x tshark at {m['memory_vs_tshark']:.2f}x its memory, "
              f"same output: {m['same_output_as_tshark']}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="the root of the older checkout")
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args()
    path = capture()
    warm(path)
    trees = {"before": opts.before.resolve() / "src", "after": ROOT / "src"}
    result = {
        "packets": packet_count(path),
        "fields": _compare("fields (65 fields)", FIELDS, trees, path, opts.repeat),
        "analysis": _compare("analysis fields (33)", ANALYSIS_FIELDS, trees, path, opts.repeat),
    }
    print(f"results: {save('before_after', result)}")


if __name__ == "__main__":
    main()
