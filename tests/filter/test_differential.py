"""Random filters built from the fields and values of a capture, asked of tshark and tcpscope.

The generator combines every registered field that has values in the capture with
relations, quantifiers, sets, functions, slices, layers and logic. It is seeded, so a
run is reproducible; ``TCPSCOPE_FUZZ_SEED`` picks another seed. Filters on
``frame.protocols`` are left out: which application protocols appear there depends on
dissectors tcpscope does not have (docs/deviations.md).
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from corpus import run_tshark, table_of

from tcpscope.errors import FilterError
from tcpscope.filter import compile_filter
from tcpscope.filter.registry import registry
from tcpscope.table.text import format_values

OPS = ["==", "!=", "===", "!==", ">", ">=", "<", "<=", "contains", "matches", "in"]


class _Gen:
    def __init__(self, capture: str, seed: int) -> None:
        self.rnd = random.Random(seed)
        table = table_of(capture)
        reg = registry()
        self.reg = reg
        # _ws.expert* text fields are left out: tshark 4.0.17 crashes (SIGSEGV) on some
        # relations over them, e.g. `any _ws.expert === "..."`
        self.fields = [n for n, f in reg.items() if "." in n and n != "frame.protocols"
                       and not n.startswith("_ws.expert") and len(f.get(table))]
        self.values = {n: list(dict.fromkeys(format_values(reg[n], reg[n].get(table))))[:20] for n in self.fields}

    def literal(self, name: str) -> str:
        ft = self.reg[name].ftype.value
        vals = self.values[name]
        v = self.rnd.choice(vals) if vals else "0"
        if ft == "FT_STRING":
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if ft in ("FT_BYTES", "FT_PROTOCOL"):
            return v[:8] or "00"
        if ft == "FT_BOOLEAN":
            return self.rnd.choice(["0", "1", "True", "False", '"Set"'])
        return v

    def relation(self) -> str:
        r = self.rnd
        name = r.choice(self.fields)
        op = r.choice(OPS)
        q = r.choice(["", "", "any ", "all "])
        if op == "in":
            return f"{q}{name} in {{{', '.join(self.literal(name) for _ in range(r.randint(1, 3)))}}}"
        if op == "matches":
            return f'{q}{name} matches "{r.choice(["^1", "0$", "a", "[0-9]+", ".", "(?-i)A"])}"'
        rhs = self.literal(name) if r.random() < 0.7 else r.choice(self.fields)
        lhs = name if r.random() < 0.8 else r.choice([
            f"len({name})", f"count({name})", f"{name}#1", f"{name}[0:1]", f"string({name})", f"{name} + 1",
            f"{name} & 1", f"-{name}", f"max({name})", f"abs({name})"])
        return f"{q}{lhs} {op} {rhs}"

    def expr(self, depth: int = 0) -> str:
        x = self.rnd.random()
        if depth < 2 and x < 0.2:
            return f"{self.expr(depth + 1)} && {self.expr(depth + 1)}"
        if depth < 2 and x < 0.35:
            return f"{self.expr(depth + 1)} || {self.expr(depth + 1)}"
        if depth < 2 and x < 0.45:
            return f"!({self.expr(depth + 1)})"
        if x < 0.55:
            return self.rnd.choice(self.fields)
        return self.relation()


def _ours(capture: str, text: str) -> tuple[int, list[int], str]:
    try:
        flt = compile_filter(text)
    except FilterError as exc:
        return 2, [], f"tshark: {exc}"
    return 0, [int(i) + 1 for i in flt.select(table_of(capture))], ""


@pytest.mark.tshark
@pytest.mark.slow
@pytest.mark.parametrize("capture", ["zeek-http-get.pcap", "zeek-http-qinq-0.pcap", "zeek-tunnels-4in6.pcap",
                                     "zeek-communityid-ipv6.pcap", "zeek-linux_dlt_sll2.pcap"])
def test_random_filters_agree_with_tshark(tshark: str, capture: str) -> None:
    seed = int(os.environ.get("TCPSCOPE_FUZZ_SEED", "20240101"))
    gen = _Gen(capture, seed)
    texts = list(dict.fromkeys(gen.expr() for _ in range(60)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda t: run_tshark(tshark, capture, t), texts))
    wrong = [f"{t}\n  tshark:   {a}\n  tcpscope: {_ours(capture, t)}"
             for t, a in zip(texts, answers, strict=True) if _ours(capture, t) != a]
    assert not wrong, "\n".join(wrong)
