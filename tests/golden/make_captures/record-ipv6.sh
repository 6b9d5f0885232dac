#!/usr/bin/env bash
# Record tests/golden/captures/own-ipv6.pcap: HTTP over IPv6 (and one GET over IPv4), real
# Linux kernel traffic between two network namespaces over a veth pair: python3's
# http.server on [::]:80 answers curl's GETs of a small page and a 40 kB one, from
# fd00:98::1 to fd00:98::2, with the TCP options Linux sends (MSS, SACK permitted,
# timestamps, window scale). Needs root, tcpdump, ethtool, curl, python3.
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../captures/own-ipv6.pcap}")
a=tsv6$$a; b=tsv6$$b; work=$(mktemp -d)
. "$(dirname "$0")/netns-pair.sh"
netns_pair "$a" "$b"
ip -n "$a" addr add 10.98.0.1/24 dev "v$a"; ip -n "$b" addr add 10.98.0.2/24 dev "v$b"
ip -n "$a" addr add fd00:98::1/64 dev "v$a" nodad; ip -n "$b" addr add fd00:98::2/64 dev "v$b" nodad
mkdir -p "$work/www"; head -c 30000 /dev/urandom | base64 > "$work/www/page.txt"; echo "hello" > "$work/www/index.html"
(cd "$work/www" && exec ip netns exec "$b" python3 -m http.server 80 --bind ::) >/dev/null 2>&1 & srv=$!
sleep 1.5
ip netns exec "$a" tcpdump -i "v$a" -w "$out" -U 'tcp port 80' 2>/dev/null & td=$!
sleep 1
get() { ip netns exec "$a" curl -s -o /dev/null --max-time 5 "$@"; }
get "http://[fd00:98::2]/index.html"
get "http://[fd00:98::2]/page.txt"
get "http://[fd00:98::2]/page.txt"
get "http://10.98.0.2/index.html"
sleep 1
kill -INT "$td"; wait "$td" || true
echo "wrote $out"
