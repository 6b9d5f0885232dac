"""Dense ids for conversation keys that stay the same from one batch of frames to the next.

Wireshark finds a segment's conversation in a hash table of endpoint pairs that lives
as long as the capture (``find_conversation``). :class:`IdTable` is that table for
whole arrays: it gives each distinct triple of int64 numbers an id, in order of first
appearance, and remembers them, so that frames analysed batch after batch (a live
capture, or a file read in pieces) find the conversations of earlier batches.
:class:`KeyIds` holds the two tables the conversation keys need: IPv6 addresses, and
the unordered pairs of endpoints.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tcpscope._jit import helper, kernel
from tcpscope._types import Index

__all__ = ["IdTable", "KeyIds"]

#: Ids of IPv6 addresses start here, above every (type << 32 | IPv4 address) number.
V6_BASE = 1 << 40


_M32 = 0xFFFFFFFF


@helper
def _mix(h: Any, v: Any) -> Any:
    """Fold the 32-bit word ``v`` into the 32-bit hash ``h`` (MurmurHash3's fmix32 of their
    xor). Every product is cut to 32 bits and every shift is of a value already cut, so the
    result is the same in Python's integers (uncompiled) and in int64 arithmetic (compiled)."""
    h = (h ^ v) & _M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    h ^= h >> 16
    return h


# A compiled kernel takes its arrays one by one (numba has no objects to group them):
# three key columns, the four columns of the table, and the record of keys.
@kernel
def _lookup(  # noqa: PLR0913, PLR0917 -- a numba kernel, see above
        a: Any, b: Any, c: Any, ta: Any, tb: Any, tc: Any, tid: Any, keys: Any, count: int,
        seed: int) -> tuple[Any, int]:
    """The id of each ``(a, b, c)``, adding unseen triples (linear probing in ``t*``, whose
    size is a power of two with room for every new triple); ``keys`` records each id's
    triple. Returns the ids and the new count.

    The hash mixes every bit of the triple and starts from a ``seed`` drawn per table, so
    that no capture can be made whose keys all fall in one run of the table (probing
    would then take time quadratic in the keys); the ids do not depend on it."""
    m = a.shape[0]
    mask = tid.shape[0] - 1
    ids = np.empty(m, dtype=np.int64)
    for i in range(m):
        x = int(a[i])  # a Python int uncompiled (no overflow warnings), int64 compiled (wraps)
        y = int(b[i])
        z = int(c[i])
        h = _mix(seed, x & _M32)
        h = _mix(h, (x >> 32) & _M32)
        h = _mix(h, y & _M32)
        h = _mix(h, (y >> 32) & _M32)
        h = _mix(h, z & _M32)
        h = _mix(h, (z >> 32) & _M32) & mask
        while tid[h] >= 0 and (ta[h] != x or tb[h] != y or tc[h] != z):
            h = (h + 1) & mask
        if tid[h] < 0:
            ta[h] = x
            tb[h] = y
            tc[h] = z
            tid[h] = count
            keys[count, 0] = x
            keys[count, 1] = y
            keys[count, 2] = z
            count += 1
        ids[i] = tid[h]
    return ids, count


class IdTable:
    """Ids of int64 triples in order of first appearance, kept across calls (module docstring)."""

    def __init__(self) -> None:
        import os

        self.count = 0
        self.keys: Index = np.zeros((0, 3), dtype=np.int64)
        self.seed = int.from_bytes(os.urandom(4), "little")
        self._alloc(16)

    def _alloc(self, size: int) -> None:
        self.ta = np.zeros(size, dtype=np.int64)
        self.tb = np.zeros(size, dtype=np.int64)
        self.tc = np.zeros(size, dtype=np.int64)
        self.tid = np.full(size, -1, dtype=np.int64)
        keys = np.zeros((size // 2, 3), dtype=np.int64)
        if self.count:
            keys[: self.count] = self.keys[: self.count]
        self.keys = keys

    def ids(self, a: Index, b: Index, c: Index | None = None) -> Index:
        """The ids of the triples ``(a[i], b[i], c[i])`` (``c`` defaults to 0)."""
        m = int(a.shape[0])
        if c is None:
            c = np.zeros(m, dtype=np.int64)
        need = 2 * (self.count + m)
        if need > self.tid.shape[0]:  # grow to a power of two, then put the known triples back
            size = self.tid.shape[0]
            while size < need:
                size *= 2
            old, known = self.keys, self.count
            self.count = 0
            self._alloc(size)
            if known:
                k = np.ascontiguousarray(old[:known])
                self._run(known, k[:, 0], k[:, 1], k[:, 2])
        return self._run(m, np.ascontiguousarray(a, dtype=np.int64), np.ascontiguousarray(b, dtype=np.int64),
                         np.ascontiguousarray(c, dtype=np.int64))

    def _run(self, m: int, a: Index, b: Index, c: Index) -> Index:
        ids, self.count = _lookup.run(m, a, b, c, self.ta, self.tb, self.tc, self.tid, self.keys, self.count, self.seed)
        self.count = int(self.count)
        out: Index = ids
        return out


class KeyIds:
    """The tables behind conversation keys: IPv6 addresses, and endpoint pairs."""

    def __init__(self) -> None:
        self.v6 = IdTable()
        self.pairs = IdTable()
