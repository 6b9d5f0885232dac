#!/bin/sh
# The tshark 4.0.17 facts a golden report rests on (README.md): every TCP segment with its
# stream, flags, lengths and analysis, then -z conv,tcp and -z expert, and the per-stream
# retransmission counts. Usage: sh facts.sh CAPTURE
f="$1"
tshark -r "$f" -T fields -E header=y -e frame.number -e frame.time_epoch -e frame.time_relative -e frame.len \
  -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.stream -e tcp.flags.str \
  -e tcp.seq -e tcp.ack -e tcp.seq_raw -e tcp.ack_raw -e tcp.len -e tcp.analysis.acks_frame -e tcp.analysis.initial_rtt \
  -e tcp.connection.fin_active -e tcp.connection.fin_passive -e tcp.analysis.flags
tshark -r "$f" -q -z conv,tcp -z expert
echo "retransmissions per stream:"
tshark -r "$f" -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission' \
  -T fields -e tcp.stream | sort | uniq -c
