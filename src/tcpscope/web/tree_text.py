"""The details tree for the page, from the text ``tcpscope show`` prints (``tshark -V``).

A stand-in until the tree exists as data (``show -T json``, issue 17): each line of the
text is a node, its depth the line's indentation (four spaces a level, as tshark prints
it), its children the deeper lines below it. The nodes carry their label only: the field
names and byte ranges the page would show on hover and highlight in the bytes pane come
with the tree's data.
"""

from __future__ import annotations

from typing import Any

__all__ = ["INDENT", "tree_nodes"]

#: Spaces per level of the text tree.
INDENT = 4


def tree_nodes(text: str) -> list[dict[str, Any]]:
    """The tree of ``text`` as nested ``{"label": str, "children": [...]}`` nodes."""
    root: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(-1, root)]
    for line in text.split("\n"):
        if not line.strip():
            continue
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // INDENT
        while stack[-1][0] >= depth:
            stack.pop()
        node: dict[str, Any] = {"label": stripped, "children": []}
        stack[-1][1].append(node)
        stack.append((depth, node["children"]))
    return root
