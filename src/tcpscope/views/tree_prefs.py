"""The preferences (tshark's ``-o``) a details tree follows, as one named setting."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TcpTreePrefs"]


@dataclass(frozen=True, slots=True)
class TcpTreePrefs:
    """The TCP preferences (tshark's ``-o``) that change what the TCP tree shows, each
    as tshark's dissector reads it: ``relative``, the numbers relative to the stream's
    first (``tcp.relative_sequence_numbers``, which only applies with the sequence
    analysis); ``sequence_analysis`` (``tcp.analyze_sequence_numbers``); ``timestamps``
    (``tcp.calculate_timestamps``); ``bytes_in_flight`` (``tcp.track_bytes_in_flight``).
    The values they change (raw numbers, no analysis) are the table's already
    (:mod:`tcpscope.cli.dropin_prefs`); these say which lines and words go with them."""

    relative: bool = True
    sequence_analysis: bool = True
    timestamps: bool = True
    bytes_in_flight: bool = True

    @property
    def relative_labels(self) -> bool:
        """RELATIVE LABELS: the numbers are called relative (and their raw values shown
        beside them) only when both the preference and the sequence analysis are on."""
        return self.relative and self.sequence_analysis
