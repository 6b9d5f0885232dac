"""Display-filter errors, worded and placed exactly as tshark 4.0 prints them.

tshark (tshark.c ``_compile_dfilter``) prints ``tshark: <message>`` and, when the
error has a location (dfilter.c ``dfilter_vfail`` keeps the *first* error and its
``stloc_t``), two more lines: four spaces and the filter text, four spaces and
``ws_strdup_underline(col_start, col_len)`` — ``col_start`` spaces, ``^``, then
``col_len - 1`` tildes. Columns count bytes of the UTF-8 text, as flex does.

    FilterError (tcpscope.errors)
     ├── FilterSyntaxError     scanner and grammar errors (scanner.l, grammar.lemon)
     └── FilterSemanticError   type and name errors (semcheck.c, dfunctions.c, ftypes)
"""

from __future__ import annotations

from tcpscope.errors import FilterError

__all__ = ["FilterSemanticError", "FilterSyntaxError", "Location", "caret_line"]

#: (byte offset, byte length) of the culprit in the filter text, or None (no caret line).
Location = tuple[int, int] | None


def caret_line(start: int, length: int) -> str:
    """``ws_strdup_underline``: spaces up to the column, a caret, tildes for the rest."""
    return " " * start + "^" + "~" * max(length - 1, 0)


class _LocatedFilterError(FilterError):
    """A filter error with tshark's message and, if it has one, the filter and a caret line."""

    def __init__(self, message: str, text: str = "", loc: Location = None, note: str = "") -> None:
        self.message = message
        self.text = text
        self.loc = loc
        self.note = note
        super().__init__(self._render())

    def _render(self) -> str:
        out = self.message
        if self.loc is not None:
            out += f"\n    {self.text}\n    {caret_line(*self.loc)}"
        if self.note:
            out += "\n" + self.note
        return out

    def with_note(self, note: str) -> _LocatedFilterError:
        """The same error with tshark's capture-filter hint appended."""
        return type(self)(self.message, self.text, self.loc, note)


class FilterSyntaxError(_LocatedFilterError):
    """A filter the scanner or the grammar rejects (or a macro that does not expand)."""


class FilterSemanticError(_LocatedFilterError):
    """A filter that parses but does not type-check against the field registry."""
