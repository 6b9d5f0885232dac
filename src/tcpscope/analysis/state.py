"""The analysis state carried from one batch of segments to the next, and its retirement.

:func:`analyze_segments` runs the kernel of :mod:`tcpscope.analysis.sequence` over a
batch of segments with a :class:`SequenceState`: the conversations (a slot each, with
their two flows), the unacknowledged segments, and per conversation key the slot of its
current conversation. A capture read in pieces (a pipe, ``tcpscope.scan``) would grow
that state by every conversation and every data segment it ever saw, so between
batches :meth:`SequenceState.retire` frees the rows no later frame can need, in place
and with whole-array operations:

* the row of a segment once acknowledged (the kernel marks it free);
* a conversation that a later SYN replaced on the same key (port reuse, rules §2.3a in docs/tcp-analysis-rules.md):
  tshark's lookup finds the newest conversation of a key, so no frame reaches it again;
* a conversation closed (a FIN from both sides, or a RST) that has been quiet for
  :data:`CLOSED_QUIET_NS` of capture time, TIME-WAIT's 2 MSL (RFC 9293 §3.4.2,
  MSL = 2 minutes), or one still open that has been quiet for :data:`IDLE_QUIET_NS`
  (Zeek's ``tcp_inactivity_timeout``, 5 minutes), with their segments. Capture time is
  the median time stamp of the last batch, and a conversation's quiet starts at its
  latest time stamp, so that a few frames stamped far off (a damaged record, a capture
  that jumps in time) retire nothing early.

A retired conversation leaves, per key, its ``tcp.stream`` number, base sequence numbers
and window scaling (:class:`~tcpscope.analysis.layout.Retired`). A pure SYN with a new initial sequence number
then starts the next conversation exactly as tshark does (rules §2.3a in docs/tcp-analysis-rules.md needs only the
base); any other later frame of it revives the conversation with that record and a fresh
analysis state: the one case where tcpscope may differ from tshark (docs/deviations.md,
"Retired conversations"). The id table of keys (``analysis.keys``) is kept whole, so
stream numbers and port reuse stay tshark's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tcpscope._types import Array
from tcpscope.analysis.layout import (
    ENDED_FIN1,
    ENDED_FIN2,
    ENDED_RST,
    INPUTS,
    MAX_SACK_BLOCKS,
    OUTPUTS,
    Conversations,
    Counts,
    Flows,
    Inputs,
    Outputs,
    Retired,
    SackBlocks,
    State,
    Unacked,
)
from tcpscope.analysis.sequence import WALK_BUDGET, run_analysis
from tcpscope.constants import ACK, FIN, SYN

__all__ = ["CLOSED_QUIET_NS", "IDLE_QUIET_NS", "SequenceState", "analyze_segments"]

#: A closed conversation is retired after this much capture time without a frame: 2 MSL.
CLOSED_QUIET_NS = 2 * 120 * 1_000_000_000
#: A conversation not closed is retired after this much capture time without a frame.
IDLE_QUIET_NS = 5 * 60 * 1_000_000_000
#: Conversation slots, and segment rows, in use below which retiring them is not worth a
#: pass (a pass copies every row kept: the two flow rows of a conversation are 432 bytes).
RETIRE_MIN_SLOTS = 1 << 10
RETIRE_MIN_SEGMENTS = 1 << 16


def _rows_dtype(names: tuple[str, ...], shapes: dict[str, tuple[int, ...]] | None = None) -> np.dtype[Any]:
    """One int64 field per name (of the shape ``shapes`` gives)."""
    shapes = shapes or {}
    return np.dtype([(name, np.int64, shapes.get(name, ())) for name in names])


#: The rows of each kind, a field per named field of the kernel's state: a row's fields lie
#: together in memory, as a record's, while the kernel sees each field as an array (a
#: strided view), which indexes as fast as any array, uncompiled too. One array per field
#: instead cost the compiled kernel 0.06-0.09 s more on the bench capture: a segment then
#: reads some thirty cache lines of its conversation where it reads four.
_CONV_ROW = _rows_dtype(Conversations._fields)
_FLOW_ROW = _rows_dtype(Flows._fields + SackBlocks._fields,
                        {"left": (MAX_SACK_BLOCKS,), "right": (MAX_SACK_BLOCKS,)})
_SEG_ROW = _rows_dtype(Unacked._fields)
_RETIRED_ROW = _rows_dtype(Retired._fields, {"base": (2,), "wscale": (2,)})


class SequenceState:
    """The analysis state between calls of :func:`analyze_segments` (module docstring).

    The fields of :class:`~tcpscope.analysis.layout.State`: ``conv`` per conversation
    slot, ``flow`` and ``sack`` two per slot, ``seg`` per unacknowledged segment, ``cur``
    per key (the slot of its current conversation, -1 for none) and ``retired`` per key
    (what a retired conversation left), each a view of one field of rows kept here
    (``conv_rows``, ``flow_rows``, ``seg_rows``, ``retired_rows``); ``counts``: the
    ``tcp.stream`` numbers given, the slots and the segment rows in use. ``clock`` is
    the capture time retirement goes by (module docstring; None before any segment).
    The rows grow as batches bring more, and :meth:`retire` frees them;
    ``closed_quiet_ns`` and ``idle_quiet_ns`` say when a conversation retires, and
    ``eager`` retires at every batch (for tests: rows are otherwise retired only once
    they have doubled).
    """

    def __init__(self, closed_quiet_ns: int = CLOSED_QUIET_NS, idle_quiet_ns: int = IDLE_QUIET_NS,
                 eager: bool = False) -> None:
        self.conv_rows = np.zeros(0, dtype=_CONV_ROW)
        self.flow_rows = np.zeros(0, dtype=_FLOW_ROW)
        self.seg_rows = np.zeros(0, dtype=_SEG_ROW)
        self.retired_rows = np.zeros(0, dtype=_RETIRED_ROW)
        self.cur = np.zeros(0, dtype=np.int64)
        self.counts = Counts._make(np.zeros(1, dtype=np.int64) for _ in Counts._fields)
        self.clock: int | None = None
        self.closed_quiet_ns = closed_quiet_ns
        self.idle_quiet_ns = idle_quiet_ns
        self.eager = eager
        self._slots_at = RETIRE_MIN_SLOTS
        self._segments_at = RETIRE_MIN_SEGMENTS

    @property
    def conversations(self) -> int:
        """How many conversations (``tcp.stream`` numbers) the analysis has seen."""
        return int(self.counts.streams[0])

    @property
    def slots(self) -> int:
        """How many conversation slots are in use (what retiring bounds)."""
        return int(self.counts.slots[0])

    @property
    def nbytes(self) -> int:
        """The bytes of the state's arrays (what stays bounded on a stream)."""
        arrays = (self.conv_rows, self.flow_rows, self.seg_rows, self.retired_rows, self.cur, *self.counts)
        return sum(a.nbytes for a in arrays)

    @property
    def conv(self) -> Conversations:
        """The conversations' fields."""
        return Conversations._make(self.conv_rows[name] for name in Conversations._fields)

    @property
    def flow(self) -> Flows:
        """The flows' fields."""
        return Flows._make(self.flow_rows[name] for name in Flows._fields)

    @property
    def seg(self) -> Unacked:
        """The unacknowledged segments' fields."""
        return Unacked._make(self.seg_rows[name] for name in Unacked._fields)

    @property
    def retired(self) -> Retired:
        """What retired conversations left, per key."""
        return Retired._make(self.retired_rows[name] for name in Retired._fields)

    def as_kernel_state(self) -> State:
        """The fields as the kernel takes them."""
        sack = SackBlocks._make(self.flow_rows[name] for name in SackBlocks._fields)
        return State(self.conv, self.flow, sack, self.seg, self.cur, self.retired, self.counts)

    def streams(self) -> Array:
        """The ``tcp.stream`` numbers of the conversations the state keeps (what is not
        retired; analysis.lifecycle retires its own rows by them)."""
        return self.conv_rows["stream"][: self.slots]

    def reserve(self, conversations: int, segments: int, keys: int) -> None:
        """Room for ``conversations`` more conversations, ``segments`` more unacknowledged
        segments and keys up to ``keys``."""
        self.conv_rows = _grown(self.conv_rows, self.slots + conversations, 0)
        self.flow_rows = _grown(self.flow_rows, 2 * self.conv_rows.shape[0], 0)
        self.seg_rows = _grown(self.seg_rows, int(self.counts.rows[0]) + segments, 0)
        self.cur = _grown(self.cur, keys, -1)
        self.retired_rows = _grown(self.retired_rows, keys, -1)

    def retire(self) -> None:
        """Free the rows no later frame can need (module docstring), in place: conversations
        once the slots in use have doubled since they were last retired, segments once
        their rows have (so that each row costs a constant share of the passes)."""
        nconv, nseg = self.slots, int(self.counts.rows[0])
        if self.clock is None:
            return
        if nconv >= self._slots_at or self.eager:
            keep = self._conversations_kept(nconv, self.clock)
        elif nseg >= self._segments_at:
            keep = np.ones(nconv, dtype=np.bool_)
        else:
            return
        kept = int(np.count_nonzero(keep))
        seg_kept = self._compact_segments(nseg, keep)
        if kept < nconv:
            self.flow_rows[: 2 * kept] = self.flow_rows[: 2 * nconv].reshape(nconv, 2)[keep].reshape(2 * kept)
            self.conv_rows[:kept] = self.conv_rows[:nconv][keep]
            self.cur[self.conv_rows["key"][:kept]] = np.arange(kept)
        heads = self.flow_rows["head"][: 2 * kept]
        heads[:] = np.where(heads >= 0, seg_kept[np.maximum(heads, 0)], -1)
        self.counts.slots[0] = kept
        self.counts.rows[0] = int(np.count_nonzero(seg_kept >= 0))
        if nconv >= self._slots_at:
            self._slots_at = max(RETIRE_MIN_SLOTS, 2 * kept)
        self._segments_at = max(RETIRE_MIN_SEGMENTS, 2 * int(self.counts.rows[0]))

    def _conversations_kept(self, nconv: int, clock: int) -> Array:
        """Which slots stay at capture time ``clock``; the current conversations that retire
        leave their record."""
        conv = self.conv_rows[:nconv]
        key = conv["key"]
        current = self.cur[key] == np.arange(nconv)
        ended = conv["ended"]
        closed = ((ended & ENDED_RST) != 0) | ((ended & (ENDED_FIN1 | ENDED_FIN2)) == (ENDED_FIN1 | ENDED_FIN2))
        quiet = np.int64(clock) - conv["last_ts"]
        gone = current & (quiet > np.where(closed, self.closed_quiet_ns, self.idle_quiet_ns))
        flows = self.flow_rows[: 2 * nconv].reshape(nconv, 2)[gone]  # (slot gone, direction)
        k = key[gone]
        self.retired_rows["stream"][k] = conv["stream"][gone]
        self.retired_rows["base"][k] = np.where(flows["base_set"] != 0, flows["base"], -1)
        self.retired_rows["wscale"][k] = flows["wscale"]
        self.cur[k] = -1
        keep: Array = current & ~gone
        return keep

    def _compact_segments(self, nseg: int, keep: Array) -> Array:
        """Move the segments still waiting, of the conversations kept, to the front of
        their rows (in order), renumbering their slots and links; returns each old row's
        new row (-1: freed)."""
        slot = self.seg_rows["slot"][:nseg]
        alive = slot >= 0
        alive[alive] = keep[slot[alive]]
        new_row = np.where(alive, np.cumsum(alive) - 1, -1)
        moved = self.seg_rows[:nseg][alive]
        if not keep.all():
            new_slot = np.cumsum(keep) - 1
            moved["slot"] = new_slot[moved["slot"]]
        nxt = moved["next"]
        moved["next"] = np.where(nxt >= 0, new_row[np.maximum(nxt, 0)], -1)
        self.seg_rows[: moved.shape[0]] = moved
        out: Array = new_row
        return out


