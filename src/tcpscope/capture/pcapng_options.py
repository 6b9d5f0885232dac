"""pcapng options: the checks wiretap makes while reading them, and the IDB values tcpscope uses.

Every block may end in options ``code, length, value, padding`` (section byte order).
wiretap's ``pcapng_process_options`` refuses an option header that does not fit, a value
that runs past the block, and a custom option (2988, 2989, 19372, 19373) shorter than
its Private Enterprise Number; each block type then checks its own options (an IDB's
``if_filter`` must have a byte, an EPB's ``epb_flags`` four, ...). Any complaint is
damage at that block. Options end at the first ``opt_endofopt`` (code 0).

Section headers and interface blocks are few and are read one by one; the options of
packet blocks are checked by a kernel over every block that has any.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tcpscope._bytes import uint_at
from tcpscope._jit import helper, kernel
from tcpscope.capture.records import Interface

__all__ = [
    "block_option_error",
    "nrb_error",
    "packet_fcs_lengths",
    "packet_option_errors",
    "packet_option_message",
    "parse_idb",
]

CUSTOM_OPTIONS = (2988, 2989, 19372, 19373)
IDB_FILTER, IDB_NAME, IDB_TSRESOL, IDB_TSOFFSET, IDB_FCSLEN = 11, 2, 9, 14, 13
#: G_MAXUINT64: wiretap's time units for an if_tsresol it cannot represent.
MAX_UNITS = 2**64 - 1

# codes of packet_option_errors; the message of each is packet_option_message's
NO_HEADER, PAST_END, CUSTOM_SHORT, FLAGS, DROPS, PACKET_ID, QUEUE, VERDICT, VERDICT_TC, VERDICT_XDP = range(1, 11)


def block_option_error(data: NDArray[np.uint8], start: int, end: int, big: bool, is_idb: bool) -> str | None:
    """wiretap's complaint about the options of one SHB, IDB or ISB in ``[start, end)``, if any."""
    p = start
    while p != end:
        if end - p < 4:
            return "pcapng: Not enough data for option header"
        code, olen = uint_at(data, p, 2, big), uint_at(data, p + 2, 2, big)
        p += 4
        rounded = (olen + 3) & ~3
        if rounded > end - p:
            return f"pcapng: Not enough data to handle option of length {olen}"
        if code == 0:
            return None
        if code in CUSTOM_OPTIONS and olen < 4:
            return f"pcapng: option length ({olen}) too small for custom option"
        if is_idb and code == IDB_FILTER and olen < 1:
            # wiretap reuses the verdict option's wording here
            return f"pcapng: packet block verdict option length {olen} is < 1"
        p += rounded
    return None


def nrb_error(data: NDArray[np.uint8], start: int, end: int, big: bool) -> str | None:
    """wiretap's complaint about a Name Resolution Block's records (``[start, end)``), then its options.

    Each record is type, length, value, padding; IPv4 records hold 4 address bytes and
    IPv6 records 16, then zero-terminated names (tshark registers the names, so it
    reads them); type 0 ends the records.
    """
    p, left = start, end - start
    while p - start < left:
        if end - p < 4:
            return f"pcapng: {end - p} bytes left in the block < NRB record header size 4"
        rtype, rlen = uint_at(data, p, 2, big), uint_at(data, p + 2, 2, big)
        p += 4
        padded = rlen + (-rlen % 4)
        if end - p < padded:
            return f"pcapng: {end - p} bytes left in the block < NRB record length + padding {padded}"
        if rtype == 0:
            break
        if rtype in (1, 2):
            size = 4 if rtype == 1 else 16
            if rlen < size:
                return f"pcapng: NRB record length for IPv{4 if rtype == 1 else 6} record {rlen} < minimum length {size}"
            if rtype == 2 and end - start < rlen:
                return f"pcapng: NRB record length for IPv6 record {rlen} > remaining data in NRB"
            if rlen > size and data[p + size : p + rlen][-1] != 0:
                return "pcapng: NRB record has non-null-terminated host name"
        p += padded
    return block_option_error(data, p, end, big, is_idb=False)


