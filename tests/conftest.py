"""Shared fixtures: where the committed captures and golden files are, and live tshark."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "tests" / "golden" / "captures"
GOLDEN = ROOT / "tests" / "golden" / "expected"


def tshark_path() -> str | None:
    return shutil.which("tshark")


@pytest.fixture(scope="session")
def tshark() -> str:
    path = tshark_path()
    if path is None:
        pytest.skip("tshark is not installed")
    return path


# The byte builders of the crafted captures (tests/golden/make_captures/craft.py) serve the
# unit tests too.
sys.path.insert(0, str(ROOT / "tests" / "golden" / "make_captures"))
