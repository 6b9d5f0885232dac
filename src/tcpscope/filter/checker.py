"""The semantic check: a syntax tree typed against the field registry (epan/dfilter/semcheck.c).

Function by function this follows semcheck.c and dfunctions.c of Wireshark 4.0:
``check_exists``, ``check_relation`` with its LHS_FIELD / LHS_SLICE / LHS_FUNCTION /
LHS_ARITHMETIC cases, ``check_relation_contains``, ``check_relation_matches``,
``check_relation_in``, ``check_slice_sanity``, ``check_function`` and the
per-function checks, ``check_arithmetic_expr``. The right side of a relation is
typed by the left side's type; a quoted string or word that is not a number is
looked up among an integer field's value names (``ip.proto == TCP``) or a boolean's
true/false words (``tcp.flags.syn == "Set"``). The first failure raises
:class:`~tcpscope.filter.errors.FilterSemanticError` with tshark's message and the
location of the node tshark blames.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NoReturn

from tcpscope.filter.ast import (
    And,
    Arith,
    ArithOp,
    CharConst,
    CmpOp,
    Compare,
    Expr,
    Field,
    Function,
    In,
    Literal,
    Neg,
    Node,
    Not,
    Or,
    Quant,
    Reference,
    Slice,
    String,
    Test,
)
from tcpscope.filter.errors import FilterSemanticError
from tcpscope.filter.lexer import to_text
from tcpscope.filter.literals import FT_NAME, PRETTY, Const, from_charconst, from_literal, from_string
from tcpscope.filter.plan import (
    PAnd,
    PArith,
    PConst,
    PExists,
    PField,
    PFunc,
    PIn,
    PNeg,
    PNot,
    PNotZero,
    POr,
    PRef,
    PRegex,
    PRel,
    PSlice,
    PSliceExists,
    PTest,
    PToBytes,
    PValue,
)
from tcpscope.filter.printer import to_text as print_node
from tcpscope.filter.regex import RegexError, compile_regex
from tcpscope.table.schema import FieldDef, FieldType

__all__ = ["DISSECTED_IN_PART", "NOT_YET_DISSECTED", "TYPE_OVERRIDES", "check", "culprit", "field_type",
           "not_yet_note", "unfilled_note"]

FT = FieldType
_INTS = frozenset(t for t in FieldType if t.is_integer and t is not FT.BOOLEAN)
_NUMERIC = _INTS | {FT.BOOLEAN}
_BYTES_TYPES = frozenset({FT.ETHER, FT.BYTES, FT.IPv6})  # semcheck.c is_bytes_type
_CAN_SLICE = frozenset({FT.ETHER, FT.BYTES, FT.IPv6, FT.IPv4, FT.PROTOCOL, FT.STRING})
_CAN_CONTAINS = frozenset({FT.ETHER, FT.BYTES, FT.PROTOCOL, FT.STRING})
_CAN_MATCHES = _CAN_CONTAINS
_CAN_ADD = _INTS | {FT.DOUBLE, FT.RELATIVE_TIME}
_CAN_MUL = _INTS | {FT.DOUBLE}
_CAN_MOD = _INTS
_CAN_AND = _INTS | {FT.IPv4, FT.IPv6, FT.ETHER, FT.BYTES}
_CAN_NEG = _INTS | {FT.DOUBLE, FT.RELATIVE_TIME}
_CAN_IS_NEGATIVE = _INTS | {FT.BOOLEAN, FT.DOUBLE, FT.RELATIVE_TIME}
_STRINGABLE = _INTS - {FT.CHAR} | {FT.IPv4, FT.IPv6, FT.DOUBLE, FT.ETHER}
_ARITH_CAN: dict[ArithOp, frozenset[FieldType]] = {
    ArithOp.ADD: _CAN_ADD, ArithOp.SUB: _CAN_ADD, ArithOp.MUL: _CAN_MUL, ArithOp.DIV: _CAN_MUL,
    ArithOp.MOD: _CAN_MOD, ArithOp.AND: _CAN_AND,
}

#: Types Wireshark 4.0 gives a field where the shared registry differs (tshark -G fields).
TYPE_OVERRIDES: Mapping[str, FieldType] = {
    # FT_RELATIVE_TIME in 4.0; tcpscope keeps it absolute so Arrow and pandas get timestamps
    "frame.time_epoch": FT.RELATIVE_TIME,
}


def field_type(fd: FieldDef) -> FieldType:
    return TYPE_OVERRIDES.get(fd.name, fd.ftype)


def _can_eq(t: FieldType) -> bool:
    return t is not FT.NONE


def _can_contains(t: FieldType) -> bool:
    return t in _CAN_CONTAINS


def _can_matches(t: FieldType) -> bool:
    return t in _CAN_MATCHES


def _compatible(a: FieldType, b: FieldType) -> bool:
    """semcheck.c ``compatible_ftypes``."""
    if a in (FT.NONE, FT.BOOLEAN, FT.PROTOCOL, FT.ABSOLUTE_TIME, FT.RELATIVE_TIME, FT.IPv4, FT.IPv6):
        return a is b
    if a is FT.DOUBLE:
        return b is FT.DOUBLE
    if a in (FT.ETHER, FT.BYTES):
        return b in (FT.ETHER, FT.BYTES)
    if a in _INTS:
        return b in _NUMERIC
    if a is FT.STRING:
        return b is FT.STRING
    return False


#: Wireshark protocols whose dissectors come with later work: a filter naming them, or
#: one of their fields, fails as in tshark for an unknown name, with a note saying why.
NOT_YET_DISSECTED: dict[str, str] = {
    "http2": "HTTP/2", "mdns": "mDNS",
    "quic": "QUIC", "ssh": "SSH", "smtp": "SMTP", "ftp": "FTP", "ftp-data": "FTP data", "imap": "IMAP",
    "pop": "POP", "ntp": "NTP", "dhcp": "DHCP", "bootp": "DHCP", "smb": "SMB", "smb2": "SMB2",
    "websocket": "WebSocket", "data-text-lines": "HTTP bodies", "media": "HTTP bodies",
}

#: Protocols tcpscope dissects with some of tshark's fields (docs/fields.md lists them). A
#: name under them that tcpscope lacks fails with tshark's message alone, which is what
#: tshark prints when it does not know the name either; which of those names tshark does
#: know is a fact of the command line's (``tcpscope.cli.dropin.tshark_names``), not of
#: this stage, so the command line adds :func:`unfilled_note` for them.
DISSECTED_IN_PART: dict[str, str] = {"tls": "TLS", "ssl": "TLS", "dns": "DNS", "http": "HTTP"}


def culprit(text: str, loc: tuple[int, int] | None) -> str:
    """The word an error's caret line underlines (columns count UTF-8 bytes), or ''."""
    if loc is None:
        return ""
    return text.encode("utf-8")[loc[0]: loc[0] + loc[1]].decode("utf-8", "replace")


