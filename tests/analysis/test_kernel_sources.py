"""A kernel's helpers live in the modules its cache is keyed on.

numba's cache checks only the source file of the kernel it loads (for the analysis,
:mod:`tcpscope.analysis.sequence`), but a kernel compiles in the helpers and constants
of its module's ``HELPER_MODULES`` too: the kernel's module records the digest of their
source (``HELPER_MODULES_DIGEST``), so that a change to one changes the kernel's file
and compiles it again. Every module of the package that declares ``HELPER_MODULES`` is
checked here.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from pathlib import Path
from types import FunctionType

import pytest

from tcpscope.analysis import http_framing, sequence, tls_framing


def _digest(modules: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for name in modules:
        h.update(Path(inspect.getfile(importlib.import_module(name))).read_bytes())
    return h.hexdigest()[:16]


def _helpers_reached(fn: FunctionType) -> set[FunctionType]:
    """The helpers ``fn`` calls, and those they call (as tcpscope._jit finds them)."""
    seen: set[FunctionType] = set()
    todo = [fn]
    while todo:
        f = todo.pop()
        for name in f.__code__.co_names:
            g = f.__globals__.get(name)
            if isinstance(g, FunctionType) and getattr(g, "_tcpscope_helper", False) and g not in seen:
                seen.add(g)
                todo.append(g)
    return seen


#: The modules that declare the helper modules their kernels compile in
_SRC = Path(__file__).resolve().parents[2] / "src"
KERNEL_MODULES = sorted(".".join(p.relative_to(_SRC).with_suffix("").parts) for p in (_SRC / "tcpscope").rglob("*.py")
                        if re.search(r"(?m)^HELPER_MODULES = ", p.read_text(encoding="utf-8")))


def test_the_kernel_modules_are_found() -> None:
    assert {"tcpscope.analysis.sequence", "tcpscope.views.info_kernel"} <= set(KERNEL_MODULES)


@pytest.mark.parametrize("name", KERNEL_MODULES)
def test_a_kernel_records_the_digest_of_its_helper_modules(name: str) -> None:
    module = importlib.import_module(name)
    want = _digest(module.HELPER_MODULES)
    assert want == module.HELPER_MODULES_DIGEST, (
        f"{name}: set HELPER_MODULES_DIGEST = {want!r}, so that numba compiles the kernel again with the"
        " changed helpers")


def test_every_helper_of_the_kernel_is_in_a_module_of_the_digest() -> None:
    modules = {h.__module__ for h in _helpers_reached(sequence._analyze_run)}
    assert modules - {sequence.__name__} <= set(sequence.HELPER_MODULES)
    assert set(sequence.HELPER_MODULES) <= modules | {"tcpscope.analysis.layout"}


#: The framing kernels and their functions that call helpers of other modules
FRAMING = [(http_framing, "_frame"), (tls_framing, "_frame")]


@pytest.mark.parametrize(("module", "kernel"), FRAMING, ids=[m.__name__ for m, _ in FRAMING])
def test_a_framing_kernel_s_helpers_are_in_its_helper_modules(module: object, kernel: str) -> None:
    """As the analysis kernel: the framing kernels of HTTP and TLS share the in-order rule
    (their digests: :func:`test_a_kernel_records_the_digest_of_its_helper_modules`)."""
    reached = {h.__module__ for h in _helpers_reached(getattr(module, kernel).py)}
    assert reached - {module.__name__} == set(module.HELPER_MODULES)  # type: ignore[attr-defined]
