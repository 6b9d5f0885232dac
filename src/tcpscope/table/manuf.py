"""Ethernet address names as tshark resolves them by default (epan/addr_resolv.c).

tshark names a MAC address (``eth.src_resolved``, the packet list's address columns of
non-IP frames, the details tree's ``Src: IntelCor_12:34:56 (00:1b:21:12:34:56)``) from
Wireshark's data files, read at run time: ``manuf`` (IEEE assignments: a short and a
long name per 24-bit prefix, and per 28- and 36-bit block) and ``wka`` (well-known
addresses and ranges: ``Broadcast``, ``IPv4mcast``, ``Spanning-tree-(for-bridges)``),
and the system's ``ethers`` file. tcpscope reads the same files, where Wireshark's data
directory is (``WIRESHARK_DATA_DIR``, as tshark, else the usual install places); where
they are absent every address stays in its colon form, as ``tshark -n`` prints it
(README, docs/deviations.md).

The rule (``eth_addr_resolve``), in order:

1. an entry for the whole address (a line of 6 bytes in manuf or wka; the last such line
   wins) is its name; else the first line for it in the system ``ethers``;
2. a range of the wka table covering it, from 47 leading bits down to 24 (a range is
   looked up by the address cut to each length in turn, whatever length the line gave:
   tshark keeps no length with the entry): the range's name, then ``_`` and the bytes
   past the bits matched, the first of them cut to its unmatched bits;
3. its 24-bit prefix in manuf (else, for a group address, the prefix without the group
   bit): the short name, ``_`` and the last three bytes;
4. a range of 23 bits down to 1, as in 2;
5. else the address itself.

Loading is lazy (the first name asked for) and quick: the lines in manuf's usual layout
are read by numpy (the first bytes of every line gathered as one array) into sorted
arrays of keys, looked up with ``searchsorted`` for all the distinct addresses at once;
only the lines of the entries found are parsed for their names, and the few lines in
other layouts (wka) by the general parser. The tables (the keys, and where each entry's
line is) are kept as an index in the user's cache until either file changes
(:func:`_index`), so that a later process maps the files and reads only the lines of the
names it shows.
"""

from __future__ import annotations

import mmap
import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["data_dir", "has_names", "manuf_longnames", "resolve_mac", "resolve_macs"]

#: Where tshark looks for its data files (get_datafile_dir), after ``WIRESHARK_DATA_DIR``
DATA_DIRS = ("/usr/share/wireshark", "/usr/local/share/wireshark", "/opt/homebrew/share/wireshark",
             "/Applications/Wireshark.app/Contents/Resources/share/wireshark")
#: The system's ethers file (get_systemfile_dir on UNIX)
SYSTEM_ETHERS = "/etc/ethers"
#: Names are cut to MAXNAMELEN - 1 bytes, as g_strlcpy and snprintf cut them
MAX_NAME = 63

_WHOLE, _PREFIX = 48, 0  # the "masks" of a whole address and of a 24-bit manufacturer prefix
_Text = bytes | mmap.mmap  # a file's text: mapped, or empty
_SPACES = b" \t"


@dataclass(frozen=True)
class _Entry:
    """One parsed line: the address (6 bytes, masked), its mask, its names."""

    addr: bytes
    mask: int
    name: str
    longname: str


class _State:
    """tshark's parse buffer (a static ``ether_t``): bytes a line does not give keep the
    previous line's value, and a mask past the bytes given keeps their bits."""

    def __init__(self) -> None:
        self.addr = bytearray(6)


#: parse_ether_address_fast's forms: 3 bytes, or 6 with an optional /36 or /28, with ``:`` or ``-``
_FAST = re.compile(rb"([0-9A-Fa-f]{2})([:-])([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})"
                   rb"(?:\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})(/36|/28)?)?")


