"""Releasing a memory-mapped capture's pages loses nothing: the bytes read back the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tcpscope.capture import read_records
from tcpscope.capture.source import release_range

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"


def test_bytes_survive_release() -> None:
    records = read_records(CAPTURES / "http-eth.pcap")
    before = np.array(records.data)
    release_range(records.keepalive, 0, records.data.shape[0])
    assert np.array_equal(np.asarray(records.data), before)


def test_release_on_a_decompressed_capture_is_harmless() -> None:
    records = read_records(CAPTURES / "scapy-http_chunk.pcap.gz")
    before = np.array(records.data)
    release_range(records.keepalive, 0, records.data.shape[0])
    assert np.array_equal(np.asarray(records.data), before)
