"""Random filters (random_filters.py) against tshark: the same frames, the same errors.

tshark's answers to the filters of the stored seed are in ``golden/random.json``
(``make_golden.py``, made by the tshark test_corpus.py checks the version of); a filter
that file does not hold (another ``TCPSCOPE_FUZZ_SEED``, or a registry that has grown) is
asked of the installed tshark.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from corpus import ours, run_tshark
from random_filters import CAPTURES, SEED, random_filters, stored_answers

STORED = stored_answers()


@pytest.mark.parametrize("capture", CAPTURES)
def test_random_filters_agree_with_tshark(capture: str) -> None:
    seed = int(os.environ.get("TCPSCOPE_FUZZ_SEED", str(SEED)))
    texts = random_filters(capture, seed)
    missing = [t for t in texts if (capture, t) not in STORED]
    live = {}
    if missing:
        tshark = shutil.which("tshark")
        if tshark is None:
            pytest.skip(f"{len(missing)} filters not in golden/random.json and tshark is not installed")
        with ThreadPoolExecutor(max_workers=8) as pool:
            live = dict(zip(missing, pool.map(lambda t: run_tshark(tshark, capture, t), missing), strict=True))
    wrong = []
    for text in texts:
        want, got = STORED.get((capture, text)) or live[text], ours(capture, text)
        if got != want:
            wrong.append(f"{text}\n  tshark:   {want}\n  tcpscope: {got}")
    assert not wrong, "\n".join(wrong)
