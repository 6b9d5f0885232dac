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

import shutil
import sys

from make_golden_stats import EXPECTED, capture_names, expected_path, run_stat, tshark_version

__all__ = ["FLOWS", "main"]

#: The graphs recorded: file kind -> the ``-z`` argument.
FLOWS: dict[str, str] = {"flow": "flow,tcp,standard", "flow-network": "flow,tcp,network"}


def main(argv: list[str]) -> int:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("make_golden_flow: tshark is not installed", file=sys.stderr)
        return 2
    EXPECTED.mkdir(parents=True, exist_ok=True)
    version = tshark_version(tshark)
    (EXPECTED / "TSHARK_VERSION").write_text(version + "\n")
    names = argv or capture_names()
    for name in names:
        sizes = []
        for kind, stat in FLOWS.items():
            text = run_stat(name, stat, tshark)
            expected_path(name, kind).write_text(text, encoding="utf-8")
            sizes.append(f"{kind} {text.count(chr(10))} lines")
        print(f"{name}: {', '.join(sizes)}")
    print(f"{len(names)} captures, {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
