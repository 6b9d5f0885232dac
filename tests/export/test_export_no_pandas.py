"""``tcpscope export --format parquet`` never imports pandas: its columns are made from
their buffers (views.arrow_buffers), since ``pyarrow.array`` imports pandas at its first
call (0.35-0.45 s of CPU). In a fresh interpreter, as the command runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CAPTURES = Path(__file__).resolve().parent.parent / "golden" / "captures"

_PROGRAM = """
import sys
from tcpscope.cli.main import main
assert main(["export", sys.argv[1], "--format", "parquet", "-o", sys.argv[2]]) == 0
print(sorted(m for m in sys.modules if m.split(".")[0] == "pandas"))
"""


def test_export_imports_no_pandas(tmp_path: Path) -> None:
    """The default columns (numbers, times, flags, addresses, lists, the packet list's
    texts) of a capture with SACK blocks, IPv4 and frames without TCP."""
    out = tmp_path / "x.parquet"
    done = subprocess.run([sys.executable, "-c", _PROGRAM, str(CAPTURES / "own-lossy-seed11.pcap"), str(out)],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert out.stat().st_size > 0