def parse_idb(data: NDArray[np.uint8], pos: int, blen: int, big: bool) -> Interface:
    """Link type, snaplen and the if_name / if_tsresol / if_tsoffset options of an IDB.

    As wiretap: an option with the wrong length is ignored, the first of a repeated
    option wins, and an if_tsresol beyond 10^19 or 2^63 gives G_MAXUINT64 units.
    """
    linktype = uint_at(data, pos + 8, 2, big)
    snaplen = uint_at(data, pos + 12, 4, big)
    units: int | None = None
    offset: int | None = None
    name: str | None = None
    fcs: int | None = None
    p, end = pos + 16, pos + blen - 4
    while end - p >= 4:
        code, olen = uint_at(data, p, 2, big), uint_at(data, p + 2, 2, big)
        if code == 0 or p + 4 + ((olen + 3) & ~3) > end:
            break
        val = data[p + 4 : p + 4 + olen]
        if code == IDB_TSRESOL and olen == 1 and units is None:
            r = int(val[0])
            exponent, base = r & 0x7F, 2 if r & 0x80 else 10
            units = base**exponent if exponent < (64 if base == 2 else 20) else MAX_UNITS
        elif code == IDB_TSOFFSET and olen == 8 and offset is None:
            offset = int.from_bytes(bytes(val), "big" if big else "little", signed=True)
        elif code == IDB_FCSLEN and olen == 1 and fcs is None:
            fcs = int(val[0])
        elif code == IDB_NAME and name is None:
            name = bytes(val).split(b"\0", 1)[0].decode("utf-8", "replace")
        p += 4 + ((olen + 3) & ~3)
    return Interface(linktype=linktype, snaplen=snaplen, ts_units=1_000_000 if units is None else units,
                     ts_offset=0 if offset is None else offset, name=name, fcs_len=-1 if fcs is None else fcs)


@helper
def _option_error(data: NDArray[np.uint8], p: Any, code: Any, olen: Any) -> int:
    """The error code (3 to 10, see :func:`packet_option_message`) of a packet option of
    ``olen`` bytes at ``p`` that wiretap refuses for its length, or 0."""
    if (code == 2988 or code == 2989 or code == 19372 or code == 19373) and olen < 4:  # noqa: PLR1714 (numba)
        return 3
    if code == 2 and olen != 4:
        return 4
    if code == 4 and olen != 8:
        return 5
    if code == 5 and olen != 8:
        return 6
    if code == 6 and olen != 4:
        return 7
    if code == 7:
        if olen < 1:
            return 8
        vtype = data[p]
        if vtype == 1 and olen != 9:
            return 9
        if vtype == 2 and olen != 9:
            return 10
    return 0


@kernel
def _packet_options(
    data: NDArray[np.uint8], start: NDArray[np.int64], end: NDArray[np.int64], big: NDArray[np.bool_],
) -> tuple[Any, Any, Any]:
    """The first packet block (by position in the arrays) whose options wiretap refuses.

    Returns (index or -1, error code, option length).
    """
    for i in range(start.shape[0]):
        p = start[i]
        e = end[i]
        while p != e:
            if e - p < 4:
                return i, 1, 0
            if big[i]:
                code = (np.int64(data[p]) << 8) | np.int64(data[p + 1])
                olen = (np.int64(data[p + 2]) << 8) | np.int64(data[p + 3])
            else:
                code = (np.int64(data[p + 1]) << 8) | np.int64(data[p])
                olen = (np.int64(data[p + 3]) << 8) | np.int64(data[p + 2])
            p += 4
            rounded = (olen + 3) & ~np.int64(3)
            if rounded > e - p:
                return i, 2, olen
            if code == 0:
                break
            err = _option_error(data, p, code, olen)
            if err:
                return i, err, olen
            p += rounded
    return -1, 0, 0


