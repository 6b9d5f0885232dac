"""Data flows one way: a module imports only from its own stage or the stages before it
(README, Layout), inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "tcpscope"

#: The stages in order. Stage 0: modules every stage may use (errors, helpers of no
#: stage); the package itself (``tcpscope.open``) belongs with the API it re-exports.
STAGES = ("", "capture", "table", "dissect", "analysis", "filter", "pipeline", "views", "api", "export", "dask", "web", "cli")
BASE = frozenset({"errors", "constants", "_types", "_jit", "_malloc", "_bytes"})


def _stage(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return STAGES.index("api")
    head = parts[1]
    if head in BASE:
        return 0
    if head == "__main__":
        return STAGES.index("cli")
    assert head in STAGES, f"{module}: in no stage (add it to STAGES in tests/test_layers.py and the README)"
    return STAGES.index(head)


def _imports(path: Path) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [f"{node.module}.{a.name}" for a in node.names] if node.module == "tcpscope" else [node.module]
    return [name for name in out if name.split(".")[0] == "tcpscope"]


def test_modules_import_only_from_earlier_stages() -> None:
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
        wrong += [f"{module} imports {name}" for name in _imports(path) if _stage(name) > _stage(module)]
    assert wrong == []
