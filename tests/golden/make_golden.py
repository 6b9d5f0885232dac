"""Record tshark's answers for every golden capture.

    python tests/golden/make_golden.py [CAPTURE ...]

For each capture under ``tests/golden/captures/`` (``bad/`` included) this runs
``tshark -r CAPTURE -T fields -E header=y -e F ...`` for every field of
``fieldsets.FIELD_SETS`` and writes ``tests/golden/expected/<capture>.fields.tsv``; when
tshark complains or exits non-zero (always for ``bad/``), also ``<capture>.stderr``
(without the "Running as root" line) and ``<capture>.status``. ``expected/TSHARK_VERSION``
records the first line of ``tshark --version``; the tests compare it with the tshark
they find, so golden files from another version are noticed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fieldsets import all_fields
from golden_io import EXPECTED, capture_names, golden_path, run_tshark, tshark_version


def main(argv: list[str]) -> int:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("make_golden: tshark is not installed", file=sys.stderr)
        return 2
    EXPECTED.mkdir(parents=True, exist_ok=True)
    version = tshark_version(tshark)
    (EXPECTED / "TSHARK_VERSION").write_text(version + "\n")
    fields = all_fields()
    names = argv or capture_names()
    for name in names:
        run = run_tshark(name, fields, tshark)
        out = golden_path(name)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(run.stdout, encoding="utf-8")
        err, status = golden_path(name, "stderr"), golden_path(name, "status")
        if name.startswith("bad/") or run.status != 0 or run.stderr:
            err.write_text(run.stderr, encoding="utf-8")
            status.write_text(f"{run.status}\n")
        else:
            err.unlink(missing_ok=True)
            status.unlink(missing_ok=True)
        frames = max(0, run.stdout.count("\n") - 1)
        print(f"{name}: {frames} frames, status {run.status}")
    print(f"{len(names)} captures, {len(fields)} fields, {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
