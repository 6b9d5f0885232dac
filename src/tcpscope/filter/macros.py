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


def _expand_once(text: str, is_reference: Callable[[str], bool], macros: dict[str, str]) -> tuple[str, bool]:
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
        if text[i + 1] != "{":
            out.append(text[i:i + 2])
            i += 2
            continue
        rest = text[i + 2:]
        cut = [p for p in (rest.find("#"), rest.find("}")) if p >= 0]
        if rest.find("#") < 0 and rest.find("}") >= 0:
            cut = [rest.find("}")]
        elif rest.find("#") >= 0:
            cut = [rest.find("#")]
        if cut and is_reference(rest[:cut[0]]):
            out.append("${")
            i += 2
            continue
        j = i + 2
        name = ""
        while j < n and (text[j].isalnum() or text[j] in "_-."):
            name += text[j]
            j += 1
        if j >= n:
            raise FilterSyntaxError("end of filter in the middle of a macro expression")
        args: list[str] = []
        if text[j] == ":":
            j += 1
            arg = ""
            while True:
                if j >= n:
                    raise FilterSyntaxError("end of filter in the middle of a macro expression")
                ch = text[j]
                if ch == ";":
                    args.append(arg)
                    arg = ""
                elif ch == "\\":
                    j += 1
                    if j >= n:
                        raise FilterSyntaxError("end of filter in the middle of a macro expression")
                    arg += text[j]
                elif ch == "}":
                    args.append(arg)
                    break
                else:
                    arg += ch
                j += 1
        elif text[j] != "}":
            raise FilterSyntaxError("invalid character in macro name")
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
