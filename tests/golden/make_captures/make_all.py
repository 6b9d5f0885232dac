"""Write every crafted capture into ``tests/golden/captures`` (and ``bad/``).

    python tests/golden/make_captures/make_all.py [MODULE ...]

Each module of this directory has ``make(captures_dir) -> list[Path]``; the output is
the same bytes on every run (fixed times and addresses, ``struct`` packing, editcap on
committed captures). ``tests/golden/captures/README.md`` says what each file is for.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAPTURES = HERE.parent / "captures"
MODULES = ("pcap_variants", "pcapng_files", "link_types", "encapsulations", "ip_layers", "tcp_options", "tcp_accecn",
           "damaged")


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    for name in argv or MODULES:
        module = importlib.import_module(name)
        for path in module.make(CAPTURES):
            print(path.relative_to(CAPTURES.parent.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
