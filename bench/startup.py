"""(c) Start-up: ``tcpscope fields`` and ``tshark -T fields`` on small captures, median of many runs.

On a capture of under 100 packets the answer must come no slower than tshark's: the
small path imports no numba, pandas or pyarrow and runs no kernel compiled. Same field
list as the large benchmark; output to /dev/null.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, e_args, env, packet_count, run_cmd, save, summary, tcpscope_cmd

FILES = (ROOT / "tests" / "golden" / "captures" / "http-eth.pcap", ROOT / "examples" / "http-get.pcap")


def main(repeat: int = 15) -> dict[str, Any]:
    result: dict[str, Any] = {}
    print(f"(c) start-up, median of {repeat} runs, output to /dev/null")
    for path in FILES:
        mine_cmd = tcpscope_cmd("fields", str(path), *e_args())
        their_cmd = ["tshark", "-n", "-r", str(path), "-T", "fields", *e_args()]
        run_cmd(mine_cmd, environ=env())
        run_cmd(their_cmd)
        mine, theirs = [], []
        for _ in range(repeat):  # interleaved, so that a busy moment hits both
            mine.append(run_cmd(mine_cmd, environ=env()))
            theirs.append(run_cmd(their_cmd))
        m, t = summary(mine), summary(theirs)
        ratio = m["wall_median_s"] / t["wall_median_s"]
        n = packet_count(path)
        print(f"  {path.name} ({n} packets): tcpscope {m['wall_median_s'] * 1000:6.0f} ms, tshark"
              f" {t['wall_median_s'] * 1000:6.0f} ms -> tcpscope takes {ratio:.2f}x tshark's time (goal <= 1);"
              f" CPU {m['cpu_median_s'] * 1000:.0f} vs {t['cpu_median_s'] * 1000:.0f} ms;"
              f" peak RSS {m['maxrss_mib']:.0f} vs {t['maxrss_mib']:.0f} MiB")
        result[path.name] = {"packets": n, "tcpscope": m, "tshark": t, "ratio": ratio}
    saved = save("startup", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
