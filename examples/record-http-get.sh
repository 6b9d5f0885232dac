#!/usr/bin/env bash
# Record examples/http-get.pcap: one real HTTP/1.1 GET between two network namespaces.
# Client 10.99.0.1 (curl) -> server 10.99.0.2:80 (python3 -m http.server), over a veth pair
# with offloads off, captured by tcpdump on the client side. Needs root, curl, tcpdump, ethtool.
# The capture shows what the tutorial in shared/seed walks through: the three-way handshake,
# the GET and its 200 response, and the FIN teardown.
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/http-get.pcap}")
a=tsdemo$$a; b=tsdemo$$b; work=$(mktemp -d)
cleanup() { kill "${srv:-}" 2>/dev/null || true; ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip link add "v$a" type veth peer name "v$b"
ip link set "v$a" netns "$a"; ip link set "v$b" netns "$b"
ip -n "$a" addr add 10.99.0.1/24 dev "v$a"; ip -n "$b" addr add 10.99.0.2/24 dev "v$b"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set "v$a" up; ip -n "$b" link set "v$b" up
ip netns exec "$a" ethtool -K "v$a" tso off gso off gro off tx off rx off sg off >/dev/null 2>&1 || true
ip netns exec "$b" ethtool -K "v$b" tso off gso off gro off tx off rx off sg off >/dev/null 2>&1 || true
mkdir -p "$work/www"
printf '<html><head><title>tcpscope</title></head><body><p>Hello from tcpscope.</p></body></html>\n' > "$work/www/index.html"
(cd "$work/www" && exec ip netns exec "$b" python3 -m http.server 80 --bind 10.99.0.2 --protocol HTTP/1.1 >/dev/null 2>&1) & srv=$!
sleep 1
ip netns exec "$a" tcpdump -i "v$a" -w "$out" -U 'tcp port 80' 2>/dev/null & td=$!
sleep 1
ip netns exec "$a" curl -s -o /dev/null http://10.99.0.2/index.html
sleep 1
kill -INT "$td"; wait "$td" || true
echo "wrote $out"
