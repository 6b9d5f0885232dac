"""mkdocs hook for the API reference (mkdocs.yml): the docstrings cite names with Sphinx's
roles (``:func:`scan```, ``:class:`~tcpscope.api.Capture```), which Markdown renders as
the role's text before the code; this drops the role, and a ``~`` path's module as Sphinx
does, leaving the name in code."""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|exc|obj):<code>(~?)([\w.]+)</code>")


def _name(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    """The page's HTML with each role dropped before its code."""
    return _ROLE.sub(_name, html)
