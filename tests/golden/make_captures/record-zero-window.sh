#!/usr/bin/env bash
# Record tests/golden/captures/own-zero-window.pcap: real Linux TCP between two network
# namespaces (veth, offloads off) in two scenes, captured on the client side.
#  1. A sender (port 9001) pushes 400 kB at a client whose receive buffer is 4 kB and
#     which does not read for 1.5 s: the client advertises a zero window, the sender's
#     persist timer sends zero-window probes, the client's ACKs answer them, and window
#     updates follow when it reads again.
#  2. An idle connection (port 9002) with keep-alives every 0.5 s after 1 s of silence
#     (TCP_KEEPIDLE/TCP_KEEPINTVL): keep-alive segments and their ACKs.
# Needs root, tcpdump, ethtool, python3.
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../captures/own-zero-window.pcap}")
a=tszw$$a; b=tszw$$b
. "$(dirname "$0")/netns-pair.sh"
netns_pair "$a" "$b"
ip -n "$a" addr add 10.97.0.1/24 dev "v$a"; ip -n "$b" addr add 10.97.0.2/24 dev "v$b"
ip netns exec "$b" python3 - <<'PY' & srv=$!
import socket, threading, time
def bulk():
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("10.97.0.2", 9001)); ls.listen(1)
    c, _ = ls.accept(); c.sendall(b"z" * 400_000); c.close()
def idle():
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("10.97.0.2", 9002)); ls.listen(1)
    c, _ = ls.accept(); c.recv(10); time.sleep(5); c.close()
threading.Thread(target=bulk).start(); threading.Thread(target=idle).start()
time.sleep(30)
PY
sleep 1
ip netns exec "$a" tcpdump -i "v$a" -w "$out" -U 'tcp' 2>/dev/null & td=$!
sleep 1
ip netns exec "$a" python3 - <<'PY'
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("10.97.0.2", 9001))
time.sleep(1.5)
got = 0
while True:
    d = s.recv(8192)
    if not d:
        break
    got += len(d)
    time.sleep(0.002)
s.close()
k = socket.socket()
k.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
k.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
k.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
k.connect(("10.97.0.2", 9002))
k.sendall(b"hi")
time.sleep(3.5)
k.close()
PY
sleep 1
kill -INT "$td"; wait "$td" || true
echo "wrote $out"
