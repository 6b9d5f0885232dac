"""Regenerate tests/filter/golden/*.json by running tshark on the filter corpus.

    PYTHONPATH=src:tests python tests/filter/make_golden.py [--tshark PATH]

For every good filter and capture: tshark's selected frame numbers and exit status,
and the Wireshark field names the filter uses (so tests can skip filters whose fields
tcpscope does not have yet). For every bad filter: tshark's stderr (without the
"Running as user root" line) and exit status. The first line of ``tshark --version``
is stored beside them. ``random.json`` holds tshark's answers to the random filters of
``random_filters.py`` (its seed, its captures).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import BAD_CAPTURE, GOLDEN, bad_filters, good_cases, load, pack_frames, run_tshark, tshark_env
from random_filters import CAPTURES, RANDOM_GOLDEN, answers_json, random_filters, stored_answers

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")


def wireshark_names(tshark: str) -> set[str]:
    p = subprocess.run([tshark, "-G", "fields"], capture_output=True, env=tshark_env(), check=True)
    names = set()
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\t")
        if len(parts) > 2 and parts[0] in ("F", "P"):
            names.add(parts[2])
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tshark", default=shutil.which("tshark") or "tshark")
    ap.add_argument("--all", action="store_true", help="run every case again (default: only new ones)")
    args = ap.parse_args()
    version = subprocess.run([args.tshark, "--version"], capture_output=True, env=tshark_env(),
                             check=True).stdout.decode().splitlines()[0]
    names = wireshark_names(args.tshark)
    from concurrent.futures import ThreadPoolExecutor

    cases = good_cases()
    bads = bad_filters()
    old_good: dict[tuple[str, str], tuple[int, list[int], str]] = {}
    old_bad: dict[str, tuple[int, list[int], str]] = {}
    if not args.all:
        for name, into in (("good.json", old_good), ("bad.json", old_bad)):
            path = GOLDEN / name
            if path.exists():
                data = load(name)
                if data["tshark"] != version:
                    continue
                for row in data["cases"]:
                    key = (row["capture"], row["filter"]) if name == "good.json" else row["filter"]
                    into[key] = (row["status"], row.get("frames", []), row["stderr"])  # type: ignore[index]

    def good_run(c: object) -> tuple[int, list[int], str]:
        key = (c.capture, c.filter)  # type: ignore[attr-defined]
        return old_good.get(key) or run_tshark(args.tshark, *key)

    def bad_run(t: str) -> tuple[int, list[int], str]:
        return old_bad.get(t) or run_tshark(args.tshark, BAD_CAPTURE, t)

    with ThreadPoolExecutor(max_workers=8) as pool:  # tshark's start-up dominates: run many at once
        good_runs = list(pool.map(good_run, cases))
        bad_runs = list(pool.map(bad_run, bads))
    good = []
    for case, (status, frames, err) in zip(cases, good_runs, strict=True):
        used = sorted({m.group() for m in _NAME.finditer(case.filter)} & names)
        good.append({"capture": case.capture, "filter": case.filter, "status": status, "frames": pack_frames(frames),
                     "stderr": err, "fields": used})
    bad = []
    for text, (status, _, err) in zip(bads, bad_runs, strict=True):
        used = sorted({m.group() for m in _NAME.finditer(text)} & names)
        bad.append({"filter": text, "status": status, "stderr": err, "fields": used})
    GOLDEN.mkdir(exist_ok=True)
    for name, rows in (("good.json", good), ("bad.json", bad)):
        (GOLDEN / name).write_text(json.dumps({"tshark": version, "cases": rows}, indent=1, ensure_ascii=False)
                                   + "\n", encoding="utf-8")
    old_random = stored_answers() if not args.all and load_version(RANDOM_GOLDEN) == version else {}
    keys = [(c, t) for c in CAPTURES for t in random_filters(c)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda key: old_random.get(key) or run_tshark(args.tshark, *key), keys))
    RANDOM_GOLDEN.write_text(answers_json(version, dict(zip(keys, answers, strict=True))), encoding="utf-8")
    print(f"{len(good)} good runs, {len(bad)} bad filters, {len(keys)} random filters ({version})")


def load_version(path: Path) -> str | None:
    """The tshark version a golden file was made with."""
    if not path.exists():
        return None
    version: str = json.loads(path.read_text(encoding="utf-8"))["tshark"]
    return version


if __name__ == "__main__":
    main()
