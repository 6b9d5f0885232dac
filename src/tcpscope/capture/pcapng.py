"""The pcapng format (draft-ietf-opsawg-pcapng), read the way tshark 4.0 reads it.

A file is a list of blocks ``type, total_length, body, total_length`` in the byte order
of the section they belong to. A Section Header Block (SHB, 0x0A0D0D0A, byte-order
magic 0x1A2B3C4D) starts a section and resets its interfaces; an Interface Description
Block (IDB, 1) adds one (link type, snaplen, if_tsresol, if_tsoffset); packets come in
Enhanced (EPB, 6), Simple (SPB, 3) and obsolete Packet Blocks (PB, 2). A Custom Block
(0x00000BAD, 0x40000BAD) is a record too: tshark 4.0 numbers it as a frame with its
data's length, no time of its own (the previous record's time counts for frame.time_delta)
and no interface. Other blocks (statistics, name resolution, unknown types) are skipped.

frame.interface_id is the interface's index *within its section*, as tshark 4.0 reports
it; an SPB has no time stamp (its time fields are absent, and it counts as time 0 for
the next frame's delta) and its captured length is the smaller of its packet length and
the interface's snaplen.

Damage stops reading where it is found, after every earlier packet, with tshark's
message (wiretap/pcapng.c): a total length over MAX_BLOCK_SIZE, shorter than the
block type's minimum, or too short for the packet data; a trailing length that
differs from the leading one; an interface index with no IDB; a cap_len over the link
type's maximum; an option wiretap refuses (:mod:`tcpscope.capture.pcapng_options`); a
record too short for its link type's pseudo-header. Damage in the first section header
or the interface blocks right after it is an error opening the file (no frames); a
first section header whose body is not all there is not a pcapng file at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import uint_at
from tcpscope.capture.linktypes import max_packet_size, strip_pseudo_headers
from tcpscope.capture.pcapng_blocks import (
    BAD_BOM,
    CB_COPY,
    CB_NO_COPY,
    CUT_SHORT,
    DSB,
    EPB,
    HEAD_WORDS,
    IDB,
    ISB,
    MAX_BLOCK_SIZE,
    MIN_BLOCK,
    NRB,
    OK,
    PB,
    SHB_TYPE,
    SPB,
    TOO_LARGE,
    TOO_SMALL,
    TRAILER,
    open_blocks,
    walk_blocks,
)
from tcpscope.capture.pcapng_options import (
    block_option_error,
    nrb_error,
    packet_fcs_lengths,
    packet_option_errors,
    packet_option_message,
    parse_idb,
)
from tcpscope.capture.records import LINKTYPE_NONE, Interface, Records
from tcpscope.capture.source import Source
from tcpscope.errors import (
    CaptureCutShortError,
    CaptureDamagedError,
    CaptureError,
    CaptureWarning,
    NotACaptureError,
    file_description,
)

__all__ = ["read_pcapng"]

MIN_SIZE = {SHB_TYPE: 28, IDB: 20, PB: 32, SPB: 16, EPB: 32, NRB: 16, ISB: 24, CB_COPY: 16, CB_NO_COPY: 16}
#: how each block type's reader words "shorter than my minimum" (``{m}``: the minimum)
_TOO_SMALL = {
    SHB_TYPE: "of an SHB is less than the minimum SHB size {m}",
    IDB: "of an IDB is less than the minimum IDB size {m}",
    PB: "of a PB is less than the minimum PB size {m}",
    SPB: "of an SPB is less than the minimum SPB size {m}",
    EPB: "of an EPB is less than the minimum EPB size {m}",
    NRB: "of an NRB is less than the minimum NRB size {m}",
    ISB: "of an ISB is too small (< {m})",
    CB_COPY: "of a CB is too small (< {m})",
    CB_NO_COPY: "of a CB is too small (< {m})",
}

def _too_small(length: int, btype: int) -> str:
    if btype in _TOO_SMALL:
        return f"pcapng: total block length {length} " + _TOO_SMALL[btype].format(m=MIN_SIZE[btype])
    return (f"pcapng: total block length {length} of an unknown block type is less than the minimum"
            f" block size {MIN_BLOCK}")


def _to_ns(ticks: NDArray[np.uint64], units: int, offset_s: int) -> NDArray[np.int64]:
    """Timestamp ticks of ``units`` per second to int64 ns, in wiretap's unsigned 64-bit arithmetic.

    ``(ticks % units) * 10**9`` wraps as it does in C; seconds beyond int64 nanoseconds
    (after the year 2262) wrap too, where tshark would still print them.
    """
    u = np.uint64(units)
    with np.errstate(over="ignore"):
        secs = (ticks // u).astype(np.int64) + np.int64(offset_s)
        ns = ((ticks % u) * np.uint64(1_000_000_000)) // u
        return secs * np.int64(1_000_000_000) + ns.astype(np.int64)


def _failure(name: str, detail: str, unsupported: bool) -> CaptureError:
    """WTAP_ERR_UNSUPPORTED or WTAP_ERR_BAD_FILE, as tshark words them."""
    if unsupported:
        return CaptureError(name, f"The {file_description(name)} contains record data that tcpscope doesn't support.", detail)
    return CaptureDamagedError(name, detail)


class _Blocks(NamedTuple):
    """Every block the walk stored (:func:`walk_blocks`), and where and why it stopped."""

    off: NDArray[np.int64]
    btype: NDArray[np.int64]
    blen: NDArray[np.int64]
    big: NDArray[np.bool_]
    head: NDArray[np.uint32]
    n: int  #: how many
    stop: int
    status: int
    v1: int
    v2: int


@dataclass
class _Complaints:
    """What is wrong with each block, in the order wiretap's readers check (first one wins):
    block -> (damaged, unsupported or cut-short; err_info). ``partial``: a block whose body
    is not all in the file; ``small``: shorter than its type's minimum."""

    partial: NDArray[np.bool_]
    small: NDArray[np.bool_]
    bad: NDArray[np.bool_]
    msg: dict[int, tuple[str, str]] = field(default_factory=dict)

    def mark(self, i: int, msg: str, kind: str = "damaged") -> None:
        if not self.bad[i]:
            self.bad[i] = True
            self.msg[i] = (kind, msg)


