"""The packet list equals ``tshark -r`` on every line of every capture, but for the lines
declared in :data:`DECLARED`.

Each declared line is one tcpscope does not reproduce yet, filed under a short reason
(docs/deviations.md lists the reasons with their counts). A declared line that comes to
match tshark fails the test as stale, so the table shrinks as the work lands. Some reasons
also say how the line differs (:data:`RELATIONS`): a reassembly marker or an application
dissector's mark appended to tcpscope's own line, and nothing else.

The golden files are ``tshark -r`` output recorded by ``tests/golden/make_golden_analysis.py``;
where tshark is installed, tests/views/test_flow.py checks that they are the installed
tshark's text, in the run of tshark that prints the flow graph's golden file too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache

import pytest
from compare import CAPTURES, EXPECTED, capture_files, run_cli
from fieldsets import KNOWN_DIFFS
from list_declared import DECLARED

CAPTURE_FILES = capture_files()
NAMES = [c.relative_to(CAPTURES).as_posix() for c in CAPTURE_FILES]

SEGMENT_MARK = " [TCP segment of a reassembled PDU]"

#: Lines whose Time column deliberately differs: the frames whose frame.time_relative the
#: ``-T fields`` suite declares as a known difference (out-of-range fractions of a second).
KNOWN_TIMES = {(d.capture, n) for d in KNOWN_DIFFS for f, frames in d.cells if f == "frame.time_relative"
               for n in frames}


def _segment(tshark: str, ours: str) -> bool:
    """tshark appends the reassembly marker to TCP's own text, which tcpscope prints."""
    return tshark == ours + SEGMENT_MARK


def _app_mark(tshark: str, ours: str) -> bool:
    """tshark appends a mark (``[Packet size limited during capture]``, ``[Reassembly
    error, ...]``) to TCP's own text, which tcpscope prints."""
    return tshark.startswith(ours) and tshark[len(ours):].startswith("[")


#: How the lines of a reason differ, where the reason says it exactly.
RELATIONS: dict[str, Callable[[str, str], bool]] = {
    "[TCP segment of a reassembled PDU]: pending reassembly issue 18": _segment,
    "mark of an application dissector on TCP's line: pending reassembly issue 18": _app_mark,
}


def frames_of(spec: str) -> list[int]:
    """The frame numbers of a declaration: ``"4 6 8-12"``."""
    out: list[int] = []
    for part in spec.split():
        first, _, last = part.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


def declared_lines(table: Mapping[str, Mapping[str, str]] = DECLARED) -> dict[tuple[str, int], str]:
    """(capture, frame) -> reason, from a table reason -> capture -> frames; a line
    declared twice is an error."""
    out: dict[tuple[str, int], str] = {}
    for reason, captures in table.items():
        for name, spec in captures.items():
            for n in frames_of(spec):
                assert (name, n) not in out, f"{name} frame {n} declared twice"
                out[name, n] = reason
    return out


def _without_time(line: str) -> tuple[str, str]:
    """A line without its Time column, and that column."""
    number, time, rest = line.lstrip().split(maxsplit=2)
    return f"{number} {rest}", time


def line_diffs(name: str, expected: Sequence[str], got: Sequence[str], declared: Mapping[tuple[str, int], str],
               ) -> list[str]:
    """Every difference between tshark's lines and tcpscope's that ``declared`` does not
    explain, every declared line that no longer differs (stale), and every declared line
    that differs otherwise than its reason says."""
    out = []
    if len(got) != len(expected):
        out.append(f"{name}: {len(expected)} lines from tshark, {len(got)} from tcpscope")
    for n, (a, b) in enumerate(zip(expected, got, strict=False), start=1):
        if (name, n) in KNOWN_TIMES:
            (a, ta), (b, tb) = _without_time(a), _without_time(b)
            if ta == tb:
                out.append(f"{name} frame {n}: declared time difference, but equal")
        reason = declared.get((name, n))
        if reason is None:
            if a != b:
                out.append(f"{name} frame {n}:\n  tshark   {a}\n  tcpscope {b}")
        elif a == b:
            out.append(f"{name} frame {n}: declared ({reason}) but equal to tshark's: stale")
        elif not RELATIONS.get(reason, lambda _a, _b: True)(a, b):
            out.append(f"{name} frame {n}: differs otherwise than declared ({reason}):\n"
                       f"  tshark   {a}\n  tcpscope {b}")
    out += [f"{name} frame {n}: declared past the capture's {len(expected)} lines"
            for (cap, n) in declared if cap == name and n > len(expected)]
    return out


@cache
def _ours(name: str) -> tuple[str, ...]:
    """tcpscope's packet list of a capture (once per capture)."""
    return tuple(run_cli("list", str(CAPTURES / name)).splitlines())


def golden_text(name: str) -> str:
    """The golden file of a capture's packet list (``tshark -r NAME``)."""
    return (EXPECTED / f"{name.replace('/', '__')}.list.txt").read_text(encoding="utf-8")


def _golden(name: str) -> list[str]:
    return golden_text(name).splitlines()


@pytest.mark.parametrize("name", NAMES)
def test_list_matches_tshark_golden(name: str) -> None:
    assert line_diffs(name, _golden(name), _ours(name), declared_lines()) == []


def test_declarations_name_captures_and_lines() -> None:
    """Every declared capture exists, and the table holds each line once."""
    lines = declared_lines()
    assert {name for name, _ in lines} <= set(NAMES)
    assert all(n >= 1 for _, n in lines)


def test_a_stale_declaration_fails() -> None:
    """A declared line equal to tshark's is reported; so is an undeclared difference, a
    declared line that differs otherwise than its reason, and a missing line."""
    tcp = "    1   0.000000     10.0.0.1 → 10.0.0.2     TCP 60 1 → 2 [ACK] Seq=1 Ack=1 Win=1 Len=0"
    segment = "[TCP segment of a reassembled PDU]: pending reassembly issue 18"
    assert line_diffs("x.pcap", [tcp], [tcp], {("x.pcap", 1): segment})[0].endswith("stale")
    assert "tcpscope" in line_diffs("x.pcap", [tcp], [tcp + "!"], {})[0]
    assert "otherwise" in line_diffs("x.pcap", [tcp + SEGMENT_MARK], [tcp + "!"], {("x.pcap", 1): segment})[0]
    assert line_diffs("x.pcap", [tcp + SEGMENT_MARK], [tcp], {("x.pcap", 1): segment}) == []
    assert "1 lines from tshark, 0" in line_diffs("x.pcap", [tcp], [], {})[0]
    assert "past the capture" in line_diffs("x.pcap", [tcp], [tcp], {("x.pcap", 2): "any"})[0]


def test_deviations_doc_counts_the_declarations() -> None:
    """docs/deviations.md lists each reason with the number of lines declared under it."""
    doc = (CAPTURES.parents[2] / "docs" / "deviations.md").read_text(encoding="utf-8")
    counts: dict[str, int] = {}
    for reason in declared_lines().values():
        counts[reason] = counts.get(reason, 0) + 1
    missing = [f"| {reason} | {count} |" for reason, count in counts.items() if f"| {reason} | {count} |" not in doc]
    assert missing == [], "docs/deviations.md should list:\n" + "\n".join(missing)
    total = sum(counts.values())
    assert f"the other {total:,} are declared" in doc, f"docs/deviations.md should say the other {total:,} are declared"
