"""Shared pieces of the benchmarks: the capture, the field list, timing and peak memory of commands.

Every benchmark measures tcpscope and its anchors (tshark, plain reads of the file)
in the same run, on the same file, with a warm page cache, and prints each figure
beside tcpscope's as a ratio. Results go to ``bench/results/`` as JSON.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
CAPTURE = DATA / "bench.pcap"
PYTHON = sys.executable
TIME = "/usr/bin/time"

#: The issue's field list (every tcp.flags bit spelled out).
FIELDS: tuple[str, ...] = (
    "frame.number", "frame.time_epoch", "frame.time_relative", "frame.time_delta", "frame.len", "frame.cap_len",
    "frame.interface_id", "eth.src", "eth.dst", "eth.type", "vlan.id", "sll.pkttype", "sll.etype", "null.family",
    "ip.version", "ip.hdr_len", "ip.len", "ip.id", "ip.flags", "ip.flags.df", "ip.flags.mf", "ip.frag_offset",
    "ip.ttl", "ip.proto", "ip.checksum", "ip.src", "ip.dst", "ip.addr", "ipv6.plen", "ipv6.nxt", "ipv6.hlim",
    "ipv6.flow", "ipv6.src", "ipv6.dst", "ipv6.addr", "tcp.srcport", "tcp.dstport", "tcp.port", "tcp.seq_raw",
    "tcp.ack_raw", "tcp.hdr_len", "tcp.len", "tcp.flags", "tcp.flags.str", "tcp.flags.res", "tcp.flags.ae",
    "tcp.flags.cwr", "tcp.flags.ece", "tcp.flags.urg", "tcp.flags.ack", "tcp.flags.push", "tcp.flags.reset",
    "tcp.flags.syn", "tcp.flags.fin", "tcp.window_size_value", "tcp.checksum", "tcp.urgent_pointer",
    "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.wscale.multiplier", "tcp.options.sack_perm",
    "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "udp.srcport", "udp.dstport",
)


def e_args(fields: Sequence[str] = FIELDS) -> list[str]:
    return [a for f in fields for a in ("-e", f)]


def tcpscope_cmd(*args: str) -> list[str]:
    """``tcpscope`` run from this checkout (``src`` on the path, as the tests run it)."""
    return [PYTHON, "-m", "tcpscope.cli.main", *args]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT / "src") + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def _make_script() -> Path | None:
    """shared/tools/make-bench-capture.sh, found beside the checkout or above it."""
    override = os.environ.get("BENCH_MAKE_SCRIPT")
    if override:
        return Path(override)
    for parent in ROOT.parents:
        cand = parent / "shared" / "tools" / "make-bench-capture.sh"
        if cand.exists():
            return cand
    return None


def capture() -> Path:
    """The bench capture: ``BENCH_CAPTURE``, else bench/data/bench.pcap, made when missing (root)."""
    override = os.environ.get("BENCH_CAPTURE")
    if override:
        return Path(override)
    if not CAPTURE.exists():
        script = _make_script()
        if script is None:
            sys.exit("bench: no capture and no make-bench-capture.sh; set BENCH_CAPTURE=FILE")
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"bench: making {CAPTURE} with {script} (needs root, takes minutes)", file=sys.stderr)
        subprocess.run(["bash", str(script), str(CAPTURE)], check=True)
    return CAPTURE


def packet_count(path: Path) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from tcpscope.capture import read_records

    return len(read_records(path))


def warm(path: Path) -> None:
    """Read the file once so that every measurement starts from a warm page cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 22):
            pass


@dataclass(frozen=True)
class Run:
    """One command's wall time (s), CPU time (s) and peak resident memory (KiB)."""

    wall: float
    cpu: float
    maxrss_kib: int


def run_cmd(cmd: Sequence[str], stdout: Any = subprocess.DEVNULL, environ: dict[str, str] | None = None,
            ok: Sequence[int] = (0,)) -> Run:
    """Run ``cmd`` to completion: wall time here; CPU and peak RSS from ``/usr/bin/time``.
    An exit status outside ``ok`` is an error (a usage error's 2 may be what is measured).

    ``/usr/bin/time`` (a small process) starts ``cmd`` and reads its rusage. Reading
    ``ru_maxrss`` of our own children instead would be wrong when this process is large:
    Linux counts the memory a child had before ``exec`` (a copy of ours) in its peak.
    """
    if not Path(TIME).exists():
        raise RuntimeError(f"{TIME} is needed to measure peak memory (apt-get install time)")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        t0 = time.perf_counter()
        proc = subprocess.run([TIME, "-f", "%U %S %M", "-o", report.name, *cmd], stdout=stdout,
                              stderr=subprocess.DEVNULL, env=environ, check=False)
        wall = time.perf_counter() - t0
        fields = report.read().split()
    if proc.returncode not in ok:
        raise RuntimeError(f"{cmd[0]} exited {proc.returncode}")
    user, system, maxrss = float(fields[-3]), float(fields[-2]), int(fields[-1])
    return Run(wall, user + system, maxrss)


def summary(runs: Sequence[Run]) -> dict[str, Any]:
    walls = [r.wall for r in runs]
    return {
        "runs": len(runs),
        "wall_min_s": min(walls),
        "wall_median_s": statistics.median(walls),
        "cpu_median_s": statistics.median(r.cpu for r in runs),
        "maxrss_mib": max(r.maxrss_kib for r in runs) / 1024,
    }


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_1_5_15": [round(x, 2) for x in load],
        "tshark": _version(["tshark", "--version"]),
        "note": "2 cores; other jobs may share the machine: loadavg tells how busy it was",
    }


def _version(cmd: list[str]) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0] if out else None


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n")
    return path


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def row(label: str, seconds: float, ref: float | None = None, note: str = "") -> str:
    r = f"  ({ratio(seconds, ref)} of tcpscope)" if ref else ""
    return f"  {label:34s} {seconds:9.3f} s{r} {note}"


def output_sha(cmd: list[str], environ: dict[str, str] | None = None) -> str:
    """SHA-256 of what ``cmd`` writes to standard output (through a pipe, outside the timed runs)."""
    h = hashlib.sha256()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environ) as p:
        assert p.stdout is not None
        while chunk := p.stdout.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
