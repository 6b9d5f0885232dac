"""``tcp.stream`` alone: the conversation numbers of every TCP header, without the analysis.

tshark numbers a conversation when it first meets its key (rules §2.2) and again when a
SYN starts another conversation on the same key (port reuse, rules §2.3a). That second
rule reads one thing of the conversation's state: each flow's base sequence number
(rules §3.2), which a SYN/ACK may also replace (rules §2.3b). So the numbers of a whole
capture need every TCP header's key, direction, flags, sequence and acknowledgment
numbers in frame order, and nothing of the sequence analysis: :class:`StreamNumbers`
keeps, per key, its current ``tcp.stream`` and its two flows' base numbers, and
:func:`_number_run` applies the two rules with the analysis kernel's own helpers
(:func:`~tcpscope.analysis.checks.port_reuse`,
:func:`~tcpscope.analysis.checks.set_base_seqs`), so that the numbers are the
analysis's (:mod:`tcpscope.analysis.sequence`, whose step 1 this is). A focused command
(``tcpscope follow``, ``show --frame N``) numbers every frame this way and analyses the
frames of the conversations it shows only (:mod:`tcpscope.pipeline.focus`).

The analysis retires quiet conversations between pieces and revives them with their
number and base numbers (:mod:`tcpscope.analysis.state`): the numbers do not change by
it, so none is retired here (the state is three numbers and a flag a key).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tcpscope._jit import kernel
from tcpscope._types import Array, Index
from tcpscope.analysis.checks import REUSE_NEW_BASE, REUSE_NEW_CONVERSATION, port_reuse, set_base_seqs
from tcpscope.analysis.layout import Segment
from tcpscope.constants import SYN

__all__ = ["CONSTANTS_DIGEST", "HELPER_MODULES", "HELPER_MODULES_DIGEST", "StreamNumbers"]

#: The digest of :mod:`tcpscope.constants` this module's kernel was compiled for (tests/test_constants.py).
CONSTANTS_DIGEST = "9f669131f1707517"

#: The modules whose helpers the kernel compiles in, and the digest of their source (as
#: :mod:`tcpscope.analysis.sequence` records it: numba's cache knows only this file;
#: tests/analysis/test_numbering.py checks it).
HELPER_MODULES = ("tcpscope.analysis.checks", "tcpscope.analysis.layout")
HELPER_MODULES_DIGEST = "c96a9484c43e9c75"


@kernel
def _number_run(key: Any, flow: Any, flags: Any, seq: Any, ack: Any, counted: Any,  # noqa: PLR0913, PLR0917 -- a numba kernel takes its arrays one by one
                stream_of: Any, base: Any, base_set: Any, streams: Any, out: Any) -> None:
    """The ``tcp.stream`` of each header (``out``; -1 for one the analysis skips: not
    ``counted``, its header read short of the acknowledgment number or without the IP
    addresses of its key). Per key, ``stream_of`` holds its current stream (-1: none
    yet) and ``base``/``base_set`` its two flows' (``2 * key + flow``); ``streams[0]``
    counts the numbers given. ``counted`` is 2 for a header with a known segment length
    (its base numbers are set by it), 1 for one without, 0 for one not counted."""
    for r in range(key.shape[0]):
        if counted[r] == 0:
            out[r] = -1
            continue
        k = key[r]
        f = 2 * k + flow[r]
        s = Segment(0, 0, seq[r], ack[r], flags[r], 0, 0)
        # a key without a conversation: a new one (rules §2.2)
        if stream_of[k] < 0:
            stream_of[k] = streams[0]
            streams[0] += 1
        # a SYN with another initial sequence number: another conversation (rules §2.3a)
        if (s.flags & SYN) != 0:
            reuse = port_reuse(s.flags, s.seq, base_set[f], base[f])
            if reuse == REUSE_NEW_CONVERSATION:
                stream_of[k] = streams[0]
                streams[0] += 1
                base_set[2 * k] = 0
                base_set[2 * k + 1] = 0
            elif reuse == REUSE_NEW_BASE:  # a SYN/ACK's new base (rules §2.3b)
                base[f] = s.seq
        out[r] = stream_of[k]
        if counted[r] == 2 and (base_set[f] == 0 or base_set[f ^ 1] == 0):
            set_base_seqs(base, base_set, f, s)


class StreamNumbers:
    """The ``tcp.stream`` numbering of a capture given its TCP headers a batch at a time,
    in frame order (module docstring). Keys are dense ids (``analysis.keys.KeyIds``),
    the same for a key in every batch."""

    def __init__(self) -> None:
        self.stream_of = np.zeros(0, dtype=np.int64)
        self.base = np.zeros(0, dtype=np.int64)
        self.base_set = np.zeros(0, dtype=np.int64)
        self.streams = np.zeros(1, dtype=np.int64)

    @property
    def count(self) -> int:
        """How many ``tcp.stream`` numbers were given."""
        return int(self.streams[0])

    def number(self, key: Index, flow: Array, flags: Array, seq: Array, ack: Array, counted: Array) -> Index:  # noqa: PLR0913, PLR0917 -- the columns of the headers
        """The ``tcp.stream`` of each header (see :func:`_number_run`): ``key`` its key id,
        ``flow`` 0 or 1 (``analysis.conversations``), its flags, raw sequence and
        acknowledgment numbers, and whether it is counted (2: with a known segment length,
        1: without, 0: not at all)."""
        m = int(key.shape[0])
        keys = int(key.max()) + 1 if m else 0
        if keys > self.stream_of.shape[0]:
            grow = max(keys, 2 * self.stream_of.shape[0])
            self.stream_of = np.concatenate([self.stream_of, np.full(grow - self.stream_of.shape[0], -1, np.int64)])
            self.base = np.concatenate([self.base, np.zeros(2 * grow - self.base.shape[0], np.int64)])
            self.base_set = np.concatenate([self.base_set, np.zeros(2 * grow - self.base_set.shape[0], np.int64)])
        out = np.empty(m, dtype=np.int64)
        _number_run.run(m, np.asarray(key, dtype=np.int64), np.asarray(flow, dtype=np.int64),
                        np.asarray(flags, dtype=np.int64), np.asarray(seq, dtype=np.int64),
                        np.asarray(ack, dtype=np.int64), np.asarray(counted, dtype=np.int8),
                        self.stream_of, self.base, self.base_set, self.streams, out)
        return out