def _parse_fast(tok: bytes, st: _State) -> int | None:
    """parse_ether_address_fast: ``xx:xx:xx`` (mask 0), ``xx:xx:xx:xx:xx:xx`` (48) or
    with ``/28`` or ``/36`` (the bits past the mask cleared), with ``:`` or ``-``; None
    when the token has another form."""
    m = _FAST.fullmatch(tok)
    if m is None:
        return None
    st.addr[0:3] = bytes.fromhex((m[1] + m[3] + m[4]).decode("ascii"))
    if m[5] is None:
        return _PREFIX
    st.addr[3:6] = bytes.fromhex((m[5] + m[6] + m[7]).decode("ascii"))
    if m[8] is None:
        return _WHOLE
    if m[8] == b"/36":
        st.addr[4] &= 0xF0
        st.addr[5] = 0
        return 36
    st.addr[3] &= 0xF0
    st.addr[4] = st.addr[5] = 0
    return 28


def _hex_number(tok: bytes, at: int) -> tuple[int, int] | None:
    """strtoul(.., 16) at ``at`` (no sign): the value and where it stopped."""
    end = at
    while end < len(tok) and tok[end:end + 1] in b"0123456789abcdefABCDEF" and tok[end:end + 1]:
        end += 1
    return (int(tok[at:end], 16), end) if end > at else None


def _parse_general(tok: bytes, st: _State, accept_mask: bool) -> int | None:
    """parse_ether_address: up to 6 hex bytes of 1 or 2 digits separated by one of ``:``,
    ``-`` or ``.``, with an optional ``/mask``; 3 bytes and no mask is a prefix (mask 0),
    6 bytes a whole address (48)."""
    at, sep = 0, b""
    for i in range(6):
        got = _hex_number(tok, at)
        if got is None or got[0] > 0xFF:
            return None
        st.addr[i], at = got
        nxt = tok[at:at + 1]
        if nxt == b"/":
            return _apply_mask(tok[at + 1:], st) if accept_mask else None
        if not nxt:
            if i == 2 and accept_mask:
                return _PREFIX
            if i == 5:
                return _WHOLE
            return None
        if not sep:
            if nxt not in (b":", b"-", b"."):
                return None
            sep = nxt
        elif nxt != sep:
            return None
        at += 1
    return _WHOLE


def _apply_mask(digits: bytes, st: _State) -> int | None:
    """A ``/mask`` (1 to 47 bits, the token's end): the bits past it cleared in the buffer
    (those of the bytes the line did not give too)."""
    if not digits.isdigit():
        return None
    mask = int(digits)
    if mask == 0 or mask >= 48:
        return None
    j, rest = mask // 8, mask % 8
    st.addr[j] &= (0xFF << (8 - rest)) & 0xFF
    for k in range(j + 1, 6):
        st.addr[k] = 0
    return mask


def _parse_line(raw: bytes, st: _State, accept_mask: bool = True) -> _Entry | None:
    """parse_ether_line: the line stripped, a ``#`` and what follows cut off, the address
    (the first word, fast form first), the name (the next word, of spaces or tabs) and
    the long name (what follows up to the next tab; the name when none)."""
    line = raw.strip()
    if not line or line.startswith(b"#"):
        return None
    line = line.split(b"#", 1)[0].rstrip()
    words = line.lstrip(_SPACES)
    cut = min((i for i in (words.find(b" "), words.find(b"\t")) if i >= 0), default=len(words))
    tok, rest = words[:cut], words[cut + 1:]
    if not tok:
        return None
    mask = _parse_fast(tok, st) if accept_mask else None
    if mask is None:
        mask = _parse_general(tok, st, accept_mask)
        if mask is None:
            return None
    rest = rest.lstrip(_SPACES)
    cut = min((i for i in (rest.find(b" "), rest.find(b"\t")) if i >= 0), default=len(rest))
    name, after = rest[:cut], rest[cut + 1:]
    if not name:
        return None
    long_ = after.lstrip(b"\t").split(b"\t", 1)[0] or name
    return _Entry(bytes(st.addr), mask, _text(name), _text(long_))


def _text(b: bytes) -> str:
    return b[:MAX_NAME].decode("utf-8", errors="replace")


@dataclass(frozen=True)
class _Table:
    """Sorted keys (48-bit addresses, or 24-bit prefixes) and where each entry's line is:
    the file's text, the line's start and end in it."""

    keys: NDArray[np.int64]
    texts: tuple[_Text, ...]
    file: NDArray[np.int64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]

    def find(self, wanted: NDArray[np.int64]) -> NDArray[np.int64]:
        """The index of each wanted key, or -1."""
        if self.keys.shape[0] == 0:
            return np.full(wanted.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, wanted), self.keys.shape[0] - 1)
        return np.where(self.keys[at] == wanted, at, -1)

    def entry(self, i: int) -> _Entry:
        """The entry at index ``i``, its line parsed again for the names."""
        line = self.texts[int(self.file[i])][int(self.start[i]):int(self.end[i])]
        e = _parse_line(line, _State())
        assert e is not None  # (it was parsed, or matched the fast layout, when loaded)
        return e


