"""Every field of tcpscope's registry that tshark 4.0 also has, on every committed capture,
against the installed tshark: one ``-T fields`` run with all of them per capture.

The foundation and analysis fields have their own golden files; this sweep catches the
others (``ipv6.tclass``, ``tcp.option_kind``, ``vlan.priority``, ...) and any field added
later. Left out, with where they are covered or why:

* protocols (FT_PROTOCOL: ``tcp``, ``ip``, ``data``, ...): tshark prints the details tree's
  label, tcpscope the bytes (docs/deviations.md, "Protocols as -e fields");
* the ``_ws.col.*`` columns: compared line by line in tests/views/test_golden_list.py;
* ``frame.protocols`` is compared, less what a protocol tcpscope does not dissect explains
  and the frames declared in protocols_declared.py;
* ``_ws.expert*``: compared through ``-z expert`` in tests/views/test_expert.py;
* the two captures with out-of-range fractions of a second (their time cells are declared in
  fieldsets.KNOWN_DIFFS).
"""

from __future__ import annotations

import subprocess
from functools import lru_cache

import pytest
from golden_io import CAPTURES, capture_names
from protocols_declared import protocol_diffs

from tcpscope.cli.main import main
from tcpscope.filter.registry import registry
from tcpscope.table.schema import FieldType

SKIP_CAPTURES = {"craft-pcap-odd-usec.pcap", "craft-pcap-odd-nsec.pcap"}


@lru_cache(maxsize=1)
def _fields(tshark: str) -> tuple[str, ...]:
    known = {line.split("\t")[2] for line in subprocess.run([tshark, "-G", "fields"], capture_output=True,
                                                           text=True, check=True).stdout.splitlines()
             if line.startswith("F\t")}
    return tuple(sorted(
        name for name, fd in registry().items()
        if name in known and fd.ftype is not FieldType.PROTOCOL and not name.startswith("_ws.")))


@pytest.mark.tshark
@pytest.mark.parametrize("name", [n for n in capture_names() if n not in SKIP_CAPTURES])
def test_every_field_matches_tshark(name: str, tshark: str, capsys: pytest.CaptureFixture[str]) -> None:
    fields = _fields(tshark)
    args = [a for f in fields for a in ("-e", f)]
    path = str(CAPTURES / name)
    want = subprocess.run([tshark, "-n", "-r", path, "-T", "fields", *args], capture_output=True, text=True,
                          check=False).stdout.splitlines()
    capsys.readouterr()
    main(["fields", path, *args])
    got = capsys.readouterr().out.splitlines()
    if not want:  # tshark could not read the file: its message is compared elsewhere
        return
    assert len(got) == len(want)
    protos = fields.index("frame.protocols")
    wrong = [f"frame {i}: {fields[j]}: tshark {a!r}, tcpscope {b!r}"
             for i, (w, g) in enumerate(zip(want, got, strict=True), start=1)
             for j, (a, b) in enumerate(zip(w.split("\t"), g.split("\t"), strict=True)) if a != b and j != protos]
    wrong += protocol_diffs(name, [w.split("\t")[protos] for w in want], [g.split("\t")[protos] for g in got])
    assert not wrong, "\n".join(wrong[:20])
