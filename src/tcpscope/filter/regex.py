"""``matches``: PCRE2 regular expressions, as tshark compiles them (wsutil/regex.c).

tshark compiles with ``PCRE2_CASELESS | PCRE2_NEVER_UTF`` and matches raw bytes, so
matching is case-insensitive unless the pattern says ``(?-i)``. When the system's
libpcre2-8 is loadable (it is wherever tshark is installed) this module calls it
through ctypes, so the dialect and the compile-error messages are PCRE2's own.
Otherwise it falls back to Python's ``re`` on bytes (case-insensitive, ASCII), whose
error texts differ; ``docs/deviations.md`` says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import threading
from collections.abc import Callable
from functools import lru_cache

__all__ = ["RegexError", "compile_regex"]

_CASELESS = 0x00000008
_NEVER_UTF = 0x00010000


class RegexError(ValueError):
    """A pattern that does not compile; ``str()`` is PCRE2's message."""


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL | None:
    for name in ("libpcre2-8.so.0", ctypes.util.find_library("pcre2-8")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.pcre2_compile_8.restype = ctypes.c_void_p
        lib.pcre2_compile_8.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint32,
                                        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_size_t),
                                        ctypes.c_void_p]
        lib.pcre2_get_error_message_8.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
        lib.pcre2_match_data_create_from_pattern_8.restype = ctypes.c_void_p
        lib.pcre2_match_data_create_from_pattern_8.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.pcre2_match_8.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
                                      ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p]
        lib.pcre2_match_8.restype = ctypes.c_int
        return lib
    return None


class _MatchData:
    """One thread's PCRE2 match data for a pattern: where pcre2_match keeps its work (its
    backtracking frames, the offsets of what matched), so never shared between threads."""

    def __init__(self, lib: ctypes.CDLL, code: int) -> None:
        self.lib = lib
        self.ptr = lib.pcre2_match_data_create_from_pattern_8(code, None)
        if not self.ptr:
            raise MemoryError("pcre2_match_data_create failed")

    def __del__(self) -> None:
        self.lib.pcre2_match_data_free_8(ctypes.c_void_p(self.ptr))


class _Pcre2:
    """A compiled PCRE2 pattern, which threads may share, and a match data per thread."""

    def __init__(self, lib: ctypes.CDLL, pattern: bytes) -> None:
        err = ctypes.c_int(0)
        off = ctypes.c_size_t(0)
        code = lib.pcre2_compile_8(pattern, len(pattern), _CASELESS | _NEVER_UTF, ctypes.byref(err),
                                   ctypes.byref(off), None)
        if not code:
            buf = ctypes.create_string_buffer(256)
            lib.pcre2_get_error_message_8(err.value, buf, 256)
            raise RegexError(buf.value.decode("utf-8", "replace"))
        self.lib = lib
        self.code = code
        self.local = threading.local()

    def __del__(self) -> None:
        lib = getattr(self, "lib", None)
        if lib is not None:
            lib.pcre2_code_free_8(ctypes.c_void_p(self.code))

    def search(self, subject: bytes) -> bool:
        md: _MatchData | None = getattr(self.local, "md", None)
        if md is None:
            md = self.local.md = _MatchData(self.lib, self.code)
        return int(self.lib.pcre2_match_8(self.code, subject, len(subject), 0, 0, md.ptr, None)) >= 0


def compile_regex(pattern: bytes) -> Callable[[bytes], bool]:
    """A predicate on byte strings: does the pattern match somewhere in them?"""
    lib = _lib()
    if lib is not None:
        return _Pcre2(lib, pattern).search
    try:
        rx = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RegexError(str(exc.msg)) from None
    return lambda s: rx.search(s) is not None