@dataclass(frozen=True)
class _Names:
    """Wireshark's address tables: whole addresses, ranges (wka), prefixes (manuf), and
    the system ethers' entries (first line wins)."""

    whole: _Table
    ranges: _Table
    prefixes: _Table
    ethers: dict[int, str]
    found: bool  # whether Wireshark's data directory (its manuf file) was found


def data_dir() -> str | None:
    """Wireshark's data directory: ``WIRESHARK_DATA_DIR`` when set (as tshark), else the
    first usual place holding a manuf file; None when there is none. (Paths are strings:
    ``pathlib`` would add its imports to the start-up of every command.)"""
    env = os.environ.get("WIRESHARK_DATA_DIR")
    for d in [env] if env else DATA_DIRS:
        if os.path.isfile(os.path.join(d, "manuf")):
            return d
    return None


def _read(path: str) -> _Text:
    """The file's bytes, mapped (only the pages read are read: a few lines when the index
    of :func:`_index` is there); empty when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # (ValueError: an empty file cannot be mapped)
        return b""


#: The bytes of a line in manuf's usual layout that :func:`_fast_lines` reads: the longest
#: address (``XX:XX:XX:XX:XX:XX/36``), its tab and the name's first byte
_ROW = 22
#: Each byte's value as a hex digit, 16 for any other byte
_NIBBLE = np.full(256, 16, dtype=np.uint8)
_NIBBLE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_NIBBLE[np.frombuffer(b"abcdef", dtype=np.uint8)] = np.arange(10, 16)
_NIBBLE[np.frombuffer(b"ABCDEF", dtype=np.uint8)] = np.arange(10, 16)
#: Bytes a name cannot start with: a comment, the line's end, what strip() or the word
#: split removes (a line whose name would start so is left to the general parser)
_NOT_NAME = np.zeros(256, dtype=np.bool_)
_NOT_NAME[np.frombuffer(b"#\0\t\n\x0b\x0c\r ", dtype=np.uint8)] = True


def _first_bytes(buf: NDArray[np.uint8], starts: NDArray[np.int64]) -> NDArray[np.uint8]:
    """The first :data:`_ROW` bytes from each start, as rows; past the buffer's end, newlines."""
    rows = np.full((starts.shape[0], _ROW), 10, dtype=np.uint8)
    whole = starts <= buf.shape[0] - _ROW
    if buf.shape[0] >= _ROW:  # (a view of the buffer with a row at each byte: no copy)
        every = np.lib.stride_tricks.as_strided(buf, shape=(buf.shape[0] - _ROW + 1, _ROW), strides=(1, 1))
        rows[whole] = every[starts[whole]]
    for i in np.flatnonzero(~whole).tolist():
        cut = buf[starts[i]:starts[i] + _ROW]
        rows[i, :cut.shape[0]] = cut
    return rows


