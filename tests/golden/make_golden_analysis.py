"""Record tshark's TCP-analysis fields and packet list for every test capture.

    python tests/golden/make_golden_analysis.py

Writes ``expected/<capture>.analysis.tsv`` (``tshark -r C -T fields -E header=y`` with
the fields of ``analysis_fields.py``), ``expected/<capture>.list.txt`` (plain
``tshark -r C``) and ``expected/TSHARK_VERSION``. Run it again after adding a capture.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from analysis_fields import ANALYSIS_FIELDS  # noqa: E402

CAPTURES = HERE / "captures"
EXPECTED = HERE / "expected"


def tshark(*args: str) -> str:
    res = subprocess.run(["tshark", *args], capture_output=True, check=False)
    return res.stdout.decode("utf-8")


def captures() -> list[Path]:
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and ".pcap" in p.name)


def main() -> None:
    EXPECTED.mkdir(exist_ok=True)
    version = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True)
    (EXPECTED / "TSHARK_VERSION").write_text(version.stdout.splitlines()[0] + "\n")
    fields = [a for f in ANALYSIS_FIELDS for a in ("-e", f)]
    for cap in captures():
        stem = cap.relative_to(CAPTURES).as_posix().replace("/", "__")
        (EXPECTED / f"{stem}.analysis.tsv").write_text(
            tshark("-r", str(cap), "-T", "fields", "-E", "header=y", *fields), encoding="utf-8")
        (EXPECTED / f"{stem}.list.txt").write_text(tshark("-r", str(cap)), encoding="utf-8")
        print("recorded", stem)


if __name__ == "__main__":
    main()
