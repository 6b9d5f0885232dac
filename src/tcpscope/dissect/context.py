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
*ReportedBoundsError* ("[Malformed Packet]", ``_ws.malformed``); within the reported
length of an item but past that of the layer holding it, a *ContainedBoundsError*
(malformed too). Any of them stops the dissection of the frame at that header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import gather
from tcpscope.table.layers import LayerBuilder

__all__ = ["DissectContext", "Expert", "Group", "Proto", "Sev", "rows_of"]


def rows_of(mask: NDArray[np.bool_]) -> NDArray[np.bool_] | slice:
    """A selector of the rows where ``mask`` holds: ``mask`` itself, or ``slice(None)`` when it holds everywhere.

    Selecting with the slice returns views instead of copies: in a large capture most
    masks keep every row. (The selected arrays are views then: do not write into them.)
    """
    return slice(None) if bool(mask.all()) else mask


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
    #: malformed frames whose exception was a ContainedBoundsError
    contained: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    fragmented: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    expert_pkt: list[NDArray[np.int64]] = field(default_factory=list)
    expert_code: list[NDArray[np.int32]] = field(default_factory=list)
    expert_arg: list[NDArray[np.int64]] = field(default_factory=list)
    expert_arg2: list[NDArray[np.int64]] = field(default_factory=list)
    expert_slot: list[NDArray[np.int32]] = field(default_factory=list)
    expert_depth: list[NDArray[np.int16]] = field(default_factory=list)
    stack_pkt: list[NDArray[np.int64]] = field(default_factory=list)
    stack_proto: list[NDArray[np.int16]] = field(default_factory=list)
    stack_depth: list[NDArray[np.int16]] = field(default_factory=list)
    pending: dict[str, object] = field(default_factory=dict)
    #: per frame, the protocol (``PROTO_NAMES`` code) whose dissector ran last: the
    #: protocol an exception is blamed on (``pinfo->current_proto``)
    current: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, dtype=np.int16))

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
            if self.current.shape[0] != self.n:
                self.current = np.zeros(self.n, dtype=np.int16)
            self.current[pkt] = proto_code

    def stack_rows(self, pkt: NDArray[np.int64], proto: NDArray[np.int16], depth: NDArray[np.int16],
                   last: tuple[NDArray[np.int64], NDArray[np.int16]] | None = None) -> None:
        """Stack entries already in frame and stack order (several per frame), as :meth:`mark_stack`
        makes them; ``last``: the frames and the protocol of each one's last entry, when known."""
        if pkt.shape[0]:
            self.stack_pkt.append(pkt)
            self.stack_proto.append(proto)
            self.stack_depth.append(depth)
            if self.current.shape[0] != self.n:
                self.current = np.zeros(self.n, dtype=np.int16)
            if last is None:
                self.current[pkt] = proto  # the last entry of each frame wins
            else:
                self.current[last[0]] = last[1]

    def expert(self, pkt: NDArray[np.int64], code: int, arg: NDArray[np.int64] | int = 0,
               arg2: NDArray[np.int64] | int = 0, slot: NDArray[np.int64] | int = -1) -> None:
        """Add expert item ``code`` (an index into the expert table) to these frames.

        ``slot`` orders the items of one header as Wireshark adds them to the tree
        (default: the code's fixed place, :data:`tcpscope.dissect.experts.SLOT`).
        """
        if pkt.shape[0]:
            if isinstance(slot, int) and slot < 0:
                from tcpscope.dissect.experts import SLOT
                slot = SLOT.get(code, 0)
            self.expert_slot.append(np.broadcast_to(np.asarray(slot, dtype=np.int32), pkt.shape).copy())
            self.expert_pkt.append(pkt)
            self.expert_code.append(np.full(pkt.shape[0], code, dtype=np.int32))
            self.expert_arg.append(np.broadcast_to(np.asarray(arg, dtype=np.int64), pkt.shape).copy())
            self.expert_arg2.append(np.broadcast_to(np.asarray(arg2, dtype=np.int64), pkt.shape).copy())
            self.expert_depth.append(np.full(pkt.shape[0], self.depth, dtype=np.int16))

    def stop(self, idx: NDArray[np.int64], reported: NDArray[np.bool_] | None = None,
             contained: NDArray[np.bool_] | None = None) -> None:
        """End dissection of frames ``idx`` because a read went past their bytes.

        ``reported`` marks the frames whose read went past the *reported* length
        (malformed: they get the "Malformed Packet" expert item of the protocol being
        dissected); the others only ran out of captured bytes. ``contained`` marks, among
        the malformed ones, those whose read stayed within the reported length of the
        item being read but not of the layer containing it (a ContainedBoundsError:
        the same expert item, another Info mark).
        """
        self.nxt[idx] = Proto.DONE
        if contained is not None and contained.any():
            if self.contained.shape[0] != self.n:
                self.contained = np.zeros(self.n, dtype=np.bool_)
            self.contained[idx[contained]] = True
        if reported is None:
            self.short[idx] = True
        else:
            bad = idx[reported]
            if bad.shape[0]:
                from tcpscope.dissect.experts import MALFORMED_SLOT, malformed_codes

                proto = self.current[bad] if self.current.shape[0] == self.n else np.zeros(bad.shape[0], np.int16)
                codes = np.asarray(malformed_codes(), dtype=np.int64)[proto]
                for code in np.flatnonzero(np.bincount(codes)).tolist():  # (np.unique: numpy.ma, start-up)
                    self.expert(bad[codes == code], int(code), slot=MALFORMED_SLOT)
            self.malformed[bad] = True
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
