"""The details tree's text as bytes, written by compiled kernels a column of headers at a time.

:mod:`tcpscope.views.tree_columns` walks each protocol's tree once for all its headers and
leaves, for each node, a *column*: in each header, zero or more *items*, each one a line
(or the text of a line before a number), a number written in decimal after it, and a
text after the number. The texts are entries of a :class:`Pool`: a line written once per
distinct value (a flag's, a narrow field's) is one entry, which many headers name; a
line's constant head (``    Sequence Number (raw): ``) is one entry for all the headers.

:func:`join_headers` writes each header's items, column after column, into one byte
buffer (each header's text a slice of it); :func:`gather` writes pool entries in a given
order (a frame's protocols, then its blank line). Both are kernels (:mod:`tcpscope._jit`):
compiled on a large piece, plain Python on a small one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._jit import helper, kernel
from tcpscope.views.list_kernel import decimal_digits

__all__ = ["HELPER_MODULES", "HELPER_MODULES_DIGEST", "NO_NUMBER", "Pool", "gather", "join_headers"]

#: The modules whose helpers the kernels compile in (numba's cache watches this file
#: only), and the digest of their source: a change to them changes this file, so that
#: the kernels compile again (tests/analysis/test_kernel_sources.py checks the digest)
HELPER_MODULES = ("tcpscope.views.list_kernel",)
HELPER_MODULES_DIGEST = "d83443a37e4e2495"

#: An item's number where it has none (the item is a text alone).
NO_NUMBER = np.iinfo(np.int64).min


class Pool:
    """Texts the kernels copy from: entries of bytes, each found by its number.

    Entries are added as Python strings (made into UTF-8 a run at a time, at
    :meth:`arrays`) or as a block of bytes already written, with where each entry starts."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        #: the entries in order, a run at a time: a list of strings, or a block's bytes and offsets
        self._runs: list[list[str] | tuple[NDArray[np.uint8], NDArray[np.int64]]] = []
        self._n = 0

    def one(self, text: str) -> int:
        """The entry of ``text``, added once however often asked."""
        got = self._ids.get(text)
        if got is None:
            got = self._ids[text] = int(self.texts([text])[0])
        return got

    def texts(self, texts: list[str]) -> NDArray[np.int64]:
        """An entry for each of ``texts``, in order."""
        first = self._n
        last = self._runs[-1] if self._runs else None
        if isinstance(last, list):
            last.extend(texts)
        else:
            self._runs.append(list(texts))
        self._n += len(texts)
        return np.arange(first, self._n, dtype=np.int64)

    def block(self, data: NDArray[np.uint8], offsets: NDArray[np.int64]) -> NDArray[np.int64]:
        """An entry for each slice ``data[offsets[k]:offsets[k + 1]]``, in order."""
        first = self._n
        self._runs.append((data, offsets))
        self._n += offsets.shape[0] - 1
        return np.arange(first, self._n, dtype=np.int64)

    def strings(self) -> list[str]:
        """Every entry as a string (a pool of strings only: the Python writer's)."""
        out: list[str] = []
        for run in self._runs:
            if not isinstance(run, list):
                raise TypeError("a pool with blocks of bytes has no strings")
            out.extend(run)
        return out

    def arrays(self) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.int64]]:
        """The pool's bytes, and each entry's first byte and end in them."""
        parts: list[NDArray[np.uint8]] = []
        starts: list[NDArray[np.int64]] = []
        ends: list[NDArray[np.int64]] = []
        at = 0
        for run in self._runs:
            data, offsets = _utf8(run) if isinstance(run, list) else run
            parts.append(data)
            starts.append(offsets[:-1] + at)
            ends.append(offsets[1:] + at)
            at += int(offsets[-1])
        if not parts:
            return np.empty(0, dtype=np.uint8), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(parts), np.concatenate(starts), np.concatenate(ends)


