"""``make bench``: every benchmark in one run, then one summary and one results file.

(a) read + dissect vs reading the file's bytes, (b) ``tcpscope fields`` vs ``tshark -T
fields`` (time and peak memory), (c) start-up on small captures, (d) Python peers,
(e) the TCP analysis fields vs tshark's, (f) the conversations table vs tcptrace and
tshark (``bench_conv.py``), (g) a display filter vs ``tshark -Y`` (``bench_filter.py``).
``python bench/run.py --quick`` runs each once (tshark's 60-field run alone takes
over a minute here).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import analysis_e2e
import fields_e2e
import peers
import read_dissect
import startup
from common import ROOT, save


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    a = read_dissect.main(1 if quick else 3)
    print()
    b = fields_e2e.main(1 if quick else 3, 1)
    print()
    c = startup.main(5 if quick else 15)
    print()
    d = peers.main()
    print()
    e = analysis_e2e.main(1 if quick else 3, 1)
    print()
    saved = save("bench", {"read_dissect": a, "fields_e2e": b, "startup": c, "peers": d, "analysis_e2e": e})
    print("summary")
    print(f"  read + dissect: {min(a['ratio_to_baseline'].values()):.1f}x to {max(a['ratio_to_baseline'].values()):.1f}x"
          " the time to read the file's bytes (goal <= 3x)")
    print(f"  fields vs tshark: {b['speedup']:.1f}x faster in the best runs, {b['speedup_median']:.1f}x in the"
          f" medians, {b['speedup_cpu']:.1f}x in CPU time (goal >= 20x); peak memory {b['memory_ratio']:.2f}x"
          " tshark's (goal < 1)")
    print(f"  analysis vs tshark: {e['speedup']:.1f}x faster (goal >= 10x), peak memory {e['memory_ratio']:.2f}x"
          " tshark's (goal <= 0.33)")
    for name, r in c.items():
        if isinstance(r, dict) and "goal" in r:
            print(f"  start-up {name}: {r['tcpscope']['wall_median_s'] * 1000:.0f} ms, {r['ratio']:.2f}x tshark's"
                  f" time (goal {r['goal']}: {'met' if r['met'] else 'NOT met'})")
    print(f"  -> {saved.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
