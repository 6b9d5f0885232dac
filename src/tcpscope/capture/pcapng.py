"""The pcapng format (draft-ietf-opsawg-pcapng), read the way tshark 4.0 reads it.

A file is a list of blocks ``type, total_length, body, total_length`` in the byte order
of the section they belong to. A Section Header Block (SHB, 0x0A0D0D0A, byte-order
magic 0x1A2B3C4D) starts a section and resets its interfaces; an Interface Description
Block (IDB, 1) adds one (link type, snaplen, if_tsresol, if_tsoffset); packets come in
Enhanced (EPB, 6), Simple (SPB, 3) and obsolete Packet Blocks (PB, 2). Other blocks
(statistics, name resolution, custom, ...) are skipped.

Damage stops reading where it is found, after every earlier packet, with tshark's
message (wiretap/pcapng.c): a total length over MAX_BLOCK_SIZE, shorter than the
block type's minimum, or too short for the packet data; a trailing length that
differs from the leading one; an interface index with no IDB; a cap_len over 262144.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import gather
from tcpscope._jit import kernel
from tcpscope.capture.pcap import MAX_PACKET_SIZE
from tcpscope.capture.records import Interface, Records
from tcpscope.capture.source import Source
from tcpscope.errors import CaptureCutShortError, CaptureDamagedError, CaptureWarning

__all__ = ["SHB_TYPE", "read_pcapng"]

SHB_TYPE = 0x0A0D0D0A
BOM = 0x1A2B3C4D
IDB, PB, SPB, EPB = 1, 2, 3, 6
MIN_BLOCK = 12
MIN_SIZE = {SHB_TYPE: 28, IDB: 20, PB: 32, SPB: 16, EPB: 32}
MIN_NAME = {SHB_TYPE: "an SHB", IDB: "an IDB", PB: "a PB", SPB: "an SPB", EPB: "an EPB"}
#: MIN_EPB_SIZE + WTAP_MAX_PACKET_SIZE_DBUS + 131072, wiretap/pcapng.c
MAX_BLOCK_SIZE = 32 + 128 * 1024 * 1024 + 131072

# walk status
OK, CUT_SHORT, TOO_LARGE, TOO_SMALL, BAD_BOM, TRAILER = 0, 1, 2, 3, 4, 5


@kernel
def _walk(
    data: NDArray[np.uint8],
    out_off: NDArray[np.int64],
    out_type: NDArray[np.int64],
    out_len: NDArray[np.int64],
    out_big: NDArray[np.bool_],
) -> tuple[Any, Any, Any, Any, Any]:
    """Follow the blocks from offset 0, storing offset, type, rounded length and byte order.

    Returns (blocks, stop offset, status, value 1, value 2) where the values are the
    offending lengths (or byte-order magic) for the message.
    """
    end = data.shape[0]
    pos: Any = 0
    n = 0
    big = False
    while True:
        if pos == end:
            return n, pos, 0, 0, 0
        if end - pos < 8:
            return n, pos, 1, 0, 0
        t_le = (np.int64(data[pos + 3]) << 24) | (np.int64(data[pos + 2]) << 16) | (
            np.int64(data[pos + 1]) << 8) | np.int64(data[pos])
        if t_le == 0x0A0D0D0A:
            if end - pos < 12:
                return n, pos, 1, 0, 0
            bom_le = (np.int64(data[pos + 11]) << 24) | (np.int64(data[pos + 10]) << 16) | (
                np.int64(data[pos + 9]) << 8) | np.int64(data[pos + 8])
            if bom_le == 0x1A2B3C4D:
                big = False
            elif bom_le == 0x4D3C2B1A:
                big = True
            else:
                return n, pos, 4, bom_le, 0
        if big:
            btype = (np.int64(data[pos]) << 24) | (np.int64(data[pos + 1]) << 16) | (
                np.int64(data[pos + 2]) << 8) | np.int64(data[pos + 3])
            blen = (np.int64(data[pos + 4]) << 24) | (np.int64(data[pos + 5]) << 16) | (
                np.int64(data[pos + 6]) << 8) | np.int64(data[pos + 7])
        else:
            btype = t_le
            blen = (np.int64(data[pos + 7]) << 24) | (np.int64(data[pos + 6]) << 16) | (
                np.int64(data[pos + 5]) << 8) | np.int64(data[pos + 4])
        blen = (blen + 3) & ~np.int64(3)
        if blen > 32 + 128 * 1024 * 1024 + 131072:
            return n, pos, 2, blen, btype
        if blen < 12:
            return n, pos, 3, blen, btype
        if end - pos < blen:
            return n, pos, 1, 0, 0
        p2 = pos + blen - 4
        if big:
            tr = (np.int64(data[p2]) << 24) | (np.int64(data[p2 + 1]) << 16) | (
                np.int64(data[p2 + 2]) << 8) | np.int64(data[p2 + 3])
        else:
            tr = (np.int64(data[p2 + 3]) << 24) | (np.int64(data[p2 + 2]) << 16) | (
                np.int64(data[p2 + 1]) << 8) | np.int64(data[p2])
        tr = (tr + 3) & ~np.int64(3)
        if tr != blen:
            return n, pos, 5, blen, tr
        if n < out_off.shape[0]:
            out_off[n] = pos
            out_type[n] = btype
            out_len[n] = blen
            out_big[n] = big
        n += 1
        pos += blen


def _uint(data: NDArray[np.uint8], pos: int, size: int, big: bool) -> int:
    return int.from_bytes(bytes(data[pos : pos + size]), "big" if big else "little")


def _idb(data: NDArray[np.uint8], pos: int, blen: int, big: bool) -> Interface:
    """Link type, snaplen and the if_name / if_tsresol / if_tsoffset options of an IDB."""
    linktype = _uint(data, pos + 8, 2, big)
    snaplen = _uint(data, pos + 12, 4, big)
    units, offset, name = 1_000_000, 0, None
    p, end = pos + 16, pos + blen - 4
    while end - p >= 4:
        code, olen = _uint(data, p, 2, big), _uint(data, p + 2, 2, big)
        if code == 0 or p + 4 + olen > end:
            break
        val = data[p + 4 : p + 4 + olen]
        if code == 9 and olen >= 1:  # if_tsresol
            r = int(val[0])
            units = 2 ** (r & 0x7F) if r & 0x80 else 10 ** r
        elif code == 14 and olen >= 8:  # if_tsoffset
            offset = int.from_bytes(bytes(val[:8]), "big" if big else "little", signed=True)
        elif code == 2:  # if_name
            name = bytes(val).split(b"\0", 1)[0].decode("utf-8", "replace")
        p += 4 + ((olen + 3) & ~3)
    return Interface(linktype=linktype, snaplen=snaplen, ts_units=units, ts_offset=offset, name=name)


def _to_ns(ticks: NDArray[np.uint64], units: int, offset_s: int) -> NDArray[np.int64]:
    """Timestamp ticks of ``units`` per second to int64 ns, truncating as wiretap does."""
    u = np.uint64(units)
    secs = (ticks // u).astype(np.int64) + offset_s
    frac = ticks % u
    if units <= 18_446_744_073:  # frac * 1e9 fits in 64 bits
        ns = (frac * np.uint64(1_000_000_000)) // u
    else:
        ns = (frac.astype(np.float64) * 1e9 / units).astype(np.uint64)
    return secs * 1_000_000_000 + ns.astype(np.int64)


def read_pcapng(src: Source) -> Records:
    """Index every packet block of a pcapng file (see the module docstring)."""
    data, name = src.data, src.name
    if data.shape[0] < 12:
        raise CaptureCutShortError(name)
    size_hint = max(1, data.shape[0] // 256)
    walk = _walk.pick(size_hint)
    # One pass: a block takes at least 12 bytes, so this many always fit; only the pages
    # written are touched, and the results are copied out at their real size.
    room = data.shape[0] // MIN_BLOCK + 1
    off, btype = np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64)
    blen, big = np.empty(room, dtype=np.int64), np.empty(room, dtype=np.bool_)
    count, stop, status, v1, v2 = walk(data, off, btype, blen, big)
    off, btype, blen, big = off[:count].copy(), btype[:count].copy(), blen[:count].copy(), big[:count].copy()
    if count == 0 and status != OK:
        if status == CUT_SHORT:
            raise CaptureCutShortError(name)
        raise CaptureDamagedError(name, _walk_message(status, v1, v2))

    # Per-type minimum lengths, checked in file order together with the packet checks.
    bad = np.zeros(count, dtype=np.bool_)
    bad_msg: dict[int, str] = {}
    for t, minimum in MIN_SIZE.items():
        hit = (btype == t) & (blen < minimum)
        bad |= hit
        for i in np.flatnonzero(hit)[:1]:
            bad_msg[int(i)] = (
                f"pcapng: total block length {int(blen[i])} of {MIN_NAME[t]} is less than the"
                f" minimum {MIN_NAME[t].split()[1]} size {minimum}"
            )

    # Sections and interfaces: few blocks, read one by one.
    section = np.cumsum(btype == SHB_TYPE) - 1
    interfaces: list[Interface] = []
    first_iface_of_section: dict[int, int] = {}
    for i in np.flatnonzero((btype == SHB_TYPE) | (btype == IDB)):
        if bad[i]:
            break
        if btype[i] == SHB_TYPE:
            maj = _uint(data, int(off[i]) + 12, 2, bool(big[i]))
            minr = _uint(data, int(off[i]) + 14, 2, bool(big[i]))
            if not (maj == 1 and minr in (0, 2)):
                bad[i] = True
                bad_msg[int(i)] = f"pcapng: unknown SHB version {maj}.{minr}"
                break
            first_iface_of_section[int(section[i])] = len(interfaces)
        else:
            interfaces.append(_idb(data, int(off[i]), int(blen[i]), bool(big[i])))
    per_section_idb = np.cumsum(btype == IDB)
    sec_start_idb = np.zeros(count, dtype=np.int64)
    if count:
        starts = np.flatnonzero(btype == SHB_TYPE)
        base = per_section_idb[starts] - (btype[starts] == IDB)
        sec_start_idb = base[np.maximum(section, 0)]
    idb_before = per_section_idb - sec_start_idb - (btype == IDB)

    is_pkt = (btype == EPB) | (btype == PB) | (btype == SPB)
    pidx = np.flatnonzero(is_pkt)
    pbig = big[pidx]
    poff = off[pidx]
    ptype = btype[pidx]
    hdr = gather(data, poff, 28)
    le = hdr.view(np.dtype([("t", "<u4"), ("l", "<u4"), ("a", "<u4"), ("b", "<u4"), ("c", "<u4"),
                            ("d", "<u4"), ("e", "<u4")])).reshape(-1)
    be = hdr.view(np.dtype([("t", ">u4"), ("l", ">u4"), ("a", ">u4"), ("b", ">u4"), ("c", ">u4"),
                            ("d", ">u4"), ("e", ">u4")])).reshape(-1)
    le16 = hdr.view(np.dtype([("x", "<u4", 2), ("i", "<u2"), ("dr", "<u2"), ("y", "<u4", 4)])).reshape(-1)
    be16 = hdr.view(np.dtype([("x", ">u4", 2), ("i", ">u2"), ("dr", ">u2"), ("y", ">u4", 4)])).reshape(-1)

    def field(k: str) -> NDArray[np.int64]:
        return np.where(pbig, be[k], le[k]).astype(np.int64)

    is_spb = ptype == SPB
    is_pb = ptype == PB
    local_if = np.where(is_pb, np.where(pbig, be16["i"], le16["i"]).astype(np.int64), field("a"))
    local_if = np.where(is_spb, 0, local_if)
    ts_hi, ts_lo = field("b"), field("c")
    caplen = np.where(is_spb, 0, field("d"))
    wirelen = np.where(is_spb, field("a"), field("e"))
    data_off = np.where(is_spb, poff + 12, poff + 28)
    plen = blen[pidx]
    room = np.where(is_spb, plen - 16, plen - 32)

    psec = section[pidx]
    gif = np.zeros(pidx.shape[0], dtype=np.int64)
    for s, first in first_iface_of_section.items():
        m = psec == s
        gif[m] = first + local_if[m]
    n_if_here = idb_before[pidx]
    no_if = local_if >= n_if_here
    gif = np.where(no_if, 0, gif)
    snap = np.array([i.snaplen for i in interfaces] or [0], dtype=np.int64)[np.minimum(gif, max(len(interfaces) - 1, 0))]
    spb_cap = np.minimum(wirelen, room)
    spb_cap = np.where(snap > 0, np.minimum(spb_cap, snap), spb_cap)
    caplen = np.where(is_spb, spb_cap, caplen)
    too_small = (~is_spb) & (((caplen + 3) & ~3) > room)
    too_big = caplen > MAX_PACKET_SIZE
    pkt_bad = no_if | too_small | too_big
    for j in np.flatnonzero(pkt_bad)[:1]:
        i = int(pidx[j])
        what = "an EPB" if ptype[j] == EPB else "a PB" if ptype[j] == PB else "an SPB"
        if no_if[j] and ptype[j] == SPB:
            msg = "pcapng: SPB appeared before any IDBs in the section"
        elif too_small[j]:
            msg = f"pcapng: total block length {int(plen[j])} of {what} is too small for {int(caplen[j])} bytes of packet data"
        elif no_if[j]:
            msg = f"pcapng: interface index {int(local_if[j])} is not less than section interface count {int(n_if_here[j])}"
        else:
            msg = f"pcapng: cap_len {int(caplen[j])} is larger than {MAX_PACKET_SIZE}"
        bad[i] = True
        bad_msg[i] = msg

    warnings: list[CaptureWarning] = []
    first_bad = int(np.flatnonzero(bad)[0]) if bad.any() else count
    if first_bad < count:
        warnings.append(CaptureWarning("damaged", _damaged(name, bad_msg[first_bad]), int(off[first_bad])))
    elif status != OK:
        if status == CUT_SHORT:
            warnings.append(CaptureWarning(
                "cut-short",
                f'The file "{name}" appears to have been cut short in the middle of a packet.',
                int(stop)))
        else:
            warnings.append(CaptureWarning("damaged", _damaged(name, _walk_message(status, v1, v2)), int(stop)))

    keep = pidx < first_bad
    gif, caplen, wirelen, data_off = gif[keep], caplen[keep], wirelen[keep], data_off[keep]
    ticks = ((ts_hi[keep].astype(np.uint64) << np.uint64(32)) | ts_lo[keep].astype(np.uint64))
    ticks = np.where(is_spb[keep], np.uint64(0), ticks)
    ts = np.zeros(gif.shape[0], dtype=np.int64)
    linktype = np.zeros(gif.shape[0], dtype=np.int32)
    for k, itf in enumerate(interfaces):
        m = gif == k
        if m.any():
            ts[m] = _to_ns(ticks[m], itf.ts_units, itf.ts_offset)
            linktype[m] = itf.linktype
    return Records(
        name=name,
        format="pcapng",
        data=data,
        offset=data_off,
        caplen=caplen,
        wirelen=wirelen,
        ts_ns=ts,
        iface=gif.astype(np.int32),
        linktype=linktype,
        interfaces=tuple(interfaces),
        has_interface_id=True,
        warnings=tuple(warnings),
        keepalive=src.keepalive,
    )


def _damaged(name: str, detail: str) -> str:
    return f'The file "{name}" appears to be damaged or corrupt.\n({detail})'


def _walk_message(status: int, v1: int, v2: int) -> str:
    if status == TOO_LARGE:
        return f"pcapng: total block length {v1} is too large (> {MAX_BLOCK_SIZE})"
    if status == TOO_SMALL:
        t = int(v2)
        if t in MIN_SIZE:
            return (f"pcapng: total block length {v1} of {MIN_NAME[t]} is less than the minimum"
                    f" {MIN_NAME[t].split()[1]} size {MIN_SIZE[t]}")
        return (f"pcapng: total block length {v1} of an unknown block type is less than the"
                f" minimum block size {MIN_BLOCK}")
    if status == BAD_BOM:
        return f"pcapng: unknown byte-order magic number 0x{v1:08x}"
    if status == TRAILER:
        return f"pcapng: total block lengths (first {v1} and second {v2}) don't match"
    return "pcapng: damaged block"