@dataclass
class _Interfaces:
    """The interfaces of the whole file, in order, and the index of each section's first."""

    all: list[Interface] = field(default_factory=list)
    first_of_section: dict[int, int] = field(default_factory=dict)


class _Packets(NamedTuple):
    """The packet blocks' columns the records need (one row a packet block)."""

    pidx: NDArray[np.int64]  #: the block of each
    data_off: NDArray[np.int64]
    caplen: NDArray[np.int64]
    wirelen: NDArray[np.int64]
    gif: NDArray[np.int64]  #: the interface, in the whole file
    local_if: NDArray[np.int64]  #: the interface, in its section
    linktype: NDArray[np.int32]
    fcs: NDArray[np.int64]
    has_ts: NDArray[np.bool_]
    ts_hi: NDArray[np.int64]
    ts_lo: NDArray[np.int64]


def read_pcapng(src: Source) -> Records:
    """Index every packet and custom block of a pcapng file (see the module docstring)."""
    data, name = src.data, src.name
    blocks = _Blocks(*walk_blocks(src))
    count, status = blocks.n, blocks.status
    # the last block stored may be the one the walk stopped at (cut short, or a bad trailer)
    failing = count > 0 and status in (CUT_SHORT, TRAILER) and int(blocks.off[count - 1]) == blocks.stop
    partial = np.zeros(count, dtype=np.bool_)
    if failing and status == CUT_SHORT and int(data.shape[0]) < int(blocks.off[-1]) + int(blocks.blen[-1]) - 4:
        partial[-1] = True  # its body is not all there (a block missing only its trailer is checked whole)
    if count == 0 or (count == 1 and partial[0]):
        _check_first_block(data, name, status)
    small = np.zeros(count, dtype=np.bool_)
    for t, minimum in MIN_SIZE.items():
        small |= (blocks.btype == t) & (blocks.blen < minimum)
    marks = _Complaints(partial, small, np.zeros(count, dtype=np.bool_))
    limit = int(np.argmax(small)) if small.any() else count
    if limit < count:
        marks.mark(limit, _too_small(int(blocks.blen[limit]), int(blocks.btype[limit])))
    interfaces = _read_metadata(data, blocks, limit, marks)
    packets = _packet_blocks(data, blocks, marks, interfaces)
    blocks = blocks._replace(head=blocks.head[:0])  # the records need no head words (a large capture's most)
    first_bad, warnings = _where_reading_stops(src, blocks, failing, marks)
    return _records(src, blocks, packets, first_bad, (interfaces.all, warnings))


