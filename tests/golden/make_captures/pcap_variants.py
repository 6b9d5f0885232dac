"""pcap variants: every record-header flavour tshark reads, both byte orders, odd versions and times.

``editcap-*``: ``http-eth.pcap`` rewritten by ``editcap -F <type>`` (nanosecond, Kuznetsov's
modified ss991029, SuSE 6.3 ss990915, Red Hat 6.1 ss990417, Nokia) and ``editcap -s 60``
(every record cut to 60 bytes: caplen < len). ``craft-pcap-*``: ``http-get.pcap``'s
frames rewritten with ``struct`` as big-endian (micro- and nanosecond), AIX, IXIA,
version 2.2 and 2.3 (swapped lengths), DG/UX 543.0, records whose fractions are out of
range, and a link type that declares a 4-byte FCS.
"""

from __future__ import annotations

import struct
import subprocess
import tempfile
from pathlib import Path

from craft import BASE_TS, Frame, pcap_bytes

__all__ = ["make"]

EDITCAP_TYPES = ("nsecpcap", "modpcap", "suse6_3pcap", "rh6_1pcap", "nokiapcap")


def read_pcap_frames(path: Path) -> tuple[list[Frame], int]:
    """The frames (usec times) and link type of a little-endian microsecond pcap."""
    raw = path.read_bytes()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", raw[:24])
    assert magic == 0xA1B2C3D4, path
    pos, out = 24, []
    while pos + 16 <= len(raw):
        sec, usec, incl, orig = struct.unpack("<IIII", raw[pos : pos + 16])
        out.append(Frame(raw[pos + 16 : pos + 16 + incl], sec, usec, wirelen=orig))
        pos += 16 + incl
    return out, linktype


#: record header length and the padding bytes in it that editcap leaves uninitialised
_PADDING = {"suse6_3pcap": (28, slice(25, 28)), "modpcap": (24, slice(23, 24)), "rh6_1pcap": (24, slice(23, 24))}


def _editcap(src: Path, out: Path, *args: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp) / out.name
        subprocess.run(["editcap", *args, str(src), str(t)], check=True, capture_output=True)
        raw = bytearray(t.read_bytes())
    if args[0] == "-F" and args[1] in _PADDING:
        hdr, pad = _PADDING[args[1]]
        pos = 24
        while pos + hdr <= len(raw):
            raw[pos + pad.start : pos + pad.stop] = bytes(pad.stop - pad.start)
            pos += hdr + struct.unpack("<I", raw[pos + 8 : pos + 12])[0]
    out.write_bytes(bytes(raw))


def make(captures: Path) -> list[Path]:
    written: list[Path] = []
    src = captures / "http-eth.pcap"
    for ft in EDITCAP_TYPES:
        out = captures / f"editcap-{ft}.pcap"
        _editcap(src, out, "-F", ft)
        written.append(out)
    out = captures / "editcap-snaplen60.pcap"
    _editcap(src, out, "-s", "60")
    written.append(out)

    recs, lt = read_pcap_frames(captures / "http-get.pcap")
    nsec = [Frame(r.data, r.sec, r.frac * 1000 + 7, r.wirelen) for r in recs]

    def put(name: str, data: bytes) -> None:
        p = captures / name
        p.write_bytes(data)
        written.append(p)

    put("craft-pcap-be-usec.pcap", pcap_bytes(recs, lt, big=True))
    put("craft-pcap-be-nsec.pcap", pcap_bytes(nsec, lt, big=True, kind="nsec"))
    put("craft-pcap-be-modified.pcap", pcap_bytes(recs, lt, big=True, kind="modified",
                                                  record_extra=b"\0\0\0\x02\x08\x00\x04\0"))
    # AIX: version 2.2 and ifType 6 (Ethernet); its fractions are nanoseconds
    put("craft-pcap-aix.pcap", pcap_bytes(nsec, 6, version=(2, 2), swap_lengths=True))
    # IXIA: a 4-byte size after the file header, otherwise standard
    put("craft-pcap-ixia.pcap", pcap_bytes(recs, lt, magic=0x1C0001AC, header_extra=b"\0\0\0\0"))
    put("craft-pcap-ixia-be.pcap", pcap_bytes(recs, lt, big=True, magic=0x1C0001AB, header_extra=b"\0\0\0\0"))
    # before 2.3 the record header gave orig_len first; 2.3 swaps only where incl > orig
    put("craft-pcap-v22.pcap", pcap_bytes(recs, lt, version=(2, 2), swap_lengths=True))
    cut = [Frame(r.data, r.sec, r.frac, caplen=54) if i % 3 == 1 else r for i, r in enumerate(recs)]
    v23 = pcap_bytes(cut[:6], lt, version=(2, 3)) + pcap_bytes(cut[6:], lt, version=(2, 3), swap_lengths=True)[24:]
    put("craft-pcap-v23.pcap", v23)
    put("craft-pcap-dgux.pcap", pcap_bytes(recs, lt, version=(543, 0), swap_lengths=True))
    # fractions past a second, after the three records the variant heuristic reads
    odd = [
        *recs[:3],
        Frame(recs[3].data, BASE_TS, 999_999),
        Frame(recs[4].data, BASE_TS, 1_000_000),
        Frame(recs[5].data, BASE_TS, 2_500_000),
        Frame(recs[6].data, BASE_TS, 4_294_967),
        Frame(recs[7].data, BASE_TS, 4_294_968),
        Frame(recs[8].data, BASE_TS, 0xFFFFFFFF),
        Frame(recs[9].data, 0, 5),
        Frame(recs[10].data, 0xFFFFFFFF, 0),
    ]
    put("craft-pcap-odd-usec.pcap", pcap_bytes(odd, lt))
    odd_ns = [
        *odd[:3],
        Frame(recs[3].data, BASE_TS, 999_999_999),
        Frame(recs[4].data, BASE_TS, 1_000_000_000),
        Frame(recs[5].data, BASE_TS, 0x7FFFFFFF),
        Frame(recs[6].data, BASE_TS, 0x80000000),
        Frame(recs[7].data, BASE_TS, 0xFFFFFFFF),
        Frame(recs[8].data, BASE_TS + 1, 1),
    ]
    put("craft-pcap-odd-nsec.pcap", pcap_bytes(odd_ns, lt, kind="nsec"))
    # the link type's FCS bits: present, 2 x 16 bits; each frame ends in 4 bytes of FCS
    with_fcs = [Frame(r.data + b"\xfc\x5c\xfc\x5c", r.sec, r.frac) for r in recs]
    put("craft-pcap-fcs.pcap", pcap_bytes(with_fcs, 0x24000001))
    return written
