"""Record ``tshark -q -z io,stat,...`` for the golden captures.

    python tests/golden/make_golden_iostat.py [CAPTURE ...]

Runs tshark as ``make_golden_stats.py`` does (from the captures directory, a fresh empty
HOME, ``LC_ALL=C.UTF-8``) with each argument of :func:`cases` and stores its standard
output, each after a line ``#### ARGUMENT``, in ``expected/<stem>.iostat.txt``; and the
first line of tshark's message for each argument of :data:`REFUSED` in
``expected/iostat-refused.txt`` (``#### ARGUMENT`` then the line). ``expected/TSHARK_VERSION``
records the first line of ``tshark --version``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

from make_golden_stats import CAPTURES, EXPECTED, capture_names, run_stat, tshark_version

__all__ = ["EVERY", "FINE", "REFUSED", "SHORT", "cases", "iostat_path", "main", "read_cases"]

#: Every capture: the whole capture in one row, three columns
EVERY = ("io,stat,0,,tcp,udp",)

#: Captures under a few minutes long, which take finer intervals
SHORT = ("craft-ipv4-frags.pcap", "craft-pcapng-sections.pcapng", "http-get.pcap", "lossy-seed7.pcap",
         "own-ipv6.pcap", "own-lossy-seed11.pcap", "own-zero-window.pcap", "tls-dns.pcap",
         "zeek-communityid-tcp.pcap", "zeek-http-methods.pcap", "zeek-tcp-retransmit-fast009.pcap")

_LONG_FILTER = ("ip.src==10.77.0.1 && tcp.len > 0 && tcp.flags.push == 1 && !tcp.analysis.retransmission && "
                "frame.len > 100 && tcp.srcport != 1 && tcp.srcport != 2 && tcp.srcport != 3 && tcp.dstport != 6")
_RTT = "tcp.analysis.ack_rtt"

#: What the short captures take
FINE = (
    "io,stat,1",
    "io,stat,10",
    "io,stat,0.1,tcp,udp",
    "io,stat,0.5,FRAMES()tcp.len>0,BYTES()tcp.len>0,FRAMES(),BYTES()",
    f"io,stat,0.2,COUNT(tcp.len)tcp.len>0,SUM(tcp.len)tcp.len>0,AVG({_RTT}){_RTT},MIN(frame.len),MAX(tcp.window_size)",
    f"io,stat,0.25,MIN({_RTT}){_RTT},MAX({_RTT}){_RTT},SUM({_RTT}){_RTT},COUNT({_RTT}){_RTT}",
    "io,stat,0.3,MIN(tcp.window_size)tcp,MAX(tcp.window_size)tcp.window_size,AVG(tcp.window_size)tcp.window_size",
    "io,stat,2.5,MIN(tcp.seq)tcp.seq,AVG(tcp.seq_raw)tcp.seq_raw,SUM(tcp.seq_raw)tcp.seq_raw",
    f"io,stat,0.4,{_LONG_FILTER},tcp",
    "io,stat,0.7,tcp,tcp,tcp,tcp,tcp,tcp,tcp,tcp,tcp,tcp,tcp",
)

#: Arguments tshark refuses (run on http-get.pcap)
REFUSED = (
    "io,stat,1,FRAMES(tcp.len)", "io,stat,1,COUNT()", "io,stat,1,MAX(tcp.nosuchfield)",
    "io,stat,1,MAX(tcp.flags.syn)", "io,stat,1,MAX(tcp.len", "io,stat,1,tcp.nosuchfield",
    "io,stat,1,AVG(frame.time_delta)tcp.len>", "io,stat,x", "io,stat,0.0000001", "io,stat,1,",
)
_NOISE = 'Running as user "root" and group "root". This could be dangerous.'


def cases(name: str) -> tuple[str, ...]:
    return EVERY + (FINE if name in SHORT else ())


def iostat_path(name: str) -> os.PathLike[str]:
    return EXPECTED / f"{name.replace('/', '__')}.iostat.txt"


def read_cases(text: str) -> dict[str, str]:
    """A golden file's outputs by argument."""
    out: dict[str, str] = {}
    for part in text.split("#### ")[1:]:
        arg, _, body = part.partition("\n")
        out[arg] = body
    return out


def _refused(arg: str, tshark: str) -> str:
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
        env.update(HOME=home, LC_ALL="C.UTF-8", TZ="UTC")
        done = subprocess.run([tshark, "-r", "http-get.pcap", "-q", "-z", arg], cwd=CAPTURES, env=env,
                              capture_output=True, check=False)
    lines = [line for line in done.stderr.decode().splitlines() if line and line != _NOISE]
    return lines[0] if lines else ""


def main(argv: list[str]) -> int:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("make_golden_iostat: tshark is not installed", file=sys.stderr)
        return 2
    version = tshark_version(tshark)
    (EXPECTED / "TSHARK_VERSION").write_text(version + "\n")
    names = argv or capture_names()
    for name in names:
        text = "".join(f"#### {arg}\n{run_stat(name, arg, tshark)}" for arg in cases(name))
        with open(iostat_path(name), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{name}: {len(cases(name))} tables")
    if not argv:
        refused = "".join(f"#### {arg}\n{_refused(arg, tshark)}\n" for arg in REFUSED)
        (EXPECTED / "iostat-refused.txt").write_text(refused, encoding="utf-8")
    print(f"{len(names)} captures, {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