def _read_metadata(data: NDArray[np.uint8], blocks: _Blocks, limit: int, marks: _Complaints) -> _Interfaces:
    """Sections and interfaces (and the other blocks with options): few blocks, read one
    by one until the first complaint."""
    off, btype, blen, big = blocks.off, blocks.btype, blocks.blen, blocks.big
    section = np.cumsum(btype == SHB_TYPE) - 1
    ifs = _Interfaces()
    for i in np.flatnonzero((btype == SHB_TYPE) | (btype == IDB) | (btype == ISB) | (btype == NRB)
                            | (btype == DSB)).tolist():
        if i >= limit or marks.partial[i]:  # a block cut short fails when its body is read, before its options
            break
        o, ln, b = int(off[i]), int(blen[i]), bool(big[i])
        if btype[i] == SHB_TYPE:
            maj, minr = uint_at(data, o + 12, 2, b), uint_at(data, o + 14, 2, b)
            if not (maj == 1 and minr in (0, 2)):
                marks.mark(i, f"pcapng: unknown SHB version {maj}.{minr}", "unsupported")
                break
            ifs.first_of_section[int(section[i])] = len(ifs.all)
            err = block_option_error(data, o + 24, o + ln - 4, b, is_idb=False)
        elif btype[i] == IDB:
            err = block_option_error(data, o + 16, o + ln - 4, b, is_idb=True)
            if err is None:
                ifs.all.append(parse_idb(data, o, ln, b))
        elif btype[i] == DSB:
            err = _dsb_error(data, o, ln, b)
            if err == "":
                marks.mark(i, "", "cut-short")
                break
        else:
            err = nrb_error(data, o + 8, o + ln - 4, b) if btype[i] == NRB else \
                block_option_error(data, o + 20, o + ln - 4, b, is_idb=False)
        if err is not None:
            marks.mark(i, err)
            break
    return ifs


def _dsb_error(data: NDArray[np.uint8], o: int, ln: int, big: bool) -> str | None:
    """A Decryption Secrets Block's complaint: "" cut short, else the message or None.

    secrets_len bytes are read from the stream (past the block if it says so), then
    blen - 20 - secrets_len more in unsigned arithmetic: past the block means cut short.
    """
    secrets = uint_at(data, o + 12, 4, big)
    if o + 16 > int(data.shape[0]) or (secrets <= 2**30 and secrets > ln - 20):
        return ""
    return f"pcapng: secrets block is too large: {secrets}" if secrets > 2**30 else None


def _section_interfaces(blocks: _Blocks, pidx: NDArray[np.int64], local_if: NDArray[np.int64],
                        ifs: _Interfaces) -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.int64]]:
    """Each packet block's interface in the whole file (0 when it names none), whether it
    names none, and how many interfaces its section had before it."""
    btype = blocks.btype
    section = np.cumsum(btype == SHB_TYPE) - 1
    per_section_idb = np.cumsum(btype == IDB)
    sec_start_idb = np.zeros(blocks.n, dtype=np.int64)
    if blocks.n:
        starts = np.flatnonzero(btype == SHB_TYPE)
        base = per_section_idb[starts] - (btype[starts] == IDB)
        sec_start_idb = base[np.maximum(section, 0)]
    idb_before = per_section_idb - sec_start_idb - (btype == IDB)
    psec = section[pidx]
    gif = np.zeros(pidx.shape[0], dtype=np.int64)
    for s, first in ifs.first_of_section.items():
        m = psec == s
        gif[m] = first + local_if[m]
    n_if_here = idb_before[pidx]
    no_if = local_if >= n_if_here
    gif = np.where(no_if | (gif >= len(ifs.all)), 0, gif)
    return gif, no_if, n_if_here


