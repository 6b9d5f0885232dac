"""TCP analysis: ``tcpscope fields`` with the analysis fields against ``tshark -T fields``.

The fields are the TCP-analysis issue's (stream, relative numbers, ACK matching, RTT,
bytes in flight, every expert flag); both tools write to /dev/null from a warm page
cache, in the same run. Also timed: the analysis alone, in-process, after reading and
dissecting. Goals: at least 10x faster than tshark, peak memory at most a third of
tshark's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, capture, e_args, env, output_sha, packet_count, run_cmd, save, summary, tcpscope_cmd, warm

ANALYSIS_FIELDS: tuple[str, ...] = (
    "frame.number", "tcp.stream", "tcp.completeness", "tcp.seq", "tcp.ack", "tcp.nxtseq", "tcp.len",
    "tcp.window_size", "tcp.window_size_scalefactor", "tcp.time_relative", "tcp.time_delta",
    "tcp.analysis.acks_frame", "tcp.analysis.ack_rtt", "tcp.analysis.initial_rtt", "tcp.analysis.bytes_in_flight",
    "tcp.analysis.push_bytes_sent", "tcp.analysis.flags", "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
    "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment", "tcp.analysis.duplicate_ack",
    "tcp.analysis.duplicate_ack_num", "tcp.analysis.duplicate_ack_frame", "tcp.analysis.zero_window",
    "tcp.analysis.window_update", "tcp.analysis.window_full", "tcp.analysis.keep_alive",
    "tcp.analysis.reused_ports", "tcp.analysis.rto", "tcp.analysis.rto_frame",
)

_INPROC = """
import sys, time
sys.path.insert(0, {src!r})
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.analysis import analyze
t = dissect(read_records({path!r}))
analyze(t)                      # warm: kernels from numba's cache
t0 = time.perf_counter(); analyze(t); print(time.perf_counter() - t0)
"""


def main(repeat: int = 3, tshark_repeat: int = 1) -> dict[str, Any]:
    path = capture()
    warm(path)
    n = packet_count(path)
    args = e_args(ANALYSIS_FIELDS)
    mine_cmd = tcpscope_cmd("fields", str(path), *args)
    their_cmd = ["tshark", "-n", "-r", str(path), "-T", "fields", *args]
    run_cmd(mine_cmd, environ=env())  # warm-up: kernels into numba's cache
    mine = summary([run_cmd(mine_cmd, environ=env()) for _ in range(repeat)])
    theirs = summary([run_cmd(their_cmd) for _ in range(tshark_repeat)])
    code = _INPROC.format(src=str(ROOT / "src"), path=str(path))
    inproc = min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout.split()[-1]) for _ in range(repeat))
    same = output_sha(mine_cmd, env()) == output_sha(their_cmd)
    speed = theirs["wall_min_s"] / mine["wall_min_s"]
    mem = mine["maxrss_mib"] / theirs["maxrss_mib"]
    print(f"(e) TCP analysis, {len(ANALYSIS_FIELDS)} fields, {path.name} ({n} packets), output to /dev/null")
    print(f"  tshark -T fields     wall {theirs['wall_min_s']:8.2f} s  cpu {theirs['cpu_median_s']:7.2f} s"
          f"  peak RSS {theirs['maxrss_mib']:7.0f} MiB")
    print(f"  tcpscope fields      wall {mine['wall_min_s']:8.2f} s  cpu {mine['cpu_median_s']:7.2f} s"
          f"  peak RSS {mine['maxrss_mib']:7.0f} MiB")
    print(f"  the analysis alone (in-process, after dissecting): {inproc:.2f} s")
    print(f"  tcpscope is {speed:.1f}x faster (goal >= 10x); uses {mem:.2f}x tshark's peak memory (goal <= 0.33);"
          f" same output: {same}")
    result = {"packets": n, "fields": list(ANALYSIS_FIELDS), "tcpscope": mine, "tshark": theirs,
              "analysis_inproc_s": inproc, "speedup": speed, "memory_ratio": mem, "identical_output": same,
              "goals": {"speedup": ">= 10", "memory_ratio": "<= 0.33"}}
    saved = save("analysis_e2e", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
