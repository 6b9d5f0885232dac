"""Exports: a capture's frames written to files other tools read, a piece at a time.

Every export reads the capture through the public API (:func:`tcpscope.api.scan`, one
piece at a time, the display filter applied), so an export holds one piece in memory
whatever the capture's length, and sees exactly what a Python user sees:

* :mod:`~tcpscope.export.columns`: the columns of a table export (Wireshark field names)
  and the Arrow type each keeps (ports uint16, times timestamp[ns] and duration[ns]);
* :mod:`~tcpscope.export.tables`: Parquet, Arrow IPC, Feather and CSV;
* :mod:`~tcpscope.export.json`: ``tshark -T json -e ...`` and ``-T ek -e ...``;
* :mod:`~tcpscope.export.packets`: the selected frames written back as pcap or pcapng,
  as ``tshark -r IN -Y F -w OUT`` writes them;
* :mod:`~tcpscope.export.zeek`: Zeek's ``conn.log``, as TSV or as Zeek's JSON log;
* :mod:`~tcpscope.export.output`: the output file, written under a temporary name and
  renamed when complete, so that a failed export leaves nothing that looks whole.
"""

__all__: list[str] = []
