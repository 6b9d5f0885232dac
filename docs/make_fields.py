"""Write docs/fields.md from the field registry: every field tcpscope knows, by protocol,
with its type, its Wireshark label and its description (``FieldDef.description``, written
where each field is declared). Run after changing a field; a test checks the file is
up to date: ``python docs/make_fields.py``."""

from __future__ import annotations

import sys
from pathlib import Path

from tcpscope.table.schema import FieldDef
from tcpscope.views.columns import full_registry

OUT = Path(__file__).resolve().parent / "fields.md"

HEAD = """# Fields

Every field tcpscope knows: `tcpscope fields -e NAME`, display filters (`-Y`) and the
Python API name them the same way. Generated from the field registry by
`docs/make_fields.py`; do not edit by hand. `tcpscope fields --list-fields` prints the
same list as text.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _protocol(f: FieldDef) -> str:
    return f.name.split(".", 1)[0]


def fields_markdown() -> str:
    """The text of docs/fields.md."""
    by_proto: dict[str, list[FieldDef]] = {}
    for f in full_registry().values():
        by_proto.setdefault(_protocol(f), []).append(f)
    parts = [HEAD]
    for proto in sorted(by_proto):
        parts.append(f"\n## {proto}\n\n| Field | Type | Label | Description |\n|---|---|---|---|\n")
        for f in sorted(by_proto[proto], key=lambda f: f.name):
            parts.append(f"| `{f.name}` | {f.ftype.value} | {_cell(f.title)} | {_cell(f.description)} |\n")
    return "".join(parts)


if __name__ == "__main__":
    OUT.write_text(fields_markdown())
    sys.exit(0)
