"""Record tshark's flow graph for every golden capture.

    python tests/golden/make_golden_flow.py [CAPTURE ...]

For each capture under ``tests/golden/captures/`` (``bad/`` included) this runs tshark as
``make_golden_stats.py`` does (from the captures directory, a fresh empty HOME,
``LC_ALL=C.UTF-8``, ``TZ=UTC``):

* ``tshark -r CAPTURE -q -z flow,tcp,standard`` -> ``tests/golden/expected/<stem>.flow.txt``
* ``tshark -r CAPTURE -q -z flow,tcp,network``  -> ``tests/golden/expected/<stem>.flow-network.txt``

and stores standard output exactly as printed (empty when the capture has no TCP segment
or cannot be read). ``expected/TSHARK_VERSION`` records the first line of ``tshark
--version``, as the other scripts do; tests/views/test_flow.py checks it against the
installed tshark before comparing live.
"""

from __future__ import annotations

import sys

from make_golden_stats import record

__all__ = ["FLOWS", "main"]

#: The graphs recorded: file kind -> the ``-z`` argument.
FLOWS: dict[str, str] = {"flow": "flow,tcp,standard", "flow-network": "flow,tcp,network"}


def main(argv: list[str]) -> int:
    return record(FLOWS, argv, "make_golden_flow")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
