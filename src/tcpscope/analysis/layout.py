"""The data the TCP analysis kernel reads and writes, each field with a name.

The kernel (:mod:`tcpscope.analysis.sequence`) takes three NamedTuples of numpy arrays:
its :class:`Inputs` (one element per TCP header, in frame order), its :class:`Outputs`
(the same rows) and its :class:`State`, the analysis carried from one batch of
segments to the next. The state has an array per named field, grouped by what a row
is (a conversation, a flow, an unacknowledged segment, a conversation key), as
Wireshark keeps it in named fields of ``tcp_analysis`` and ``tcp_flow_t``
(packet-tcp.h): ``flow.nextseq[f]``. Each array is one field of rows that
:mod:`tcpscope.analysis.state` keeps, grows and retires, so that a row's fields lie
together in memory; uncompiled, a field costs one index, as any array's element.

The rules that read and write these fields are stated in docs/tcp-analysis-rules.md
("rules §5.1" in the code).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tcpscope._types import Array

__all__ = [
    "A_ACK_LOST_PACKET",
    "A_DUPLICATE_ACK",
    "A_FAST_RETRANSMISSION",
    "A_KEEP_ALIVE",
    "A_KEEP_ALIVE_ACK",
    "A_LOST_PACKET",
    "A_OUT_OF_ORDER",
    "A_RETRANSMISSION",
    "A_REUSED_PORTS",
    "A_SPURIOUS_RETRANSMISSION",
    "A_WINDOW_FULL",
    "A_WINDOW_UPDATE",
    "A_ZERO_WINDOW",
    "A_ZERO_WINDOW_PROBE",
    "A_ZERO_WINDOW_PROBE_ACK",
    "COMPLETENESS_ACK",
    "COMPLETENESS_DATA",
    "COMPLETENESS_FIN",
    "COMPLETENESS_RST",
    "COMPLETENESS_SYNACK",
    "COMPLETENESS_SYNSENT",
    "ENDED_FIN1",
    "ENDED_FIN2",
    "ENDED_RST",
    "FASTRT_WINDOW_NS",
    "INPUTS",
    "M32",
    "MAX_SACK_BLOCKS",
    "MAX_UNACKED",
    "OOO_DEFAULT_NS",
    "OUTPUTS",
    "Conversations",
    "Counts",
    "FlowNow",
    "Flows",
    "Inputs",
    "Int",
    "Outputs",
    "Retired",
    "SackBlocks",
    "Segment",
    "State",
    "Unacked",
]

#: A scalar the kernel reads from its int64 arrays, or a Python int.
Int = int | np.int64

# analysis flag bits (TCP_A_* in packet-tcp.h)
A_RETRANSMISSION = 0x0001
A_LOST_PACKET = 0x0002
A_ACK_LOST_PACKET = 0x0004
A_KEEP_ALIVE = 0x0008
A_DUPLICATE_ACK = 0x0010
A_ZERO_WINDOW = 0x0020
A_ZERO_WINDOW_PROBE = 0x0040
A_ZERO_WINDOW_PROBE_ACK = 0x0080
A_KEEP_ALIVE_ACK = 0x0100
A_OUT_OF_ORDER = 0x0200
A_FAST_RETRANSMISSION = 0x0400
A_WINDOW_UPDATE = 0x0800
A_WINDOW_FULL = 0x1000
A_REUSED_PORTS = 0x2000
A_SPURIOUS_RETRANSMISSION = 0x4000

# conversation completeness bits (TCP_COMPLETENESS_* in packet-tcp.h; tcp.completeness,
# rules §7.1): what a conversation has shown of its life so far
COMPLETENESS_SYNSENT = 0x01
COMPLETENESS_SYNACK = 0x02
COMPLETENESS_ACK = 0x04
COMPLETENESS_DATA = 0x08
COMPLETENESS_FIN = 0x10
COMPLETENESS_RST = 0x20

#: At most this many unacknowledged segments per flow (tshark's limit).
MAX_UNACKED = 10000
#: A fast retransmission comes within this long of the peer's last ACK (rules §5.12b).
FASTRT_WINDOW_NS = 20_000_000
#: The out-of-order threshold before the conversation has an initial RTT (rules §5.12c).
OOO_DEFAULT_NS = 3_000_000
#: SACK blocks kept per flow for bytes in flight (rules §6.4).
MAX_SACK_BLOCKS = 3
#: Sequence numbers are 32 bits: sums wrap at 2**32.
M32 = 0xFFFFFFFF
# Conversations.ended: a FIN from flow 0, a FIN from flow 1, a RST (for retirement)
ENDED_FIN1, ENDED_FIN2, ENDED_RST = 1, 2, 4


class Inputs(NamedTuple):
    """The segments, one element per TCP header in frame order (names as :data:`INPUTS`).

    ``sackrow[r]`` is the row of ``sackedges`` holding segment r's SACK blocks (-1:
    none): up to three (left, right) raw edges, then their count.
    """

    frame: Array  #: frame number
    ts: Array  #: time stamp, ns
    key: Array  #: conversation key (:mod:`tcpscope.analysis.keys`)
    flow: Array  #: which endpoint of the key sent it: 0 or 1
    seq: Array  #: raw sequence number
    ack: Array  #: raw acknowledgment number
    flags: Array  #: the 12 flag bits
    window: Array  #: raw window
    seglen: Array  #: segment length (-1: unknown)
    reach: Array  #: how far the header was captured (2: ports and numbers, 4: all of it)
    bogus: Array  #: a bogus header length (dissect_tcp stops after it)
    opt_exception: Array  #: the options ran past the captured bytes
    ws_opt: Array  #: window scale option's shift (-1: none)
    accecn_opt: Array  #: an AccECN option was read
    tfo_cookie: Array  #: a TCP Fast Open cookie was present
    sackrow: Array
    sackedges: Array


class Outputs(NamedTuple):
    """The analysis of each segment, one array per column of :data:`OUTPUTS`."""

    stream: Array
    completeness: Array
    time_relative: Array
    time_delta: Array
    seq: Array
    ack: Array
    nxtseq: Array
    window_size: Array
    window_size_scalefactor: Array
    ta: Array
    aflags: Array
    acks_frame: Array
    ack_rtt: Array
    initial_rtt: Array
    bytes_in_flight: Array
    push_bytes_sent: Array
    dupack_num: Array
    dupack_frame: Array
    rto: Array
    rto_frame: Array
    fin_kind: Array
    use_ace: Array
    sack_base: Array
    tfo: Array


class Segment(NamedTuple):
    """One TCP header as the rules see it: absolute numbers, the raw window (rules §5)."""

    frame: Int
    ts: Int
    seq: Int
    ack: Int
    flags: Int
    win: Int
    seglen: Int


class Conversations(NamedTuple):
    """Per conversation slot ``c`` (tshark's ``tcp_analysis``), one int64 each."""

    stream: Array  #: its ``tcp.stream`` number
    key: Array  #: its conversation key
    first_ts: Array  #: time of its first segment (rules §7.2)
    prev_ts: Array  #: time of its previous segment (rules §7.2)
    last_ts: Array  #: its latest time stamp (retirement: state.py)
    completeness: Array  #: the completeness bits so far (rules §7.1)
    syn_ts: Array  #: time of its latest pure SYN, 0 for none (rules §6.3)
    initial_rtt: Array  #: its initial RTT once known, else 0 (rules §6.3)
    acc_syn: Array  #: the SYN asked for AccECN
    acc_synack: Array  #: the SYN/ACK accepted AccECN
    acc_opt: Array  #: an AccECN option was seen
    tfo_data: Array  #: a SYN carried data with a TFO cookie
    ended: Array  #: the ENDED_* bits seen (retirement: state.py)


class Flows(NamedTuple):
    """Per flow ``f``, two per conversation slot ``c``: ``f = 2 * c + direction``, its peer
    ``f ^ 1`` (tshark's ``tcp_flow_t``), one int64 each.

    ``nextseq``, ``lastack`` and ``maxseq`` are 0 while unset (rules, notation).
    """

    base: Array  #: base sequence number (rules §3.2)
    base_set: Array  #: whether ``base`` is set
    wscale: Array  #: window scale shift; -1 not known yet, -2 not scaling (rules §4)
    window: Array  #: the raw window of its last segment
    syn_window: Array  #: its window is still its SYN's (rules §5.6)
    nextseq: Array  #: the next sequence number expected
    nextseq_frame: Array  #: the frame that set ``nextseq``
    nextseq_ts: Array  #: when ``nextseq`` last moved
    maxseq: Array  #: the highest sequence number to be acknowledged (maxseqtobeacked)
    lastack: Array  #: the ack of its last segment
    lastack_ts: Array  #: the time of its last segment
    last_nondup: Array  #: the frame of its last ACK that was not a duplicate (rules §5.10)
    dupacks: Array  #: duplicate ACKs of ``lastack`` so far; -1 after rules §5.11
    last_flags: Array  #: the analysis flags of its last segment
    valid_bif: Array  #: its bytes in flight can be computed (rules §5.0, §5.3)
    push_bytes: Array  #: bytes sent since the last PSH (rules §6.4)
    push_last: Array  #: the last segment counted had PSH
    closing: Array  #: it sent the first FIN of the conversation
    nsack: Array  #: SACK blocks of its last SACK option kept (rules §6.4)
    head: Array  #: its newest unacknowledged segment (a row of Unacked), -1 for none
    unacked: Array  #: how many segments it has unacknowledged


class FlowNow(NamedTuple):
    """A flow's fields as the header checks read them (rules §5.1-5.9), read once before
    them: plain numbers, which a compiled check takes at no cost, where a NamedTuple of
    arrays passed to a helper costs a copy of each array's descriptor at each call."""

    nextseq: Int
    lastack: Int
    window: Int
    wscale: Int
    syn_window: Int
    last_flags: Int


class SackBlocks(NamedTuple):
    """Per flow, its last SACK blocks (at most :data:`MAX_SACK_BLOCKS`), relative to the
    peer's base: ``left[f, k]``, ``right[f, k]`` for ``k < nsack[f]``."""

    left: Array
    right: Array


class Unacked(NamedTuple):
    """Per row, an unacknowledged segment: a linked list per flow, newest first."""

    frame: Array  #: its frame
    seq: Array  #: its sequence number (moved up when an ack falls inside it)
    nextseq: Array  #: its end (SYN and FIN count one)
    ts: Array  #: its time
    next: Array  #: the next (older) segment of its flow, -1 for none
    slot: Array  #: its conversation's slot, -1 once acknowledged (the row is free)


class Retired(NamedTuple):
    """Per conversation key, what its retired conversation left (state.py)."""

    stream: Array  #: its ``tcp.stream``, -1 for none
    base: Array  #: ``base[key, direction]``: each flow's base sequence number, -1 if unset
    wscale: Array  #: ``wscale[key, direction]``: each flow's window scale shift


class Counts(NamedTuple):
    """What is in use, each a one-element array the kernel counts on."""

    streams: Array  #: ``tcp.stream`` numbers given
    slots: Array  #: conversation slots
    rows: Array  #: rows of Unacked


class State(NamedTuple):
    """The analysis state the kernel carries (see :mod:`tcpscope.analysis.state`): the
    conversation slots and their flows, the unacknowledged segments, per key the slot of
    its current conversation (``cur``, -1 for none) and what a retired one left."""

    conv: Conversations
    flow: Flows
    sack: SackBlocks
    seg: Unacked
    cur: Array
    retired: Retired
    counts: Counts


#: Output columns of the analysis and their types (narrow where the values allow).
OUTPUTS: dict[str, type] = {
    "stream": np.int32, "completeness": np.uint8, "time_relative": np.int64, "time_delta": np.int64,
    "seq": np.uint32, "ack": np.uint32, "nxtseq": np.uint32, "window_size": np.int64,
    "window_size_scalefactor": np.int32, "ta": np.bool_, "aflags": np.uint16, "acks_frame": np.int32,
    "ack_rtt": np.int64, "initial_rtt": np.int64, "bytes_in_flight": np.uint32, "push_bytes_sent": np.uint32,
    "dupack_num": np.uint32, "dupack_frame": np.int32, "rto": np.int64, "rto_frame": np.int32,
    "fin_kind": np.uint8, "use_ace": np.bool_, "sack_base": np.uint32, "tfo": np.uint8,
}

#: Input columns, in the kernel's order (the SACK blocks come as ``sackrow``/``sackedges``).
INPUTS: tuple[str, ...] = Inputs._fields[:-2]
