"""Write docs/tcp-states.md from the transition table of ``tcpscope.analysis.tcp_states``:
the states, the segment classes, every transition with its note, and a Mermaid state
diagram of the transitions that change state. Run after changing the table; a test
checks the file is up to date: ``python docs/make_tcp_states.py``."""

from __future__ import annotations

import sys
from pathlib import Path

from tcpscope.analysis.tcp_states import (
    SEGMENT_MEANINGS,
    TRANSITIONS,
    Phase,
    Role,
    Rule,
    Segment,
    TcpState,
    next_state,
)

OUT = Path(__file__).resolve().parent / "tcp-states.md"

HEAD = """# TCP states per packet

`tcpscope.state.client` and `tcpscope.state.server` give each endpoint's TCP state (RFC 9293
§3.3.2) after every segment, as an observer infers it from the segments it sees; `tcpscope.phase`
the part of the connection's life the segment belongs to, `tcpscope.rule` the rule of sequence
arithmetic it follows or why it breaks them, and `tcpscope.state.unexpected` a segment that makes
no sense in the state inferred for its sender or receiver (the state then stays as it was).
Generated from `src/tcpscope/analysis/tcp_states.py` by `docs/make_tcp_states.py`; do not edit by
hand.

How the states are inferred:

- A segment seen is taken to arrive: it moves its sender (what sending it shows) and its receiver
  (what receiving it does, RFC 9293 §3.10.7) at once, as RFC 9293's Figures 6-7 and 12-13 draw both
  endpoints beside each segment.
- The client is the endpoint that sent the conversation's first segment if that is a SYN without
  ACK, its receiver if it is a SYN-ACK; otherwise the endpoint Zeek would call the originator (the
  sender of the first segment, unless its source port is a likely server port and its destination
  port is not, or is too and is the higher). Each `tcp.stream` starts anew: a port reused for a new
  connection starts in CLOSED.
- A conversation whose first segment is a SYN without ACK starts with its sender CLOSED and its
  receiver LISTEN; any other starts with both UNKNOWN. UNKNOWN is never a guess: an endpoint leaves
  it on a SYN or SYN-ACK, a RST, or, when new data (not a retransmission) has gone both ways with no
  FIN or RST seen, for ESTABLISHED.
- An endpoint in TIME-WAIT stays there: the 2 MSL that end it are not shown by any segment.
- A capture read a piece at a time (a pipe, `tcpscope.scan`) keeps each conversation's states
  from piece to piece, and drops them some pieces after the analysis retires the conversation
  (closed 2 MSL ago, or idle 5 minutes); a later segment of a conversation dropped starts again
  from what it shows, as a capture that starts mid-connection does.
"""


def _state_list() -> str:
    return "\n## States\n\n" + ", ".join(f"`{s.label}`" for s in TcpState) + "\n"


def _segments() -> str:
    rows = "".join(f"| `{label}` | {meaning} |\n" for label, meaning in SEGMENT_MEANINGS.values())
    return ("\n## Segments\n\nEach segment is classified once, in RFC 9293 §3.10.7's order (RST, SYN, ACK,"
            f" FIN).\n\n| Segment | What it is |\n|---|---|\n{rows}")


def _table() -> str:
    lines = ["\n## Transitions\n",
             "Every transition of the table. A RST not listed for a state moves it to CLOSED, sent or",
             "received. A combination not listed makes no sense: it is reported in",
             "`tcpscope.state.unexpected` and the state stays.\n",
             "| State | Segment | Role | Next state | Note |", "|---|---|---|---|---|"]
    for (state, seg, role), (nxt, note) in sorted(TRANSITIONS.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
        verb = "sent" if role is Role.SENT else "received"
        shown = "(unexpected)" if nxt is None else nxt.label
        lines.append(f"| {state.label} | {seg.label} | {verb} | {shown} | {note} |")
    return "\n".join(lines) + "\n"


def _diagram() -> str:
    edges: dict[tuple[TcpState, TcpState], list[str]] = {}
    for state in TcpState:
        for seg in Segment:
            for role in Role:
                nxt = next_state(state, seg, role)
                if nxt is None or nxt is state or seg in (Segment.RST, Segment.RST_NOT_ACKING_SYN):
                    continue
                verb = "send" if role is Role.SENT else "recv"
                edges.setdefault((state, nxt), []).append(f"{verb} {seg.label}")
    lines = ["\n## Diagram\n", "The transitions that change state, RSTs left out (every state goes to CLOSED on one).\n",
             "```mermaid", "stateDiagram-v2"]
    for (a, b), labels in edges.items():
        lines.append(f"    {a.name} --> {b.name}: {', '.join(labels)}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def _enum_doc(title: str, enum: type[Phase] | type[Rule]) -> str:
    words = " ".join(line.strip() for line in (enum.__doc__ or "").splitlines() if line.strip())
    names = ", ".join(f"`{m.name.lower().replace('_', '-')}`" for m in enum)
    return f"\n## {title}\n\n{names}. {words}\n"


def tcp_states_markdown() -> str:
    """The text of docs/tcp-states.md."""
    return "".join([HEAD, _state_list(), _segments(), _enum_doc("Phase (`tcpscope.phase`)", Phase),
                    _enum_doc("Rule (`tcpscope.rule`)", Rule), _table(), _diagram()])


if __name__ == "__main__":
    OUT.write_text(tcp_states_markdown())
    sys.exit(0)
