"""The texts of ``tcpscope explain``, one table per language (:data:`CATALOGS`).

Each table maps a message key to a text with ``str.format`` placeholders (``{frame}``);
every key is in every table with the same placeholders (tests/views/test_explain.py).
The texts are written for a student in each language, not translated word for word;
the Chinese follows the vocabulary of the tutorial the project starts from (三次握手,
四次挥手, 序号, 确认号, 客户端, 服务端). State names stay as RFC 9293 spells them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tcpscope.views.messages import en, zh

__all__ = ["CATALOGS", "LANGUAGES", "catalog"]

#: The languages there is a table for; the first is the default.
LANGUAGES: Final = ("en", "zh")

CATALOGS: Final[Mapping[str, Mapping[str, str]]] = {"en": en.MESSAGES, "zh": zh.MESSAGES}


def catalog(lang: str) -> Mapping[str, str]:
    """The table of ``lang`` (one of :data:`LANGUAGES`)."""
    return CATALOGS[lang]
