"""Helpers of the golden tests: run tcpscope like tshark and compare cell by cell."""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextlib import redirect_stdout
from pathlib import Path

from tcpscope.cli.main import main

HERE = Path(__file__).resolve().parent
CAPTURES = HERE / "captures"
EXPECTED = HERE / "expected"


def capture_files() -> list[Path]:
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and ".pcap" in p.name)


def stem(cap: Path) -> str:
    return cap.relative_to(CAPTURES).as_posix().replace("/", "__")


def run_cli(*args: str) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        main(list(args))
    return buf.getvalue()


def field_diffs(expected: str, got: str) -> list[str]:
    """Differences between two ``-T fields -E header=y`` outputs, one line per cell."""
    exp = expected.splitlines()
    out = got.splitlines()
    diffs = []
    if len(exp) != len(out):
        diffs.append(f"{len(exp)} lines expected, {len(out)} printed")
    header = exp[0].split("\t") if exp else []
    for i, (a, b) in enumerate(zip(exp[1:], out[1:], strict=False), start=1):
        for name, x, y in zip(header, a.split("\t"), b.split("\t"), strict=False):
            if x != y:
                diffs.append(f"frame {i} {name}: tshark {x!r} tcpscope {y!r}")
    return diffs


def undeclared_diffs(expected: str, got: str, declared: Iterable[tuple[str, int]]) -> list[str]:
    """:func:`field_diffs`, less the cells ``declared`` (field, frame) as known differences;
    a declared cell that no longer differs is reported too (the declaration is stale)."""
    declared = set(declared)
    diffs = field_diffs(expected, got)
    seen = set()
    out = []
    for d in diffs:
        words = d.split(" ", 3)
        cell = (words[2].rstrip(":"), int(words[1])) if words[0] == "frame" else None
        if cell in declared:
            seen.add(cell)
        else:
            out.append(d)
    out += [f"frame {n} {f}: declared as a known difference but equal to tshark's" for f, n in sorted(declared - seen)]
    return out