def _packet_blocks(data: NDArray[np.uint8], blocks: _Blocks, marks: _Complaints, ifs: _Interfaces) -> _Packets:
    """The packet blocks' fixed fields, interfaces and options, each complaint marked."""
    end = int(data.shape[0])
    is_pkt = ((blocks.btype == EPB) | (blocks.btype == PB) | (blocks.btype == SPB)) & ~marks.small
    pidx = np.flatnonzero(is_pkt)
    pbig = blocks.big[pidx]
    poff = blocks.off[pidx]
    ptype = blocks.btype[pidx]
    # the fixed fields after type and length: EPB interface, time stamp (high, low),
    # captured length, packet length; PB the same with a 16-bit interface; SPB packet length
    a, ts_hi, ts_lo, d, e = (blocks.head[pidx, w].astype(np.int64) for w in range(HEAD_WORDS))
    is_spb = ptype == SPB
    local_if = np.where(ptype == PB, np.where(pbig, a >> 16, a & 0xFFFF), a)
    local_if = np.where(is_spb, 0, local_if)
    wirelen = np.where(is_spb, a, e)
    data_off = np.where(is_spb, poff + 12, poff + 28)
    plen = blocks.blen[pidx]
    gif, no_if, n_if_here = _section_interfaces(blocks, pidx, local_if, ifs)
    if_snap = np.array([i.snaplen for i in ifs.all] or [0], dtype=np.int64)[gif]
    if_max = np.array([max_packet_size(i.linktype) for i in ifs.all] or [0], dtype=np.int64)[gif]
    # an SPB's captured length: its packet length, cut to the interface's snaplen
    caplen = np.where(is_spb, np.where((if_snap > 0) & (wirelen > if_snap), if_snap, wirelen), d)
    padded = (caplen + 3) & ~3
    too_small = plen < ((np.where(is_spb, 16, 32) + padded) & 0xFFFFFFFF)  # guint32 sums, as wiretap
    opt_start = np.where(is_spb, poff + plen - 4, np.minimum(data_off + padded, poff + plen - 4))
    too_big = caplen > if_max
    # a block cut short is checked as far as its fixed part was read
    whole = ~marks.partial[pidx]
    header_read = whole | (end - poff >= np.where(is_spb, 12, 28))
    for q in np.flatnonzero((no_if | too_small | too_big) & header_read)[:1]:
        what = "an EPB" if ptype[q] == EPB else "a PB" if ptype[q] == PB else "an SPB"
        if no_if[q] and ptype[q] == SPB:
            msg = "pcapng: SPB appeared before any IDBs in the section"
        elif too_small[q] and ptype[q] != SPB:
            msg = f"pcapng: total block length {int(plen[q])} of {what} is too small for {int(caplen[q])} bytes of packet data"
        elif no_if[q]:
            msg = f"pcapng: interface index {int(local_if[q])} is not less than section interface count {int(n_if_here[q])}"
        elif too_small[q]:
            msg = f"pcapng: total block length {int(plen[q])} of {what} is too small for {int(wirelen[q])} bytes of packet data"
        else:
            msg = f"pcapng: cap_len {int(caplen[q])} is larger than {int(if_max[q])}"
        marks.mark(int(pidx[q]), msg)
    linktype = np.array([i.linktype for i in ifs.all] or [0], dtype=np.int32)[gif]
    data_off, caplen, wirelen, ph_bad, ph_msg = strip_pseudo_headers(data, data_off, caplen, wirelen, linktype)
    if ph_bad < pidx.shape[0] and whole[ph_bad]:
        marks.mark(int(pidx[ph_bad]), ph_msg)
    opt_end = np.where(whole, poff + plen - 4, opt_start)
    k, code, olen = packet_option_errors(data, opt_start, opt_end, pbig)
    if k >= 0:
        marks.mark(int(pidx[k]), packet_option_message(code, olen))
    if_fcs = np.array([i.fcs_len for i in ifs.all] or [-1], dtype=np.int64)[gif]
    fcs = packet_fcs_lengths(data, opt_start, opt_end, pbig, if_fcs)
    return _Packets(pidx, data_off, caplen, wirelen, gif, local_if, linktype, fcs, ~is_spb, ts_hi, ts_lo)


