"""Random filters built from the fields and values of a capture, for tshark and tcpscope.

The generator combines every registered field that has values in the capture with
relations, quantifiers, sets, functions, slices, layers and logic. It is seeded, so a
run is reproducible: ``make_golden.py`` stores tshark's answers to the filters of
:data:`SEED` in ``golden/random.json``, and ``test_differential.py`` asks the installed
tshark only about filters that file does not hold (another seed, or a registry that has
grown). Filters on ``frame.protocols`` are left out: which application protocols appear
there depends on dissectors tcpscope does not have (docs/deviations.md).
"""

from __future__ import annotations

import json
import random

import corpus
from corpus import GOLDEN, pack_frames, table_of, unpack_frames

from tcpscope.filter.registry import registry
from tcpscope.table.text import format_values

#: The captures the random filters are made for, and the seed of the stored answers.
CAPTURES = ["zeek-http-get.pcap", "zeek-http-qinq-0.pcap", "zeek-tunnels-4in6.pcap", "zeek-communityid-ipv6.pcap",
            "zeek-linux_dlt_sll2.pcap"]
SEED = 20240101
FILTERS_PER_CAPTURE = 60
RANDOM_GOLDEN = GOLDEN / "random.json"


OPS = ["==", "!=", "===", "!==", ">", ">=", "<", "<=", "contains", "matches", "in"]


class Gen:
    def __init__(self, capture: str, seed: int) -> None:
        self.rnd = random.Random(seed)
        table = table_of(capture)
        reg = registry()
        self.reg = reg
        # _ws.expert* text fields are left out: tshark 4.0.17 crashes (SIGSEGV) on some
        # relations over them, e.g. `any _ws.expert === "..."`; tcpscope's own fields
        # (tcpscope.*) too: tshark has none to compare with; and the names of addresses
        # (eth.src_resolved...): the filters run ``tshark -n``, which leaves them unresolved,
        # where tcpscope resolves them as tshark does by default
        self.fields = [n for n, f in reg.items() if "." in n and n != "frame.protocols"
                       and not n.startswith(("_ws.expert", "tcpscope.")) and not n.endswith("_resolved")
                       and len(f.get(table))]
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


def random_filters(capture: str, seed: int = SEED) -> list[str]:
    """The distinct random filters of a capture for a seed."""
    gen = Gen(capture, seed)
    return list(dict.fromkeys(gen.expr() for _ in range(FILTERS_PER_CAPTURE)))


def stored_answers() -> dict[tuple[str, str], corpus.Answer]:
    """tshark's answers of ``golden/random.json``: (capture, filter) -> (status, frames, stderr)."""
    if not RANDOM_GOLDEN.exists():
        return {}
    data = json.loads(RANDOM_GOLDEN.read_text(encoding="utf-8"))
    return {(row["capture"], row["filter"]): (row["status"], unpack_frames(row["frames"]), row["stderr"])
            for row in data["cases"]}


def answers_json(version: str, answers: dict[tuple[str, str], corpus.Answer]) -> str:
    rows = [{"capture": c, "filter": t, "status": s, "frames": pack_frames(f), "stderr": e}
            for (c, t), (s, f, e) in answers.items()]
    return json.dumps({"tshark": version, "seed": SEED, "cases": rows}, indent=1, ensure_ascii=False) + "\n"
