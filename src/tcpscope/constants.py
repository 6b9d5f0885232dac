"""TCP's protocol constants, each defined once with the document that defines it.

Every other module imports them from here: the flag bits of the header, the option
kinds and the lengths their dissectors insist on. The flags carry the names RFC 9293
§3.1 gives the control bits (``SYN``, not ``TH_SYN``); option kinds carry packet-tcp.c's
``TCPOPT_`` names.

Compiled kernels and this module
--------------------------------
numba compiles a module-level number or array a kernel reads as a constant of the
machine code, and its cache (:mod:`tcpscope._jit`) is keyed on the kernel's own source
file and bytecode only: a value changed here would leave every cached kernel that
reads it stale, silently. Rather than pass constants to kernels as arguments (dozens
of them, through every signature) or keep a copy in each kernel's module (two homes
again), each module whose kernels read these constants records :func:`digest` of them
as ``CONSTANTS_DIGEST``, and ``tests/test_constants.py`` fails while any recorded
digest differs from this module's. Whoever changes a value here must therefore edit
each such module, and an edited module is recompiled. The values are fixed by RFCs,
so this is expected to happen when one is added or corrected, not otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "ACK", "AE", "CWR", "ECE", "FIN", "PSH", "RST", "SYN", "TCPOPT_ACC_ECN_0", "TCPOPT_ACC_ECN_1", "TCPOPT_AO",
    "TCPOPT_CC", "TCPOPT_CCECHO", "TCPOPT_CCNEW", "TCPOPT_CORREXP", "TCPOPT_ECHO", "TCPOPT_ECHOREPLY", "TCPOPT_EOL",
    "TCPOPT_EXP_FD", "TCPOPT_EXP_FE", "TCPOPT_FIXED_LEN", "TCPOPT_MD5", "TCPOPT_MPTCP", "TCPOPT_MSS", "TCPOPT_NOP",
    "TCPOPT_QS", "TCPOPT_RECBOUND", "TCPOPT_RVBD_PROBE", "TCPOPT_RVBD_TRPY", "TCPOPT_SACK", "TCPOPT_SACK_PERM",
    "TCPOPT_SCPS", "TCPOPT_SNACK", "TCPOPT_TFO", "TCPOPT_TIMESTAMP", "TCPOPT_USER_TO", "TCPOPT_WINDOW",
    "TCP_MAX_WINSHIFT", "TCP_SACK_BLOCK", "URG", "digest",
]

# ---- the control bits of the TCP header (tcp.flags, the low 12 bits of bytes 12-13)

FIN: Final = 0x001  # RFC 9293 §3.1: no more data from sender
SYN: Final = 0x002  # RFC 9293 §3.1: synchronize sequence numbers
RST: Final = 0x004  # RFC 9293 §3.1: reset the connection
PSH: Final = 0x008  # RFC 9293 §3.1: push function
ACK: Final = 0x010  # RFC 9293 §3.1: acknowledgment field is significant
URG: Final = 0x020  # RFC 9293 §3.1: urgent pointer field is significant
ECE: Final = 0x040  # RFC 3168 §6.1: ECN-Echo
CWR: Final = 0x080  # RFC 3168 §6.1: congestion window reduced
AE: Final = 0x100  # AccECN (draft-ietf-tcpm-accurate-ecn), once RFC 3540's NS: accurate ECN

# ---- option kinds (RFC 9293 §3.2 and the IANA registry of TCP option kind numbers)

TCPOPT_EOL: Final = 0  # RFC 9293 §3.2: end of option list
TCPOPT_NOP: Final = 1  # RFC 9293 §3.2: no-operation
TCPOPT_MSS: Final = 2  # RFC 9293 §3.2: maximum segment size
TCPOPT_WINDOW: Final = 3  # RFC 7323 §2.2: window scale
TCPOPT_SACK_PERM: Final = 4  # RFC 2018 §2: SACK permitted
TCPOPT_SACK: Final = 5  # RFC 2018 §3: selective acknowledgment blocks
TCPOPT_ECHO: Final = 6  # RFC 1072 §4.1 (obsolete): echo
TCPOPT_ECHOREPLY: Final = 7  # RFC 1072 §4.2 (obsolete): echo reply
TCPOPT_TIMESTAMP: Final = 8  # RFC 7323 §3.2: timestamps
TCPOPT_CC: Final = 11  # RFC 1644 §3.1 (historic): connection count
TCPOPT_CCNEW: Final = 12  # RFC 1644 §3.1 (historic): CC.NEW
TCPOPT_CCECHO: Final = 13  # RFC 1644 §3.1 (historic): CC.ECHO
TCPOPT_MD5: Final = 19  # RFC 2385 §3.0: MD5 signature
TCPOPT_SCPS: Final = 20  # SCPS-TP (CCSDS 714.0-B): capabilities
TCPOPT_SNACK: Final = 21  # SCPS-TP: selective negative acknowledgment
TCPOPT_RECBOUND: Final = 22  # SCPS-TP: record boundary
TCPOPT_CORREXP: Final = 23  # SCPS-TP: corruption experienced
TCPOPT_QS: Final = 27  # RFC 4782 §4.2: Quick-Start response
TCPOPT_USER_TO: Final = 28  # RFC 5482 §2: user timeout
TCPOPT_AO: Final = 29  # RFC 5925 §2.2: TCP authentication option
TCPOPT_MPTCP: Final = 30  # RFC 8684 §3: multipath TCP
TCPOPT_TFO: Final = 34  # RFC 7413 §4.1.1: TCP Fast Open cookie
TCPOPT_RVBD_PROBE: Final = 76  # Riverbed probe (packet-tcp.c)
TCPOPT_RVBD_TRPY: Final = 78  # Riverbed transparency (packet-tcp.c)
TCPOPT_ACC_ECN_0: Final = 172  # AccECN (draft-ietf-tcpm-accurate-ecn): counters in order 0
TCPOPT_ACC_ECN_1: Final = 174  # AccECN: counters in order 1
TCPOPT_EXP_FD: Final = 253  # RFC 4727 §7.2, RFC 6994: experiment, a 16-bit ExID first
TCPOPT_EXP_FE: Final = 254  # RFC 4727 §7.2, RFC 6994: experiment

#: The kinds whose length is fixed, with that length (kind and length bytes included):
#: the lengths packet-tcp.c's ``tcp_option_len_check`` insists on ("option length should
#: be N"), which are those of the documents above.
TCPOPT_FIXED_LEN: Final[Mapping[int, int]] = {
    TCPOPT_MSS: 4, TCPOPT_WINDOW: 3, TCPOPT_SACK_PERM: 2, TCPOPT_ECHO: 6, TCPOPT_ECHOREPLY: 6, TCPOPT_TIMESTAMP: 10,
    TCPOPT_CC: 6, TCPOPT_CCNEW: 6, TCPOPT_CCECHO: 6, TCPOPT_MD5: 18, TCPOPT_SNACK: 6, TCPOPT_RECBOUND: 2,
    TCPOPT_CORREXP: 2, TCPOPT_QS: 8, TCPOPT_USER_TO: 4, TCPOPT_RVBD_TRPY: 16,
}
#: RFC 2018 §3: a SACK option is its kind and length bytes, then blocks of two 32-bit edges.
TCP_SACK_BLOCK: Final = 8
#: RFC 7323 §2.3: the largest window-scale shift; a larger one is taken as 14.
TCP_MAX_WINSHIFT: Final = 14


def digest() -> str:
    """A short hash of every constant of this module, by name and value (see the module
    docstring: a module whose kernels read them records it as ``CONSTANTS_DIGEST``)."""
    import hashlib  # (here, not at the top: start-up time of every command)

    values = {name: value for name, value in globals().items() if name.isupper() and not name.startswith("_")}
    text = repr(sorted((name, sorted(v.items()) if isinstance(v, Mapping) else v) for name, v in values.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
