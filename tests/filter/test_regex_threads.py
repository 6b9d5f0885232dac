"""A compiled ``matches`` may be used by several threads at once (a filter's mask is
computed on one thread while the next piece is dissected on another, or by a host's
threads): each thread matches with its own PCRE2 match data. Run in a child process: a
shared one crashes it (pcre2_match keeps its backtracking frames there)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

CHILD = """
import threading
from tcpscope.filter.regex import compile_regex

search = compile_regex(rb"(a|b)*c(d|e)+f")
subjects = [b"ab" * (20 + i % 50) + (b"cDef" if i % 3 else b"cdxf") for i in range(64)]
want = [bool(i % 3) for i in range(64)]
wrong = []

def work():
    for _ in range(100):
        wrong.extend(s for s, w in zip(subjects, want) if search(s) != w)

threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(wrong))
"""


def test_threads_match_a_compiled_pattern_at_once() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(SRC)})
    assert done.returncode == 0, f"exit status {done.returncode}: {done.stderr.decode()[-2000:]}"
    assert done.stdout == b"0\n"
