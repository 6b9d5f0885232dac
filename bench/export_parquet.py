"""``tcpscope export --format parquet`` against ``tshark -T json -e``: the same capture, the
same fields (the export's default columns: the packet list's, the TCP header's and the
analysis fields), in one run.

    BENCH_CAPTURE=FILE python bench/export_parquet.py [REPEAT]

tcpscope writes the Parquet file to a temporary directory, tshark its JSON to /dev/null
(its fastest way to hand the same fields to another tool); wall time, CPU time and peak
resident memory of each are measured (``common.run_cmd``), and the load averages before
and after the runs are saved with them (on a shared machine CPU time is the fairer
ratio). tcpscope runs once first, untimed, so that numba's kernels are in its cache. The
Parquet file's rows are checked against the capture's frames.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, capture, e_args, env, packet_count, run_cmd, save, summary, tcpscope_cmd, warm


def main(repeat: int = 1) -> dict[str, Any]:
    """Both field sets: the export's default, and the same without the packet list's text
    columns (``_ws.col.*``, whose Info needs HTTP framing and the list's column kernels:
    the two figures say what those columns cost)."""
    sys.path.insert(0, str(ROOT / "src"))
    from tcpscope.export.columns import DEFAULT_FIELDS

    text_free = tuple(f for f in DEFAULT_FIELDS if not f.startswith("_ws.col."))
    return {"default": measure(DEFAULT_FIELDS, "default", repeat),
            "without_ws_col": measure(text_free, "without _ws.col.*", repeat)}


def measure(fields: tuple[str, ...], label: str, repeat: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    path = capture()
    warm(path)
    load = os.getloadavg()
    n = packet_count(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.parquet"
        mine_cmd = tcpscope_cmd("export", str(path), "--format", "parquet", "-o", str(out), *e_args(fields))
        run_cmd(mine_cmd, environ=env())  # warm-up: kernels into numba's cache
        mine = summary([run_cmd(mine_cmd, environ=env()) for _ in range(repeat)])
        rows = pq.read_metadata(out).num_rows
        size = out.stat().st_size
    their_cmd = ["tshark", "-n", "-r", str(path), "-T", "json", *e_args(fields)]
    theirs = summary([run_cmd(their_cmd)])
    load_after = os.getloadavg()
    speed = theirs["wall_min_s"] / mine["wall_min_s"]
    speed_cpu = theirs["cpu_median_s"] / mine["cpu_median_s"]
    print(f"export, {len(fields)} fields ({label}), {path.name} ({n} packets), load average (1, 5, 15 min) "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} before, {load_after[0]:.1f} {load_after[1]:.1f} "
          f"{load_after[2]:.1f} after")
    print(f"  tshark -T json -e     wall {theirs['wall_min_s']:8.2f} s  cpu {theirs['cpu_median_s']:7.2f} s"
          f"  peak RSS {theirs['maxrss_mib']:7.0f} MiB  (to /dev/null)")
    print(f"  tcpscope export       wall {mine['wall_min_s']:8.2f} s  cpu {mine['cpu_median_s']:7.2f} s"
          f"  peak RSS {mine['maxrss_mib']:7.0f} MiB  (Parquet, {size / 2**20:.0f} MiB, {rows} rows)")
    print(f"  tcpscope is {speed:.1f}x faster (CPU time: {speed_cpu:.1f}x; goal >= 20x); "
          f"every frame a row: {rows == n}")
    result = {"load_average": {"before": load, "after": load_after}, "packets": n, "fields": list(fields), "tcpscope": mine, "tshark": theirs, "speedup": speed,
              "speedup_cpu": speed_cpu, "rows": rows, "parquet_bytes": size, "goals": {"speedup": ">= 20"}}
    saved = save("export_parquet" if label == "default" else "export_parquet_no_ws_col", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