def _where_reading_stops(src: Source, blocks: _Blocks, failing: bool, marks: _Complaints
                         ) -> tuple[int, list[CaptureWarning]]:
    """The first block not read, and how tshark words why: the first block with a complaint,
    or the block the walk stopped at; an error when that is while opening the file."""
    data, name = src.data, src.name
    count, status, stop = blocks.n, blocks.status, blocks.stop
    n_ok = count - 1 if failing else count
    first_bad = int(np.flatnonzero(marks.bad)[0]) if marks.bad.any() else count
    n_open = open_blocks(blocks.btype)
    if first_bad < count:
        kind, detail = marks.msg[first_bad]
        if first_bad < n_open:
            raise CaptureCutShortError(name) if kind == "cut-short" else _failure(name, detail, kind == "unsupported")
        if kind == "cut-short":
            return first_bad, [CaptureWarning.cut_short(name, int(blocks.off[first_bad]))]
        return first_bad, [CaptureWarning("damaged", str(_failure(name, detail, kind == "unsupported")),
                                          int(blocks.off[first_bad]))]
    if status == OK:
        return first_bad, []
    left = int(data.shape[0]) - stop
    at_idb = left >= 8 and _block_type(data, stop, bool(blocks.big[-1]) if count else False) == IDB
    message = _walk_message(status, blocks.v1, blocks.v2)
    if n_ok < n_open or (n_ok == n_open and (at_idb or (status == CUT_SHORT and left < 8))):
        if status == CUT_SHORT:
            raise CaptureCutShortError(name)
        raise CaptureDamagedError(name, message)
    if status == CUT_SHORT:
        return n_ok, [CaptureWarning.cut_short(name, stop)]
    return n_ok, [CaptureWarning("damaged", _damaged(name, message), stop)]


