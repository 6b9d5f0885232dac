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

A kernel may call small functions marked with :func:`helper`: uncompiled, they are
ordinary Python calls; when the kernel is compiled, each helper it names (and each
helper those name) is compiled too, and inlined, so one body of code serves both
modes. Keep a kernel's helpers in the kernel's own module: numba's cache checks only
the source file of the function it loads, so a helper changed elsewhere would leave
a stale kernel in the cache.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar, cast

__all__ = ["Kernel", "compiles", "helper", "jit_mode", "job", "kernel", "raise_job"]

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULT_THRESHOLD = 20_000


def jit_mode() -> str:
    """The mode from ``TCPSCOPE_JIT``: ``auto`` (default), ``never`` or ``always``."""
    mode = os.environ.get("TCPSCOPE_JIT", "auto")
    return mode if mode in ("auto", "never", "always") else "auto"


#: The size of the whole job, when it goes through its input a piece at a time (see ``job``);
#: shared by every thread (the pieces' output is rendered on another one).
_job = [0]


def compiles(n: int) -> bool:
    """Whether kernels run compiled on an input of ``n`` elements (without importing numba)."""
    mode = jit_mode()
    return mode == "always" or (mode == "auto" and max(n, _job[0]) >= _threshold())


@contextmanager
def job(n: int) -> Iterator[None]:
    """Within this block kernels choose as if every input had ``n`` elements at least: a
    large capture handled a piece at a time runs compiled however small each piece is."""
    saved = _job[0]
    _job[0] = max(saved, n)
    try:
        yield
    finally:
        _job[0] = saved


def raise_job(n: int) -> None:
    """Within a :func:`job` block, make the job at least ``n`` elements from now on (a
    stream learns its size as it goes); the block's end restores the level before it."""
    _job[0] = max(_job[0], n)


def _threshold() -> int:
    try:
        return int(os.environ.get("TCPSCOPE_JIT_THRESHOLD", _DEFAULT_THRESHOLD))
    except ValueError:
        return _DEFAULT_THRESHOLD


class Kernel(Generic[F]):
    """A Python function with a lazily compiled twin."""

    __slots__ = ("_compiled", "py")

    def __init__(self, fn: F) -> None:
        self.py: F = fn
        self._compiled: F | None = None

    def compiled(self) -> F:
        """The numba-compiled function (imports numba on first use)."""
        if self._compiled is None:
            compiled = cast(F, _njit(self.py))
            self._compiled = compiled
            return compiled
        return self._compiled

    def pick(self, n: int) -> F:
        """The implementation to use for an input of ``n`` elements."""
        return self.compiled() if compiles(n) else self.py

    def run(self, n: int, *args: Any) -> Any:
        """Run on an input of ``n`` elements, compiled or not (see the module docstring).

        Uncompiled, int64 arithmetic that overflows wraps silently, as it does compiled
        (numpy would warn; a hostile capture's time stamps or numbers can make it)."""
        if compiles(n):
            return self.compiled()(*args)
        import numpy as np

        with np.errstate(over="ignore"):
            return self.py(*args)


def kernel(fn: F) -> Kernel[F]:
    """Mark ``fn`` as a kernel: numba-compatible Python, compiled only for large inputs."""
    return Kernel(fn)


_HELPER_ATTR = "_tcpscope_helper"
_compiled_helpers: dict[Callable[..., Any], Any] = {}


def helper(fn: F) -> F:
    """Mark ``fn`` as callable from kernels (see the module docstring); returns ``fn`` itself."""
    setattr(fn, _HELPER_ATTR, True)
    return fn


def _njit(fn: Callable[..., Any]) -> Any:
    """``numba.njit(cache=True)`` of ``fn``, with the helpers it calls swapped for their compiled twins.

    numba resolves a global name to the object it names when it compiles, so ``fn`` is
    compiled as a copy whose globals map each helper to its compiled version; the module
    itself is left as it is, and uncompiled kernels keep calling plain Python.
    """
    import numba

    names = [n for n in fn.__code__.co_names if getattr(fn.__globals__.get(n), _HELPER_ATTR, False)]
    if names:
        env = dict(fn.__globals__)
        for n in names:
            h = env[n]
            if h not in _compiled_helpers:
                _compiled_helpers[h] = _njit(h)
            env[n] = _compiled_helpers[h]
        copy = types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__, fn.__closure__)
        copy.__qualname__ = fn.__qualname__
        copy.__module__ = fn.__module__
        fn = copy
    return numba.njit(cache=True, nogil=True, inline="always" if getattr(fn, _HELPER_ATTR, False) else "never")(fn)
