"""Run tcpscope's tshark command line in this process, as the golden invocations give it.

:func:`run_dropin` calls :func:`tcpscope.cli.main.main` with the arguments (the capture's
name relative to ``tests/golden/captures/``, standard input from a file when the line
says ``< {cap}``) and returns what a script sees: standard output, the first line of
standard error with ``tcpscope:`` written ``tshark:``, and the exit status.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sys
from pathlib import Path
from typing import NamedTuple

from make_golden_dropin import CAPTURES, DATA, tshark_argv

__all__ = ["Outcome", "goldens", "run_dropin"]


class Outcome(NamedTuple):
    """What a script sees of one run."""

    stdout: str | None
    stderr: str
    status: int


def goldens() -> list[dict[str, object]]:
    """The recorded runs of tshark (``make_golden_dropin.py``)."""
    blob = json.loads(gzip.decompress((DATA / "golden.json.gz").read_bytes()))
    records: list[dict[str, object]] = blob["records"]
    return records


def run_dropin(line: str, capture: str, gz: str) -> Outcome:
    """tcpscope's outcome for the tshark command ``line`` on ``capture``."""
    from tcpscope.cli.main import main

    inv = tshark_argv(line, capture, gz)
    out = io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    stderr = io.StringIO()
    here = os.getcwd()
    with contextlib.ExitStack() as stack:
        if inv.stdin is not None:
            stdin = stack.enter_context(io.TextIOWrapper(open(CAPTURES / inv.stdin, "rb")))  # noqa: SIM115 - closed with the wrapper
            stack.enter_context(_swapped("stdin", stdin))
        stack.enter_context(_swapped("stdout", stdout))
        stack.enter_context(_swapped("stderr", stderr))
        os.chdir(CAPTURES)
        stack.callback(os.chdir, here)
        try:
            status = main(inv.argv)
        except SystemExit as exc:
            status = int(exc.code or 0)
        stdout.flush()
    lines = stderr.getvalue().splitlines()
    first = lines[0] if lines else ""
    if first.startswith("tcpscope:"):
        first = "tshark:" + first[len("tcpscope:"):]
    return Outcome(out.getvalue().decode("utf-8", "replace"), first, status)


@contextlib.contextmanager
def _swapped(name: str, stream: object):  # type: ignore[no-untyped-def]
    old = getattr(sys, name)
    setattr(sys, name, stream)
    try:
        yield
    finally:
        setattr(sys, name, old)


def gzip_copies(folder: Path) -> dict[str, str]:
    """A gzip copy of each capture of the goldens in ``folder``, by capture name."""
    from make_golden_dropin import DROPIN_CAPTURES, gzip_copy

    return {c: gzip_copy(c, folder) for c in DROPIN_CAPTURES}
