#!/usr/bin/env bash
# Record the captures of tests/analysis/test_tcp_states.py: real Linux TCP between two
# network namespaces joined by /work/shared/tools/lossylink.py's user-space link (no loss,
# 40 ms each way, so that segments sent at the same moment cross), captured on the
# client's TUN device (raw IP). A copy of the link runs with namespaces and devices of its
# own names, so that it cannot meet another run's. Three scenes, one file each:
#  half-close.pcap        the client sends a request and shuts its sending side down; the
#                         server reads to the end, answers 3000 bytes, and closes.
#  server-reset.pcap      the client sends "hello"; the server reads it and closes with
#                         SO_LINGER 0 (a RST); then a SYN to a port nobody listens on.
#  simultaneous-close.pcap both sides shut their sending side down at the same moment
#                         (a time the client sends ahead), so that the FINs cross.
#  simultaneous-open.pcap both sides connect to each other's port at the same moment (a
#                         time the client writes to a file the other side reads), so
#                         that the SYNs cross; then the client sends "hi" and both close.
# Needs root, tcpdump, python3. Usage: record.sh [LINK_SCRIPT]
set -euo pipefail
here=$(dirname "$(realpath "$0")")
link_src=${1:-/work/shared/tools/lossylink.py}
work=$(mktemp -d)
sed -e 's/"lsA"/"h2lcA"/; s/"lsB"/"h2lcB"/; s/"tun" + side/"h2tun" + side/g; s/10\.77\.0\./10.79.0./g' \
  "$link_src" > "$work/link.py"
python3 "$work/link.py" --loss 0 --delay-ms 40 --seconds 60 > "$work/link.log" 2>&1 & link=$!
cleanup() { kill $link 2>/dev/null || true; kill ${srv:-} 2>/dev/null || true; ip netns del h2lcA 2>/dev/null || true; ip netns del h2lcB 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 50); do grep -q ready "$work/link.log" && break; sleep 0.1; done
export WHEN=$work/when
ip netns exec h2lcB python3 - <<'PY' & srv=$!
import os, socket, struct, threading, time
def listener(port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("10.79.0.2", port)); ls.listen(1)
    return ls
def half_close():
    c, _ = listener(7001).accept()
    while c.recv(4096):
        pass
    c.sendall(b"r" * 3000); c.close()
def reset():
    c, _ = listener(7002).accept()
    c.recv(100)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
def simultaneous():
    c, _ = listener(7003).accept()
    when = float(c.recv(100).decode())
    time.sleep(max(0.0, when - time.time())); c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
        pass
    c.close()
def simultaneous_open():
    while not os.path.exists(os.environ["WHEN"]):
        time.sleep(0.01)
    when = float(open(os.environ["WHEN"]).read())
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.79.0.2", 7200))
    time.sleep(max(0.0, when - time.time())); s.connect(("10.79.0.1", 7100))
    s.recv(10); s.close()
for f in (half_close, reset, simultaneous, simultaneous_open):
    threading.Thread(target=f).start()
time.sleep(30)
PY
sleep 1
scene() {
  ip netns exec h2lcA tcpdump -i h2tunA -w "$here/$1.pcap" -U tcp 2>/dev/null & td=$!
  sleep 1
  ip netns exec h2lcA python3 -c "$2"
  sleep 1; kill -INT $td; wait $td || true
}
scene half-close '
import socket
s = socket.create_connection(("10.79.0.2", 7001)); s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.shutdown(socket.SHUT_WR)
while s.recv(4096):
    pass
s.close()'
scene server-reset '
import socket, time
s = socket.create_connection(("10.79.0.2", 7002)); s.sendall(b"hello"); time.sleep(0.5); s.close()
try:
    socket.create_connection(("10.79.0.2", 7009), timeout=2)
except OSError:
    pass'
scene simultaneous-close '
import socket, time
s = socket.create_connection(("10.79.0.2", 7003)); when = time.time() + 0.3; s.sendall(str(when).encode())
time.sleep(max(0.0, when - time.time())); s.shutdown(socket.SHUT_WR)
while s.recv(4096):
    pass
s.close()'
scene simultaneous-open '
import os, socket, time
when = time.time() + 0.5
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.79.0.1", 7100))
open(os.environ["WHEN"] + ".tmp", "w").write(str(when)); os.rename(os.environ["WHEN"] + ".tmp", os.environ["WHEN"])
time.sleep(max(0.0, when - time.time())); s.connect(("10.79.0.2", 7200)); s.sendall(b"hi"); time.sleep(0.3); s.close()'
