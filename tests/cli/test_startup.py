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


def test_a_command_imports_its_module_after_parsing() -> None:
    code, modules = _modules_after(["fields", EXAMPLE, "-e", "frame.number"])
    assert code == 0
    assert "tcpscope.cli.fields" in modules and "tcpscope.cli.conv" not in modules