def _protocol(word: str) -> str:
    return word.split(".", 1)[0].split("[", 1)[0].lower()


def not_yet_note(text: str, loc: tuple[int, int] | None) -> str:
    """A note for an error whose culprit names a protocol tcpscope does not dissect yet."""
    word = culprit(text, loc)
    proto = _protocol(word)
    if proto not in NOT_YET_DISSECTED:
        return ""
    return (f"Note: {word} is a Wireshark name; tcpscope does not dissect {NOT_YET_DISSECTED[proto]} yet"
            " (see docs/deviations.md).")


def unfilled_note(word: str) -> str:
    """The note for a name tshark knows under a protocol tcpscope dissects in part, or ''
    when the name is under no such protocol."""
    proto = _protocol(word)
    if proto not in DISSECTED_IN_PART:
        return ""
    return (f"Note: {word} is a Wireshark name; tcpscope does not fill this {DISSECTED_IN_PART[proto]} field yet"
            " (docs/fields.md lists those it fills).")


def _loc(node: object) -> tuple[int, int] | None:
    loc = getattr(node, "loc", None)
    return loc if isinstance(loc, tuple) else None


def _display(node: object) -> str:
    """``stnode_todisplay``: the token as written, else a printed form."""
    if isinstance(node, Field):
        return node.token or node.name
    if isinstance(node, Literal):
        return to_text(node.text)
    if isinstance(node, String | CharConst | Arith | Compare) and node.token:
        return node.token
    if isinstance(node, Neg):
        return "-"
    if isinstance(node, Function):
        return node.name
    if isinstance(node, In):  # a set test's operator, with or without its quantifier
        return "in"
    if isinstance(node, Node):
        return print_node(node)
    return str(node)


