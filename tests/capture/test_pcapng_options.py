"""pcapng option checks and the interface values tcpscope takes from IDBs."""

from __future__ import annotations

import struct

import numpy as np
from craft import pcapng_idb

from tcpscope.capture.pcapng_options import MAX_UNITS, nrb_error, parse_idb


def _idb(**kw: object) -> tuple[np.ndarray, int]:
    raw = pcapng_idb(1, **kw)  # type: ignore[arg-type]
    return np.frombuffer(raw, dtype=np.uint8), len(raw)


def test_time_resolutions() -> None:
    for code, units in ((6, 10**6), (9, 10**9), (0x80 | 10, 1024), (19, 10**19), (20, MAX_UNITS),
                        (0x80 | 63, 2**63), (0x80 | 64, MAX_UNITS)):
        data, n = _idb(tsresol=code)
        assert parse_idb(data, 0, n, False).ts_units == units


def test_first_option_of_the_right_size_wins() -> None:
    data, n = _idb(extra=[(9, b"\x03"), (9, b"\x09"), (14, struct.pack("<i", 5)), (14, struct.pack("<q", -7)),
                          (13, b"\x20"), (2, b"eth1")])
    itf = parse_idb(data, 0, n, False)
    assert (itf.ts_units, itf.ts_offset, itf.fcs_len, itf.name) == (1000, -7, 32, "eth1")


def test_name_resolution_records() -> None:
    def nrb(records: bytes) -> str | None:
        data = np.frombuffer(records, dtype=np.uint8)
        return nrb_error(data, 0, len(records), False)

    v4 = struct.pack("<HH", 1, 9) + bytes([10, 0, 0, 1]) + b"host\0" + bytes(3)
    assert nrb(v4 + struct.pack("<HH", 0, 0)) is None
    assert nrb(struct.pack("<HH", 1, 3) + bytes(4)) == "pcapng: NRB record length for IPv4 record 3 < minimum length 4"
    assert nrb(struct.pack("<HH", 2, 40) + bytes(4)) == "pcapng: 4 bytes left in the block < NRB record length + padding 40"
    assert nrb(v4[:2]) == "pcapng: 2 bytes left in the block < NRB record header size 4"
