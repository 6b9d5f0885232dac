"""Record tshark's details trees (``tshark -n -V``) for every golden capture.

    python tests/golden/make_golden_show.py [CAPTURE ...]

For each capture under ``tests/golden/captures/`` (``bad/`` included) this runs, from the
captures directory with a fresh empty HOME (no personal preferences), ``LC_ALL=C.UTF-8``
and ``TZ=UTC`` (the Arrival Time is a local time),

    tshark -n -r CAPTURE -V   ->  tests/golden/expected/<stem>.show.txt.xz

(``<stem>``: the capture's path under ``captures/`` with ``/`` written ``__``), standard
output exactly as printed, compressed with xz (the trees of the two large lossy captures
are 20 MB each as text). ``-n``: tcpscope prints addresses as tshark does without name
resolution (MAC vendor names are a later step). ``expected/SHOW_TSHARK_VERSION`` records
the first line of ``tshark --version``; tests/views/test_show_golden.py compares it with
the tshark it finds, so golden files from another version are noticed.
"""

from __future__ import annotations

import lzma
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_golden_stats import CAPTURES, EXPECTED, capture_names, tshark_version

__all__ = ["SHOW_ARGS", "VERSION_FILE", "main", "record", "run_show", "run_tshark", "show_path"]

#: tshark's arguments after ``-r CAPTURE``.
SHOW_ARGS = ("-n", "-V")
VERSION_FILE = EXPECTED / "SHOW_TSHARK_VERSION"


def show_path(name: str) -> Path:
    """``expected/<stem>.show.txt.xz``."""
    return EXPECTED / f"{name.replace('/', '__')}.show.txt.xz"


def run_tshark(name: str, args: Sequence[str], tshark: str = "tshark") -> str:
    """Standard output of ``tshark -r NAME ARGS`` run from the captures directory, with a
    fresh empty HOME, ``LC_ALL=C.UTF-8`` and ``TZ=UTC``."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRESHARK", "XDG_"))}
        env.update(HOME=home, LC_ALL="C.UTF-8", TZ="UTC")
        done = subprocess.run([tshark, "-r", name, *args], cwd=CAPTURES, env=env,
                              capture_output=True, check=False)
    return done.stdout.decode("utf-8")


def run_show(name: str, tshark: str = "tshark") -> str:
    """Standard output of ``tshark -r NAME -n -V`` run from the captures directory."""
    return run_tshark(name, SHOW_ARGS, tshark)


def record(script: str, args: Sequence[str], path_of: Callable[[str], Path], version_file: Path,
           names: list[str]) -> int:
    """Write tshark's output with ``args`` for each capture of ``names`` (all when empty)
    to ``path_of(name)``, xz-compressed, and tshark's version to ``version_file``."""
    tshark = shutil.which("tshark")
    if tshark is None:
        print(f"{script}: tshark is not installed", file=sys.stderr)
        return 2
    version = tshark_version(tshark)
    version_file.write_text(version + "\n")
    names = names or capture_names()
    for name in names:
        text = run_tshark(name, args, tshark)
        path_of(name).write_bytes(lzma.compress(text.encode("utf-8"), preset=9))
        print(f"{name}: {text.count(chr(10))} lines")
    print(f"{len(names)} captures, {version}")
    return 0


def main(argv: list[str]) -> int:
    return record("make_golden_show", SHOW_ARGS, show_path, VERSION_FILE, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
