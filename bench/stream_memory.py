"""Memory on a stream: ``tcpscope fields -`` with the analysis on, at 1M and 8M packets.

    python bench/stream_memory.py [--tshark-8m]

The input is ``short_connections.py``'s stream of ten-packet connections, 1 ms apart,
written once to ``bench/data/short-1M.pcap`` and ``short-8M.pcap`` (86 MB and 688 MB).
tcpscope reads it through a pipe (``cat FILE | tcpscope fields - -e tcp.stream ...``),
as from a live capture, and its peak resident memory is measured at both lengths;
tshark reads the same file with the same fields (at 1M only unless ``--tshark-8m``: it
keeps every conversation, and 8M packets take it many minutes). Goal: the 8M run's peak
at most 32 MiB above the 1M run's. Both outputs go to files, compared by SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, PYTHON, ROOT, Run, e_args, env, run_cmd, save, tcpscope_cmd, warm

FIELDS: tuple[str, ...] = (
    "frame.number", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.len", "tcp.time_relative", "tcp.analysis.acks_frame",
    "tcp.analysis.ack_rtt", "tcp.analysis.bytes_in_flight", "tcp.analysis.flags", "tcp.analysis.reused_ports",
)
LENGTHS = {"1M": 1_000_000, "8M": 8_000_000}
GOAL_MIB = 32


def stream_file(label: str) -> Path:
    """The stream of ``LENGTHS[label]`` packets, written when missing."""
    path = DATA / f"short-{label}.pcap"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([PYTHON, str(ROOT / "bench" / "short_connections.py"), str(LENGTHS[label]), str(path)],
                       check=True)
    return path


def _timed_to_file(cmd: list[str], environ: dict[str, str] | None = None) -> tuple[Run, str]:
    """``cmd``'s wall time, CPU time and peak memory, and the SHA-256 of its output."""
    with tempfile.TemporaryFile() as out:
        run = run_cmd(cmd, stdout=out, environ=environ)
        out.seek(0)
        h = hashlib.sha256()
        while chunk := out.read(1 << 20):
            h.update(chunk)
    return run, h.hexdigest()


def _row(label: str, run: Run) -> str:
    return f"  {label:28s} wall {run.wall:8.2f} s  cpu {run.cpu:8.2f} s  peak RSS {run.maxrss_kib / 1024:7.0f} MiB"


def main(tshark_8m: bool = False) -> dict[str, Any]:
    args = e_args(FIELDS)
    result: dict[str, Any] = {"fields": list(FIELDS), "tcpscope": {}, "tshark": {}, "identical_output": {}}
    print(f"Memory on a stream: tcpscope fields - ({len(FIELDS)} analysis fields) through a pipe, beside tshark")
    for label in LENGTHS:
        path = stream_file(label)
        warm(path)
        piped = ["sh", "-c", f"cat {shlex.quote(str(path))} | {shlex.join(tcpscope_cmd('fields', '-', *args))}"]
        if label == "1M":
            run_cmd(piped, environ=env())  # warm-up: kernels into numba's cache
        mine, mine_sha = _timed_to_file(piped, env())
        result["tcpscope"][label] = {"wall_s": mine.wall, "cpu_s": mine.cpu, "maxrss_mib": mine.maxrss_kib / 1024}
        print(_row(f"tcpscope, {label} packets", mine))
        if label == "1M" or tshark_8m:
            theirs, their_sha = _timed_to_file(["tshark", "-n", "-r", str(path), "-T", "fields", *args])
            result["tshark"][label] = {"wall_s": theirs.wall, "cpu_s": theirs.cpu,
                                       "maxrss_mib": theirs.maxrss_kib / 1024}
            result["identical_output"][label] = mine_sha == their_sha
            print(_row(f"tshark, {label} packets", theirs)
                  + f"  ({theirs.maxrss_kib / mine.maxrss_kib:.1f}x tcpscope's memory; same output:"
                  f" {mine_sha == their_sha})")
        else:
            print("  tshark, 8M packets           not run (--tshark-8m runs it: many minutes)")
    grow = result["tcpscope"]["8M"]["maxrss_mib"] - result["tcpscope"]["1M"]["maxrss_mib"]
    result["growth_1m_to_8m_mib"] = grow
    result["goals"] = {"growth_1m_to_8m_mib": f"<= {GOAL_MIB}"}
    print(f"  tcpscope's peak grows by {grow:.0f} MiB from 1M to 8M packets (goal <= {GOAL_MIB} MiB)")
    saved = save("stream_memory", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tshark-8m", action="store_true", help="run tshark on the 8M stream too")
    main(parser.parse_args().tshark_8m)