def _fast_lines(text: _Text) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """The line starts and ends of a file, the key of each line in manuf's usual layout
    (``XX:XX:XX<tab>Name...``: a 24-bit prefix, or 6 bytes with ``/28`` or ``/36``), its
    mask, and -1 for both on the other lines (parsed in full). A ``#`` after the name's
    first byte changes neither the key nor that the line is an entry (only its names,
    parsed again when found).

    The first :data:`_ROW` bytes of every line are gathered as one array (a line shorter
    than that runs into the next, whose newline fails the layout's test)."""
    buf = np.frombuffer(text, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if buf.shape[0] and buf[-1] != 10:
        ends = np.append(ends, buf.shape[0])
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    rows = _first_bytes(buf, starts)
    nib = _NIBBLE[rows[:, [0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16]]]
    hexes = nib < 16
    word = np.zeros((rows.shape[0], 8), dtype=np.uint8)  # the six bytes, as one big-endian number
    word[:, 2:] = (nib[:, 0::2] << 4) | (nib[:, 1::2] & 15)
    key48 = word.view(">u8").reshape(-1).astype(np.int64)
    head = hexes[:, :6].all(axis=1) & (rows[:, 2] == 58) & (rows[:, 5] == 58)
    prefix = head & (rows[:, 8] == 9) & ~_NOT_NAME[rows[:, 9]]
    tail = head & hexes[:, 6:].all(axis=1) & (rows[:, 8] == 58) & (rows[:, 11] == 58) & (rows[:, 14] == 58) \
        & (rows[:, 17] == 47) & (rows[:, 20] == 9) & ~_NOT_NAME[rows[:, 21]]
    m36 = tail & (rows[:, 18] == ord("3")) & (rows[:, 19] == ord("6"))
    m28 = tail & (rows[:, 18] == ord("2")) & (rows[:, 19] == ord("8"))
    keys = np.where(prefix, key48 >> 24, np.where(m36, key48 & ~0xFFF, key48 & ~0xFFFFF))
    masks = np.where(prefix, _PREFIX, np.where(m36, 36, 28))
    ok = prefix | m36 | m28
    return starts, ends, np.where(ok, keys, -1).astype(np.int64), np.where(ok, masks, -1).astype(np.int64)


_FILES = ("manuf", "wka")


@cache
def _names() -> _Names:
    """Wireshark's tables (once, on the first name asked for): from the index kept for
    these files (:func:`_index`), else read from them and the index written."""
    where = data_dir()
    texts = tuple(_read(os.path.join(where, f)) if where is not None else b"" for f in _FILES)
    index = _index(where) if where is not None else None
    tables = _load_index(index, texts) if index is not None else None
    if tables is None:
        tables = _tables(texts)
        if index is not None:
            _save_index(index, tables)
    whole, ranges, prefixes = tables
    return _Names(whole, ranges, prefixes, ethers=_ethers(), found=where is not None)


def _tables(texts: tuple[_Text, ...]) -> tuple[_Table, _Table, _Table]:
    """The whole addresses, ranges and prefixes of manuf then wka, in file order: the last
    line for a key wins."""
    st = _State()  # one parse buffer across both files, as tshark's
    parts: list[tuple[NDArray[np.int64], ...]] = []
    for fid, text in enumerate(texts):
        starts, ends, keys, masks = _fast_lines(text)
        for i in np.flatnonzero(keys < 0).tolist():  # the lines in other layouts, in order
            e = _parse_line(text[starts[i]:ends[i]], st)
            if e is None:
                continue
            key = int.from_bytes(e.addr, "big")
            keys[i], masks[i] = (key >> 24 if e.mask == _PREFIX else key), e.mask
        keep = keys >= 0
        parts.append((keys[keep], masks[keep], np.full(int(keep.sum()), fid, dtype=np.int64), starts[keep],
                      ends[keep]))
    keys, masks, file, start, end = (np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, np.int64)
                                     for k in range(5))
    every = _Table(keys, texts, file, start, end)  # in file order, keys repeated
    prefix, whole = masks == _PREFIX, masks == _WHOLE
    return (_last_per_key(every, whole), _last_per_key(every, ~prefix & ~whole), _last_per_key(every, prefix))


#: The index's layout; a change makes every index kept so far unread
_INDEX_VERSION = 1


class _Index(NamedTuple):
    """Where the index of a data directory's files is kept, and what it must hold to be
    theirs: the layout, the directory, and each file's device, inode, size and time of
    last change (a file changed since is read again)."""

    path: str
    key: bytes


def _index(where: str) -> _Index | None:
    """The index of the files in ``where``, in the user's cache (``$XDG_CACHE_HOME``, else
    ``~/.cache``), under ``tcpscope``; None when the user has no home to find it in."""
    seen = []
    for f in _FILES:
        try:
            s = os.stat(os.path.join(where, f))
            seen.append(f"{s.st_dev}:{s.st_ino}:{s.st_size}:{s.st_mtime_ns}")
        except OSError:
            seen.append("-")
    key = f"{_INDEX_VERSION}|{os.path.abspath(where)}|{'|'.join(seen)}".encode()
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(home):  # (no home: "~" left as it is, or a relative path)
        return None
    return _Index(os.path.join(home, "tcpscope", f"wireshark-names-{zlib.crc32(key):08x}.npy"), key)


