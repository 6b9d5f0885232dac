"""Compiled kernels that cost nothing on small inputs.

A kernel is a plain Python function written in the subset numba compiles (loops over
numpy arrays, no Python objects). :func:`kernel` wraps it; calling ``k.run(n, *args)``
runs it

* uncompiled, as ordinary Python, when ``n`` (the number of elements it will walk)
  is below a threshold: a 50-packet capture never imports numba (0.7 s here), and
* compiled with ``numba.njit(cache=True)`` otherwise, loading the machine code from
  numba's cache after the first run.

``TCPSCOPE_JIT=never|always|auto`` overrides the choice (tests run both ways), and
``TCPSCOPE_JIT_THRESHOLD`` moves the threshold.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

__all__ = ["Kernel", "jit_mode", "kernel"]

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULT_THRESHOLD = 20_000


def jit_mode() -> str:
    """The mode from ``TCPSCOPE_JIT``: ``auto`` (default), ``never`` or ``always``."""
    mode = os.environ.get("TCPSCOPE_JIT", "auto")
    return mode if mode in ("auto", "never", "always") else "auto"


def _threshold() -> int:
    try:
        return int(os.environ.get("TCPSCOPE_JIT_THRESHOLD", _DEFAULT_THRESHOLD))
    except ValueError:
        return _DEFAULT_THRESHOLD


class Kernel(Generic[F]):
    """A Python function with a lazily compiled twin."""

    __slots__ = ("_compiled", "helpers", "py")

    def __init__(self, fn: F, helpers: tuple[Callable[..., Any], ...] = ()) -> None:
        self.py: F = fn
        self._compiled: F | None = None
        self.helpers = helpers

    def compiled(self) -> F:
        """The numba-compiled function (imports numba on first use)."""
        if self._compiled is None:
            import numba

            fn = self.py
            if self.helpers:
                # the kernel calls plain-Python helpers; compile them and give the kernel a
                # copy of its globals in which their names point at the compiled versions
                # (helpers may call each other: they all share that copy)
                g = dict(fn.__globals__)
                for h in self.helpers:
                    g[h.__name__] = numba.njit(cache=True, nogil=True)(_with_globals(h, g))
                fn = cast(F, _with_globals(fn, g))
            compiled = cast(F, numba.njit(cache=True, nogil=True)(fn))
            self._compiled = compiled
            return compiled
        return self._compiled

    def pick(self, n: int) -> F:
        """The implementation to use for an input of ``n`` elements."""
        mode = jit_mode()
        if mode == "never" or (mode == "auto" and n < _threshold()):
            return self.py
        return self.compiled()

    def run(self, n: int, *args: Any) -> Any:
        """Run on an input of ``n`` elements, compiled or not (see the module docstring)."""
        return self.pick(n)(*args)


def _with_globals(fn: Callable[..., Any], g: dict[str, Any]) -> Callable[..., Any]:
    """A copy of ``fn`` that resolves global names in ``g``."""
    clone = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    clone.__qualname__ = fn.__qualname__
    clone.__module__ = fn.__module__
    return clone


def kernel(fn: F, helpers: tuple[Callable[..., Any], ...] = ()) -> Kernel[F]:
    """Mark ``fn`` as a kernel: numba-compatible Python, compiled only for large inputs.

    ``helpers`` are the plain functions the kernel calls; they are compiled with it.
    """
    return Kernel(fn, helpers)
