"""(b) ``tcpscope fields`` against ``tshark -T fields``: same file, same fields, same run.

Both write to /dev/null with a warm page cache; each command's wall time, CPU time and
peak resident memory (its own ``ru_maxrss``) are measured. tcpscope runs once first,
untimed, so that numba's kernels are in its cache (as after installation). The outputs
are compared once, through a pipe into SHA-256, outside the timed runs.

tcpscope also reads the same file through a pipe (``cat FILE | tcpscope fields -``, as
``tcpdump -w - |`` feeds it): it then reads a batch at a time as the bytes come, and its
output must be the file's.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    FIELDS,
    ROOT,
    capture,
    e_args,
    env,
    output_sha,
    packet_count,
    run_cmd,
    save,
    summary,
    tcpscope_cmd,
    warm,
)


def main(repeat: int = 3, tshark_repeat: int = 1) -> dict[str, Any]:
    path = capture()
    warm(path)
    n = packet_count(path)
    mine_cmd = tcpscope_cmd("fields", str(path), *e_args())
    their_cmd = ["tshark", "-n", "-r", str(path), "-T", "fields", *e_args()]
    run_cmd(mine_cmd, environ=env())  # warm-up: kernels into numba's cache
    mine = summary([run_cmd(mine_cmd, environ=env()) for _ in range(repeat)])
    theirs = summary([run_cmd(their_cmd) for _ in range(tshark_repeat)])
    same = output_sha(mine_cmd, env()) == output_sha(their_cmd)
    piped_cmd = ["sh", "-c", f"cat {shlex.quote(str(path))} | "
                 + shlex.join(tcpscope_cmd("fields", "-", *e_args()))]
    piped = summary([run_cmd(piped_cmd, environ=env()) for _ in range(repeat)])
    piped_same = output_sha(piped_cmd, env()) == output_sha(mine_cmd, env())
    speed = theirs["wall_min_s"] / mine["wall_min_s"]
    speed_median = theirs["wall_median_s"] / mine["wall_median_s"]
    speed_cpu = theirs["cpu_median_s"] / mine["cpu_median_s"]
    mem = mine["maxrss_mib"] / theirs["maxrss_mib"]
    print(f"(b) fields, {len(FIELDS)} fields, {path.name} ({n} packets), output to /dev/null")
    print(f"  tshark -T fields     wall {theirs['wall_min_s']:8.2f} s  cpu {theirs['cpu_median_s']:7.2f} s"
          f"  peak RSS {theirs['maxrss_mib']:7.0f} MiB")
    print(f"  tcpscope fields      wall {mine['wall_min_s']:8.2f} s  cpu {mine['cpu_median_s']:7.2f} s"
          f"  peak RSS {mine['maxrss_mib']:7.0f} MiB")
    print(f"  tcpscope fields -    wall {piped['wall_min_s']:8.2f} s  cpu {piped['cpu_median_s']:7.2f} s"
          f"  peak RSS {piped['maxrss_mib']:7.0f} MiB  (through a pipe; cpu and memory with cat's;"
          f" same output as the file: {piped_same})")
    print(f"  tcpscope is {speed:.1f}x faster, best runs (medians: {speed_median:.1f}x, CPU time: {speed_cpu:.1f}x;"
          f" goal >= 20x); uses {mem:.2f}x tshark's peak memory (goal < 1); same output: {same}")
    result = {"packets": n, "fields": list(FIELDS), "tcpscope": mine, "tshark": theirs, "speedup": speed,
              "speedup_median": speed_median, "speedup_cpu": speed_cpu, "memory_ratio": mem,
              "identical_output": same, "through_a_pipe": piped,
              "through_a_pipe_identical": piped_same, "goals": {"speedup": ">= 20", "memory_ratio": "< 1"}}
    saved = save("fields_e2e", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
