"""Display-filter macros: ``${name}`` and ``${name:arg1;arg2}`` (epan/dfilter/dfilter-macro.c).

tshark expands macros in the raw text before scanning, quotes or not. A ``${...}``
whose name (up to ``#`` or ``}``) is a registered field that is neither a protocol
nor a label is a field reference and stays. The macros are Wireshark's defaults
(``/usr/share/wireshark/dfilter_macros``); errors have no location.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tcpscope.filter.errors import FilterSyntaxError

__all__ = ["DEFAULT_MACROS", "expand"]

#: name -> body with $1..$9 for the arguments
DEFAULT_MACROS: dict[str, str] = {
    "private_ipv4": "$1 == 192.168.0.0/16 or $1 == 172.16.0.0/12 or $1 == 10.0.0.0/8",
    "private_ethernet": "$1[0] & 0x0F == 2",
    "private_ipv6": "ipv6 && $1 == fc00::/7",
}


def _resolve(name: str, args: list[str], macros: dict[str, str]) -> str:
    body = macros.get(name)
    if body is None:
        raise FilterSyntaxError(f"macro '{name}' does not exist")
    positions = [int(d) for d in re.findall(r"\$(\d)", body)]
    argc = max(positions, default=0)
    if len(args) != argc:
        raise FilterSyntaxError(
            f"wrong number of arguments for macro '{name}', expecting {argc} instead of {len(args)}")
    return re.sub(r"\$(\d)", lambda m: args[int(m.group(1)) - 1], body)


_CUT_SHORT = "end of filter in the middle of a macro expression"


def _names_a_reference(rest: str, is_reference: Callable[[str], bool]) -> bool:
    """Whether the text after a ``${`` is a field reference (``${tcp.port}``, ``${#ip.src}``)
    rather than a macro: its name, up to the first ``#`` (else ``}``), is a field's."""
    hash_at, close_at = rest.find("#"), rest.find("}")
    cut = hash_at if hash_at >= 0 else close_at
    return cut >= 0 and is_reference(rest[:cut])


def _macro_args(text: str, j: int) -> tuple[list[str], int]:
    """The arguments of a macro call from ``j`` (after the ``:``): separated by ``;``, a
    backslash escaping the next character; and where the closing ``}`` is."""
    n = len(text)
    args: list[str] = []
    arg = ""
    while True:
        if j >= n:
            raise FilterSyntaxError(_CUT_SHORT)
        ch = text[j]
        if ch == ";":
            args.append(arg)
            arg = ""
        elif ch == "\\":
            j += 1
            if j >= n:
                raise FilterSyntaxError(_CUT_SHORT)
            arg += text[j]
        elif ch == "}":
            args.append(arg)
            return args, j
        else:
            arg += ch
        j += 1


def _macro_call(text: str, i: int) -> tuple[str, list[str], int]:
    """The macro call ``${name}`` or ``${name:arg;...}`` whose ``${`` is at ``i``: its name,
    its arguments, and where its closing ``}`` is."""
    n = len(text)
    j = i + 2
    name = ""
    while j < n and (text[j].isalnum() or text[j] in "_-."):
        name += text[j]
        j += 1
    if j >= n:
        raise FilterSyntaxError(_CUT_SHORT)
    if text[j] == ":":
        args, j = _macro_args(text, j + 1)
        return name, args, j
    if text[j] != "}":
        raise FilterSyntaxError("invalid character in macro name")
    return name, [], j


def _expand_once(text: str, is_reference: Callable[[str], bool], macros: dict[str, str]) -> tuple[str, bool]:
    """The text with each macro call replaced once; whether there was one."""
    out: list[str] = []
    i = 0
    n = len(text)
    changed = False
    while i < n:
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            out.append("$")
            break
        if text[i + 1] != "{" or _names_a_reference(text[i + 2:], is_reference):
            out.append(text[i:i + 2])
            i += 2
            continue
        name, args, j = _macro_call(text, i)
        out.append(_resolve(name, args, macros))
        changed = True
        i = j + 1
    return "".join(out), changed


def expand(text: str, is_reference: Callable[[str], bool], macros: dict[str, str] | None = None) -> str:
    """``dfilter_expand``: the filter with every macro replaced (at most 32 levels deep)."""
    table = DEFAULT_MACROS if macros is None else macros
    for _ in range(32):
        text, changed = _expand_once(text, is_reference, table)
        if not changed:
            return text
    raise FilterSyntaxError("too much nesting in macros")
