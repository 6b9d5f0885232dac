"""Record tshark's JSON trees (``tshark -n -T json -x``) for the first frames of every golden capture.

    python tests/golden/make_golden_show_json.py [CAPTURE ...]

For each capture under ``tests/golden/captures/`` (``bad/`` included) this runs, as
make_golden_show.py does (from the captures directory, a fresh empty HOME,
``LC_ALL=C.UTF-8``, ``TZ=UTC``),

    tshark -n -r CAPTURE -T json -x -c 100  ->  tests/golden/expected/<stem>.show.json.xz

standard output exactly as printed, compressed with xz. The first 100 frames keep the
files small (the two large lossy captures would be 60 MB each); ``-x`` adds the
``*_raw`` arrays, and the same file without them is what ``-T json`` writes alone.
``expected/SHOW_JSON_TSHARK_VERSION`` records the first line of ``tshark --version``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_golden_show import record, run_tshark
from make_golden_stats import EXPECTED

__all__ = ["FRAMES", "JSON_ARGS", "VERSION_FILE", "json_path", "main", "run_json"]

#: How many frames of each capture are recorded.
FRAMES = 100
#: tshark's arguments after ``-r CAPTURE``.
JSON_ARGS = ("-n", "-T", "json", "-x", "-c", str(FRAMES))
VERSION_FILE = EXPECTED / "SHOW_JSON_TSHARK_VERSION"


def json_path(name: str) -> Path:
    """``expected/<stem>.show.json.xz``."""
    return EXPECTED / f"{name.replace('/', '__')}.show.json.xz"


def run_json(name: str, tshark: str = "tshark") -> str:
    """Standard output of ``tshark -r NAME -n -T json -x -c 100`` run from the captures directory."""
    return run_tshark(name, JSON_ARGS, tshark)


def main(argv: list[str]) -> int:
    return record("make_golden_show_json", JSON_ARGS, json_path, VERSION_FILE, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
