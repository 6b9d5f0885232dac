"""The English texts of ``tcpscope explain`` (:mod:`tcpscope.views.messages`)."""

from __future__ import annotations

from typing import Final

__all__ = ["MESSAGES"]

MESSAGES: Final[dict[str, str]] = {
    "report_title": "Step by step",
    "report_too_many": "More than {count} connections: tcpscope explain FILE --stream N tells one of them step by step.",
    "client": "client",
    "server": "server",
    "title": "Connection {stream}: client {client}, server {server}",
    "restarted": ("The frames of this stream before frame {frame} belong to an earlier connection on the same "
                  "ports, quiet for minutes before this one; reading the capture a piece at a time, tcpscope "
                  "forgot it (as it forgets every quiet connection), so this account starts at frame {frame}."),
    "opens_syn": "The client opens the connection: its SYN is frame {frame}.",
    "opens_synack": ("The client's SYN is not in the capture; the server's SYN/ACK (frame {frame}) shows "
                     "who opened it."),
    "opens_unseen": ("The capture starts in the middle of this connection (no SYN): the client is the side "
                     "Zeek would call the originator, the first to send, unless only the other side's port is a "
                     "well-known server port."),
    "handshake_title": "Opening (three-way handshake):",
    "teardown_title": "Closing:",
    "data_title": "Data exchange:",
    "segment": "  Frame {frame}: the {who} sends {flags}, Seq {seq} (relative {rel_seq}).",
    "segment_ack": "  Frame {frame}: the {who} sends {flags}, Seq {seq} (relative {rel_seq}), Ack {ack} (relative {rel_ack}).",
    "link_syn": "    Ack {ack} = the {peer}'s SYN Seq {peer_seq} + 1: a SYN takes up one sequence number.",
    "link_fin": "    Ack {ack} = the {peer}'s FIN Seq {peer_seq} + 1: a FIN takes up one sequence number.",
    "link_data": "    Ack {ack} = the {peer}'s Seq {peer_seq} + {length} bytes: the next byte it expects.",
    "link_data_fin": ("    Ack {ack} = the {peer}'s Seq {peer_seq} + {length} bytes + 1 for its FIN: the next "
                      "sequence number it expects."),
    "syn_means": "    SYN: the {who} asks to open a connection and chooses its initial sequence number.",
    "synack_means": "    SYN/ACK: the {who} accepts, acknowledges the SYN and chooses its own initial sequence number.",
    "fin_means": "    FIN: the {who} has no more data to send and closes its half of the connection.",
    "rst_means": "    RST: the {who} aborts the connection at once; nothing more is exchanged, no TIME-WAIT.",
    "rst_ignored": ("    The states do not change: this RST does not fit the connection's numbers (in SYN-SENT, for "
                    "one, a RST must acknowledge the SYN), so RFC 9293 §3.10.7 has it ignored."),
    "states_after": "    States now: client {client}, server {server}.",
    "more_segments": "  ... and {count} more segments in this phase.",
    "open_handshake": "The three segments of the handshake are all here: both sides are ESTABLISHED.",
    "open_simultaneous": "Both sides sent a SYN at the same time (a simultaneous open); each answered the other's.",
    "open_refused": "The server refused the connection: it answered the SYN with a RST (no program listens on that port).",
    "open_unanswered": "Nobody answered the SYN in this capture.",
    "open_incomplete": "The server answered with SYN/ACK, but the client's ACK of it is not in the capture.",
    "open_synack_only": "The client's SYN was sent before the capture started; the server's answer and what follows are here.",
    "open_not_seen": ("The opening happened before the capture started; both sides count as ESTABLISHED once new "
                      "data has gone each way (until then their states are UNKNOWN)."),
    "data_each_way": ("  New data sent: by the client {client_bytes} bytes in {client_segments} segment(s), by the "
                      "server {server_bytes} bytes in {server_segments} segment(s)."),
    "data_none": "  No data was exchanged.",
    "data_example": ("  For example, frame {frame} carries {length} bytes from the {who} at Seq {seq}; the "
                     "{peer} acknowledges them in frame {ack_frame}: Ack {ack} = {seq} + {length}."),
    "no_trouble": "  Every segment arrived in order: no retransmission, nothing lost.",
    "rule_retransmission": ("  Retransmissions by the {who} after a timeout: {count} (no acknowledgment came in "
                            "time and no duplicate ACKs asked for the data, so the sender's retransmission timer ran "
                            "out and it sent the data again)."),
    "rule_fast_retransmission": ("  Fast retransmissions by the {who}: {count} (the {peer} sent duplicate ACKs, the "
                                 "same Ack again and again, to say a segment was missing; the {who} sent it again "
                                 "at once, without waiting for its timer)."),
    "rule_spurious_retransmission": ("  Spurious retransmissions by the {who}: {count} (data the {peer} had already "
                                     "acknowledged, sent again for nothing: the ACK arrived late or the timer was "
                                     "too short)."),
    "rule_out_of_order": "  Segments of the {who} out of order: {count} (each arrived after one sent later).",
    "rule_lost_segment": ("  Gaps before a segment of the {who}: {count} (the segment before it was lost on the way, "
                          "or not captured); the retransmissions fill them."),
    "rule_ack_unseen": "  Acknowledgments by the {who} of data the capture never saw: {count}.",
    "rule_keep_alive": "  Keep-alives by the {who}: {count} (one old byte, to check the peer is still there).",
    "rule_window_probe": ("  Zero-window probes by the {who}: {count} (the peer's receive window was full; the probe "
                          "asks whether there is room again)."),
    "close_three": ("  The {peer}'s FIN carried the ACK of the {first}'s FIN, so the close took three segments, "
                    "not the four of the textbook picture (Linux often piggybacks its FIN on the ACK). The "
                    "{first} went from FIN-WAIT-1 straight to TIME-WAIT, without FIN-WAIT-2."),
    "close_four": ("  Four segments: FIN, ACK, FIN, ACK. Once its FIN was acknowledged, the {first} was in "
                   "FIN-WAIT-2 (RFC 9293; some tutorials wrongly leave it in FIN-WAIT-1), waiting for the "
                   "{peer}'s FIN."),
    "close_simultaneous": ("  Both sides sent their FIN before receiving the other's (a simultaneous close): each "
                           "went through CLOSING to TIME-WAIT."),
    "close_half": ("  Only the {first} closed its side; the {peer} could still send data when the capture "
                   "ended (a half-closed connection)."),
    "close_open": "  No FIN and no RST: the connection was still open when the capture ended.",
    "close_rst": "  The {who} ended the connection with a RST, not with FINs.",
    "end_states": "At the end of the capture: client {client}, server {server}.",
    "time_wait": ("The {who} stays in TIME-WAIT for twice the maximum segment lifetime (2 MSL, 60 s on Linux) "
                  "in case its last ACK was lost and the FIN comes again; then it is CLOSED. The capture does "
                  "not show that wait."),
    "unknown_state": "UNKNOWN: the segments captured do not show that side's state.",
}
