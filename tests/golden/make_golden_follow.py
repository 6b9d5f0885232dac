"""Record tshark's ``-z follow,tcp`` output for every stream of every golden capture.

    python tests/golden/make_golden_follow.py [CAPTURE ...]

For each capture under ``tests/golden/captures/`` (``bad/`` included) that tshark reads
and that has TCP streams, this runs tshark once, from the captures directory with a
fresh empty HOME and ``LC_ALL=C.UTF-8`` (``make_golden_stats.run_stat``), with one
``-z follow,tcp,MODE,N`` per mode (:data:`FOLLOW_MODES`) and stream: N from 0 to the
last ``tcp.stream``, plus one past it (a stream that does not exist), and stores its
standard output exactly as printed, gzip-compressed (the payload bytes, four times over,
make megabytes of text), in ``tests/golden/expected/<stem>.follow.txt.gz``.
tshark prints the ``-z`` blocks in the reverse order of the options
(:func:`follow_args` gives them, :func:`block_order` the order printed).

A capture of more than :data:`FOLLOW_WHOLE_FRAMES` records (the two lossy ones) is
followed on its first ``compare.PREFIX_FRAMES`` (400) records only (``compare.prefix``),
which keeps the golden files and the tests small; those records hold responses across
retransmitted, lost and reordered segments. The zero-window capture (441 records, its
keep-alives at the end) is followed whole.
``expected/TSHARK_VERSION`` is the version the other golden scripts record; this
script checks that the tshark it runs is that one.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

from make_golden_stats import CAPTURES, EXPECTED, capture_names, run_stat, tshark_version

__all__ = ["FOLLOW_MODES", "FOLLOW_WHOLE_FRAMES", "block_order", "follow_args", "follow_path", "follow_source", "main", "read_follow", "stream_count"]

FOLLOW_MODES = ("ascii", "hex", "raw", "yaml")

#: Captures of more records than this are followed on their first ``PREFIX_FRAMES`` only.
FOLLOW_WHOLE_FRAMES = 500


def follow_path(name: str) -> Path:
    """``expected/<stem>.follow.txt.gz``."""
    return EXPECTED / f"{name.replace('/', '__')}.follow.txt.gz"


def read_follow(name: str) -> str:
    """The golden output of capture ``name`` (see :func:`follow_path`)."""
    return gzip.decompress(follow_path(name).read_bytes()).decode("utf-8")


def follow_source(name: str) -> Path:
    """The file followed for capture ``name``: the capture, or its prefix when it is long."""
    from compare import PREFIX_FRAMES, prefix

    whole = CAPTURES / name
    return whole if prefix(whole, FOLLOW_WHOLE_FRAMES) == whole else prefix(whole, PREFIX_FRAMES)


def stream_count(path: Path, tshark: str = "tshark") -> int:
    """How many ``tcp.stream`` numbers tshark gives in ``path`` (0: none, or unreadable)."""
    done = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-e", "tcp.stream"],
                          capture_output=True, check=False)
    numbers = [int(x) for x in done.stdout.decode().split() if x.isdigit()]
    return max(numbers) + 1 if numbers else 0


def follow_args(streams: int) -> list[str]:
    """The ``-z`` options: every mode, every stream and one more."""
    out = []
    for mode, stream in block_order(streams)[::-1]:
        out += ["-z", f"follow,tcp,{mode},{stream}"]
    return out


def block_order(streams: int) -> list[tuple[str, int]]:
    """The (mode, stream) of each block in the order tshark prints them (the reverse of the options)."""
    return [(mode, stream) for mode in reversed(FOLLOW_MODES) for stream in reversed(range(streams + 1))]


def main(argv: list[str]) -> int:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("make_golden_follow: tshark is not installed", file=sys.stderr)
        return 2
    version = tshark_version(tshark)
    recorded = (EXPECTED / "TSHARK_VERSION").read_text().strip()
    if version != recorded:
        print(f"make_golden_follow: tshark is {version!r}, the golden files are {recorded!r}", file=sys.stderr)
        return 2
    names = argv or capture_names()
    done = 0
    for name in names:
        source = follow_source(name)
        streams = stream_count(source, tshark)
        if streams == 0:
            follow_path(name).unlink(missing_ok=True)
            continue
        text = run_stat(str(source), follow_args(streams)[1], tshark, tuple(follow_args(streams)[2:]))
        follow_path(name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        done += 1
        print(f"{name}: {streams} streams, {text.count(chr(10))} lines")
    print(f"{done} captures with TCP, {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
