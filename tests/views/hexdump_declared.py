"""The frames whose ``tshark -x`` dump tcpscope does not reproduce whole, declared one by one.

``DECLARED[capture]`` holds the frame numbers (``"4 6 8-12"``) of frames to which a
dissector tcpscope does not have yet added a data source of its own: TCP reassembly on
behalf of HTTP and TLS ("Reassembled TCP"), HTTP's "De-chunked entity body" and
"Uncompressed entity body". tcpscope prints the frame's own bytes (and its reassembled IP
datagrams); tests/views/test_hexdump.py checks that tshark prints exactly those under
their titles, followed by the other sources' blocks only, and fails on a declared frame
that has come to match (stale). Counted in docs/deviations.md ("Bytes pane").
"""

from __future__ import annotations

__all__ = ["DECLARED", "REASON", "UNPRODUCED"]

REASON = "data sources of TCP reassembly and HTTP: pending reassembly issue 18"

#: The data sources those frames have that tcpscope does not produce
UNPRODUCED = frozenset({"Reassembled TCP", "De-chunked entity body", "Uncompressed entity body"})

DECLARED: dict[str, str] = {
    "bad/bad-ip-ihl.pcap": "42",
    "bad/bad-tcp-offset.pcap": "42",
    "bad/tcp-option-zero-length.pcap": "42",
    "bad/truncated-mid-record.pcap": "42",
    "craft-pcap-aix.pcap": "8",
    "craft-pcap-be-modified.pcap": "8",
    "craft-pcap-be-nsec.pcap": "8",
    "craft-pcap-be-usec.pcap": "8",
    "craft-pcap-dgux.pcap": "8",
    "craft-pcap-fcs.pcap": "8",
    "craft-pcap-ixia-be.pcap": "8",
    "craft-pcap-ixia.pcap": "8",
    "craft-pcap-odd-nsec.pcap": "8",
    "craft-pcap-odd-usec.pcap": "8",
    "craft-pcap-v22.pcap": "8",
    "craft-pcapng-be.pcapng": "5",
    "editcap-modpcap.pcap": "42",
    "editcap-nokiapcap.pcap": "42",
    "editcap-nsecpcap.pcap": "42",
    "editcap-rh6_1pcap.pcap": "42",
    "editcap-suse6_3pcap.pcap": "42",
    "http-eth.pcap": "42",
    "http-get.pcap": "8",
    "lossy-seed7.pcap": "8",
    "own-ipv6.pcap": "8 67 126 139",
    "own-lossy-seed11.pcap": "4569",
    "own-port-reuse.pcap": "8 20 32",
    "scapy-http_chunk.pcap.gz": "65",
    "scapy-http_content_length.pcap": "13",
    "scapy-http_tcp_psh.pcap.gz": "8 12",
    "tls-dns.pcap": "32 46 55 87 106 114 129 133",
    "zeek-communityid-ipv6.pcap": "14",
    "zeek-http-100-continue.pcap": "10 63",
    "zeek-http-get.pcap": "9",
    "zeek-http-get_nosyn.pcap": "6",
    "zeek-http-methods.pcap": "100 164 260",
    "zeek-http-pipelined-requests.pcap": "5 12 18 45",
    "zeek-http-qinq-0.pcap": "9",
    "zeek-http-vlan-0.pcap": "9",
    "zeek-tcp-handshake-reorder.pcap": "9",
    "zeek-tcp-missing-syn.pcap": "16",
    "zeek-tcp-reassembly.pcap": "110",
    "zeek-tcp-tcp-fast-open.pcap": "6 14",
}
