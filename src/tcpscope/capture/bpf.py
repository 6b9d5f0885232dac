"""Capture filters (``-f "tcp port 80"``): compiled by libpcap's own compiler, never by ours.

``pcap_compile`` on a ``pcap_open_dead`` handle of the interface's link type turns the
expression into a classic BPF program (the ``tcpdump -d`` listing), which
:func:`socket_filter` packs as the kernel's ``struct sock_fprog`` for
``SO_ATTACH_FILTER``. A program can also be run on a frame here (``pcap_offline_filter``,
libpcap's own interpreter): what the ``any`` pseudo-interface needs, whose frames get
their cooked header only in user space. An expression that does not compile raises
:class:`CaptureFilterError` with libpcap's message.

libpcap is loaded through ctypes when a filter is first compiled: nothing else needs it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import struct
from typing import NamedTuple

from tcpscope.errors import TcpscopeError

__all__ = ["BpfProgram", "CaptureFilterError", "compile_filter", "socket_filter"]

#: The netmask pcap_compile is given when the interface's is not known
#: (PCAP_NETMASK_UNKNOWN): only ``ip broadcast`` needs one.
_NETMASK_UNKNOWN = 0xFFFFFFFF
#: The size of a compiled BPF instruction (struct bpf_insn / struct sock_filter): u16 code,
#: u8 jt, u8 jf, u32 k.
_INSN = struct.Struct("=HBBI")


class CaptureFilterError(TcpscopeError, ValueError):
    """A capture filter that libpcap cannot compile; the text is libpcap's message."""


class _BpfInsn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.POINTER(_BpfInsn))]


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _PktHdr(ctypes.Structure):
    _fields_ = [("ts", _Timeval), ("caplen", ctypes.c_uint), ("len", ctypes.c_uint)]


class BpfProgram(NamedTuple):
    """A compiled capture filter.

    Attributes:
        expression: The text it was compiled from.
        linktype: The link type it was compiled for (its offsets assume that header).
        code: The instructions, packed as the kernel reads them (8 bytes each).
    """

    expression: str
    linktype: int
    code: bytes

    @property
    def length(self) -> int:
        """The number of instructions."""
        return len(self.code) // _INSN.size

    def instructions(self) -> list[tuple[int, int, int, int]]:
        """Each instruction as ``(code, jt, jf, k)``: what ``tcpdump -ddd`` prints."""
        return [_INSN.unpack_from(self.code, at) for at in range(0, len(self.code), _INSN.size)]

    def matches(self, frame: bytes, wire_length: int) -> bool:
        """Whether the filter keeps ``frame`` (captured bytes; ``wire_length`` the length
        on the wire), by libpcap's interpreter."""
        lib = _libpcap()
        insns = (_BpfInsn * self.length).from_buffer_copy(self.code)
        prog = _BpfProgram(self.length, insns)
        header = _PktHdr(_Timeval(0, 0), len(frame), wire_length)
        return bool(lib.pcap_offline_filter(ctypes.byref(prog), ctypes.byref(header), frame))


@functools.cache
def _libpcap() -> ctypes.CDLL:
    """libpcap, loaded once, its functions given their C signatures."""
    name = ctypes.util.find_library("pcap")
    if name is None:
        raise CaptureFilterError("capture filters need libpcap, which is not installed "
                                 "(apt-get install libpcap0.8)")
    lib = ctypes.CDLL(name)
    lib.pcap_open_dead.restype = ctypes.c_void_p
    lib.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.pcap_compile.restype = ctypes.c_int
    lib.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.POINTER(_BpfProgram), ctypes.c_char_p,
                                 ctypes.c_int, ctypes.c_uint32]
    lib.pcap_geterr.restype = ctypes.c_char_p
    lib.pcap_geterr.argtypes = [ctypes.c_void_p]
    lib.pcap_freecode.argtypes = [ctypes.POINTER(_BpfProgram)]
    lib.pcap_close.argtypes = [ctypes.c_void_p]
    lib.pcap_offline_filter.restype = ctypes.c_int
    lib.pcap_offline_filter.argtypes = [ctypes.POINTER(_BpfProgram), ctypes.POINTER(_PktHdr), ctypes.c_char_p]
    return lib


def compile_filter(expression: str, linktype: int, snaplen: int) -> BpfProgram:
    """``expression`` compiled (optimised, as tcpdump and dumpcap do) for frames of
    ``linktype`` captured ``snaplen`` bytes at most; libpcap's message when it does not
    compile."""
    lib = _libpcap()
    handle = lib.pcap_open_dead(linktype, snaplen)
    if not handle:
        raise CaptureFilterError(f"libpcap cannot compile filters for link type {linktype}")
    try:
        prog = _BpfProgram()
        if lib.pcap_compile(handle, ctypes.byref(prog), expression.encode(), 1, _NETMASK_UNKNOWN) != 0:
            message = (lib.pcap_geterr(handle) or b"").decode(errors="replace")
            raise CaptureFilterError(f"invalid capture filter \"{expression}\": {message}")
        try:
            code = ctypes.string_at(prog.bf_insns, prog.bf_len * _INSN.size)
        finally:
            lib.pcap_freecode(ctypes.byref(prog))
    finally:
        lib.pcap_close(handle)
    return BpfProgram(expression, linktype, code)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def socket_filter(program: BpfProgram) -> tuple[bytes, ctypes.Array[ctypes.c_char]]:
    """The ``struct sock_fprog`` that ``SO_ATTACH_FILTER`` takes, and the buffer of
    instructions it points to: keep the buffer alive until ``setsockopt`` has returned
    (the kernel copies the program then)."""
    buffer = ctypes.create_string_buffer(program.code, len(program.code))
    fprog = _SockFprog(program.length, ctypes.addressof(buffer))
    return bytes(fprog), buffer