def _records(src: Source, blocks: _Blocks, pk: _Packets, first_bad: int,
             found: tuple[list[Interface], list[CaptureWarning]]) -> Records:
    """The records, in file order: packet blocks and custom blocks before the first damage
    (a custom block: its data and nothing else). ``found``: the interfaces and warnings."""
    interfaces, warnings = found
    btype = blocks.btype
    is_cb = (btype == CB_COPY) | (btype == CB_NO_COPY)
    is_pkt = np.zeros(blocks.n, dtype=np.bool_)
    is_pkt[pk.pidx] = True
    is_cb &= blocks.blen >= MIN_SIZE[CB_COPY]  # not too small for a custom block
    rec = np.flatnonzero((is_pkt | is_cb)[:first_bad])
    m = rec.shape[0]
    pkr = is_pkt[rec]
    n_pkt = pk.pidx.shape[0]
    only_packets = m == 0 or (bool(pkr.all()) and m <= n_pkt and int(rec[-1]) == int(pk.pidx[m - 1]))

    if only_packets:  # no custom block: the records are the first m packet blocks
        def per_record(a: NDArray[Any], fill: int) -> NDArray[Any]:
            return a[:m]
    else:
        j = np.where(pkr, np.searchsorted(pk.pidx, rec), n_pkt)  # n_pkt: the padding row of a custom block

        def per_record(a: NDArray[Any], fill: int) -> NDArray[Any]:
            return np.append(a, np.asarray(fill, dtype=a.dtype))[j]

    cb_len = blocks.blen[rec] - MIN_SIZE[CB_COPY]
    r_off = np.where(pkr, per_record(pk.data_off, 0), blocks.off[rec] + 12)
    r_gif = per_record(pk.gif, 0)
    r_fcs = per_record(pk.fcs, -1)
    has_ts = per_record(pk.has_ts, 0)
    ticks = (per_record(pk.ts_hi, 0).astype(np.uint64) << np.uint64(32)) | per_record(pk.ts_lo, 0).astype(np.uint64)
    ts = np.zeros(m, dtype=np.int64)
    for k_if, itf in enumerate(interfaces):
        sel = has_ts & (r_gif == k_if)
        if sel.any():
            ts[sel] = _to_ns(ticks[sel], itf.ts_units, itf.ts_offset)
    # a custom block keeps the time of the record before it (wiretap leaves it in place)
    last = np.maximum.accumulate(np.where(pkr, np.arange(m), -1)) if m else np.zeros(0, dtype=np.int64)
    ts = np.where(pkr, ts, np.where(last >= 0, ts[np.maximum(last, 0)], 0))
    return Records(
        name=src.name,
        format="pcapng",
        data=src.data,
        offset=r_off.astype(np.int64),
        caplen=np.where(pkr, per_record(pk.caplen, 0), cb_len).astype(np.int64),
        wirelen=np.where(pkr, per_record(pk.wirelen, 0), cb_len).astype(np.int64),
        ts_ns=ts,
        iface=r_gif.astype(np.int32),
        linktype=per_record(pk.linktype, LINKTYPE_NONE),
        interfaces=tuple(interfaces),
        has_interface_id=True,
        read_warnings=tuple(warnings),
        keepalive=src.keepalive,
        interface_id=per_record(pk.local_if, -1).astype(np.int32),
        has_ts=has_ts,
        fcs_len=r_fcs if (r_fcs >= 0).any() else None,
    )


def _block_type(data: NDArray[np.uint8], pos: int, big: bool) -> int:
    return uint_at(data, pos, 4, big)


def _check_first_block(data: NDArray[np.uint8], name: str, status: int) -> None:
    """The first block could not be read: not a pcapng file, cut short or damaged (as pcapng_open)."""
    end = int(data.shape[0])
    if status == BAD_BOM:
        raise NotACaptureError(name, "a section header with an unknown byte-order magic")
    if status == CUT_SHORT:
        big = bytes(data[8:12]) == b"\x1a\x2b\x3c\x4d"
        blen = (uint_at(data, 4, 4, big) + 3) & ~3
        if end < 24:  # not even the fixed part: pcapng_open says "not mine"
            raise NotACaptureError(name, "a section header longer than the file")
        if blen < MIN_SIZE[SHB_TYPE]:
            raise CaptureDamagedError(name, _too_small(blen, SHB_TYPE))
        major, minor = uint_at(data, 12, 2, big), uint_at(data, 14, 2, big)
        if not (major == 1 and minor in (0, 2)):
            raise _failure(name, f"pcapng: unknown SHB version {major}.{minor}", True)
        if end < blen - 4:
            # the section header's body is not all there: pcapng_open says "not mine"
            raise NotACaptureError(name, "a section header longer than the file")
        raise CaptureCutShortError(name)


def _damaged(name: str, detail: str) -> str:
    return str(_failure(name, detail, unsupported=False))


def _walk_message(status: int, v1: int, v2: int) -> str:
    if status == TOO_LARGE:
        return f"pcapng: total block length {v1} is too large (> {MAX_BLOCK_SIZE})"
    if status == TOO_SMALL:
        return _too_small(v1, v2)
    if status == BAD_BOM:
        return f"pcapng: unknown byte-order magic number 0x{v1:08x}"
    if status == TRAILER:
        return f"pcapng: total block lengths (first {v1} and second {v2}) don't match"
    return "pcapng: damaged block"
