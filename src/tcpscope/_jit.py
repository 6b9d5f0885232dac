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

The choice is made per piece of work, never for the whole process. A large capture
handled a piece at a time runs compiled however small each piece is: the work on a
piece runs inside :func:`job` with the capture's size, which holds in the current
``contextvars`` context only, so that two captures read side by side, or on two
threads, each keep their own choice and leave the caller's as it was. Hence:

* a generator that learns the size as it goes runs its steps with :func:`own_context`
  (a context of their own, kept from step to step) and calls :func:`raise_job` there,
  never a ``with job(...)`` around a ``yield`` (the block would reach into the caller
  between steps, and end in whichever context closes the generator);
* work handed to another thread takes the choice with it: the size itself (the thread
  enters ``job(size)``), or the submitting thread's context
  (``pool.submit(contextvars.copy_context().run, fn, *args)``): a new thread starts
  with no job.

A kernel may call small functions marked with :func:`helper`: uncompiled, they are
ordinary Python calls; when the kernel is compiled, each helper it names (and each
helper those name) is compiled too, and inlined, so one body of code serves both
modes. Keep a kernel's helpers in the kernel's own module: numba's cache checks only
the source file of the function it loads, so a helper changed elsewhere would leave
a stale kernel in the cache.

Where compiled kernels are cached is numba's choice, left to it so that tcpscope
changes nothing of a host process that uses numba too: ``NUMBA_CACHE_DIR`` if set
(the way to choose), else ``__pycache__`` beside each module's source, else the
user's cache (``$XDG_CACHE_HOME/numba``, by default ``~/.cache/numba``). When none of
them is writable, kernels compile without a cache (again in each process, which costs
seconds on a large capture) and one line is logged, once per process, on the
``tcpscope`` logger.
"""

from __future__ import annotations

import os
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from typing import Any, Generic, Literal, TypeVar, cast

__all__ = ["Kernel", "compiles", "helper", "helper_compiled_as", "jit_mode", "job", "kernel", "own_context", "raise_job"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

_DEFAULT_THRESHOLD = 20_000


def jit_mode() -> str:
    """The mode from ``TCPSCOPE_JIT``: ``auto`` (default), ``never`` or ``always``."""
    mode = os.environ.get("TCPSCOPE_JIT", "auto")
    return mode if mode in ("auto", "never", "always") else "auto"


#: The size of the job the current work belongs to, in elements (a capture's frames):
#: kernels choose as if every input had this many at least (see the module docstring).
_job: ContextVar[int] = ContextVar("tcpscope_jit_job", default=0)


def compiles(n: int) -> bool:
    """Whether kernels run compiled on an input of ``n`` elements (without importing numba)."""
    mode = jit_mode()
    return mode == "always" or (mode == "auto" and max(n, _job.get()) >= _threshold())


@contextmanager
def job(n: int) -> Iterator[None]:
    """Within this block (in this context: this thread, this generator step) kernels
    choose as if every input had ``n`` elements at least: a large capture handled a
    piece at a time runs compiled however small each piece is. Not around a ``yield``
    (see the module docstring)."""
    token = _job.set(max(_job.get(), n))
    try:
        yield
    finally:
        _job.reset(token)


def raise_job(n: int) -> None:
    """Make the current context's job at least ``n`` elements from now on (a stream
    learns its size as it goes): inside a :func:`job` block, until the block ends; in
    the steps of :func:`own_context`, for the steps after."""
    _job.set(max(_job.get(), n))


def own_context(steps: Iterator[T]) -> Iterator[T]:
    """``steps`` taken one at a time, each in one context of their own (a copy of the
    caller's when the first step starts): the job they raise (:func:`raise_job`) holds
    for the steps after, never for the caller, between steps or after the last, nor
    when the caller stops iterating part way."""
    context = copy_context()
    try:
        while True:
            try:
                item = context.run(next, steps)
            except StopIteration:
                return
            yield item
    finally:
        close = getattr(steps, "close", None)
        if close is not None:  # a generator abandoned part way ends in its own context too
            context.run(close)


def _threshold() -> int:
    try:
        return int(os.environ.get("TCPSCOPE_JIT_THRESHOLD", _DEFAULT_THRESHOLD))
    except ValueError:
        return _DEFAULT_THRESHOLD


class Kernel(Generic[F]):
    """A Python function with a lazily compiled twin."""

    __slots__ = ("_compiled", "py", "refcounts")

    def __init__(self, fn: F, refcounts: bool = True) -> None:
        self.py: F = fn
        self.refcounts = refcounts
        self._compiled: F | None = None

    def compiled(self) -> F:
        """The numba-compiled function (imports numba on first use)."""
        if self._compiled is None:
            compiled = cast(F, _njit(self.py, self.refcounts))
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


def kernel(fn: F, *, refcounts: bool = True) -> Kernel[F]:
    """Mark ``fn`` as a kernel: numba-compatible Python, compiled only for large inputs.

    ``refcounts=False`` compiles it without numba's reference counting, for a kernel that
    creates no array and keeps none beyond its call (its caller holds every array it
    touches): compiled, each array a helper takes otherwise costs an atomic increment
    and decrement at each call (tcpscope.analysis.sequence's kernel, a helper per rule)."""
    return Kernel(fn, refcounts)


_HELPER_ATTR = "_tcpscope_helper"
_compiled_helpers: dict[Callable[..., Any], Any] = {}


def helper(fn: F) -> F:
    """Mark ``fn`` as callable from kernels (see the module docstring); returns ``fn`` itself."""
    setattr(fn, _HELPER_ATTR, True)
    return fn


_COMPILED_AS_ATTR = "_tcpscope_compiled_as"


def helper_compiled_as(loop: Callable[..., Any]) -> Callable[[F], F]:
    """Mark the decorated function as a helper whose compiled twin is ``loop``'s, not its own.

    For a helper whose per-element loop is fast compiled and slow as Python, where numpy
    does the same work over a whole slice at once: uncompiled kernels (small inputs) call
    the decorated numpy version, compiled kernels ``loop`` compiled. The two must give the
    same result (the tests run kernels both ways, ``TCPSCOPE_JIT=never|always``)."""
    def mark(fn: F) -> F:
        setattr(fn, _HELPER_ATTR, True)
        setattr(fn, _COMPILED_AS_ATTR, loop)
        return fn
    return mark


def _njit(fn: Callable[..., Any], refcounts: bool = True) -> Any:
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
                _compiled_helpers[h] = _njit(getattr(h, _COMPILED_AS_ATTR, h))
            env[n] = _compiled_helpers[h]
        copy = types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__, fn.__closure__)
        copy.__qualname__ = fn.__qualname__
        copy.__module__ = fn.__module__
        fn = copy
    inline: Literal["always", "never"] = "always" if getattr(fn, _HELPER_ATTR, False) else "never"
    # numba's option for no reference counting (NRT, its runtime): helpers are inlined, so
    # the kernel's choice holds for them too
    options: dict[str, Any] = {} if refcounts else {"_nrt": False}
    if not _uncached.is_set():
        try:
            return numba.njit(cache=True, nogil=True, inline=inline, **options)(fn)
        except RuntimeError:  # (numba's only error in setting a cache up: no writable directory)
            import logging  # (here, not at the top: start-up time of every command)

            _uncached.set()
            logging.getLogger("tcpscope").warning("tcpscope: no writable cache for compiled kernels (NUMBA_CACHE_DIR, the source "
                         "tree, ~/.cache/numba): compiling them again in every run")
    return numba.njit(cache=False, nogil=True, inline=inline, **options)(fn)


#: Set once numba has found no writable directory to cache kernels in (see the module
#: docstring): the others compile without trying again, and the warning is given once.
_uncached = threading.Event()
