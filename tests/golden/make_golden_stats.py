"""Record tshark's ``-z conv,tcp`` and ``-z expert`` output for every golden capture.

    python tests/golden/make_golden_stats.py [CAPTURE ...]

For each capture under ``tests/golden/captures/`` (``bad/`` included) this runs, from the
captures directory with a fresh empty HOME (no personal preferences) and ``LC_ALL=C.UTF-8``
(no thousands separators in byte counts),

* ``tshark -r CAPTURE -q -z conv,tcp``  -> ``tests/golden/expected/<stem>.conv.txt``
* ``tshark -r CAPTURE -q -z expert``    -> ``tests/golden/expected/<stem>.expert.txt``

(``<stem>``: the capture's path under ``captures/`` with ``/`` written ``__``, as
``tests/golden/compare.py`` names golden files)

and stores standard output exactly as printed. A capture tshark cannot read prints nothing
on standard output; its file is then empty. ``expected/TSHARK_VERSION`` records the first
line of ``tshark --version``; the tests compare it with the tshark they find, so golden
files from another version are noticed.

The helpers here are imported by the tests in ``tests/views/`` (the live comparisons run
tshark the same way).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "CAPTURES",
    "EXPECTED",
    "STATS",
    "capture_names",
    "expected_path",
    "main",
    "record",
    "run_stat",
    "tshark_version",
]

HERE = Path(__file__).resolve().parent
CAPTURES = HERE / "captures"
EXPECTED = HERE / "expected"
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".gz", ".cap")

#: The statistics recorded: file suffix -> the ``-z`` argument.
STATS: dict[str, str] = {"conv": "conv,tcp", "expert": "expert"}


def capture_names() -> list[str]:
    """Every capture under ``captures/``, as a path relative to it (``bad/x.pcap``), sorted."""
    return sorted(
        p.relative_to(CAPTURES).as_posix()
        for p in CAPTURES.rglob("*")
        if p.is_file() and p.name.endswith(CAPTURE_SUFFIXES)
    )


def expected_path(name: str, kind: str) -> Path:
    """``expected/<stem>.<kind>.txt`` (kind ``conv`` or ``expert``; ``bad/x.pcap`` ->
    ``bad__x.pcap``)."""
    return EXPECTED / f"{name.replace('/', '__')}.{kind}.txt"


def run_stat(name: str, stat: str, tshark: str = "tshark", extra: tuple[str, ...] = ()) -> str:
    """Standard output of ``tshark -r NAME -q -z STAT`` run from the captures directory."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
        env.update(HOME=home, LC_ALL="C.UTF-8", TZ="UTC")
        done = subprocess.run([tshark, "-r", name, "-q", "-z", stat, *extra], cwd=CAPTURES, env=env,
                              capture_output=True, check=False)
    return done.stdout.decode("utf-8")


def tshark_version(tshark: str = "tshark") -> str:
    """The first line of ``tshark --version``."""
    out = subprocess.run([tshark, "--version"], capture_output=True, check=True).stdout.decode()
    return out.splitlines()[0]


def record(stats: dict[str, str], names: list[str], script: str) -> int:
    """Run tshark's ``-z`` statistics ``stats`` (file kind -> ``-z`` argument) on each
    capture of ``names`` (every one if empty) and store their output as the golden files."""
    tshark = shutil.which("tshark")
    if tshark is None:
        print(f"{script}: tshark is not installed", file=sys.stderr)
        return 2
    EXPECTED.mkdir(parents=True, exist_ok=True)
    version = tshark_version(tshark)
    (EXPECTED / "TSHARK_VERSION").write_text(version + "\n")
    names = names or capture_names()
    for name in names:
        sizes = []
        for kind, stat in stats.items():
            text = run_stat(name, stat, tshark)
            expected_path(name, kind).write_text(text, encoding="utf-8")
            sizes.append(f"{kind} {text.count(chr(10))} lines")
        print(f"{name}: {', '.join(sizes)}")
    print(f"{len(names)} captures, {version}")
    return 0


def main(argv: list[str]) -> int:
    return record(STATS, argv, "make_golden_stats")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
