"""``tcpscope.dask`` throughput with 1 and 2 workers beside the single process, on the
same rotated files and the same output (a row per TCP frame: ``frame.number`` and the TCP
fields of ``tcpscope.dask.FIELDS``, written as Parquet).

    BENCH_CAPTURE=FILE python bench/dask_throughput.py [FRAMES [PER_FILE]]

The capture's first FRAMES frames (default 200,000) are cut into files of PER_FILE
frames (default 50,000) with editcap. The single process reads them as one capture
(``tcpscope.scan`` on the list) and writes the Parquet; the Dask runs start a
LocalCluster of N worker processes (one thread each; its start-up is not timed) and time
``tcpscope.dask.analyze``. Each is run once after a warm-up run (numba's cache). Rows are
checked equal in number. The machine has 2 cores shared with other work: the figures say
what the extra process and the shuffle cost here, not what a cluster gains.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, capture, save


def _single(files: list[str], out: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    import tcpscope
    from tcpscope.dask import FIELDS

    rows = 0
    writer = None
    for piece in tcpscope.scan(files, ["frame.number", *FIELDS]):
        table = piece.to_arrow()
        table = table.filter(pa.compute.is_valid(table["tcp.srcport"]))
        if writer is None:
            writer = pq.ParquetWriter(str(out), table.schema)
        writer.write_table(table.cast(writer.schema))
        rows += table.num_rows
    if writer is not None:
        writer.close()
    return rows


def _dask(files: list[str], out: Path, workers: int) -> tuple[int, float]:
    import distributed

    from tcpscope.dask import analyze

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        analyze(files[:1], str(out) + ".warm", client)  # numba's cache, the workers' imports
        start = time.perf_counter()
        rows = analyze(files, str(out), client)
        return rows, time.perf_counter() - start


def main(frames: int = 200_000, per_file: int = 50_000) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    source = capture()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        prefix = d / "prefix.pcap"
        subprocess.run(["editcap", "-F", "pcap", "-r", str(source), str(prefix), f"1-{frames}"], check=True)
        (d / "rotated").mkdir()
        subprocess.run(["editcap", "-F", "pcap", "-c", str(per_file), str(prefix), str(d / "rotated" / "part.pcap")],
                       check=True)
        files = sorted(str(p) for p in (d / "rotated").iterdir())
        _single(files[:1], d / "warm.parquet")
        start = time.perf_counter()
        rows = _single(files, d / "single.parquet")
        single = time.perf_counter() - start
        result: dict[str, Any] = {"capture": str(source), "frames": frames, "files": len(files), "tcp_rows": rows,
                                  "single_process_s": single, "single_frames_per_s": frames / single}
        for workers in (1, 2):
            got, wall = _dask(files, d / f"dask{workers}", workers)
            assert got == rows, (got, rows)
            result[f"dask_{workers}_workers_s"] = wall
            result[f"dask_{workers}_workers_frames_per_s"] = frames / wall
            shutil.rmtree(d / f"dask{workers}", ignore_errors=True)
    path = save("dask_throughput", result)
    print(path)
    for key, value in result.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
