"""(c) Start-up: tcpscope beside tshark on small captures of each link type and IP version,
and ``--help`` and usage errors, medians of many runs interleaved.

Goals (issue 15): on any capture under 100 packets tcpscope takes at most 0.8x tshark's
time; ``--help`` and a usage error answer in under 0.1 s. ``fields`` prints 30 basic
fields (no analysis); ``list`` prints the packet list (the analysis runs). tcpscope runs
as its console script (``bin/tcpscope`` beside this Python; ``python -m`` when there is
none); output goes to /dev/null.

The modules are compiled to bytecode once before measuring (``compileall``, as ``pip
install`` does): with ``PYTHONDONTWRITEBYTECODE=1`` and no ``__pycache__`` every run
would compile from source each module it imports. One extra row measures exactly that
(a copy of ``src`` without bytecode), since that is how a fresh checkout runs here.

``BENCH_SRC=DIR`` measures the tcpscope of another source tree (the before of a change).
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, PYTHON, ROOT, Run, e_args, packet_count, run_cmd, save, summary

CAPS = ROOT / "tests" / "golden" / "captures"
SRC = Path(os.environ.get("BENCH_SRC", ROOT / "src"))

#: 30 basic fields: frame, Ethernet, IPv4, IPv6 and TCP header fields (none needs the analysis).
BASIC_FIELDS = (
    "frame.number", "frame.time_epoch", "frame.time_relative", "frame.len", "frame.cap_len",
    "eth.src", "eth.dst", "eth.type", "ip.version", "ip.hdr_len", "ip.len", "ip.id", "ip.ttl", "ip.proto",
    "ip.src", "ip.dst", "ipv6.plen", "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst", "tcp.srcport",
    "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.hdr_len", "tcp.len", "tcp.flags", "tcp.window_size_value",
    "tcp.checksum",
)

#: The issue's case: 88 packets of IPv6 and IPv4 traffic (frames 1-76 and the IPv4 connection,
#: 132-143, of own-ipv6.pcap), made with editcap into bench/data.
MIXED = DATA / "own-ipv6-88.pcap"

#: (what it shows, capture, also run ``list`` on it)
CAPTURES: tuple[tuple[str, Path, bool], ...] = (
    ("Ethernet, IPv4", ROOT / "examples" / "http-get.pcap", False),
    ("Ethernet, IPv4", CAPS / "http-eth.pcap", True),
    ("Ethernet, IPv6", CAPS / "zeek-communityid-ipv6.pcap", False),
    ("Ethernet, IPv6 and IPv4", MIXED, True),
    ("Linux cooked v1", CAPS / "craft-link-sll.pcap", True),
    ("Linux cooked v2", CAPS / "craft-link-sll2.pcap", False),
    ("BSD loopback (null)", CAPS / "craft-link-null-le.pcap", False),
    ("OpenBSD loopback", CAPS / "craft-link-loop.pcap", False),
    ("raw IP (101)", CAPS / "craft-link-raw101.pcap", True),
    ("raw IPv4 (228)", CAPS / "craft-link-raw228.pcap", False),
    ("raw IPv6 (229)", CAPS / "craft-link-raw229.pcap", False),
    ("pcapng, raw IP", CAPS / "craft-pcapng-tsresol.pcapng", False),
)

CAPTURE_GOAL = 0.8
USAGE_GOAL_S = 0.1

#: (what, tcpscope's arguments, tshark's arguments for the same kind of answer)
USAGE: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("--help", ("--help",), ("--help",)),
    ("fields --help", ("fields", "--help"), ("-T", "fields", "--help")),
    ("usage error: fields, no file", ("fields",), ("-r",)),
    ("usage error: unknown command", ("bogus",), ("-T", "bogus")),
)


def tcpscope(*args: str) -> list[str]:
    """tcpscope as a user runs it: the console script beside this Python, else ``python -m``."""
    script = Path(PYTHON).parent / "tcpscope"
    return [str(script), *args] if script.exists() else [PYTHON, "-m", "tcpscope.cli.main", *args]


def environ(src: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(src) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def make_mixed() -> Path:
    if not MIXED.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run(["editcap", "-r", str(CAPS / "own-ipv6.pcap"), str(MIXED), "1-76", "132-143"], check=True)
    return MIXED


def measure(mine: list[str], theirs: list[str], env: dict[str, str], repeat: int,
            ok: tuple[int, ...] = (0,)) -> tuple[dict[str, Any], dict[str, Any]]:
    """Medians of ``repeat`` runs of each, interleaved so that a busy moment hits both; ``ok``
    are the exit statuses expected (tshark's usage errors exit 1)."""
    their_ok = (*ok, 1) if ok != (0,) else ok
    run_cmd(mine, environ=env, ok=ok)
    run_cmd(theirs, ok=their_ok)
    a: list[Run] = []
    b: list[Run] = []
    for _ in range(repeat):
        a.append(run_cmd(mine, environ=env, ok=ok))
        b.append(run_cmd(theirs, ok=their_ok))
    return summary(a), summary(b)


def _ms(s: dict[str, Any], key: str = "wall_median_s") -> str:
    return f"{s[key] * 1000:5.0f} ms"


def main(repeat: int = 15) -> dict[str, Any]:
    compileall.compile_dir(str(SRC), quiet=1)
    env = environ(SRC)
    make_mixed()
    print(f"(c) start-up, median of {repeat} runs interleaved with tshark's, output to /dev/null; tcpscope from {SRC}")
    result: dict[str, Any] = {"tcpscope_src": str(SRC)}
    for what, path, also_list in CAPTURES:
        n = packet_count(path)
        commands = [("fields", e_args(BASIC_FIELDS), ["-T", "fields", *e_args(BASIC_FIELDS)])]
        if also_list:
            commands.append(("list", [], []))
        for command, mine_args, their_args in commands:
            m, t = measure(tcpscope(command, str(path), *mine_args), ["tshark", "-n", "-r", str(path), *their_args],
                           env, repeat)
            ratio = m["wall_median_s"] / t["wall_median_s"]
            key = f"{command} {path.name}"
            print(f"  {key:44s} {what:24s} {n:3d} packets: tcpscope {_ms(m)}, tshark {_ms(t)} -> {ratio:.2f}x"
                  f" (goal <= {CAPTURE_GOAL}); CPU {_ms(m, 'cpu_median_s')} vs {_ms(t, 'cpu_median_s')}")
            result[key] = {"what": what, "packets": n, "tcpscope": m, "tshark": t, "ratio": ratio,
                           "met": ratio <= CAPTURE_GOAL, "goal": f"<= {CAPTURE_GOAL}x tshark's time"}
    for what, mine_args, their_args in USAGE:
        m, t = measure(tcpscope(*mine_args), ["tshark", *their_args], env, repeat, ok=(0, 2))
        print(f"  {what:44s} tcpscope {_ms(m)}, tshark {_ms(t)} (goal < {USAGE_GOAL_S * 1000:.0f} ms);"
              f" CPU {_ms(m, 'cpu_median_s')} vs {_ms(t, 'cpu_median_s')}")
        result[what] = {"tcpscope": m, "tshark": t, "ratio": m["wall_median_s"] / t["wall_median_s"],
                        "met": m["wall_median_s"] < USAGE_GOAL_S, "goal": f"< {USAGE_GOAL_S} s"}
    result["fields http-eth.pcap, no bytecode cache"] = _without_bytecode(repeat)
    for anchor, cmd in (("python -c pass", [PYTHON, "-c", "pass"]), ("python -c 'import numpy'",
                                                                       [PYTHON, "-c", "import numpy"])):
        m, _ = measure(cmd, ["true"], env, repeat)
        print(f"  anchor: {anchor:36s} {_ms(m)}; CPU {_ms(m, 'cpu_median_s')}")
        result[f"anchor: {anchor}"] = {"tcpscope": m}
    saved = save("startup", result)
    print(f"  -> {saved.relative_to(ROOT)}")
    return result


def _without_bytecode(repeat: int) -> dict[str, Any]:
    """``fields`` on http-eth from a copy of the source with no bytecode, under PYTHONDONTWRITEBYTECODE=1."""
    path = CAPS / "http-eth.pcap"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
        env = environ(copy) | {"PYTHONDONTWRITEBYTECODE": "1"}
        m, t = measure(tcpscope("fields", str(path), *e_args(BASIC_FIELDS)),
                       ["tshark", "-n", "-r", str(path), "-T", "fields", *e_args(BASIC_FIELDS)], env, repeat)
    ratio = m["wall_median_s"] / t["wall_median_s"]
    print(f"  {'fields http-eth.pcap, no bytecode cache':44s} tcpscope {_ms(m)}, tshark {_ms(t)} -> {ratio:.2f}x")
    return {"tcpscope": m, "tshark": t, "ratio": ratio, "met": ratio <= CAPTURE_GOAL,
            "goal": f"<= {CAPTURE_GOAL}x tshark's time"}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
