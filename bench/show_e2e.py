"""``tcpscope show -n`` against ``tshark -n -V``: the same file, in one run, outputs compared.

    python bench/show_e2e.py [--frames N] [--before DIR] [--frame K ...]

Each command prints every frame's details tree of the bench capture (``common.capture()``;
``--frames N``: its first N frames only, cut with ``editcap``) into a file of its own,
once (tshark takes minutes; the CPU times, user + system from ``/usr/bin/time``, are the
steady figures on a shared machine), after one untimed run of each tcpscope on a small
prefix that fills numba's cache (a cache of each checkout's own: numba keys it by the
source file's path). ``--before DIR`` also times the ``src`` of another checkout
(the code before a change) the same way. The outputs are then compared frame by frame
(a frame's text starts at its ``Frame N:`` line): a frame that differs is *pending* when
tshark's tree names a protocol tcpscope has no tree for yet (``[Protocols in frame:
...]``, against ``views.tree_frames.PROTOCOLS``) or shows TCP reassembly (the reassembly
issue's), else a failure. tcpscope runs with ``-n`` as tshark does: without it, MAC
addresses are shown with their names (tshark's default), and every Ethernet frame differs.

``--frame K`` (repeatable; default 1000 and the capture's last frames' neighbour 700000)
times ``tcpscope show -n FILE --frame K`` alone, best of 3: the issue asks for under a second.
``--frame-only`` times those only (with ``--before DIR``, that checkout's too, each run
after one untimed run of its own that fills numba's cache), without the whole runs and
their comparison; the load average is read before and after.
Goal (issue 17): ``show`` at least 10x faster than ``tshark -V`` (CPU time).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT, capture, run_cmd, save, summary, tcpscope_cmd, warm

_FRAME = re.compile(rb"^Frame (\d+): ")
_PROTOCOLS = re.compile(rb"^    \[Protocols in frame: (.*)\]$")
#: What tshark prints in a frame whose TCP payload it reassembles (or keeps for it): the
#: reassembly issue's, pending as in tests/views/test_show_golden.py
_REASSEMBLY = (b"TCP segment data (", b"Reassembled TCP", b"[Reassembled PDU in frame", b"[Reassembly error")


def frames_of(path: Path) -> Iterator[tuple[int, bytes]]:
    """The frames of a ``-V`` text, one at a time: each one's number and text."""
    number, lines = 0, []
    with open(path, "rb") as fh:
        for line in fh:
            m = _FRAME.match(line)
            if m and lines:
                yield number, b"".join(lines)
                lines = []
            if m:
                number = int(m.group(1))
            lines.append(line)
    if lines:
        yield number, b"".join(lines)


def compare(mine: Path, theirs: Path) -> dict[str, Any]:
    """Frame by frame: how many are equal, pending (tshark's names a protocol with no tree
    here) and different; the first of each kind that differs."""
    sys.path.insert(0, str(ROOT / "src"))
    from tcpscope.views.tree_frames import PROTOCOLS, SILENT

    known = {name.encode() for name in (*PROTOCOLS, *SILENT)}
    equal = pending = failed = 0
    first_pending = first_failed = None
    pending_protocols: dict[str, int] = {}
    for (n, a), (m, b) in zip(frames_of(mine), frames_of(theirs), strict=True):
        if (n, a) == (m, b):
            equal += 1
            continue
        protos = next((p.group(1) for p in map(_PROTOCOLS.match, b.splitlines()) if p), b"").split(b":")
        lacks = [p.decode() for p in protos if p not in known]
        if any(mark in b for mark in _REASSEMBLY):
            lacks.append("tcp reassembly")
        if lacks:
            pending += 1
            first_pending = first_pending or m
            for p in lacks:
                pending_protocols[p] = pending_protocols.get(p, 0) + 1
        else:
            failed += 1
            first_failed = first_failed or m
    return {"equal": equal, "pending": pending, "pending_protocols": pending_protocols, "different": failed,
            "first_pending": first_pending, "first_different": first_failed}


def _environ(src: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(src)
    return e


def _compile(src: Path) -> None:
    """Bytecode for ``src`` (an installed tcpscope has it; this machine writes none by itself)."""
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(src)], check=True, stdout=subprocess.DEVNULL)


