"""Fixtures for the display-filter tests: local time pinned to UTC, tables dissected once."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# absolute-time literals without a zone are local time, as in tshark: pin it
os.environ["TZ"] = "UTC"
time.tzset()

from corpus import table_of  # noqa: E402

from tcpscope.table.packets import PacketTable  # noqa: E402


@pytest.fixture(scope="session")
def http_get() -> PacketTable:
    table: PacketTable = table_of("zeek-http-get.pcap")
    return table
