"""tshark's hint for a display filter that is really a capture filter (tshark.c).

When a display filter does not compile, tshark tries it as a libpcap capture filter
(``warn_about_capture_filter``: ``pcap_open_dead(DLT_EN10MB)`` then ``pcap_compile``)
and, if that works, adds a two-line note. This module asks the system's libpcap the
same question through ctypes; without libpcap there is no note.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

__all__ = ["NOTE", "capture_filter_note"]

NOTE = ("  Note: That read filter code looks like a valid capture filter;\n"
        "        maybe you mixed them up?")
_DLT_EN10MB = 1
_MIN_PACKET_SIZE = 68


class _BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.c_void_p)]


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL | None:
    for name in ("libpcap.so.0.8", "libpcap.so.1", ctypes.util.find_library("pcap")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.pcap_open_dead.restype = ctypes.c_void_p
        lib.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.POINTER(_BpfProgram), ctypes.c_char_p,
                                     ctypes.c_int, ctypes.c_uint32]
        lib.pcap_freecode.argtypes = [ctypes.POINTER(_BpfProgram)]
        lib.pcap_close.argtypes = [ctypes.c_void_p]
        return lib
    return None


@lru_cache(maxsize=256)
def capture_filter_note(text: str) -> str:
    """tshark's note if ``text`` compiles as a capture filter, else the empty string."""
    lib = _lib()
    if lib is None:
        return ""
    pc = lib.pcap_open_dead(_DLT_EN10MB, _MIN_PACKET_SIZE)
    if not pc:
        return ""
    try:
        prog = _BpfProgram()
        if lib.pcap_compile(pc, ctypes.byref(prog), text.encode("utf-8", "surrogateescape"), 0, 0) != -1:
            lib.pcap_freecode(ctypes.byref(prog))
            return NOTE
        return ""
    finally:
        lib.pcap_close(pc)