def frame_only(ks: list[int], before: Path | None) -> int:
    """``show -n FILE --frame K`` for each K, 3 timed runs each, after one untimed run
    (numba's cache), for this checkout and ``before``'s."""
    cap = capture()
    load_before = os.getloadavg()
    srcs = {"tcpscope": ROOT / "src", **({"before": before / "src"} if before else {})}
    for src in srcs.values():
        _compile(src)
    warm(cap)
    frames: dict[str, Any] = {}
    for name, src in srcs.items():
        for k in ks:
            cmd = tcpscope_cmd("show", "-n", str(cap), "--frame", str(k))
            with open(os.devnull, "wb") as sink:
                run_cmd(cmd, stdout=sink, environ=_environ(src))  # untimed: numba's cache
                frames[f"{name} {k}"] = s = summary([run_cmd(cmd, stdout=sink, environ=_environ(src))
                                                     for _ in range(3)])
            print(f"  {name} show --frame {k}: wall {s['wall_min_s']:.2f} s (best of 3), cpu {s['cpu_median_s']:.2f} s"
                  f" (median), {s['maxrss_mib']:.0f} MiB")
    result = {"capture": str(cap), "frame": frames, "load_before": load_before, "load_after": os.getloadavg(),
              "goals": {"frame_cpu_s": "< 1"}, **({"before_src": str(before)} if before else {})}
    print(f"  -> {save('show_frame', result).relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=0, help="only the capture's first N frames")
    ap.add_argument("--before", type=Path, help="a checkout whose src is timed too (the code before a change)")
    ap.add_argument("--frame", type=int, action="append", help="time show --frame K (default: 1000 and 700000)")
    ap.add_argument("--frame-only", action="store_true", help="time show --frame K only (no whole runs)")
    args = ap.parse_args(argv)
    if args.frame_only:
        return frame_only(args.frame or [1000, 700000], args.before)
    cap = capture()
    mine_src = ROOT / "src"
    _compile(mine_src)
    if args.before:
        _compile(args.before / "src")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if args.frames:
            whole, cap = cap, out / f"first-{args.frames}.pcap"
            subprocess.run(["editcap", "-F", "pcap", "-r", str(whole), str(cap), f"1-{args.frames}"], check=True)
        warm(cap)
        small = out / "warm.pcap"
        subprocess.run(["editcap", "-F", "pcap", "-r", str(cap), str(small), "1-2000"], check=True)
        for src in (mine_src, *((args.before / "src",) if args.before else ())):
            with open(os.devnull, "wb") as sink:  # untimed: numba's cache (kept by each source file's path)
                run_cmd(tcpscope_cmd("show", "-n", str(small)), stdout=sink, environ=_environ(src))
        runs: dict[str, Any] = {}
        mine_out, theirs_out = out / "tcpscope.txt", out / "tshark.txt"
        with open(theirs_out, "wb") as sink:
            runs["tshark"] = run_cmd(["tshark", "-n", "-V", "-r", str(cap)], stdout=sink)
        if args.before:
            before_out = out / "before.txt"
            with open(before_out, "wb") as sink:
                runs["before"] = run_cmd(tcpscope_cmd("show", "-n", str(cap)), stdout=sink,
                                         environ=_environ(args.before / "src"))
        with open(mine_out, "wb") as sink:
            runs["tcpscope"] = run_cmd(tcpscope_cmd("show", "-n", str(cap)), stdout=sink, environ=_environ(mine_src))
        size = mine_out.stat().st_size
        compared = compare(mine_out, theirs_out)
        if args.before:
            compared["before_same_as_after"] = before_out.read_bytes() == mine_out.read_bytes()
        frames: dict[str, Any] = {}
        for k in args.frame or ([1000, 700000] if not args.frames else [min(1000, args.frames)]):
            with open(os.devnull, "wb") as sink:
                frames[str(k)] = summary([run_cmd(tcpscope_cmd("show", "-n", str(cap), "--frame", str(k)), stdout=sink,
                                                  environ=_environ(mine_src)) for _ in range(3)])
    theirs = runs["tshark"]
    print(f"show, {cap.name} ({sum(compared[k] for k in ('equal', 'pending', 'different'))} frames), "
          f"{size / 1e6:.0f} MB of text each, written to a file")
    for name, r in runs.items():
        print(f"  {name:9s} wall {r.wall:8.2f} s  cpu {r.cpu:8.2f} s  peak RSS {r.maxrss_kib / 1024:6.0f} MiB"
              + ("" if name == "tshark" else f"  tshark/this: {theirs.cpu / r.cpu:.2f}x CPU, "
                                                 f"{theirs.wall / r.wall:.2f}x wall"))
    print(f"  frames: {compared['equal']} equal, {compared['pending']} pending ({compared['pending_protocols']}), "
          f"{compared['different']} different (first: {compared['first_different']})")
    for k, s in frames.items():
        print(f"  show --frame {k}: wall {s['wall_min_s']:.2f} s (best of 3), cpu {s['cpu_median_s']:.2f} s (median),"
              f" {s['maxrss_mib']:.0f} MiB")
    result = {"capture": str(cap), "output_bytes": size, "comparison": compared,
              **{name: summary([r]) for name, r in runs.items()},
              "speedup_cpu": theirs.cpu / runs["tcpscope"].cpu, "speedup_wall": theirs.wall / runs["tcpscope"].wall,
              "frame": frames, "goals": {"speedup_cpu": ">= 10", "frame_cpu_s": "< 1"}}
    if args.before:
        result["before_src"] = str(args.before)
    print(f"  -> {save('show_e2e', result).relative_to(ROOT)}")
    return 0 if compared["different"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
