"""``tcpscope --help`` and usage errors start light: no numpy, no command module.

Their speed is measured in ``bench/startup.py``, never here; this test holds the property
that makes it (each case in a fresh interpreter, whose ``sys.modules`` it reads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = str(ROOT / "examples" / "http-get.pcap")

#: What ``--help`` and a usage error must not import: numpy, and anything of the commands.
HEAVY = ("numpy", "tcpscope.cli.analyze", "tcpscope.cli.common", "tcpscope.cli.conv", "tcpscope.cli.expert",
         "tcpscope.cli.fields", "tcpscope.cli.listing", "tcpscope.capture", "tcpscope.dissect", "tcpscope.views")

_PROBE = """
import json, sys
from tcpscope.cli.main import main
try:
    code = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(argv: list[str]) -> tuple[int, list[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], capture_output=True, text=True, env=env,
                          check=True)
    answer = json.loads(proc.stdout.splitlines()[-1])
    return answer["code"], answer["modules"]


@pytest.mark.parametrize(("argv", "code"), [
    (["--help"], 0),
    (["fields", "--help"], 0),
    ([], 2),                             # no command: the help, on standard error
    (["bogus"], 2),                      # an unknown command
    (["fields"], 2),                     # no file, no field
    (["fields", EXAMPLE], 2),            # no -e
    (["conv", EXAMPLE, "--format", "xml"], 2),
])
def test_help_and_usage_errors_import_nothing_heavy(argv: list[str], code: int) -> None:
    got, modules = _modules_after(argv)
    assert got == code
    heavy = [m for m in modules if m.startswith(HEAVY)]
    assert heavy == []


#: What no command imports for a small capture: compiling kernels, Arrow and pandas are for
#: large ones and the API; nor does ``fields`` start a writer thread for a capture in one piece.
NOT_FOR_SMALL = ("numba", "llvmlite", "pyarrow", "pandas", "concurrent.futures")


@pytest.mark.parametrize(("command", "module"), [(["fields", "-e", "frame.number", "-e", "_ws.col.Info"], "fields"),
                                                 (["list"], "listing"), (["conv"], "conv"), (["expert"], "expert"),
                                                 (["analyze"], "analyze")])
def test_a_small_capture_imports_its_command_and_nothing_heavy(command: list[str], module: str) -> None:
    code, modules = _modules_after([command[0], EXAMPLE, *command[1:]])
    assert code == 0
    assert [m for m in modules if m.startswith("tcpscope.cli.") and m != "tcpscope.cli.main"] == \
        sorted(["tcpscope.cli.common", "tcpscope.cli.progress", f"tcpscope.cli.{module}"])
    assert [m for m in modules if m.startswith(NOT_FOR_SMALL)] == []


@pytest.mark.parametrize("columns", ["", "50", "200"])
def test_help_wraps_as_argparse_would(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The help formatter finds the terminal's width without shutil, as shutil would."""
    import argparse

    from tcpscope.cli.main import build_parser

    monkeypatch.setenv("COLUMNS", columns)
    ours, theirs = build_parser(), build_parser()
    sub = next(a for a in theirs._actions if isinstance(a, argparse._SubParsersAction))
    for p in (theirs, *sub.choices.values()):
        p.formatter_class = argparse.HelpFormatter
    ours_sub = next(a for a in ours._actions if isinstance(a, argparse._SubParsersAction))
    assert ours.format_help() == theirs.format_help()
    for name, p in sub.choices.items():
        assert ours_sub.choices[name].format_help() == p.format_help()