def _save_index(index: _Index, tables: tuple[_Table, ...]) -> None:
    """Keep the tables as one array of int64: the key's length and bytes, each table's
    size, then each table's keys, files, starts and ends. Written to a file of its own
    first, then renamed (a reader sees a whole index or none); nothing when the cache
    cannot be written."""
    key = np.frombuffer(index.key + bytes(-len(index.key) % 8), dtype=np.int64)
    sizes = [t.keys.shape[0] for t in tables]
    arrays = [np.array([len(index.key)], dtype=np.int64), key, np.array(sizes, dtype=np.int64)]
    arrays += [a for t in tables for a in (t.keys, t.file, t.start, t.end)]
    part = f"{index.path}.{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(index.path), exist_ok=True)
        with open(part, "wb") as f:
            np.save(f, np.concatenate(arrays).astype(np.int64), allow_pickle=False)
        os.replace(part, index.path)
    except OSError:
        return


def _load_index(index: _Index, texts: tuple[_Text, ...]) -> tuple[_Table, _Table, _Table] | None:
    """The tables kept in ``index`` (see :func:`_save_index`), or None when there is none,
    or it is another's, unreadable, or names lines outside the files ``texts``."""
    try:
        data = np.load(index.path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if data.ndim != 1 or data.dtype != np.int64 or data.shape[0] < 1:
        return None
    words = (int(data[0]) + 7) // 8
    at = 1 + words
    if data[1:at].tobytes()[:int(data[0])] != index.key or data.shape[0] < at + 3:
        return None
    sizes = data[at:at + 3].tolist()
    at += 3
    if data.shape[0] != at + 4 * sum(sizes):
        return None
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    tables = []
    for n in sizes:
        keys, file, start, end = (data[at + k * n:at + (k + 1) * n] for k in range(4))
        if n and (int(file.min()) < 0 or int(file.max()) >= lengths.shape[0] or int(start.min()) < 0
                  or bool(np.any(end < start)) or bool(np.any(end > lengths[file]))):
            return None
        tables.append(_Table(keys, texts, file, start, end))
        at += 4 * n
    return tables[0], tables[1], tables[2]


def _last_per_key(every: _Table, sel: NDArray[np.bool_]) -> _Table:
    """The table of the selected entries (in file order), the last line of each key winning
    (a stable sort keeps a key's lines in file order; manuf's are sorted already, which
    the sort finds in one pass)."""
    idx = np.flatnonzero(sel)
    order = np.argsort(every.keys[idx], kind="stable")
    keys = every.keys[idx][order]
    last = np.ones(keys.shape[0], dtype=np.bool_)
    last[:-1] = keys[1:] != keys[:-1]
    take = idx[order[last]]
    return _Table(keys[last].astype(np.int64), every.texts, every.file[take], every.start[take], every.end[take])


@cache
def _ethers() -> dict[int, str]:
    """The system's ethers file: whole addresses only, the first line of each winning."""
    out: dict[int, str] = {}
    st = _State()
    for raw in bytes(_read(SYSTEM_ETHERS)).splitlines():
        e = _parse_line(raw, st, accept_mask=False)
        if e is not None:
            out.setdefault(int.from_bytes(e.addr, "big"), e.name)
    return out


def _prefix_mask(bits: int) -> int:
    return ((1 << bits) - 1) << (48 - bits)


def _suffix(addr: int, bits: int) -> str:
    """The bytes of ``addr`` past its first ``bits`` bits, as ``_xx:xx``: the first byte
    cut to its bits past them (``addr[i] & (0xFF >> (bits % 8))``)."""
    first = bits // 8
    octets = addr.to_bytes(6, "big")[first:]
    return "_" + ":".join(f"{o & (0xFF >> (bits % 8)) if i == 0 else o:02x}" for i, o in enumerate(octets))


#: The range lengths tried before the manufacturer prefix, then after it (eth_addr_resolve)
_RANGES_BEFORE = tuple(range(47, 23, -1))
_RANGES_AFTER = tuple(range(23, 0, -1))


def _colon(addr: int) -> str:
    return ":".join(f"{o:02x}" for o in addr.to_bytes(6, "big"))


def resolve_macs(addrs: NDArray[np.uint8]) -> NDArray[np.str_]:
    """The names of ``addrs`` (n x 6 bytes), as tshark's get_ether_name gives them (the
    rule in the module docstring); each distinct address is resolved once."""
    a = np.asarray(addrs, dtype=np.uint8).reshape(-1, 6).astype(np.int64)
    if a.shape[0] == 0:
        return np.zeros(0, dtype="U1")
    ints = (a[:, 0] << 40) | (a[:, 1] << 32) | (a[:, 2] << 24) | (a[:, 3] << 16) | (a[:, 4] << 8) | a[:, 5]
    uniq, inverse = np.unique(ints, return_inverse=True)
    names: NDArray[np.str_] = np.asarray(_resolve(uniq), dtype=str)[inverse.reshape(-1)]
    return names


def has_names() -> bool:
    """Whether Wireshark's manuf file was found, so that addresses have names (read once,
    with the names)."""
    return _names().found


def resolve_mac(addr: bytes | Sequence[int]) -> str:
    """The name of one address (6 bytes), as tshark's get_ether_name gives it."""
    return str(resolve_macs(np.frombuffer(bytes(addr), dtype=np.uint8))[0])


def _resolve(uniq: NDArray[np.int64]) -> list[str]:
    """eth_addr_resolve for distinct addresses: every range length's lookup at once."""
    t = _names()
    whole = t.whole.find(uniq)
    lengths = np.array(_RANGES_BEFORE + _RANGES_AFTER, dtype=np.int64)
    masks = np.array([_prefix_mask(int(b)) for b in lengths], dtype=np.int64)
    hits = t.ranges.find(uniq[:, None] & masks[None, :])  # (addresses, lengths): the entry or -1
    pre = t.prefixes.find(uniq >> 24)
    group = (uniq >> 24) & 0x010000 != 0
    pre_ungrouped = np.where(group, t.prefixes.find((uniq >> 24) & 0xFEFFFF), -1)
    out = []
    before = len(_RANGES_BEFORE)
    for k, addr in enumerate(uniq.tolist()):
        if whole[k] >= 0:
            out.append(t.whole.entry(int(whole[k])).name)
            continue
        out.append(_name_of(addr, t, hits[k], before, int(pre[k]) if pre[k] >= 0 else int(pre_ungrouped[k])))
    return out


def _name_of(addr: int, t: _Names, hits: NDArray[np.int64], before: int, prefix: int) -> str:
    """The name of one address from its lookups (see :func:`_resolve`; not a whole address's)."""
    if addr in t.ethers:
        return t.ethers[addr]
    found = np.flatnonzero(hits[:before] >= 0)
    if found.shape[0]:
        j = int(found[0])
        return (t.ranges.entry(int(hits[j])).name + _suffix(addr, _RANGES_BEFORE[j]))[:MAX_NAME]
    if prefix >= 0:
        return (t.prefixes.entry(prefix).name + _suffix(addr, 24))[:MAX_NAME]
    found = np.flatnonzero(hits[before:] >= 0)
    if found.shape[0]:
        j = int(found[0])
        return (t.ranges.entry(int(hits[before + j])).name + _suffix(addr, _RANGES_AFTER[j]))[:MAX_NAME]
    return _colon(addr)


def manuf_longnames(prefixes: NDArray[np.int64]) -> tuple[NDArray[np.bool_], NDArray[np.str_]]:
    """For 24-bit prefixes, whether manuf names each (exactly, get_manuf_name_if_known) and
    its long name (``eth.src.oui_resolved``)."""
    p = np.asarray(prefixes, dtype=np.int64)
    if p.shape[0] == 0:
        return np.zeros(0, dtype=np.bool_), np.zeros(0, dtype="U1")
    t = _names()
    uniq, inverse = np.unique(p, return_inverse=True)
    at = t.prefixes.find(uniq)
    names = [t.prefixes.entry(int(i)).longname if i >= 0 else "" for i in at.tolist()]
    inv = inverse.reshape(-1)
    texts: NDArray[np.str_] = np.asarray(names, dtype=str)
    return (at >= 0)[inv], texts[inv]
