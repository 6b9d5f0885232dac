"""examples/typed_api.py, the program ``mypy --strict`` checks against the API's type hints
(pyproject's ``[tool.mypy] files``), runs and says what it should."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "typed_api.py"


def test_the_typed_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    main = runpy.run_path(str(EXAMPLE))["main"]
    assert main(["typed_api.py", str(ROOT / "tests" / "golden" / "captures" / "http-eth.pcap")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("tcp.stream 1: 36 frames, ")
    assert len(out) == 5 and out[-1] == "0 retransmissions"
    assert main(["typed_api.py", "/nonexistent.pcap"]) == 2
    assert capsys.readouterr().err == 'typed_api: The file "/nonexistent.pcap" doesn\'t exist.\n'