class _Checker:
    def __init__(self, fields: Mapping[str, FieldDef], text: str) -> None:
        self.fields = fields
        self.text = text

    def fail(self, node: object, message: str, located: bool = True) -> NoReturn:
        loc = _loc(node) if located else None
        raise FilterSemanticError(message, self.text, loc, not_yet_note(self.text, loc))

    # -- tests ------------------------------------------------------------------------
    def test(self, node: Test) -> PTest:
        if isinstance(node, Not):
            return PNot(self.test(node.operand))
        if isinstance(node, And):
            return PAnd(self.test(node.left), self.test(node.right))
        if isinstance(node, Or):
            return POr(self.test(node.left), self.test(node.right))
        if isinstance(node, Compare):
            return self.relation(node)
        if isinstance(node, In):
            return self.relation_in(node)
        if isinstance(node, Arith | Neg):
            _, value = self.arith(node, None)
            return PNotZero(value)
        if isinstance(node, Slice):
            return PSliceExists(self.slice_sanity(node, None))
        return self.exists(node)

    def exists(self, node: Node) -> PTest:
        if isinstance(node, Field):
            return PExists(self.fields[node.name], node.layers)
        if isinstance(node, Function):
            self.fail(node, "You cannot test whether a function is present.")
        if isinstance(node, Reference):
            ft = field_type(self.fields[node.target.name])
            self.fail(node, f"{node.target.name} <{FT_NAME[ft]}> is neither a field nor a protocol name.")
        self.fail(node, f"{_display(node)} is neither a field nor a protocol name.")

    # -- relations --------------------------------------------------------------------
    def relation(self, node: Compare) -> PTest:
        op = node.op
        quant_all = None if node.quant is None else node.quant is Quant.ALL
        if op is CmpOp.MATCHES:
            return self.relation_matches(node, quant_all)
        if op is CmpOp.CONTAINS:
            left, right, ctype = self.lhs_dispatch(node, _can_contains, True, node.left, node.right)
            return PRel("contains", bool(quant_all), left, right, ctype)
        base, all_default = {
            CmpOp.ANY_EQ: ("eq", False), CmpOp.ALL_NE: ("ne", True), CmpOp.ALL_EQ: ("eq", True),
            CmpOp.ANY_NE: ("ne", False), CmpOp.GT: ("gt", False), CmpOp.GE: ("ge", False),
            CmpOp.LT: ("lt", False), CmpOp.LE: ("le", False),
        }[op]
        left, right, ctype = self.lhs_dispatch(node, _can_eq, False, node.left, node.right)
        return PRel(base, all_default if quant_all is None else quant_all, left, right, ctype)

    def relation_matches(self, node: Compare, quant_all: bool | None) -> PTest:
        if not isinstance(node.right, String):
            self.fail(node.right, "Matches requires a double quoted string on the right side.")
        try:
            compile_regex(node.right.value)
        except RegexError as exc:
            self.fail(node, f"Regex compilation error: {exc}.", located=False)
        left, _, ctype = self.lhs_dispatch(node, _can_matches, True, node.left, None)
        return PRel("matches", bool(quant_all), left, PRegex(node.right.value), ctype)

    def lhs_dispatch(self, node: Compare, can: Callable[[FieldType], bool], partial: bool,
                     a1: Expr, a2: Expr | None) -> tuple[PValue, PValue, FieldType]:
        """The two sides of a comparison, checked by the kind of its left side; ``partial``
        for ``contains`` and ``matches``, whose left side must be a field or a function
        (not arithmetic) and whose literal may be part of a value."""
        contains = partial
        if isinstance(a1, Field | Reference):
            return self.lhs_field(node, can, partial, a1, a2)
        if isinstance(a1, Slice):
            return self.lhs_slice(node, can, partial, a1, a2)
        if isinstance(a1, Function):
            return self.lhs_function(node, can, partial, a1, a2)
        if isinstance(a1, Arith | Neg) and not contains:
            return self.lhs_arith(node, can, partial, a1, a2)
        if contains:
            self.fail(a1, f"Left side of {node.token or node.op.value} expression must be a field or function,"
                          f" not {_display(a1)}.")
        self.fail(a1, f'Left side of "{node.token or node.op.value}" expression must be a field or function,'
                      f" not {_display(a1)}.")

    def _field_value(self, f: Field | Reference) -> tuple[FieldDef, FieldType, PValue]:
        fd = self.fields[f.target.name if isinstance(f, Reference) else f.name]
        ft = field_type(fd)
        if isinstance(f, Reference):
            return fd, ft, PRef(ft)
        return fd, ft, PField(fd, ft, f.layers)

    def lhs_field(self, node: Node, can: Callable[[FieldType], bool], partial: bool,
                  a1: Field | Reference, a2: Expr | None) -> tuple[PValue, PValue, FieldType]:
        fd, ft1, left = self._field_value(a1)
        op = _display(node)
        if not can(ft1):
            self.fail(a1, f"{fd.name} (type={PRETTY[ft1]}) cannot participate in {op} comparison.")
        if a2 is None:  # matches: the regex was checked already
            return left, PConst(FT.BYTES, b""), ft1
        if isinstance(a2, Field | Reference):
            _, ft2, right = self._field_value(a2)
            if not _compatible(ft1, ft2):
                self.fail(a2, f"{fd.name} and {_display(a2)} are not of compatible types.")
            if not can(ft2):
                self.fail(a2, f"{_display(a2)} (type={PRETTY[ft2]}) cannot participate in specified comparison.")
            return left, right, ft1
        if isinstance(a2, String | Literal | CharConst):
            return left, PConst(ft1, self.convert(a2, ft1, partial, fd)), ft1
        if isinstance(a2, Slice):
            return self._slice_right(a1, f'"{fd.name}"', left, ft1, a2)
        if isinstance(a2, Function):
            ft2, right = self.function(a2, ft1)
            if not _compatible(ft1, ft2):
                self.fail(a2, f"{fd.name} (type={PRETTY[ft1]}) and return value of {a2.name}() (type={PRETTY[ft2]})"
                              " are not of compatible types.")
            if not can(ft2):
                self.fail(a2, f"return value of {a2.name}() (type={PRETTY[ft2]}) cannot participate in specified"
                              " comparison.")
            return left, right, ft1
        return left, self._arith_right(a1, ft1, a2, can), ft1

    def lhs_slice(self, node: Node, can: Callable[[FieldType], bool], partial: bool,
                  a1: Slice, a2: Expr | None) -> tuple[PValue, PValue, FieldType]:
        left = self.slice_sanity(a1, None)
        if a2 is None:
            return left, PConst(FT.BYTES, b""), FT.BYTES
        if isinstance(a2, Field | Reference):
            _, ft2, right = self._field_value(a2)
            if ft2 not in _BYTES_TYPES:
                if ft2 not in _CAN_SLICE:
                    self.fail(a2, f'"{_display(a2)}" is a {PRETTY[ft2]} and cannot be converted into a sequence of'
                                  " bytes.")
                right = PToBytes(right)
            return left, right, FT.BYTES
        if isinstance(a2, String | Literal | CharConst):
            return left, PConst(FT.BYTES, self.convert(a2, FT.BYTES, partial, None)), FT.BYTES
        if isinstance(a2, Slice):
            return left, self.slice_sanity(a2, FT.BYTES), FT.BYTES
        if isinstance(a2, Function):
            ft2, right = self.function(a2, FT.BYTES)
            if ft2 not in _BYTES_TYPES:
                if ft2 not in _CAN_SLICE:
                    self.fail(a2, f'Return value of function "{a2.name}" is a {PRETTY[ft2]} and cannot be converted'
                                  " into a sequence of bytes.")
                right = PToBytes(right)
            return left, right, FT.BYTES
        ft2, right = self.arith(a2, FT.BYTES)
        if not _compatible(FT.BYTES, ft2):
            self.fail(a2, f"{_display(a1)} and {_display(a2)} are not of compatible types.")
        if not can(ft2):
            self.fail(a2, f"{_display(a2)} (type={PRETTY[ft2]}) cannot participate in specified comparison.")
        return left, right, FT.BYTES

    def _slice_right(self, a1: Expr, what: str, left: PValue, ft1: FieldType,
                     a2: Slice) -> tuple[PValue, PValue, FieldType]:
        """A slice on the right: both sides compared as bytes (``what`` names the left side
        in the error when it cannot be converted)."""
        right = self.slice_sanity(a2, ft1)
        if ft1 in _BYTES_TYPES:
            return left, right, FT.BYTES
        if ft1 not in _CAN_SLICE:
            self.fail(a1, f"{what} is a {PRETTY[ft1]} and cannot be converted into a sequence of bytes.")
        return PToBytes(left), right, FT.BYTES

    def _arith_right(self, a1: Expr, ft1: FieldType, a2: Expr, can: Callable[[FieldType], bool]) -> PValue:
        """Arithmetic on the right: of a type compatible with the left side's, and comparable."""
        ft2, right = self.arith(a2, ft1)
        if not _compatible(ft1, ft2):
            self.fail(a2, f"{_display(a1)} and {_display(a2)} are not of compatible types.")
        if not can(ft2):
            self.fail(a2, f"{_display(a2)} (type={PRETTY[ft2]}) cannot participate in specified comparison.")
        return right

    def lhs_function(self, node: Node, can: Callable[[FieldType], bool], partial: bool,
                     a1: Function, a2: Expr | None) -> tuple[PValue, PValue, FieldType]:
        ft1, left = self.function(a1, None)
        if not can(ft1):
            self.fail(a1, f"Function {a1.name} (type={PRETTY[ft1]}) cannot participate in {_display(node)}"
                          " comparison.")
        if a2 is None:
            return left, PConst(FT.BYTES, b""), ft1
        if isinstance(a2, Field | Reference):
            fd2, ft2, right = self._field_value(a2)
            if not _compatible(ft1, ft2):
                # semcheck.c names the *field* through sttype_function_name(): its title comes out
                title = fd2.title or fd2.name
                self.fail(a2, f"Function {title} and {_display(a2)} are not of compatible types.")
            if not can(ft2):
                self.fail(a2, f"{_display(a2)} (type={PRETTY[ft2]}) cannot participate in specified comparison.")
            return left, right, ft1
        if isinstance(a2, String | Literal | CharConst):
            return left, PConst(ft1, self.convert(a2, ft1, partial, None)), ft1
        if isinstance(a2, Slice):
            return self._slice_right(a1, f'Function "{a1.name}"', left, ft1, a2)
        if isinstance(a2, Function):
            ft2, right = self.function(a2, ft1)
            if not _compatible(ft1, ft2):
                self.fail(a2, f"Return values of function {a1.name} (type={PRETTY[ft1]}) and function {a1.name}"
                              f" (type={PRETTY[ft2]}) are not of compatible types.")
            if not can(ft2):
                self.fail(a2, f"Return value of {a2.name} (type={PRETTY[ft2]}) cannot participate in specified"
                              " comparison.")
            return left, right, ft1
        return left, self._arith_right(a1, ft1, a2, can), ft1

    def lhs_arith(self, node: Node, can: Callable[[FieldType], bool], partial: bool,
                  a1: Arith | Neg, a2: Expr | None) -> tuple[PValue, PValue, FieldType]:
        _, left = self.arith(a1, None)
        entity = a1.left if isinstance(a1, Arith) else a1.operand
        if isinstance(entity, Field | Reference):
            _, right, ctype = self.lhs_field(node, can, partial, entity, a2)
        elif isinstance(entity, Function):
            _, right, ctype = self.lhs_function(node, can, partial, entity, a2)
        elif isinstance(entity, Slice):
            _, right, ctype = self.lhs_slice(node, can, partial, entity, a2)
        elif isinstance(entity, Arith | Neg):
            _, right, ctype = self.lhs_arith(node, can, partial, entity, a2)
        else:
            self.fail(entity, "Constant arithmetic expression on the LHS is invalid.")
        return left, right, ctype

    def relation_in(self, node: In) -> PTest:
        if not isinstance(node.left, Field):
            self.fail(node.left, "Only a field may be tested for membership in a set.")
        members: list[tuple[PValue, PValue | None]] = []
        ctype = FT.NONE
        for m in node.members:
            if isinstance(m.lo, Slice):
                self.fail(m.lo, "A slice may not appear inside a set.")
            if m.hi is not None:
                left, lo, ctype = self.lhs_field(node, _can_eq, False, node.left, m.lo)
                _, hi, _ = self.lhs_field(node, _can_eq, False, node.left, m.hi)
                members.append((lo, hi))
            else:
                left, lo, ctype = self.lhs_field(node, _can_eq, False, node.left, m.lo)
                members.append((lo, None))
        return PIn(left, tuple(members), node.quant is Quant.ALL, ctype)

    # -- literals ---------------------------------------------------------------------
    def convert(self, node: String | Literal | CharConst, ft: FieldType, partial: bool,
                fd: FieldDef | None) -> Const:
        """dfilter_fvalue_from_literal / _from_string / _from_charconst, with value names."""
        if isinstance(node, CharConst):
            try:
                return from_charconst(ft, node.value)
            except ValueError as exc:
                self.fail(node, str(exc))
        word = node.text if isinstance(node, Literal) else node.value.decode("latin-1")
        try:
            if isinstance(node, Literal):
                return from_literal(ft, node.text, partial)
            return from_string(ft, node.value)
        except ValueError as exc:
            first = str(exc)
        if fd is not None and (ft.is_integer or ft is FT.BOOLEAN) and ft is not FT.FRAMENUM:
            if ft is FT.BOOLEAN:
                true_s, false_s = fd.true_false
                if word.lower() == true_s.lower():
                    return 1
                if word.lower() == false_s.lower():
                    return 0
                self.fail(node, to_text(f'"{word}" cannot be found among the possible values for {fd.name}.'))
            if fd.strings:
                for value, name in fd.strings.items():
                    if name.lower() == word.lower():
                        return value
                self.fail(node, to_text(f'"{word}" cannot be found among the possible values for {fd.name}.'))
        self.fail(node, to_text(first))

    # -- slices, functions, arithmetic -----------------------------------------------
    def slice_sanity(self, node: Slice, lhs: FieldType | None) -> PValue:
        e = node.entity
        if isinstance(e, Field):
            fd = self.fields[e.name]
            ft = field_type(fd)
            if ft not in _CAN_SLICE:
                self.fail(e, f'"{fd.name}" is a {PRETTY[ft]} and cannot be sliced into a sequence of bytes.')
            return PSlice(PField(fd, ft, e.layers), node.ranges)
        if isinstance(e, Function):
            ft, inner = self.function(e, lhs)
            if ft not in _CAN_SLICE:
                self.fail(e, f'Return value of function "{e.name}" is a {PRETTY[ft]} and cannot be converted into a'
                             " sequence of bytes.")
            return PSlice(inner, node.ranges)
        if isinstance(e, Slice):
            return PSlice(self.slice_sanity(e, lhs), node.ranges)
        self.fail(e, f"Range is not supported for entity {_display(e)}")

    def function(self, node: Function, lhs: FieldType | None) -> tuple[FieldType, PValue]:
        from tcpscope.filter.parser import FUNCTIONS

        lo, hi = FUNCTIONS[node.name]
        n = len(node.args)
        if n < lo:
            self.fail(node, f"Function {node.name} needs at least {lo} arguments.")
        if hi > 0 and n > hi:
            self.fail(node, f"Function {node.name} can only accept {hi} arguments.")
        name = node.name
        if name in ("lower", "upper"):
            a = node.args[0]
            if isinstance(a, Field) and field_type(self.fields[a.name]) is FT.STRING:
                return FT.STRING, PFunc(name, (self._field_value(a)[2],), FT.STRING)
            self.fail(a, f"Only string type fields can be used as parameter for {name}()")
        if name in ("len", "count"):
            a = node.args[0]
            if isinstance(a, Field):
                return FT.UINT32, PFunc(name, (self._field_value(a)[2],), FT.UINT32)
            self.fail(a, f"Only fields can be used as parameter for {name}()")
        if name == "string":
            a = node.args[0]
            if isinstance(a, Field):
                fd, ft, v = self._field_value(a)
                if ft in _STRINGABLE:
                    return FT.STRING, PFunc(name, (v,), FT.STRING)
                self.fail(a, f'String conversion for field "{fd.name}" is not supported')
            self.fail(a, f"Only fields can be used as parameter for {name}()")
        if name in ("max", "min"):
            return self.compare_args(node, lhs)
        return self.abs_arg(node, lhs)

    def _arg(self, node: Function, a: Expr, ft: FieldType | None) -> tuple[FieldType, PValue]:
        if isinstance(a, Arith | Neg):
            return self.arith(a, ft)
        if isinstance(a, Literal) and ft is not None:
            value = self.convert(a, ft, False, None)
            return ft, PConst(ft, value)
        if isinstance(a, Function):
            return self.function(a, ft)
        if isinstance(a, Field | Reference):
            _, t, v = self._field_value(a)
            return t, v
        self.fail(a, f"Argument '{_display(a)}' is not valid for {node.name}()")

    def compare_args(self, node: Function, lhs: FieldType | None) -> tuple[FieldType, PValue]:
        ft, first = self._arg(node, node.args[0], lhs)
        values = [first]
        for a in node.args[1:]:
            ft_arg, v = self._arg(node, a, ft)
            if ft_arg is not ft:
                self.fail(a, f"Arguments to '{node.name}' must have the same type (expected {FT_NAME[ft]},"
                             f" got {FT_NAME[ft_arg]})")
            if not _can_eq(ft_arg):
                self.fail(a, f"Argument '{_display(a)}' to '{node.name}' cannot be ordered")
            values.append(v)
        return ft, PFunc(node.name, tuple(values), ft)

    def abs_arg(self, node: Function, lhs: FieldType | None) -> tuple[FieldType, PValue]:
        a = node.args[0]
        if isinstance(a, Arith | Neg):
            ft, v = self.arith(a, lhs)
        elif isinstance(a, Literal):
            if lhs is None:
                self.fail(a, "Need a field or field-like value on the LHS.")
            ft, v = lhs, PConst(lhs, self.convert(a, lhs, False, None))
        elif isinstance(a, Function):
            ft, v = self.function(a, lhs)
        elif isinstance(a, Field):
            _, ft, v = self._field_value(a)
        else:
            kind = {String: "STRING", CharConst: "CHARCONST", Slice: "SLICE", Reference: "REFERENCE"}
            self.fail(a, f"Type {kind.get(type(a), 'UNKNOWN')} is not valid for abs")
        if ft is FieldType.NONE:  # an FT_NONE field (an expert item): dfunctions.c names the node's type
            name = "FIELD" if isinstance(a, Field) else "FUNCTION" if isinstance(a, Function) else "ARITHMETIC"
            self.fail(a, f"Type {name} is not valid for abs")
        if ft not in _CAN_IS_NEGATIVE:
            self.fail(a, f"'{_display(a)}' is not a valid argument to 'abs'()")
        return ft, PFunc("abs", (v,), ft)

    def arith_entity(self, node: Expr, lhs: FieldType | None) -> tuple[FieldType, PValue]:
        if isinstance(node, Literal):
            if lhs is None:
                self.fail(node, "Constant arithmetic expression on the LHS is invalid.")
            return lhs, PConst(lhs, self.convert(node, lhs, False, None))
        if isinstance(node, Field | Reference):
            _, ft, v = self._field_value(node)
            return ft, v
        if isinstance(node, Function):
            return self.function(node, lhs)
        if isinstance(node, Slice):
            return FT.BYTES, self.slice_sanity(node, lhs)
        self.fail(node, f"{_display(node)} is not a valid arithmetic operand.")

    def arith(self, node: Expr, lhs: FieldType | None) -> tuple[FieldType, PValue]:
        """semcheck.c ``check_arithmetic_expr``: the result type and the value plan."""
        if not isinstance(node, Arith | Neg):
            return self.arith_entity(node, lhs)
        first = node.left if isinstance(node, Arith) else node.operand
        if lhs is None and isinstance(first, Literal | String | CharConst):
            self.fail(first, "Constant arithmetic expression on the LHS is invalid.")
        if isinstance(node, Neg):
            ft, v = self.arith_entity(node.operand, lhs)
            if ft not in _CAN_NEG:
                self.fail(node.operand, f"{FT_NAME[ft]} cannot -.")
            if isinstance(v, PConst) and isinstance(v.value, int | float) and ft is not FT.BOOLEAN:
                return ft, PConst(ft, -v.value)
            return ft, PNeg(v, ft)
        can = _ARITH_CAN[node.op]
        ft1, left = self.arith(node.left, lhs)
        if ft1 not in can:
            self.fail(node.left, f"{FT_NAME[ft1]} cannot {node.token or node.op.value}.")
        ft2, right = self.arith(node.right, ft1)
        if ft2 not in can:
            self.fail(node.right, f"{FT_NAME[ft2]} cannot {node.token or node.op.value}.")
        if not _compatible(ft1, ft2):
            self.fail(node.right, f"{_display(node.left)} and {_display(node.right)} are not type compatible.")
        return ft1, PArith(node.op, left, right, ft1)


def check(tree: Test, fields: Mapping[str, FieldDef], text: str) -> PTest:
    """Type ``tree`` against ``fields``; ``text`` is the filter shown on error lines."""
    return _Checker(fields, text).test(tree)
