"""The display-filter scanner: epan/dfilter/scanner.l of Wireshark 4.0, rule for rule.

flex takes the *longest* match at each position and breaks ties by rule order; this
module does the same with one regular expression per rule. Start conditions:

* INITIAL: punctuation, keyword operators, quoted strings, character constants,
  MAC / IPv4 / IPv6 / byte-string shaped words (UNPARSED, or LITERAL with a leading
  colon), ``.name`` (always a FIELD), identifiers (UNPARSED), anything else an error;
* LAYER after ``#``: digits (INTEGER) or ``[``, anything else
  ``Expected digit or "[", not "x"``;
* RANGE after ``[``: ``[^],]+`` (RANGE_NODE), ``,``, ``]``; end of text is
  ``The right bracket was missing from a slice.``

The scanner works on the UTF-8 bytes of the filter (each byte one character of a
latin-1 string), so columns are byte offsets as tshark's carets are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

from tcpscope.filter.errors import FilterSyntaxError

__all__ = ["Kind", "Token", "scan", "to_bytes_text", "to_text"]


class Kind(Enum):
    """Token kinds of grammar.lemon (TOKEN_*)."""

    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    LBRACE = "{"
    RBRACE = "}"
    DOTDOT = ".."
    DOLLAR = "$"
    ANY = "any"
    ALL = "all"
    ANY_EQ = "=="
    ALL_NE = "!="
    ALL_EQ = "==="
    ANY_NE = "!=="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    CONTAINS = "contains"
    MATCHES = "matches"
    NOT = "!"
    AND = "&&"
    OR = "||"
    IN = "in"
    PLUS = "+"
    MINUS = "-"
    STAR = "*"
    RSLASH = "/"
    PERCENT = "%"
    BITWISE_AND = "&"
    HASH = "#"
    INTEGER = "INTEGER"
    LBRACKET = "["
    RBRACKET = "]"
    RANGE_NODE = "RANGE_NODE"
    STRING = "STRING"
    CHARCONST = "CHARCONST"
    UNPARSED = "UNPARSED"
    LITERAL = "LITERAL"
    FIELD = "FIELD"
    EOF = "EOF"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text as written, where it is (bytes), and a decoded value.

    ``value`` is the bytes of a quoted string (escapes processed) or the number of a
    character constant; ``raw`` marks an ``r"..."`` string.
    """

    kind: Kind
    text: str
    start: int
    length: int
    value: bytes | int | None = None
    raw: bool = False

    def __bool__(self) -> bool:  # tokens are data, never conditions
        raise TypeError("a Token has no truth value")


