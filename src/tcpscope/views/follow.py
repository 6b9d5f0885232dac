"""The text of ``tshark -q -z follow,tcp,MODE,N``, byte for byte (ascii, hex, raw, yaml).

The chunks come from :func:`tcpscope.analysis.follow.follow_chunks`; this module only
lays them out (tshark-stats.md §2.5, §2.6; ``follow_draw`` in ui/cli/tap-follow.c):

* the text modes open with an empty line and a rule of 67 ``=``, then ``Follow:``,
  ``Filter:`` and the two nodes (``ADDR:PORT``, ``[ADDR]:PORT`` for IPv6, ``:0`` when
  nothing was followed), the chunks, and the rule again. Node 1's chunks are indented
  by a TAB: ascii indents the size line only and prints the bytes with CR and LF kept and
  every other byte outside 0x20..0x7E as ``.``, then a newline; raw prints each chunk as
  lower-case hex on one line; hex prints a hexdump per chunk whose offsets count each
  node's bytes so far;
* yaml lists the peers, then each chunk's frame, peer, time (``%.9f`` of the time as a
  double) and its bytes in base64, 57 bytes a line.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np

from tcpscope.analysis.conversations import AT_IPV6
from tcpscope.analysis.follow import Chunks
from tcpscope.table.packets import PacketTable
from tcpscope.views.conversations import address_text, row_addresses

__all__ = ["MODES", "Node", "follow_nodes", "render_follow"]

#: The modes ``tcpscope follow --format`` takes (tshark's but ebcdic).
MODES = ("ascii", "hex", "raw", "yaml")

_RULE = "=" * 67 + "\n"

# ascii mode: every byte but CR and LF outside printable ASCII shows as "."
_ASCII = np.array([b if 0x20 <= b < 0x7F or b in (0x0A, 0x0D) else 0x2E for b in range(256)], dtype=np.uint8)
# the hexdump's text column: printable ASCII as itself, everything else "."
_PRINTABLE = np.array([b if 0x20 <= b < 0x7F else 0x2E for b in range(256)], dtype=np.uint8)


@dataclass(frozen=True)
class Node:
    """One end of the followed connection: its address text (IPv6 unbracketed; empty
    when nothing was followed), whether it is IPv6, and its port."""

    host: str = ""
    ipv6: bool = False
    port: int = 0

    def text(self) -> str:
        """``ADDR:PORT``, ``[ADDR]:PORT`` for IPv6 (the text modes' node lines)."""
        return f"[{self.host}]:{self.port}" if self.ipv6 else f"{self.host}:{self.port}"


def follow_nodes(first: tuple[PacketTable, int] | None) -> tuple[Node, Node]:
    """Node 0 and node 1: the source and destination of the first segment followed (its
    table and ``tcp`` row), by the addresses TCP sees (an IPv6 routing header's final
    destination); empty nodes when nothing was followed."""
    if first is None:
        return Node(), Node()
    table, row = first
    rows = np.array([row], dtype=np.int64)
    src, dst, atype = row_addresses(table, rows)
    ipv6 = bool(atype[0] == AT_IPV6)
    c = table.layer("tcp").cols
    hosts = address_text(np.concatenate([src, dst]), np.concatenate([atype, atype]))
    return (Node(str(hosts[0]), ipv6, int(c["srcport"][row])), Node(str(hosts[1]), ipv6, int(c["dstport"][row])))


def render_follow(mode: str, filter_text: str, nodes: tuple[Node, Node], chunks: Chunks) -> str:
    """The whole output of tshark's follow in ``mode`` (one of :data:`MODES`)."""
    if mode == "yaml":
        return _yaml(nodes, chunks)
    lines = ["\n", _RULE, f"Follow: tcp,{mode}\n", f"Filter: {filter_text}\n",
             f"Node 0: {nodes[0].text()}\n", f"Node 1: {nodes[1].text()}\n"]
    if mode == "ascii":
        lines.extend(_ascii(chunks))
    elif mode == "raw":
        lines.extend(_raw(chunks))
    else:
        lines.extend(_hex(chunks))
    lines.append(_RULE)
    return "".join(lines)


def _indent(node: int) -> str:
    """Node 1's lines start with a TAB."""
    return "\t" if node else ""


def _ascii(chunks: Chunks) -> list[str]:
    out = []
    for i in range(len(chunks)):
        data = chunks.data(i)
        shown = _ASCII[np.frombuffer(data, dtype=np.uint8)].tobytes().decode("ascii")
        out.append(f"{_indent(int(chunks.node[i]))}{len(data)}\n{shown}\n")
    return out


def _raw(chunks: Chunks) -> list[str]:
    return [f"{_indent(int(chunks.node[i]))}{chunks.data(i).hex()}\n" for i in range(len(chunks))]


def _hex(chunks: Chunks) -> list[str]:
    out = []
    offset = [0, 0]
    for i in range(len(chunks)):
        node = int(chunks.node[i])
        data = chunks.data(i)
        out.extend(hex_lines(_indent(node), offset[node], data))
        offset[node] += len(data)
    return out


def hex_lines(prefix: str, offset: int, data: bytes) -> list[str]:
    """One chunk's hexdump (``follow_print_hex``): 16 bytes a line, the offset in upper-case
    hex, the bytes in lower case with a wider gap after the eighth, padded to 48 columns,
    then the text column with a space after the eighth character; one trailing space of
    the line is dropped (the gap of an eight-byte line, or a last byte 0x20)."""
    out = []
    text = _PRINTABLE[np.frombuffer(data, dtype=np.uint8)].tobytes().decode("ascii")
    hexed = data.hex(" ")
    for at in range(0, len(data), 16):
        n = min(16, len(data) - at)
        h = hexed[3 * at: 3 * (at + n) - 1]
        if n > 8:
            h = h[:23] + " " + h[23:]
        t = text[at:at + 8] + (" " + text[at + 8:at + n] if n >= 8 else "")
        if t.endswith(" "):
            t = t[:-1]
        out.append(f"{prefix}{offset + at:08X}  {h:<48}  {t}\n")
    return out


def _yaml(nodes: tuple[Node, Node], chunks: Chunks) -> str:
    out = ["peers:\n"]
    for k, node in enumerate(nodes):
        out.append(f"  - peer: {k}\n    host: {node.host}\n    port: {node.port}\n")
    out.append("packets:\n")
    for i in range(len(chunks)):
        ts = int(chunks.ts[i])
        seconds = ts // 1_000_000_000 + (ts % 1_000_000_000) / 1e9
        encoded = base64.encodebytes(chunks.data(i)).decode("ascii")
        body = "".join(f"      {line}\n" for line in encoded.splitlines())
        out.append(f"  - packet: {int(chunks.frame[i])}\n    peer: {int(chunks.node[i])}\n"
                   f"    timestamp: {seconds:.9f}\n    data: !!binary |\n{body}")
    return "".join(out)
