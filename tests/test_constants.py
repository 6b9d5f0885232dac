"""tcpscope.constants is the one home of TCP's constants, and no compiled kernel keeps a stale copy of them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tcpscope import constants

SRC = Path(__file__).resolve().parents[1] / "src" / "tcpscope"

#: Names the flag bits have had; a module that assigns one at its top level defines them again.
_FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE", "_SYN", "_ACK", "_URG", "_FIN", "_RST",
               "TH_SYN", "TH_ACK", "TH_FIN", "TH_RST"}
#: Modules that still define them, each with its reason (the list may only shrink).
_STILL_DEFINED: dict[str, str] = {}


def _modules_with_kernels_reading_constants() -> list[str]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text()
        if "from tcpscope.constants import" in text and ("@kernel" in text or "@helper" in text):
            rel = path.relative_to(SRC.parent).with_suffix("")
            out.append(".".join(rel.parts))
    return out


def test_some_kernel_module_reads_the_constants() -> None:
    assert "tcpscope.dissect.kernels" in _modules_with_kernels_reading_constants()


@pytest.mark.parametrize("module", _modules_with_kernels_reading_constants())
def test_kernels_were_compiled_for_these_constants(module: str) -> None:
    """numba's cache knows only a kernel's own file: a module whose kernels read the
    constants records their digest, so changing a constant means editing that module,
    which recompiles it (tcpscope.constants' docstring)."""
    recorded = getattr(importlib.import_module(module), "CONSTANTS_DIGEST", None)
    assert recorded == constants.digest(), (
        f"{module}: CONSTANTS_DIGEST is {recorded!r}, tcpscope.constants.digest() is {constants.digest()!r};"
        " set it to the latter so that its cached kernels are compiled again")


def test_digest_follows_every_value(monkeypatch: pytest.MonkeyPatch) -> None:
    before = constants.digest()
    monkeypatch.setattr(constants, "URG", 0x40)
    assert constants.digest() != before
    monkeypatch.undo()
    monkeypatch.setattr(constants, "TCPOPT_FIXED_LEN", {**constants.TCPOPT_FIXED_LEN, constants.TCPOPT_MSS: 5})
    assert constants.digest() != before


def test_flag_bits_defined_once() -> None:
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "constants.py":
            continue
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if names & _FLAG_NAMES:
                found.add(path.relative_to(SRC).as_posix())
    assert found <= set(_STILL_DEFINED), f"TCP flag bits defined outside tcpscope.constants: {found - set(_STILL_DEFINED)}"


def test_option_names_cover_the_kinds_with_a_dissector() -> None:
    from tcpscope.dissect.experts import TCP_OPTION_NAMES
    from tcpscope.dissect.tcp_options import KNOWN_KINDS

    assert sorted(TCP_OPTION_NAMES) == KNOWN_KINDS.tolist()
