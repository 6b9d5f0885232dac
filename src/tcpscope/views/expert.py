"""The expert summary: ``tshark -q -z expert`` counted from the ``_expert`` layer.

tshark's expert tap (ui/cli/tap-expert.c) sees every expert item in the order the
dissectors add them and keeps, per severity, one entry per distinct (protocol, summary
text): its frequency, and the group of the item that created it. It prints the
severities from Errors down to Comments, each only if it has entries:

    "\\n<Label> (<total of the frequencies>)\\n"
    "=============\\n"
    "   Frequency      Group           Protocol  Summary\\n"
    "%12d %10s %18s  %s\\n" per entry, in order of first occurrence

Labels are ``Errors``, ``Warns``, ``Notes``, ``Chats``, ``Comments``; groups are
``expert_group_vals`` (epan/expert.c): ``Checksum``, ``Sequence``, ``Response``, ``Request``,
``Undecoded``, ``Reassemble``, ``Malformed``, ``Debug``, ``Protocol``, ``Security``,
``Comment``, ``Decryption``, ``Assumption``, ``Deprecated``. A summary is cut at 239
bytes (``ITEM_LABEL_LENGTH``), as tshark formats it.

tcpscope raises the items of its own dissectors and of the TCP analysis
(:data:`tcpscope.dissect.experts.EXPERTS`: TCP, IPv4, IPv6), and HTTP's chats on request
and response lines (:mod:`tcpscope.analysis.http_experts`); items of protocols it does not
dissect (TLS, ...) and HTTP's others are absent, so tshark's rows for them, and its totals,
differ by those rows (docs/deviations.md).

``level`` keeps the severities from that one up (``tshark -z expert,note`` prints notes,
warnings and errors). ``mask`` (one boolean per frame) keeps the items of the frames it
selects, like ``tshark -z expert,,FILTER``.

With ``frames=True`` each entry is followed by one line listing the frames where the
finding occurs, each frame once, ascending, runs of consecutive frames as ``first-last``:

    "             Frames: 3,17-19,40\\n"

(13 spaces, under the Group column). This line is tcpscope's own; without ``frames``
the text is tshark's byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tcpscope._types import Index, Mask
from tcpscope.dissect.context import Group, Sev
from tcpscope.dissect.experts import EXPERTS, summary
from tcpscope.table.packets import PacketTable

__all__ = [
    "GROUP_NAMES",
    "LEVEL_NAMES",
    "SEVERITY_LABELS",
    "ExpertEntry",
    "ExpertTally",
    "expert_entries",
    "frame_ranges",
    "render_expert",
]

#: Section titles of ``-z expert``, in print order.
SEVERITY_LABELS: tuple[tuple[Sev, str], ...] = (
    (Sev.ERROR, "Errors"),
    (Sev.WARN, "Warns"),
    (Sev.NOTE, "Notes"),
    (Sev.CHAT, "Chats"),
    (Sev.COMMENT, "Comments"),
)

#: ``-z expert,LEVEL`` words (case-insensitive in tshark) and the lowest severity they keep.
LEVEL_NAMES: dict[str, Sev] = {
    "error": Sev.ERROR,
    "warn": Sev.WARN,
    "note": Sev.NOTE,
    "chat": Sev.CHAT,
    "comment": Sev.COMMENT,
}

#: ``expert_group_vals`` (epan/expert.c).
GROUP_NAMES: dict[Group, str] = {
    Group.CHECKSUM: "Checksum",
    Group.SEQUENCE: "Sequence",
    Group.RESPONSE_CODE: "Response",
    Group.REQUEST_CODE: "Request",
    Group.UNDECODED: "Undecoded",
    Group.REASSEMBLE: "Reassemble",
    Group.MALFORMED: "Malformed",
    Group.DEBUG: "Debug",
    Group.PROTOCOL: "Protocol",
    Group.SECURITY: "Security",
    Group.COMMENTS_GROUP: "Comment",
    Group.DECRYPTION: "Decryption",
    Group.ASSUMPTION: "Assumption",
    Group.DEPRECATED: "Deprecated",
}

ITEM_LABEL_LENGTH = 240


@dataclass(frozen=True, slots=True)
class ExpertEntry:
    """One row of ``-z expert``: a distinct (protocol, summary) of one severity.

    ``group`` is that of the first item; ``first`` the index of the first item in the
    ``_expert`` layer (the print order); ``frames`` the frame numbers (1-based, ascending,
    each once) where the finding occurs.
    """

    severity: Sev
    group: Group
    protocol: str
    summary: str
    count: int
    first: int
    frames: Index

    @property
    def group_name(self) -> str:
        return GROUP_NAMES.get(self.group, f"Unknown ({int(self.group) << 24})")


def _cut(text: str) -> str:
    raw = text.encode("utf-8")
    if len(raw) < ITEM_LABEL_LENGTH:
        return text
    return raw[: ITEM_LABEL_LENGTH - 1].decode("utf-8", errors="ignore")


def expert_entries(table: PacketTable, mask: Mask | None = None, level: Sev = Sev.COMMENT) -> list[ExpertEntry]:
    """The entries of ``-z expert`` over ``table``, severities from the highest, each in
    order of first occurrence (see the module docstring)."""
    from tcpscope.analysis.http_experts import with_http_experts  # HTTP's framing, loaded when asked

    ex = with_http_experts(table).layer("_expert")
    if len(ex) == 0:
        return []
    code = np.asarray(ex.cols["code"], dtype=np.int64)
    arg = np.asarray(ex.cols["arg"], dtype=np.int64)
    arg2 = np.asarray(ex.cols["arg2"], dtype=np.int64)
    pkt = ex.pkt
    keep = np.ones(len(ex), dtype=np.bool_)
    if mask is not None:
        keep &= np.asarray(mask, dtype=np.bool_)[pkt]
    sev_of_code = np.array([int(e.severity) for e in EXPERTS], dtype=np.int64)
    keep &= sev_of_code[code] >= int(level)
    items = np.flatnonzero(keep)
    if items.shape[0] == 0:
        return []
    c3, a3, b3 = code[items], arg[items], arg2[items]
    order = np.lexsort((b3, a3, c3))
    new = np.ones(items.shape[0], dtype=np.bool_)
    new[1:] = (c3[order][1:] != c3[order][:-1]) | (a3[order][1:] != a3[order][:-1]) \
        | (b3[order][1:] != b3[order][:-1])
    inv = np.empty(items.shape[0], dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    ntriples = int(new.sum())
    first_pos = np.full(ntriples, items.shape[0], dtype=np.int64)
    np.minimum.at(first_pos, inv, np.arange(items.shape[0], dtype=np.int64))
    uniq = np.stack([c3[first_pos], a3[first_pos], b3[first_pos]], axis=1)
    # several (code, arg, arg2) can print the same text: merge them, keeping the
    # group of the one seen first
    entry_of: dict[tuple[int, str, str], int] = {}
    triple_entry = np.empty(uniq.shape[0], dtype=np.int64)
    heads: list[tuple[int, int, int]] = []  # (first position, triple, entry) of each entry
    for t in np.argsort(first_pos, kind="stable").tolist():
        c, a, b = (int(x) for x in uniq[t])
        e = EXPERTS[c]
        key = (int(e.severity), e.protocol, _cut(summary(c, a, b)))
        got = entry_of.get(key)
        if got is None:
            got = entry_of[key] = len(heads)
            heads.append((int(first_pos[t]), t, got))
        triple_entry[t] = got
    item_entry = triple_entry[inv]
    counts = np.bincount(item_entry, minlength=len(heads))
    by_entry = np.argsort(item_entry, kind="stable")
    bounds = np.searchsorted(item_entry[by_entry], np.arange(len(heads) + 1))
    item_frames = pkt[items][by_entry] + 1
    entries: list[ExpertEntry] = []
    keys = list(entry_of)
    for first, t, ent in heads:
        c = int(uniq[t][0])
        sev, proto, text = keys[ent]
        entries.append(ExpertEntry(
            severity=Sev(sev),
            group=EXPERTS[c].group,
            protocol=proto,
            summary=text,
            count=int(counts[ent]),
            first=int(items[first]),
            frames=np.unique(item_frames[bounds[ent]: bounds[ent + 1]]).astype(np.int64),
        ))
    rank = {s: i for i, (s, _) in enumerate(SEVERITY_LABELS)}
    entries.sort(key=lambda en: (rank[en.severity], en.first))
    return entries


class ExpertTally:
    """The entries of ``-z expert`` over a capture seen a piece at a time (``add`` each
    analysed piece in order, then ``entries``): the same as :func:`expert_entries` over
    the whole table."""

    def __init__(self, level: Sev = Sev.COMMENT) -> None:
        self.level = level
        self._rows: dict[tuple[Sev, str, str], ExpertEntry] = {}
        self._frames: dict[tuple[Sev, str, str], list[Index]] = {}
        self._items = 0  # items of the pieces before: the print order goes on from them

    def add(self, table: PacketTable, mask: Mask | None = None) -> None:
        base = table.records.first_frame
        for e in expert_entries(table, mask, self.level):
            key = (e.severity, e.protocol, e.summary)
            seen = self._rows.get(key)
            if seen is None:  # its group and place are those of its first item
                self._rows[key] = replace(e, first=self._items + e.first)
                self._frames[key] = [e.frames + base]
            else:
                self._rows[key] = replace(seen, count=seen.count + e.count)
                self._frames[key].append(e.frames + base)
        from tcpscope.analysis.http_experts import with_http_experts  # (the table done last: remembered)

        self._items += len(with_http_experts(table).layer("_expert"))

    def entries(self) -> list[ExpertEntry]:
        rank = {s: i for i, (s, _) in enumerate(SEVERITY_LABELS)}
        out = [replace(e, frames=np.concatenate(self._frames[k])) for k, e in self._rows.items()]
        out.sort(key=lambda en: (rank[en.severity], en.first))
        return out


def frame_ranges(frames: Index) -> str:
    """Ascending frame numbers as ``1,3-5,9``."""
    f = np.asarray(frames, dtype=np.int64)
    if f.shape[0] == 0:
        return ""
    brk = np.flatnonzero(np.diff(f) != 1) + 1
    starts = np.concatenate([[0], brk])
    ends = np.concatenate([brk, [f.shape[0]]]) - 1
    parts = []
    for s, e in zip(f[starts].tolist(), f[ends].tolist(), strict=True):
        parts.append(str(s) if s == e else f"{s}-{e}")
    return ",".join(parts)


def render_expert(entries: list[ExpertEntry], frames: bool = False) -> str:
    """The text of ``tshark -q -z expert`` for ``entries`` (module docstring)."""
    out: list[str] = []
    for sev, label in SEVERITY_LABELS:
        rows = [e for e in entries if e.severity is sev]
        if not rows:
            continue
        out.append(f"\n{label} ({sum(e.count for e in rows)})\n")
        out.append("=============\n")
        out.append("   Frequency      Group           Protocol  Summary\n")
        for e in rows:
            out.append("%12d %10s %18s  %s\n" % (e.count, e.group_name, e.protocol, e.summary))  # noqa: UP031
            if frames:
                out.append(f"{' ' * 13}Frames: {frame_ranges(e.frames)}\n")
    return "".join(out)
