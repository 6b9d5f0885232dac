"""tcpscope started as a program, in a child process as a shell starts it: ``python -m
tcpscope`` (``tcpscope/__main__.py``) and ``python -m tcpscope.cli.main``, both the console
script's function (``tcpscope.cli.main.run``, which exits without tearing the interpreter
down). Each prints what the command prints run in this process, with the same exit status
and message. The other command-line tests run the commands in their own process
(``compare.run_tcpscope``, ``compare.run_piped``); reading a pipe in a child process is
tests/capture/test_bad_input.py's, start-up tests/cli/test_startup.py's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from compare import CAPTURES, run_tcpscope

SRC = CAPTURES.parents[2] / "src"
RUNS = [
    ["fields", "http-eth.pcap", "-e", "frame.number", "-e", "tcp.flags.str", "-e", "tcp.analysis.flags"],
    ["list", "missing.pcap"],
]


@pytest.mark.parametrize("module", ["tcpscope", "tcpscope.cli.main"])
@pytest.mark.parametrize("args", RUNS, ids=["fields", "a-missing-file"])
def test_a_child_process_prints_what_the_command_prints(module: str, args: list[str]) -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=CAPTURES, env=env, capture_output=True,
                          timeout=120, check=False)
    want = run_tcpscope(*args)
    assert (done.returncode, done.stderr.decode(), done.stdout.decode()) == (want.status, want.stderr, want.stdout)
    assert want.status == (0 if args[0] == "fields" else 2) and want.stdout.count("\n") == (48 if want.status == 0 else 0)
