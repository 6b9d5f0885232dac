"""The golden captures opened once per test session, for the tests that read each of them
(test_colors, test_iostat): None for a capture tcpscope refuses."""

from __future__ import annotations

from functools import cache

from make_golden_stats import CAPTURES

import tcpscope
from tcpscope.api import Capture

__all__ = ["opened"]


@cache
def opened(name: str) -> Capture | None:
    try:
        return tcpscope.open(CAPTURES / name)
    except tcpscope.TcpscopeError:
        return None
