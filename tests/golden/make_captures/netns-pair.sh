# Sourced by the record-*.sh scripts: two network namespaces joined by a veth pair.
# netns_pair A B: namespaces A and B, interface vA in A and vB in B, both up with their
# loopback, checksum and segmentation offloads off (so the capture shows the segments
# the kernel sends, MTU-sized, with real checksums). The caller adds the addresses. On
# exit the namespaces are deleted, the process in $srv killed and the folder $work
# removed, when the script set them.
netns_pair() {
  local a=$1 b=$2 ns
  trap "kill \"\${srv:-}\" 2>/dev/null || true; ip netns del $a 2>/dev/null || true; ip netns del $b 2>/dev/null || true; [ -z \"\${work:-}\" ] || rm -rf \"\$work\"" EXIT
  ip netns add "$a"; ip netns add "$b"
  ip link add "v$a" type veth peer name "v$b"
  ip link set "v$a" netns "$a"; ip link set "v$b" netns "$b"
  for ns in "$a" "$b"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "v$ns" up
    ip netns exec "$ns" ethtool -K "v$ns" tso off gso off gro off tx off rx off sg off >/dev/null 2>&1 || true
  done
}