#: Rows every array of rows has at least: a field of a single row is a contiguous view,
#: which numba types with another layout ("C") than the strided field of two rows or more
#: ("A"), so that a capture of one conversation, or one key, or one unacknowledged segment,
#: compiled the kernel once more (9 s each, six variants in all where one serves).
_MIN_ROWS = 2


def _grown(a: Array, rows: int, fill: int) -> Array:
    """``a`` with at least ``rows`` rows, and :data:`_MIN_ROWS` (at least doubled when it
    grows; new rows ``fill``)."""
    have = a.shape[0]
    if have >= max(rows, _MIN_ROWS):
        return a
    shape = (max(rows, 2 * have, _MIN_ROWS), *a.shape[1:])
    # zeros: the room not yet used takes no memory until it is written
    out = np.zeros(shape, dtype=a.dtype) if fill == 0 else np.full(shape, fill, dtype=a.dtype)
    out[:have] = a
    return out


def analyze_segments(cols: dict[str, Array], sackrow: Array, sackedges: Array, nkeys: int,
                     state: SequenceState | None = None) -> tuple[dict[str, Array], int]:
    """Analyse every segment (one element per TCP header in each of :data:`INPUTS`).

    ``sackrow[r]`` is the row of ``sackedges`` holding segment r's SACK blocks (-1: none):
    up to three (left, right) pairs of raw edges, then their count. Returns the columns of
    :data:`OUTPUTS` and the number of conversations so far (``tcp.stream`` runs from 0 to
    it - 1). ``state`` carries the analysis from earlier batches of segments, and on.
    """
    m = int(cols["frame"].shape[0])
    out: dict[str, Array] = {name: np.zeros(m, dtype=dtype) for name, dtype in OUTPUTS.items()}
    out["stream"][:] = -1
    flags = cols["flags"]
    if state is None:
        state = SequenceState()
    state.retire()
    # a conversation is created at most once per key these segments carry (a key seen
    # before in a header cut short may have none yet, and a retired one comes back), plus
    # once per pure SYN (port reuse); every segment that carries data, SYN or FIN may join
    # an unacknowledged list once
    syns = int(np.count_nonzero((flags & (SYN | ACK)) == SYN)) if m else 0
    nseg = int(np.count_nonzero((cols["seglen"] > 0) | ((flags & (SYN | FIN)) != 0))) if m else 0
    keys_here = int(np.count_nonzero(np.bincount(np.asarray(cols["key"], dtype=np.int64)))) if m else 0
    state.reserve(min(m, keys_here + syns), nseg, nkeys)
    ins = Inputs(**{name: np.ascontiguousarray(cols[name]) for name in INPUTS}, sackrow=sackrow, sackedges=sackedges)
    # An ACK walks its flow's unacknowledged segments, so the work may grow as segments
    # times segments that wait (a hostile capture makes it so): past WALK_BUDGET the
    # kernel runs compiled however few the segments, as it would on a large capture.
    size = m if m * max(nseg, 1) <= WALK_BUDGET else max(m, m * nseg)
    n = run_analysis(size, ins, Outputs(**out), state.as_kernel_state())
    if m:
        state.clock = int(np.partition(np.asarray(cols["ts"]), m // 2)[m // 2])
    return out, n
