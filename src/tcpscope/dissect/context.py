"""The state the vectorized dissectors share while they walk down every frame at once.

For each frame a cursor says where the next header starts, where the captured bytes
of the current layer end (``end``) and where its *reported* bytes end (``rend``: the
IP total length can promise more than a snaplen-truncated frame holds), and which
protocol comes next (``nxt``). Each round of :func:`tcpscope.dissect.pipeline.dissect`
hands every frame whose next protocol is P to P's dissector, which reads its header
for all those frames with a few numpy gathers, adds rows to P's layer table, and moves
the cursors on.

Bounds follow Wireshark's exceptions (epan/exceptions.h): reading past the captured
bytes but within the reported length is a *BoundsError* (the frame is only short,
"[Packet size limited during capture]"); past the reported length a
*ReportedBoundsError* ("[Malformed Packet]", ``_ws.malformed``). Either stops the
dissection of the frame at that header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import gather
from tcpscope.table.layers import LayerBuilder

__all__ = ["DissectContext", "Expert", "Group", "Proto", "Sev"]


class Proto(IntEnum):
    """What the cursor of a frame points at next."""

    DONE = 0
    ETH = 1
    VLAN = 2
    SLL = 3
    SLL2 = 4
    NULL = 5
    LOOP = 6
    RAWIP = 7
    IPV4 = 8
    IPV6 = 9
    MPLS = 10
    GRE = 11
    TCP = 12
    UDP = 13
    ARP = 14
    ICMP = 15
    ICMPV6 = 16
    DATA = 17
    IP = 18  # packet-ip.c dissect_ip: IPv4, or straight to IPv6 for version 6
    LLC = 19
    IEEE8021AD = 20  # 802.1ad service tag (EtherType 0x88a8), not a VLAN tag to Wireshark
    IEEE8021AH = 21  # 802.1ah backbone service instance tag (0x88e7)


class Sev(IntEnum):
    """Expert severities (epan/proto.h PI_*), ordered as ``tshark -z expert`` prints them."""

    COMMENT = 1
    CHAT = 2
    NOTE = 3
    WARN = 4
    ERROR = 5


class Group(IntEnum):
    """Expert groups (PI_* group values) that TCP and its lower layers use."""

    CHECKSUM = 1
    SEQUENCE = 2
    RESPONSE_CODE = 3
    REQUEST_CODE = 4
    UNDECODED = 5
    REASSEMBLE = 6
    MALFORMED = 7
    DEBUG = 8
    PROTOCOL = 9
    SECURITY = 10
    COMMENTS_GROUP = 11
    DECRYPTION = 12
    ASSUMPTION = 13
    DEPRECATED = 14


@dataclass(frozen=True, slots=True)
class Expert:
    """One kind of expert item: its Wireshark field, severity, group, protocol and text.

    ``summary`` may contain ``{arg}``, filled from the item's integer argument.
    """

    field: str
    severity: Sev
    group: Group
    protocol: str
    summary: str


@dataclass
class DissectContext:
    """Cursors over all frames and the layer tables being built (see the module docstring)."""

    data: NDArray[np.uint8]
    n: int
    off: NDArray[np.int64]
    end: NDArray[np.int64]
    rend: NDArray[np.int64]
    nxt: NDArray[np.int8]
    buf_id: int = 0
    depth: int = 0
    builders: dict[str, LayerBuilder] = field(default_factory=dict)
    malformed: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    short: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    fragmented: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    expert_pkt: list[NDArray[np.int64]] = field(default_factory=list)
    expert_code: list[NDArray[np.int32]] = field(default_factory=list)
    expert_arg: list[NDArray[np.int64]] = field(default_factory=list)
    expert_arg2: list[NDArray[np.int64]] = field(default_factory=list)
    expert_depth: list[NDArray[np.int16]] = field(default_factory=list)
    stack_pkt: list[NDArray[np.int64]] = field(default_factory=list)
    stack_proto: list[NDArray[np.int16]] = field(default_factory=list)
    stack_depth: list[NDArray[np.int16]] = field(default_factory=list)
    pending: dict[str, object] = field(default_factory=dict)

    def builder(self, name: str) -> LayerBuilder:
        b = self.builders.get(name)
        if b is None:
            b = self.builders[name] = LayerBuilder(name)
        return b

    def add_rows(self, name: str, pkt: NDArray[np.int64], cols: dict[str, NDArray[np.generic]]) -> None:
        """Rows for layer ``name`` at the current depth.

        Every row also gets ``_buf`` (which buffer its bytes are in: 0 is the capture,
        higher ones hold reassembled payloads) and ``_start`` (where its header starts
        in that buffer: the cursor, unless the dissector passes its own).
        """
        cols = dict(cols)
        cols["_buf"] = np.full(pkt.shape[0], self.buf_id, dtype=np.int8)
        cols.setdefault("_start", self.off[pkt].copy())
        self.builder(name).add(pkt, self.depth, cols)

    def mark_stack(self, pkt: NDArray[np.int64], proto_code: int) -> None:
        """Record that ``proto_code`` (an index into the protocol-name table) is in these frames."""
        if pkt.shape[0]:
            self.stack_pkt.append(pkt)
            self.stack_proto.append(np.full(pkt.shape[0], proto_code, dtype=np.int16))
            self.stack_depth.append(np.full(pkt.shape[0], self.depth, dtype=np.int16))

    def expert(self, pkt: NDArray[np.int64], code: int, arg: NDArray[np.int64] | int = 0,
               arg2: NDArray[np.int64] | int = 0) -> None:
        """Add expert item ``code`` (an index into the expert table) to these frames."""
        if pkt.shape[0]:
            self.expert_pkt.append(pkt)
            self.expert_code.append(np.full(pkt.shape[0], code, dtype=np.int32))
            self.expert_arg.append(np.broadcast_to(np.asarray(arg, dtype=np.int64), pkt.shape).copy())
            self.expert_arg2.append(np.broadcast_to(np.asarray(arg2, dtype=np.int64), pkt.shape).copy())
            self.expert_depth.append(np.full(pkt.shape[0], self.depth, dtype=np.int16))

    def stop(self, idx: NDArray[np.int64], reported: NDArray[np.bool_] | None = None) -> None:
        """End dissection of frames ``idx`` because a read went past their bytes.

        ``reported`` marks the frames whose read went past the *reported* length
        (malformed); the others only ran out of captured bytes.
        """
        self.nxt[idx] = Proto.DONE
        if reported is None:
            self.short[idx] = True
        else:
            self.malformed[idx[reported]] = True
            self.short[idx[~reported]] = True

    def read(self, idx: NDArray[np.int64], width: int, at: NDArray[np.int64] | None = None) -> NDArray[np.uint8]:
        """``width`` bytes at each cursor (or at ``at``) of frames ``idx``, as an (m, width) array."""
        return gather(self.data, self.off[idx] if at is None else at, width)

    def avail(self, idx: NDArray[np.int64]) -> NDArray[np.int64]:
        """Captured bytes left at the cursor of frames ``idx``."""
        return self.end[idx] - self.off[idx]

    def ravail(self, idx: NDArray[np.int64]) -> NDArray[np.int64]:
        """Reported bytes left at the cursor of frames ``idx``."""
        return self.rend[idx] - self.off[idx]

    def short_read(self, idx: NDArray[np.int64], need: NDArray[np.int64] | int) -> NDArray[np.bool_]:
        """Which frames cannot give ``need`` bytes at the cursor; those are stopped."""
        bad = self.avail(idx) < need
        if bad.any():
            self.stop(idx[bad], self.ravail(idx[bad]) < need if isinstance(need, int) else
                      self.ravail(idx[bad]) < np.asarray(need)[bad])
        return bad
