"""A capture a piece at a time: read, dissect, analyse and select its frames in order.

The stage between the analysis and what is shown of it: :mod:`tcpscope.pipeline.stream`
cuts a capture (a file, or a pipe as its bytes come) into pieces, dissects each,
carries the TCP analysis from piece to piece, applies a display filter's mask, and
sizes the compile job, in the memory of one piece whatever the capture's size. The
public API builds :func:`tcpscope.scan` on it, and the commands read captures through
that; the views stay pure functions of the tables it yields.
"""

from __future__ import annotations

__all__: list[str] = []
