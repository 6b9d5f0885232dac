"""The TLS and DNS fields' cells where tcpscope differs from tshark on the golden captures
(none now that DNS over UDP is dissected; docs/deviations.md). Read by
test_every_field.py with the other known differences; written from ``tshark -r CAPTURE
-Y "dns && !tcp" -T fields -e frame.number -e dns.*`` on every golden capture.
"""

from __future__ import annotations

from fieldsets import KnownDiff

__all__ = ["APP_KNOWN_DIFFS"]

APP_KNOWN_DIFFS: tuple[KnownDiff, ...] = ()
