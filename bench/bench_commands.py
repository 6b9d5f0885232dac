"""(h) The other commands end to end, each beside the tshark run that prints the same thing.

    python bench/bench_commands.py [--repeat N] [--only list|expert|analyze ...]

On the bench capture, each as a fresh process writing to /dev/null, wall time, CPU time
and peak memory from the operating system (``common.run_cmd``); tcpscope best of
``--repeat`` runs after one untimed run (numba's cache), tshark once (its runs take the
longest and vary least):

* ``tcpscope list FILE`` beside ``tshark -n -r FILE`` (the packet list);
* ``tcpscope expert FILE`` beside ``tshark -n -q -z expert -r FILE``;
* ``tcpscope analyze FILE``, tcpscope's own report, beside nothing: its figure is kept
  for the record.

Each tcpscope figure is given beside tshark's as ratios of wall time and of CPU time
(user + system: the steadier one on a shared machine) and of peak memory. The packet
list's text is compared with ``tshark -r FILE``'s too, line by line (the count of
differing lines is reported; issue 18 asks for none).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from itertools import zip_longest
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, capture, env, packet_count, run_cmd, save, summary, tcpscope_cmd, warm

TSHARK = {
    "list": lambda f: ["tshark", "-n", "-r", f],
    "expert": lambda f: ["tshark", "-n", "-q", "-z", "expert", "-r", f],
}


def _differing_lines(a: Path, b: Path) -> int:
    """Lines that differ byte for byte, a line only one file has counted as differing."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return sum(1 for x, y in zip_longest(fa, fb) if x != y)


def main(repeat: int = 2, only: tuple[str, ...] = ("list", "expert", "analyze")) -> dict[str, Any]:
    path = capture()
    warm(path)
    n = packet_count(path)
    out: dict[str, Any] = {"packets": n}
    print(f"(h) commands end to end, {path.name}: {n} packets")
    with tempfile.TemporaryDirectory() as tmp:
        for name in only:
            cmd = tcpscope_cmd(name, str(path))
            run_cmd(cmd, environ=env())  # untimed: numba's cache
            ours = summary([run_cmd(cmd, environ=env()) for _ in range(repeat)])
            entry: dict[str, Any] = {"tcpscope": ours}
            line = f"  tcpscope {name:8s} {ours['wall_min_s']:7.2f} s, {ours['maxrss_mib']:6.0f} MiB"
            if name in TSHARK:
                theirs_cmd = TSHARK[name](str(path))
                theirs = summary([run_cmd(theirs_cmd)])
                entry["tshark"] = theirs
                entry["ratio_wall"] = theirs["wall_min_s"] / ours["wall_min_s"]
                entry["ratio_cpu"] = theirs["cpu_median_s"] / ours["cpu_median_s"]
                entry["ratio_memory"] = ours["maxrss_mib"] / theirs["maxrss_mib"]
                line += (f" (CPU {ours['cpu_median_s']:.2f} s)   tshark {theirs['wall_min_s']:7.2f} s"
                         f" (CPU {theirs['cpu_median_s']:.2f} s), {theirs['maxrss_mib']:6.0f} MiB"
                         f"   -> {entry['ratio_wall']:.2f}x faster (CPU {entry['ratio_cpu']:.2f}x),"
                         f" {entry['ratio_memory']:.2f}x the memory")
                if name == "list":
                    a, b = Path(tmp) / "ours.txt", Path(tmp) / "theirs.txt"
                    with open(a, "wb") as fa:
                        subprocess.run(cmd, stdout=fa, stderr=subprocess.DEVNULL, env=env(), check=True)
                    with open(b, "wb") as fb:
                        # (tshark -r itself: -n, which the timed run uses, leaves the link-layer
                        # addresses unnamed, "ff:ff:ff:ff:ff:ff" for "Broadcast")
                        subprocess.run(["tshark", "-r", str(path)], stdout=fb, stderr=subprocess.DEVNULL, check=True)
                    entry["lines_differing"] = _differing_lines(a, b)
                    line += f"; {entry['lines_differing']} lines differ"
            print(line)
            out[name] = entry
    saved = save("commands", out)
    print(f"  -> {saved.relative_to(ROOT)}")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", nargs="+", choices=("list", "expert", "analyze"), default=["list", "expert", "analyze"])
    parsed = ap.parse_args()
    main(parsed.repeat, tuple(parsed.only))
