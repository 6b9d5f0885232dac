"""Wiretap's link-type tables: which types tshark 4.0 knows, how long their records may be,
and which carry a pseudo-header in front of the frame.

A pcap file whose link type wiretap does not map to an encapsulation is refused
("network type N unknown or unsupported", wiretap/pcap-common.c ``pcap_to_wtap_map``,
as built on Linux); a pcapng interface with such a type keeps its frames, undissected.
Some link types start each record with a fixed-size pseudo-header that wiretap strips
(``pcap_process_pseudo_header``): frame.len and frame.cap_len leave it out, and a
record shorter than it is damage. This layer knows no protocols; it only moves the
frame's start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["KNOWN_LINKTYPES", "MAX_PACKET_SIZE", "PSEUDO_HEADERS", "PseudoHeader", "max_packet_size", "strip_pseudo_headers"]

#: Link types of ``pcap_to_wtap_map`` (wiretap/pcap-common.c, Linux build).
KNOWN_LINKTYPES: frozenset[int] = frozenset((
    0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 19, 32, 50, 51, 99, 100, 101, 104, 105,
    106, 107, 108, 109, 112, 113, 114, 117, 118, 119, 121, 122, 123, 127, 128, 129, 130, 131, 133,
    135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 147, 148, 149, 150, 151, 152, 153, 154, 155,
    156, 157, 158, 159, 160, 161, 162, 163, 165, 167, 169, 170, 171, 172, 173, 177, 178, 179, 180,
    181, 183, 184, 186, 187, 188, 189, 190, 192, 195, 196, 197, 199, 200, 201, 202, 203, 204, 209,
    210, 211, 212, 213, 214, 215, 220, 224, 225, 226, 227, 228, 229, 230, 231, 235, 236, 237, 239,
    240, 241, 242, 243, 245, 248, 249, 250, 251, 252, 253, 254, 255, 256, 258, 259, 260, 264, 266,
    268, 270, 271, 272, 273, 274, 275, 276, 279, 280, 283, 287, 288, 290, 292, 293, 294, 295,
))

#: WTAP_MAX_PACKET_SIZE_STANDARD and the larger limits of wtap_max_snaplen_for_encap.
MAX_PACKET_SIZE = 262144
_MAX_BY_LINKTYPE = {
    231: 128 * 1024 * 1024,  # D-Bus
    279: 8 * 1024 * 1024,  # EBHSCR
    249: 128 * 1024 * 1024,  # USBPcap
    189: 128 * 1024 * 1024,  # Linux USB
    220: 128 * 1024 * 1024,  # Linux USB, memory-mapped
    266: 128 * 1024 * 1024,  # Darwin USB
    186: 128 * 1024 * 1024,  # FreeBSD USB
}


def max_packet_size(linktype: int) -> int:
    """The longest record wiretap accepts for a link type (wtap_max_snaplen_for_encap)."""
    return _MAX_BY_LINKTYPE.get(linktype, MAX_PACKET_SIZE)


@dataclass(frozen=True, slots=True)
class PseudoHeader:
    """A fixed-size pseudo-header: its length, the words of the "too small" message, and an
    optional 16-bit big-endian field at ``check_at`` that must equal ``check_value``."""

    length: int
    what: str
    check_at: int = -1
    check_value: int = 0
    check_message: str = ""

    def too_small(self, size: int) -> str:
        return f"pcap/pcapng: {self.what.format(size=size)}"


#: Link type -> the pseudo-header wiretap strips (ERF's variable header is not handled).
PSEUDO_HEADERS: dict[int, PseudoHeader] = {
    123: PseudoHeader(4, "SunATM file has a {size}-byte packet, too small to have even an ATM pseudo-header"),
    139: PseudoHeader(4, "MTP2 file has a {size}-byte packet, too small to have even an MTP2 pseudo-header"),
    144: PseudoHeader(16, "IrDA file has a {size}-byte packet, too small to have even an IrDA pseudo-header",
                      14, 0x0017, "pcap/pcapng: IrDA capture has a packet with an invalid sll_protocol field"),
    177: PseudoHeader(16, "LAPD file has a {size}-byte packet, too small to have even a LAPD pseudo-header",
                      14, 0x0030, "pcap/pcapng: LAPD capture has a packet with an invalid sll_protocol field"),
    196: PseudoHeader(5, "SITA file has a {size}-byte packet, too small to have even a SITA pseudo-header"),
    201: PseudoHeader(4, "Bluetooth file has a {size}-byte packet, too small to have even a pseudo-header"),
    204: PseudoHeader(1, "PPP file has a {size}-byte packet, too small to have even a pseudo-header"),
    209: PseudoHeader(5, "I2C file has a {size}-byte packet, too small to have even a I2C pseudo-header"),
    245: PseudoHeader(2, "NFC LLCP file has a {size}-byte packet, too small to have even a pseudo-header"),
    254: PseudoHeader(4, "Bluetooth monitor file has a {size}-byte packet, too small to have even a pseudo-header"),
}


def strip_pseudo_headers(
    data: NDArray[np.uint8], offset: NDArray[np.int64], caplen: NDArray[np.int64], wirelen: NDArray[np.int64],
    linktype: NDArray[np.int32],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], int, str]:
    """Move each record's start past its link type's pseudo-header.

    Returns the new offset, caplen and wirelen (frame.len wraps as wiretap's unsigned
    subtraction does), and the index of the first record that cannot hold its
    pseudo-header (or ``len(offset)``) with wiretap's message for it.
    """
    n = int(offset.shape[0])
    first, message = n, ""
    if n == 0:
        return offset, caplen, wirelen, first, message
    ordered = np.sort(linktype)  # the link types present (np.unique would import numpy.ma: start-up time)
    present = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    if not any(int(lt) in PSEUDO_HEADERS for lt in present):
        return offset, caplen, wirelen, first, message
    offset, caplen, wirelen = offset.copy(), caplen.copy(), wirelen.copy()
    for lt in present:
        ph = PSEUDO_HEADERS.get(int(lt))
        if ph is None:
            continue
        rows = np.flatnonzero(linktype == lt)
        small = caplen[rows] < ph.length
        if small.any():
            j = int(rows[np.argmax(small)])
            if j < first:
                first, message = j, ph.too_small(int(caplen[j]))
        if ph.check_at >= 0:
            ok_rows = rows[~small]
            at = offset[ok_rows] + ph.check_at
            # a record cut short by the end of the file is reported as such, not read past it
            inside = at + 1 < data.shape[0]
            ok_rows, at = ok_rows[inside], at[inside]
            word = (data[at].astype(np.int64) << 8) | data[at + 1]
            wrong = word != ph.check_value
            if wrong.any():
                j = int(ok_rows[np.argmax(wrong)])
                if j < first:
                    first, message = j, ph.check_message
        offset[rows] += ph.length
        caplen[rows] -= ph.length
        wirelen[rows] = (wirelen[rows] - ph.length) & 0xFFFFFFFF
    return offset, caplen, wirelen, first, message
