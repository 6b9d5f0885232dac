"""Per-packet TCP states: what the state, phase and rule fields cost beside the analysis fields.

In the same run, ``tcpscope fields`` on the bench capture with the analysis fields of
``analysis_e2e.py`` alone, then with ``tcpscope.state.client``, ``tcpscope.state.server``,
``tcpscope.phase`` and ``tcpscope.rule`` added, the two commands taking turns. The
lifecycle kernel runs with the analysis either way (the states carry from piece to
piece), so its own time is also measured in-process, beside the whole analysis of the
capture, and, when ``LIFECYCLE_BASE`` names a checkout without the states (the code
before them), the analysis fields there, in the same turns. Goal (issue 16): the state
and phase fields cost at most 25% more than the analysis fields alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from analysis_e2e import ANALYSIS_FIELDS
from common import ROOT, capture, e_args, env, packet_count, run_cmd, save, summary, tcpscope_cmd, warm

STATE_FIELDS = ("tcpscope.state.client", "tcpscope.state.server", "tcpscope.phase", "tcpscope.rule")

_INPROC = """
import sys, time
sys.path.insert(0, {src!r})
import numpy as np
from tcpscope._jit import job
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.analysis import analyze
from tcpscope.analysis.lifecycle import Lifecycle
t = dissect(read_records({path!r}))
with job(t.n):
    analyze(t)                      # warm: kernels from numba's cache
    t0 = time.perf_counter(); a = analyze(t); whole = time.perf_counter() - t0
    c = a.layer("tcp").cols
    ins = {{"stream": c["stream"], "flow": c["_flow"], "flags": c["flags"], "seglen": c["len"],
            "seq": c["seq_raw"], "ack": c["ack_raw"], "aflags": c["aflags"], "srcport": c["srcport"],
            "dstport": c["dstport"]}}
    t0 = time.perf_counter(); Lifecycle().run(t.n, ins); own = time.perf_counter() - t0
print(whole, own)
"""


def main(repeat: int = 3) -> dict[str, Any]:
    path = capture()
    warm(path)
    n = packet_count(path)
    alone_cmd = tcpscope_cmd("fields", str(path), *e_args(ANALYSIS_FIELDS))
    with_cmd = tcpscope_cmd("fields", str(path), *e_args((*ANALYSIS_FIELDS, *STATE_FIELDS)))
    base = os.environ.get("LIFECYCLE_BASE")
    base_env = {**env(), "PYTHONPATH": str(Path(base) / "src")} if base else None
    run_cmd(with_cmd, environ=env())  # warm-up: kernels into numba's cache
    if base_env is not None:
        run_cmd(alone_cmd, environ=base_env)
    alone_runs, with_runs, base_runs = [], [], []
    for _ in range(repeat):
        if base_env is not None:
            base_runs.append(run_cmd(alone_cmd, environ=base_env))
        alone_runs.append(run_cmd(alone_cmd, environ=env()))
        with_runs.append(run_cmd(with_cmd, environ=env()))
    alone, both = summary(alone_runs), summary(with_runs)
    before = summary(base_runs) if base_runs else None
    code = _INPROC.format(src=str(ROOT / "src"), path=str(path))
    inproc = [tuple(float(x) for x in subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                     check=True).stdout.split()[-2:]) for _ in range(repeat)]
    whole, own = min(w for w, _ in inproc), min(o for _, o in inproc)
    extra = both["wall_min_s"] / alone["wall_min_s"] - 1
    extra_cpu = both["cpu_median_s"] / alone["cpu_median_s"] - 1
    print(f"(l) TCP states, {path.name} ({n} packets), output to /dev/null")
    if before is not None:
        print(f"  {len(ANALYSIS_FIELDS)} analysis fields, before  wall {before['wall_min_s']:6.2f} s"
              f"  cpu {before['cpu_median_s']:6.2f} s  peak RSS {before['maxrss_mib']:5.0f} MiB  ({base})")
    print(f"  {len(ANALYSIS_FIELDS)} analysis fields          wall {alone['wall_min_s']:6.2f} s"
          f"  cpu {alone['cpu_median_s']:6.2f} s  peak RSS {alone['maxrss_mib']:5.0f} MiB")
    print(f"  + {len(STATE_FIELDS)} state/phase/rule fields   wall {both['wall_min_s']:6.2f} s"
          f"  cpu {both['cpu_median_s']:6.2f} s  peak RSS {both['maxrss_mib']:5.0f} MiB")
    print(f"  the state fields cost {100 * extra:+.0f}% wall, {100 * extra_cpu:+.0f}% CPU (goal <= +25%)")
    print(f"  in-process: the analysis {whole:.3f} s, of which the lifecycle kernel {own:.3f} s"
          f" ({100 * own / whole:.0f}%)")
    if before is not None:
        print(f"  against the analysis fields before the states: {100 * (both['wall_min_s'] / before['wall_min_s'] - 1):+.0f}%"
              f" wall, {100 * (both['cpu_median_s'] / before['cpu_median_s'] - 1):+.0f}% CPU")
    result = {"packets": n, "analysis_fields": list(ANALYSIS_FIELDS), "state_fields": list(STATE_FIELDS),
              "before": before, "base": base, "alone": alone, "with_states": both, "extra_wall": extra, "extra_cpu": extra_cpu,
              "analysis_inproc_s": whole, "lifecycle_inproc_s": own, "goals": {"extra_wall": "<= 0.25"}}
    saved = save("lifecycle_e2e", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
