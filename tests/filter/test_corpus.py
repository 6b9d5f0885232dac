"""tcpscope's display filters against tshark 4.0: same frames, same errors.

The golden files (``make_golden.py``) hold tshark's answers for every filter of
``corpus.txt`` on its captures and for every filter of ``bad.txt``. A filter that
uses Wireshark fields tcpscope does not declare yet (HTTP, the TCP analysis before
it is merged) is skipped when it disagrees, with the missing names as the reason.
The ``tshark`` tests check that the installed tshark wrote them (its version) and
still answers the same, on a sample (one filter per capture): the goldens are not
asked again filter by filter.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from corpus import BAD_CAPTURE, good_cases, known_issues, load, ours, run_tshark
from random_filters import CAPTURES, RANDOM_GOLDEN, random_filters, stored_answers

from tcpscope.filter.registry import registry

KNOWN = known_issues()
GOOD: list[dict[str, Any]] = load("good.json")["cases"]  # type: ignore[assignment]
BAD: list[dict[str, Any]] = load("bad.json")["cases"]  # type: ignore[assignment]


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


@pytest.mark.tshark
def test_golden_made_by_this_tshark(tshark_version: str) -> None:
    """The golden answers are the installed tshark's: the tests above need not ask it again."""
    assert load("good.json")["tshark"] == tshark_version
    assert load("bad.json")["tshark"] == tshark_version
    assert json.loads(RANDOM_GOLDEN.read_text(encoding="utf-8"))["tshark"] == tshark_version


@pytest.mark.tshark
def test_golden_is_what_tshark_answers(tshark: str) -> None:
    """tshark asked again, as make_golden.py asks it, gives the stored answers: one good filter
    of each capture of the corpus, a few bad filters and one random filter of each capture."""
    from concurrent.futures import ThreadPoolExecutor

    firsts = {c["capture"]: c for c in reversed(GOOD)}
    jobs = [(c["capture"], c["filter"], (c["status"], c["frames"], c["stderr"])) for c in firsts.values()]
    jobs += [(BAD_CAPTURE, c["filter"], (c["status"], [], c["stderr"])) for c in BAD[:: len(BAD) // 4]]
    stored = stored_answers()
    jobs += [(capture, text, stored[capture, text]) for capture in CAPTURES for text in random_filters(capture)[:1]]
    with ThreadPoolExecutor(max_workers=8) as pool:  # tshark's start-up dominates: run them at once
        answers = list(pool.map(lambda job: run_tshark(tshark, job[0], job[1]), jobs))
    wrong = [f"{capture} | {text}\n  stored: {want}\n  tshark: {got}"
             for (capture, text, want), got in zip(jobs, answers, strict=True) if got != want]
    assert not wrong, "\n".join(wrong)