def _utf8(texts: list[str]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Strings as UTF-8, one after the other, and where each starts (and the end)."""
    joined = "".join(texts)
    data = joined.encode()
    if len(data) == len(joined):  # ASCII: a string's bytes are its characters
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    else:
        sizes = np.fromiter((len(t) if t.isascii() else len(t.encode()) for t in texts), dtype=np.int64,
                            count=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return np.frombuffer(data, dtype=np.uint8), offsets


@helper
def _number_size(x: int) -> int:
    """The bytes of ``x`` in decimal, its sign included (none for :data:`NO_NUMBER`)."""
    if x == NO_NUMBER:
        return 0
    if x < 0:
        return 1 + decimal_digits(-x)
    return decimal_digits(x)


@helper
def _put_number(out: Any, p: int, x: int) -> int:
    """``x`` in decimal at ``p`` (nothing for :data:`NO_NUMBER`); the position after it."""
    if x == NO_NUMBER:
        return p
    if x < 0:
        out[p] = 45
        p += 1
        x = -x
    q = p + decimal_digits(x)
    end = q
    while True:
        q -= 1
        out[q] = 48 + x % 10
        x //= 10
        if x == 0:
            break
    return end


@helper
def _put_entry(out: Any, p: int, data: Any, starts: Any, ends: Any, k: int) -> int:  # noqa: PLR0913, PLR0917 -- a kernel helper: the output, then the pool's arrays
    """Pool entry ``k`` at ``p`` (nothing for -1); the position after it."""
    if k < 0:
        return p
    a: int = starts[k]
    size: int = ends[k] - a
    for i in range(size):
        out[p + i] = data[a + i]
    return p + size


def _header_sizes(sizes: Any, at: Any, head: Any, number: Any, tail: Any, starts: Any, ends: Any) -> None:  # noqa: PLR0913, PLR0917 -- a numba kernel: arrays one by one
    """Each header's bytes: its items' (see :func:`join_headers`)."""
    for c in range(at.shape[0]):
        for r in range(at.shape[1] - 1):
            for i in range(at[c, r], at[c, r + 1]):
                if head[i] < 0:
                    continue
                sizes[r] += ends[head[i]] - starts[head[i]] + _number_size(number[i])
                if tail[i] >= 0:
                    sizes[r] += ends[tail[i]] - starts[tail[i]]


def _write_headers(out: Any, offsets: Any, at: Any, head: Any, number: Any, tail: Any, data: Any, starts: Any,  # noqa: PLR0913, PLR0917 -- a numba kernel: arrays one by one
                   ends: Any) -> None:
    for r in range(at.shape[1] - 1):
        p = offsets[r]
        for c in range(at.shape[0]):
            for i in range(at[c, r], at[c, r + 1]):
                if head[i] < 0:
                    continue
                p = _put_entry(out, p, data, starts, ends, head[i])
                p = _put_number(out, p, number[i])
                p = _put_entry(out, p, data, starts, ends, tail[i])


def _gather(out: Any, order: Any, data: Any, starts: Any, ends: Any) -> None:
    p = 0
    for k in range(order.shape[0]):
        p = _put_entry(out, p, data, starts, ends, order[k])


#: (compiled without reference counting: they create no array and keep none, and the
#: helpers' array arguments would otherwise cost two atomic operations a call)
_header_sizes_kernel = kernel(_header_sizes, refcounts=False)
_write_headers_kernel = kernel(_write_headers, refcounts=False)
_gather_kernel = kernel(_gather, refcounts=False)


def join_headers(at: NDArray[np.int64], head: NDArray[np.int64], number: NDArray[np.int64], tail: NDArray[np.int64],
                 pool: tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.int64]]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Each header's text: for each column ``c`` in order, its items ``at[c, r]`` up to
    ``at[c, r + 1]``, each pool entry ``head[i]`` (none where -1: the item has no line),
    ``number[i]`` in decimal (unless :data:`NO_NUMBER`) and pool entry ``tail[i]`` (none
    where -1). Returns the bytes and where each header's text starts (and the end)."""
    data, starts, ends = pool
    n = at.shape[1] - 1
    sizes = np.zeros(n, dtype=np.int64)
    work = int(head.shape[0]) + n
    _header_sizes_kernel.run(work, sizes, at, head, number, tail, starts, ends)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    out = np.empty(int(offsets[-1]), dtype=np.uint8)
    _write_headers_kernel.run(work, out, offsets, at, head, number, tail, data, starts, ends)
    return out, offsets


def gather(order: NDArray[np.int64], pool: tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.int64]]) -> bytes:
    """The pool's entries ``order`` one after the other (none for -1)."""
    data, starts, ends = pool
    named = order[order >= 0]
    size = int(np.sum(ends[named] - starts[named]))
    out = np.empty(size, dtype=np.uint8)
    _gather_kernel.run(int(order.shape[0]), out, order, data, starts, ends)
    return out.tobytes()