def packet_option_errors(data: NDArray[np.uint8], start: NDArray[np.int64], end: NDArray[np.int64],
                         big: NDArray[np.bool_]) -> tuple[int, int, int]:
    """Check the options of packet blocks (EPB, PB) in ``[start[i], end[i])``.

    Returns (index of the first refused block or -1, error code, option length).
    """
    has = np.flatnonzero(end > start)
    if has.shape[0] == 0:
        return -1, 0, 0
    k, code, olen = _packet_options.run(int(has.shape[0]), data, start[has], end[has], big[has])
    return (int(has[k]) if k >= 0 else -1), int(code), int(olen)


@kernel
def _epb_flags(data: NDArray[np.uint8], start: NDArray[np.int64], end: NDArray[np.int64], big: NDArray[np.bool_],
               out: NDArray[np.int64]) -> None:
    """The first epb_flags value (option 2, 4 bytes) of each packet block, or -1."""
    for i in range(start.shape[0]):
        out[i] = -1
        p = start[i]
        e = end[i]
        while e - p >= 4:
            if big[i]:
                code = (np.int64(data[p]) << 8) | np.int64(data[p + 1])
                olen = (np.int64(data[p + 2]) << 8) | np.int64(data[p + 3])
            else:
                code = (np.int64(data[p + 1]) << 8) | np.int64(data[p])
                olen = (np.int64(data[p + 3]) << 8) | np.int64(data[p + 2])
            p += 4
            if code == 0 or ((olen + 3) & ~np.int64(3)) > e - p:
                break
            if code == 2 and olen == 4:
                if big[i]:
                    out[i] = (np.int64(data[p]) << 24) | (np.int64(data[p + 1]) << 16) | (
                        np.int64(data[p + 2]) << 8) | np.int64(data[p + 3])
                else:
                    out[i] = (np.int64(data[p + 3]) << 24) | (np.int64(data[p + 2]) << 16) | (
                        np.int64(data[p + 1]) << 8) | np.int64(data[p])
                break
            p += (olen + 3) & ~np.int64(3)


def packet_fcs_lengths(data: NDArray[np.uint8], start: NDArray[np.int64], end: NDArray[np.int64],
                       big: NDArray[np.bool_], iface_bits: NDArray[np.int64]) -> NDArray[np.int64]:
    """The FCS length wiretap gives each packet, in bytes (-1 unknown): epb_flags' length in
    bytes when not 0, else the interface's if_fcslen (bits, or bytes when below 8)."""
    bits = iface_bits.copy()
    has = np.flatnonzero(end > start)
    if has.shape[0]:
        flags = np.full(has.shape[0], -1, dtype=np.int64)
        _epb_flags.run(int(has.shape[0]), data, start[has], end[has], big[has], flags)
        fcs = np.where(flags >= 0, (flags >> 5) & 0xF, 0)
        bits[has] = np.where(fcs != 0, fcs * 8, bits[has])
    out: NDArray[np.int64] = np.where(bits < 8, bits, bits // 8)
    return out


_MESSAGES = {
    NO_HEADER: "pcapng: Not enough data for option header",
    PAST_END: "pcapng: Not enough data to handle option of length {n}",
    CUSTOM_SHORT: "pcapng: option length ({n}) too small for custom option",
    FLAGS: "pcapng: packet block flags option length {n} is not 4",
    DROPS: "pcapng: packet block drop count option length {n} is not 8",
    PACKET_ID: "pcapng: packet block packet id option length {n} is not 8",
    QUEUE: "pcapng: packet block queue option length {n} is not 4",
    VERDICT: "pcapng: packet block verdict option length {n} is < 1",
    VERDICT_TC: "pcapng: packet block TC verdict option length {n} is != 9",
    VERDICT_XDP: "pcapng: packet block XDP verdict option length {n} is != 9",
}


def packet_option_message(code: int, olen: int) -> str:
    """The text of a :func:`packet_option_errors` code."""
    return _MESSAGES[code].format(n=olen)