def to_bytes_text(text: str) -> str:
    """The filter as a string of its UTF-8 bytes (one char per byte)."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def to_text(btext: str) -> str:
    """Back from bytes-as-chars to ordinary text (for messages)."""
    return btext.encode("latin-1").decode("utf-8", "replace")


_SYMBOLS: tuple[tuple[str, Kind], ...] = (
    ("(", Kind.LPAREN), (")", Kind.RPAREN), (",", Kind.COMMA), ("{", Kind.LBRACE),
    ("..", Kind.DOTDOT), ("}", Kind.RBRACE), ("$", Kind.DOLLAR), ("any", Kind.ANY), ("all", Kind.ALL),
    ("==", Kind.ANY_EQ), ("eq", Kind.ANY_EQ), ("any_eq", Kind.ANY_EQ),
    ("!=", Kind.ALL_NE), ("ne", Kind.ALL_NE), ("all_ne", Kind.ALL_NE),
    ("===", Kind.ALL_EQ), ("all_eq", Kind.ALL_EQ),
    ("!==", Kind.ANY_NE), ("~=", Kind.ANY_NE), ("any_ne", Kind.ANY_NE),
    (">", Kind.GT), ("gt", Kind.GT), (">=", Kind.GE), ("ge", Kind.GE),
    ("<", Kind.LT), ("lt", Kind.LT), ("<=", Kind.LE), ("le", Kind.LE),
    ("contains", Kind.CONTAINS), ("~", Kind.MATCHES), ("matches", Kind.MATCHES),
    ("!", Kind.NOT), ("not", Kind.NOT), ("&&", Kind.AND), ("and", Kind.AND),
    ("||", Kind.OR), ("or", Kind.OR), ("in", Kind.IN),
    ("+", Kind.PLUS), ("-", Kind.MINUS), ("*", Kind.STAR), ("/", Kind.RSLASH), ("%", Kind.PERCENT),
    ("&", Kind.BITWISE_AND), ("bitwise_and", Kind.BITWISE_AND),
)

_HEX2 = r"[0-9A-Fa-f]{2}"
_MAC = [
    rf"{_HEX2}:{_HEX2}:{_HEX2}:{_HEX2}:{_HEX2}:{_HEX2}",
    rf"{_HEX2}-{_HEX2}-{_HEX2}-{_HEX2}-{_HEX2}-{_HEX2}",
    rf"{_HEX2}\.{_HEX2}\.{_HEX2}\.{_HEX2}\.{_HEX2}\.{_HEX2}",
    r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}",
]
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
_H16 = r"[0-9A-Fa-f]{1,4}"
_LS32s = [rf"{_H16}:{_H16}", _IPV4]
_IPV6_FORMS: list[str] = []
for _ls in _LS32s:
    _IPV6_FORMS += [
        rf"(?:{_H16}:){{6}}{_ls}",
        rf"::(?:{_H16}:){{5}}{_ls}",
        rf"(?:{_H16})?::(?:{_H16}:){{4}}{_ls}",
        rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_ls}",
        rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_ls}",
        rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_ls}",
        rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_ls}",
    ]
_IPV6_FORMS += [rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}", rf"(?:(?:{_H16}:){{0,6}}{_H16})?::"]
_BYTES = [rf"{_HEX2}(?::{_HEX2})+", rf"{_HEX2}(?:\.{_HEX2})+", rf"{_HEX2}(?:-{_HEX2})+"]
_IDENT = r"[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*"

# (regex, what to make of the match, characters a match can start with), in rule order
_Rule = tuple[re.Pattern[str], str, frozenset[str]]
_HEXDIGITS = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _rules() -> list[_Rule]:
    rules: list[_Rule] = [(re.compile(r"[ \t\n]+"), "space", frozenset(" \t\n"))]
    rules += [(re.compile(re.escape(s)), f"sym:{s}", frozenset(s[0])) for s, _ in _SYMBOLS]
    rules.append((re.compile(r"#"), "hash", frozenset("#")))
    rules.append((re.compile(r"\["), "lbracket", frozenset("[")))
    rules.append((re.compile(r'[rR]?"'), "string", frozenset('rR"')))
    rules.append((re.compile(r"'"), "charconst", frozenset("'")))
    rules += [(re.compile(p), "unparsed", _HEXDIGITS) for p in _MAC]
    for p in (_IPV4 + r"(?:/[0-9]{1,2})?", _IPV4):
        rules.append((re.compile(p), "unparsed", _DIGITS))
    for form in _IPV6_FORMS:
        rules.append((re.compile(form + r"(?:/[0-9]{1,3})?"), "unparsed", _HEXDIGITS | {":"}))
        rules.append((re.compile(form), "unparsed", _HEXDIGITS | {":"}))
    rules += [(re.compile(":?" + p), "bytes", _HEXDIGITS | {":"}) for p in _BYTES]
    rules.append((re.compile(r":[0-9A-Fa-f]+"), "literal", frozenset(":")))
    rules.append((re.compile(r"\.?" + _IDENT), "ident", _WORD | {"."}))
    return rules


_RULES = _rules()
_BY_FIRST: dict[str, list[tuple[re.Pattern[str], str]]] = {
    chr(c): [(rx, what) for rx, what, first in _RULES if chr(c) in first] for c in range(256)
}
_SYMBOL_KIND = dict(_SYMBOLS)
_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39, '"': 34}


def _printable(s: str) -> bool:
    return all(0x20 <= ord(c) < 0x7F for c in s)


def _ucn_ok(digits: str, ndigits: int) -> int | None:
    """The code point of a ``\\u``/``\\U`` escape, or None if it is not a valid one."""
    if len(digits) < ndigits or not all(c in "0123456789abcdefABCDEF" for c in digits[:ndigits]):
        return None
    val = int(digits, 16)
    if (val < 0xA0 and val not in (0x24, 0x40, 0x60)) or 0xD800 <= val <= 0xDFFF or val > 0x10FFFF:
        return None
    return val


class _Scanner:
    """Produces tokens lazily, so an error is raised when the parser reaches it."""

    def __init__(self, btext: str, is_field: Callable[[str], bool], shown: str) -> None:
        self.s = btext
        self.pos = 0
        self.is_field = is_field
        self.shown = shown  # the text printed on the error line

    def fail(self, message: str, start: int, length: int) -> FilterSyntaxError:
        return FilterSyntaxError(to_text(message), self.shown, (start, length))

    def tokens(self) -> Iterator[Token]:
        s = self.s
        n = len(s)
        while True:
            if self.pos >= n:
                yield Token(Kind.EOF, "", n, 0)
                return
            best_len, best_what = 0, ""
            for rx, what in _BY_FIRST.get(s[self.pos], ()):
                m = rx.match(s, self.pos)
                if m is not None and m.end() - self.pos > best_len:
                    best_len, best_what = m.end() - self.pos, what
            start = self.pos
            if best_len == 0:
                ch = s[start]
                if _printable(ch):
                    raise self.fail(f'"{ch}" was unexpected in this context.', start, 1)
                raise self.fail("Non-printable ASCII characters may only appear inside double-quotes.", start, 1)
            text = s[start:start + best_len]
            self.pos += best_len
            if best_what != "space":
                yield from self._token(best_what, text, start)

    def _token(self, best_what: str, text: str, start: int) -> Iterator[Token]:
        """The token of ``text``, matched by the rule ``best_what`` at ``start``; after a ``#``
        or a ``[``, the layer or range tokens that follow it."""
        best_len = len(text)
        if best_what.startswith("sym:"):
            yield Token(_SYMBOL_KIND[text], text, start, best_len)
        elif best_what == "hash":
            yield Token(Kind.HASH, text, start, 1)
            yield from self._layer()
        elif best_what == "lbracket":
            yield Token(Kind.LBRACKET, text, start, 1)
            yield from self._range()
        elif best_what == "string":
            yield self._string(start, raw=text[0] in "rR")
        elif best_what == "charconst":
            yield self._charconst(start)
        elif best_what == "unparsed":
            yield Token(Kind.UNPARSED, text, start, best_len)
        elif best_what == "bytes":
            kind = Kind.LITERAL if text[0] == ":" else Kind.UNPARSED
            yield Token(kind, text, start, best_len)
        elif best_what == "literal":
            yield Token(Kind.LITERAL, text, start, best_len)
        elif text[0] == ".":
            name = text[1:]
            if not self.is_field(name):
                raise self.fail(f'"{name}" is not a valid protocol or protocol field.', start, best_len)
            yield Token(Kind.FIELD, name, start, best_len)
        else:
            yield Token(Kind.UNPARSED, text, start, best_len)

    def _layer(self) -> Iterator[Token]:
        s = self.s
        if self.pos >= len(s):
            return
        m = re.compile(r"[0-9]+").match(s, self.pos)
        if m is not None:
            self.pos = m.end()
            yield Token(Kind.INTEGER, m.group(), m.start(), m.end() - m.start())
            return
        if s[self.pos] == "[":
            self.pos += 1
            yield Token(Kind.LBRACKET, "[", self.pos - 1, 1)
            yield from self._range()
            return
        raise self.fail(f'Expected digit or "[", not "{s[self.pos]}"', self.pos, 1)

    def _range(self) -> Iterator[Token]:
        s = self.s
        last_end = self.pos
        while True:
            if self.pos >= len(s):
                raise self.fail("The right bracket was missing from a slice.", last_end, 0)
            c = s[self.pos]
            if c == "]":
                self.pos += 1
                yield Token(Kind.RBRACKET, "]", self.pos - 1, 1)
                return
            if c == ",":
                self.pos += 1
                last_end = self.pos
                yield Token(Kind.COMMA, ",", self.pos - 1, 1)
                continue
            end = self.pos
            while end < len(s) and s[end] not in "],":
                end += 1
            tok = Token(Kind.RANGE_NODE, s[self.pos:end], self.pos, end - self.pos)
            self.pos = end
            last_end = end
            yield tok

    def _string(self, start: int, raw: bool) -> Token:
        s = self.s
        i = start + (2 if raw else 1)
        out = bytearray()
        while True:
            if i >= len(s):
                raise self.fail("The final quote was missing from a quoted string.", len(s), 0)
            c = s[i]
            if c == '"':
                i += 1
                break
            if c != "\\":
                j = i
                while j < len(s) and s[j] not in '\\"':
                    j += 1
                out += s[i:j].encode("latin-1")
                i = j
                continue
            escaped, length = self._escape(i, raw)
            out += escaped
            i += length
        self.pos = i
        return Token(Kind.STRING, s[start:i], start, i - start, bytes(out), raw)

    def _escape(self, i: int, raw: bool) -> tuple[bytes, int]:
        """The bytes of the escape sequence at ``i`` in a string, and its length: the flex
        rules in order of their patterns' lengths (a raw string keeps it as written)."""
        s = self.s
        m = re.compile(r"\\[0-7]{1,3}").match(s, i)
        mx = re.compile(r"\\x[0-9A-Fa-f]{1,2}").match(s, i)
        mu = re.compile(r"\\u[0-9A-Fa-f]{0,4}").match(s, i)
        mU = re.compile(r"\\U[0-9A-Fa-f]{0,8}").match(s, i)
        seq = next((x.group() for x in (m, mx, mu, mU) if x is not None), s[i:i + 2])
        if raw:
            return seq.encode("latin-1"), len(seq)
        if m is not None:
            val = int(seq[1:], 8)
            if val > 0xFF:
                raise self.fail(f"{seq} is larger than 255.", i, len(seq))
            return bytes([val]), len(seq)
        if mx is not None:
            return bytes([int(seq[2:], 16)]), len(seq)
        if mu is not None or mU is not None:
            cp = _ucn_ok(seq[2:], 4 if seq[1] == "u" else 8)
            if cp is None:
                raise self.fail(f"{seq} is not a valid universal character name", i, len(seq))
            return chr(cp).encode("utf-8"), len(seq)
        if len(seq) < 2:
            # a lone backslash at the end: flex's "\\." cannot match; the rest is unterminated
            raise self.fail("The final quote was missing from a quoted string.", len(s), 0)
        if seq[1] in _ESCAPES:
            return bytes([_ESCAPES[seq[1]]]), len(seq)
        raise self.fail(f"\\{seq[1]} is not a valid character escape sequence", i, len(seq))

    def _charconst(self, start: int) -> Token:
        s = self.s
        i = start + 1
        while True:
            if i >= len(s):
                raise self.fail("The final quote was missing from a character constant.", len(s), 0)
            if s[i] == "'":
                i += 1
                break
            if s[i] == "\\":
                i += 2 if i + 1 < len(s) else 1
                continue
            i += 1
        self.pos = i
        text = s[start:i]
        value = self._charconst_value(text, start)
        return Token(Kind.CHARCONST, text, start, i - start, value)

    def _charconst_value(self, text: str, start: int) -> int:
        """scanner.l ``parse_charconst``, including its refusal of ``'\\n'``."""

        def bad(msg: str) -> FilterSyntaxError:
            return self.fail(msg, start, len(text))

        body = text[1:]
        if body[0] == "'":
            raise bad("Empty character constant.")
        if body[0] == "\\":
            value, k = _charconst_escape(text, bad)
        else:
            value = ord(body[0])
            k = 1
            if not 0x20 <= value < 0x7F:
                raise self.fail(f"Non-printable value '0x{value:02x}' in character constant.", start, len(text))
        if body[k:] != "'":
            raise bad(f"{text} is too long to be a valid character constant.")
        return value


def _charconst_escape(text: str, bad: Callable[[str], FilterSyntaxError]) -> tuple[int, int]:
    """The value of the escape sequence that starts the character constant ``text`` (after
    its quote) and where in the body it ends, or ``bad``'s error."""
    body = text[1:]
    k = 1
    c = body[k] if k < len(body) else "\0"
    simple = {"a": 7, "b": 8, "f": 12, "r": 13, "t": 9, "v": 11, "'": 39, "\\": 92, '"': 34}
    if c in simple:
        value = simple[c]
        k += 1
    elif c == "n":
        value = 10  # 4.0 forgets to step past the 'n'
    elif c == "x":
        value, k = _charconst_hex(text, bad)
    elif c in "uU":
        nd = 4 if c == "u" else 8
        digits = body[k + 1:]
        run = 0
        while run < len(digits) and digits[run] in "0123456789abcdefABCDEF":
            run += 1
        cp = _ucn_ok(digits[:run], nd)
        if cp is None:
            raise bad(f"{text} is not a valid universal character name")
        value = cp
        k += 1 + run
    elif c in "01234567":
        value, k = _charconst_octal(text, bad)
    else:
        raise bad(f"{text} isn't a valid character constant.")
    return value, k


def _charconst_hex(text: str, bad: Callable[[str], FilterSyntaxError]) -> tuple[int, int]:
    """``'\\xH'`` or ``'\\xHH'``: the value and where in the body it ends."""
    body = text[1:]
    k = 2
    hexd = "0123456789abcdefABCDEF"
    if k >= len(body) or body[k] not in hexd:
        raise bad(f"{text} isn't a valid character constant.")
    value = int(body[k], 16)
    k += 1
    if body[k] != "'":
        if body[k] not in hexd:
            raise bad(f"{text} isn't a valid character constant.")
        value = value * 16 + int(body[k], 16)
        k += 1
    return value, k


def _charconst_octal(text: str, bad: Callable[[str], FilterSyntaxError]) -> tuple[int, int]:
    """``'\\O'`` to ``'\\OOO'``, at most 255: the value and where in the body it ends."""
    body = text[1:]
    k = 1
    value = int(body[k])
    if body[k + 1] != "'":
        k += 1
        if body[k] not in "01234567":
            raise bad(f"{text} isn't a valid character constant.")
        value = value * 8 + int(body[k])
        if body[k + 1] != "'":
            k += 1
            if body[k] not in "01234567":
                raise bad(f"{text} isn't a valid character constant.")
            value = value * 8 + int(body[k])
    if value > 0xFF:
        raise bad(f"{text} is too large to be a valid character constant.")
    return value, k + 1


def scan(btext: str, is_field: Callable[[str], bool], shown: str | None = None) -> Iterator[Token]:
    """Tokens of ``btext`` (see :func:`to_bytes_text`), ending with one EOF token.

    ``is_field`` tells whether a name is a registered field (for ``.name``);
    ``shown`` is the filter text echoed on error lines (``btext`` decoded by default).
    """
    return _Scanner(btext, is_field, to_text(btext) if shown is None else shown).tokens()
