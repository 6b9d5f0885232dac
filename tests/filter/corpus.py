"""The display-filter corpus: good filters per capture, bad filters, their golden results.

``corpus.txt`` lists filters under ``@ capture ...`` lines; ``bad.txt`` lists filters
tshark rejects. ``make_golden.py`` runs tshark on them and writes ``golden/*.json``;
the tests read both through this module.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CAPTURES = ROOT / "tests" / "golden" / "captures"
GOLDEN = HERE / "golden"
BAD_CAPTURE = "zeek-http-get.pcap"
ROOT_NOTE = re.compile(r'^Running as user "[^"]*" and group "[^"]*"\. This could be dangerous\.$'
                       r"|^ \*\* \(tshark:\d+\) [0-9:.]+ \[DFilter CRITICAL\] ")


@dataclass(frozen=True)
class Case:
    capture: str
    filter: str


def good_cases() -> list[Case]:
    caps: list[str] = []
    out: list[Case] = []
    for line in (HERE / "corpus.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@ "):
            caps = line[2:].split()
            continue
        out.extend(Case(c, line) for c in caps)
    return out


def bad_filters() -> list[str]:
    return [line for line in (HERE / "bad.txt").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def known_issues() -> dict[tuple[str, str], str]:
    """(capture, filter) -> why tcpscope's answer differs (outside the filter language)."""
    out = {}
    for line in (HERE / "known.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            capture, text, reason = line.split("\t")
            out[capture, text] = reason
    return out


def tshark_env() -> dict[str, str]:
    env = dict(os.environ)
    env["TZ"] = "UTC"
    env["LC_ALL"] = "C.UTF-8"
    return env


#: What a filter does on a capture, as tshark reports it: (exit status, frame numbers, stderr).
Answer = tuple[int, list[int], str]


def run_tshark(tshark: str, capture: str, text: str) -> Answer:
    """tshark's exit status, selected frame numbers and stderr (minus the root warning)."""
    p = subprocess.run([tshark, "-n", "-r", str(CAPTURES / capture), "-Y", text, "-T", "fields", "-e",
                        "frame.number"], capture_output=True, env=tshark_env(), check=False)
    err = "\n".join(line for line in p.stderr.decode("utf-8", "replace").splitlines()
                    if not ROOT_NOTE.match(line))
    frames = [int(x) for x in p.stdout.split()] if p.returncode == 0 else []
    return p.returncode, frames, err


def pack_frames(frames: list[int]) -> str:
    """Frame numbers as ranges ("1-3,5"), to keep the golden files small."""
    parts: list[str] = []
    i = 0
    while i < len(frames):
        j = i
        while j + 1 < len(frames) and frames[j + 1] == frames[j] + 1:
            j += 1
        parts.append(str(frames[i]) if i == j else f"{frames[i]}-{frames[j]}")
        i = j + 1
    return ",".join(parts)


def unpack_frames(text: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, text.split(",")):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def load(name: str) -> dict[str, object]:
    """A golden file, with frame lists unpacked."""
    data: dict[str, object] = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    for row in data["cases"]:  # type: ignore[attr-defined]
        if isinstance(row.get("frames"), str):
            row["frames"] = unpack_frames(row["frames"])
    return data


_TABLES: dict[str, object] = {}


def table_of(capture: str):  # type: ignore[no-untyped-def]
    """The dissected packet table of a committed capture (cached)."""
    from tcpscope.analysis import analyze
    from tcpscope.capture import read_records
    from tcpscope.dissect.pipeline import dissect

    if capture not in _TABLES:
        _TABLES[capture] = analyze(dissect(read_records(CAPTURES / capture)))
    return _TABLES[capture]


def ours(capture: str, text: str) -> Answer:
    """What tcpscope does with the filter, as tshark would report it."""
    from tcpscope.errors import FilterError
    from tcpscope.filter import compile_filter

    try:
        flt = compile_filter(text)
    except FilterError as exc:
        return 2, [], f"tshark: {exc}"
    return 0, [int(i) + 1 for i in flt.select(table_of(capture))], ""
