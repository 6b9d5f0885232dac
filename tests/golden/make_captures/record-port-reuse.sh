#!/usr/bin/env bash
# Record tests/golden/captures/own-port-reuse.pcap: three HTTP/1.0 GETs from the same
# client port 45000 to python3's http.server, between two network namespaces over a veth
# pair. The client namespace allows reusing a TIME_WAIT 4-tuple (net.ipv4.tcp_tw_reuse=1)
# and binds with SO_REUSEADDR, so one 4-tuple carries three connections with three ISNs:
# tshark numbers them as three tcp.streams ("[TCP Port numbers reused]").
# Needs root, tcpdump, ethtool, python3.
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../captures/own-port-reuse.pcap}")
a=tsreuse$$a; b=tsreuse$$b; work=$(mktemp -d)
. "$(dirname "$0")/netns-pair.sh"
netns_pair "$a" "$b"
ip -n "$a" addr add 10.98.0.1/24 dev "v$a"; ip -n "$b" addr add 10.98.0.2/24 dev "v$b"
mkdir -p "$work/www"; echo "port reuse" > "$work/www/index.html"
(cd "$work/www" && exec ip netns exec "$b" python3 -m http.server 80 --bind 10.98.0.2) >/dev/null 2>&1 & srv=$!
sleep 1
ip netns exec "$a" tcpdump -i "v$a" -w "$out" -U 'tcp port 80' 2>/dev/null & td=$!
sleep 1
ip netns exec "$a" sysctl -qw net.ipv4.tcp_tw_reuse=1
ip netns exec "$a" python3 - <<'PY'
import socket, time
for _ in range(3):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.98.0.1", 45000))
    s.connect(("10.98.0.2", 80))
    s.sendall(b"GET /index.html HTTP/1.0\r\nHost: 10.98.0.2\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
    time.sleep(1.2)
PY
sleep 1
kill -INT "$td"; wait "$td" || true
echo "wrote $out"
