"""tcpscope's display filters against tshark 4.0: same frames, same errors.

The golden files (``make_golden.py``) hold tshark's answers for every filter of
``corpus.txt`` on its captures and for every filter of ``bad.txt``. A filter that
uses Wireshark fields tcpscope does not declare yet (HTTP, the TCP analysis before
it is merged) is skipped when it disagrees, with the missing names as the reason.
The ``tshark`` tests ask the installed tshark again, live.
"""

from __future__ import annotations

from typing import Any

import pytest
from corpus import BAD_CAPTURE, good_cases, known_issues, load, run_tshark, table_of

from tcpscope.errors import FilterError
from tcpscope.filter import compile_filter
from tcpscope.filter.registry import registry

KNOWN = known_issues()
GOOD: list[dict[str, Any]] = load("good.json")["cases"]  # type: ignore[assignment]
BAD: list[dict[str, Any]] = load("bad.json")["cases"]  # type: ignore[assignment]


def ours(capture: str, text: str) -> tuple[int, list[int], str]:
    """What tcpscope does with the filter: (exit status, frame numbers, stderr), as tshark would."""
    try:
        flt = compile_filter(text)
    except FilterError as exc:
        return 2, [], f"tshark: {exc}"
    return 0, [int(i) + 1 for i in flt.select(table_of(capture))], ""


def missing(fields: list[str]) -> list[str]:
    reg = registry()
    return [f for f in fields if f not in reg]


def check(expected: tuple[int, list[int], str], got: tuple[int, list[int], str], fields: list[str]) -> None:
    if got != expected:
        lacking = missing(fields)
        if lacking:
            pytest.skip(f"fields not in tcpscope's registry yet: {', '.join(lacking)}")
    assert got == expected


@pytest.mark.parametrize("case", GOOD, ids=[f"{c['capture']}|{c['filter']}" for c in GOOD])
def test_good_filter_selects_what_tshark_selects(case: dict[str, Any]) -> None:
    expected = (case["status"], case["frames"], case["stderr"])
    got = ours(case["capture"], case["filter"])
    reason = KNOWN.get((case["capture"], case["filter"]))
    if reason is not None:
        if got == expected:
            pytest.fail(f"listed in known.txt but now agrees with tshark: {reason}")
        pytest.xfail(reason)
    check(expected, got, case["fields"])


@pytest.mark.parametrize("case", BAD, ids=[c["filter"] for c in BAD])
def test_bad_filter_fails_as_tshark_fails(case: dict[str, Any]) -> None:
    assert case["status"] == 2
    check((case["status"], [], case["stderr"]), ours(BAD_CAPTURE, case["filter"]), case["fields"])


def test_corpus_size() -> None:
    """The issue asks for at least 150 good and 30 bad filters."""
    assert len({c["filter"] for c in GOOD}) >= 150
    assert len(BAD) >= 30
    assert {(c.capture, c.filter) for c in good_cases()} == {(c["capture"], c["filter"]) for c in GOOD}


def _live(tshark: str, jobs: list[tuple[str, str, list[str]]]) -> list[str]:
    """Ask tshark about every (capture, filter) at once (tshark's start-up dominates)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda job: run_tshark(tshark, job[0], job[1]), jobs))
    wrong = []
    for (capture, text, fields), expected in zip(jobs, answers, strict=True):
        got = ours(capture, text)
        if got != expected and not missing(fields) and (capture, text) not in KNOWN:
            wrong.append(f"{capture} | {text}\n  tshark:   {expected}\n  tcpscope: {got}")
    return wrong


@pytest.mark.tshark
@pytest.mark.slow
def test_live_against_installed_tshark(tshark: str) -> None:
    """Every distinct good filter (on its first capture) and every bad filter, asked live."""
    firsts = {c["filter"]: c for c in reversed(GOOD)}
    jobs = [(c["capture"], c["filter"], c["fields"]) for c in firsts.values()]
    jobs += [(BAD_CAPTURE, c["filter"], c["fields"]) for c in BAD]
    wrong = _live(tshark, jobs)
    assert not wrong, "\n".join(wrong)


@pytest.mark.tshark
def test_golden_made_by_this_tshark(tshark: str) -> None:
    import subprocess

    first = subprocess.run([tshark, "--version"], capture_output=True, check=True).stdout.decode().splitlines()[0]
    assert load("good.json")["tshark"] == first
