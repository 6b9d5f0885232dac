"""``tcpscope capture`` on real traffic, beside tcpdump on the same interface.

Two network namespaces joined by a veth pair (as /work/shared/tools/make-bench-capture.sh
builds them): a Python HTTP server in one, a client fetching a small page from the other;
tcpscope and tcpdump capture on the client's veth with the same filter at the same time.
The two files must hold the same frames, byte for byte and in the same order, with time
stamps within a millisecond, and ``tcpscope analyze`` must say the same of both. The
capture reads a TPACKET_V3 ring; a second one with ``TCPSCOPE_PACKET_RING=0`` reads the
socket a frame at a time (the fallback where the kernel refuses a ring), and must give
the same file but for the time stamps' slack. Needs
root, ``ip netns`` and tcpdump: skipped otherwise, with the reason.

The bad-input checks (no such interface, a filter libpcap refuses, no CAP_NET_RAW) need
only the privilege, not the namespaces.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcpscope.capture import read_records
from tcpscope.capture.bpf import CaptureFilterError, compile_filter

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
TCPSCOPE = [sys.executable, "-m", "tcpscope.cli.main"]
CAPTURE_FILTER = "tcp port 8000"
#: How far apart the two captures' time stamps of one frame may be (both read the
#: kernel's stamp of the same buffer: in practice they are equal)
TIME_SLACK_NS = 1_000_000
ETH_HEADER = 14
SLL2_HEADER = 20
#: sll_pkttype: a frame to this host, a frame this host sends
PACKET_HOST, PACKET_OUTGOING = 0, 4

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="live capture needs root (CAP_NET_RAW)")


def _run(*args: str, timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, env=ENV, timeout=timeout, check=False)


def _namespaces_usable() -> str | None:
    """Why the namespaces test cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    if shutil.which("ip") is None or shutil.which("tcpdump") is None:
        return "needs ip (iproute2) and tcpdump"
    probe = f"tsprobe{os.getpid()}"
    if _run("ip", "netns", "add", probe).returncode != 0:
        return "ip netns is not available (no permission to create namespaces)"
    _run("ip", "netns", "del", probe)
    return None


class _Net:
    """The two namespaces, their veth pair and addresses."""

    def __init__(self) -> None:
        tag = os.getpid() % 100000
        self.client, self.server = f"tsc{tag}a", f"tsc{tag}b"
        self.client_if, self.server_if = f"vtsc{tag}a", f"vtsc{tag}b"
        self.server_ip = "10.89.0.2"

    def up(self) -> None:
        steps = [
            ["ip", "netns", "add", self.client], ["ip", "netns", "add", self.server],
            ["ip", "link", "add", self.client_if, "type", "veth", "peer", "name", self.server_if],
            ["ip", "link", "set", self.client_if, "netns", self.client],
            ["ip", "link", "set", self.server_if, "netns", self.server],
            ["ip", "-n", self.client, "addr", "add", "10.89.0.1/24", "dev", self.client_if],
            ["ip", "-n", self.server, "addr", "add", f"{self.server_ip}/24", "dev", self.server_if],
            ["ip", "-n", self.client, "link", "set", self.client_if, "up"],
            ["ip", "-n", self.server, "link", "set", self.server_if, "up"],
            ["ip", "-n", self.server, "link", "set", "lo", "up"],
        ]
        for step in steps:
            done = _run(*step)
            assert done.returncode == 0, f"{' '.join(step)}: {done.stderr}"

    def down(self) -> None:
        _run("ip", "netns", "del", self.client)
        _run("ip", "netns", "del", self.server)

    def exec(self, ns: str, *args: str) -> list[str]:
        return ["ip", "netns", "exec", ns, *args]


@pytest.fixture
def net() -> Iterator[_Net]:
    reason = _namespaces_usable()
    if reason is not None:
        pytest.skip(reason)
    n = _Net()
    try:
        n.up()
        yield n
    finally:
        n.down()


def _wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 5.0) -> None:
    """Wait until ``proc`` has printed ``text`` on standard error (it is capturing)."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        if not select.select([proc.stderr], [], [], 0.1)[0]:
            continue
        line = proc.stderr.readline()
        seen += line
        if text in line:
            return
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"never printed {text!r}: {seen}")


def _frames(path: Path) -> list[tuple[bytes, int, int]]:
    """Each frame's captured bytes, length on the wire and time stamp."""
    rec = read_records(str(path))
    data = bytes(rec.data)
    return [(data[int(o):int(o) + int(c)], int(w), int(t))
            for o, c, w, t in zip(rec.offset, rec.caplen, rec.wirelen, rec.ts_ns, strict=True)]


def _analysis(path: Path) -> list[str]:
    """``tcpscope analyze``'s report, without the lines naming the file, its format and
    the first frame's time (compared frame by frame above)."""
    done = _run(*TCPSCOPE, "analyze", str(path))
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines()
            if path.name not in line and "pcap" not in line and not line.startswith("  time ")]


#: A duration in the report: seconds or milliseconds
_DURATION = re.compile(r"(\d+\.\d+) ?(s|ms)\b")


def _same_report(ours: list[str], theirs: list[str]) -> bool:
    """Whether two reports say the same: every word equal, but for durations, which may
    differ by the time stamps' slack (the kernel stamps a frame leaving the host for each
    packet socket on its own: the two captures' stamps of it differ by microseconds)."""
    assert len(ours) == len(theirs), (ours, theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert _DURATION.sub("T", a) == _DURATION.sub("T", b), (a, b)
        for x, y in zip(_DURATION.finditer(a), _DURATION.finditer(b), strict=True):
            scale = 1e-3 if x[2] == "ms" else 1.0
            assert x[2] == y[2] and abs(float(x[1]) - float(y[1])) * scale <= 2 * TIME_SLACK_NS / 1e9, (a, b)
    return True


def test_capture_equals_tcpdump(net: _Net, tmp_path: Path) -> None:
    ours, theirs, cooked = tmp_path / "tcpscope.pcapng", tmp_path / "tcpdump.pcap", tmp_path / "any.pcapng"
    plain = tmp_path / "plain.pcapng"
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("hello from the server\n" * 40)
    server = subprocess.Popen(net.exec(net.server, sys.executable, "-m", "http.server", "8000", "--bind",
                                       net.server_ip, "--directory", str(tmp_path / "www")),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    capture = subprocess.Popen(net.exec(net.client, *TCPSCOPE, "capture", "-i", net.client_if, "-f", CAPTURE_FILTER,
                                        "-w", str(ours)), stderr=subprocess.PIPE, text=True, env=ENV)
    by_frame = subprocess.Popen(net.exec(net.client, *TCPSCOPE, "capture", "-i", net.client_if, "-f",
                                         CAPTURE_FILTER, "-w", str(plain)),
                                stderr=subprocess.PIPE, text=True, env=dict(ENV, TCPSCOPE_PACKET_RING="0"))
    on_any = subprocess.Popen(net.exec(net.client, *TCPSCOPE, "capture", "-i", "any", "-f", CAPTURE_FILTER,
                                       "-w", str(cooked)), stderr=subprocess.PIPE, text=True, env=ENV)
    live = subprocess.Popen(net.exec(net.client, *TCPSCOPE, "live", "-i", net.client_if, "-f", CAPTURE_FILTER),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    tcpdump = subprocess.Popen(net.exec(net.client, "tcpdump", "-i", net.client_if, "--immediate-mode", "-U", "-w", str(theirs),
                                        "--time-stamp-precision", "nano", CAPTURE_FILTER),
                               stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(capture, "Capturing on")
        _wait_for(tcpdump, "listening on")
        _wait_for(live, "Capturing on")
        _wait_for(on_any, "Capturing on")
        _wait_for(by_frame, "Capturing on")
        for _ in range(3):  # curl retries while the server starts (a refused SYN is not captured twice)
            fetched = _run(*net.exec(net.client, "curl", "-s", "--retry", "20", "--retry-connrefused",
                                     "--retry-delay", "0", "--retry-max-time", "5",
                                     f"http://{net.server_ip}:8000/index.html"))
            assert fetched.returncode == 0 and fetched.stdout.startswith("hello"), fetched.stderr
        time.sleep(0.3)
    finally:
        procs = (capture, tcpdump, server, on_any, by_frame, live)
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        try:
            outs = [proc.communicate(timeout=10)[1] or "" for proc in procs[:5]]
            listed = live.communicate(timeout=10)[0]
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
    assert capture.returncode == 0, outs[0]
    report = outs[0].splitlines()
    ours_frames, theirs_frames = _frames(ours), _frames(theirs)
    assert len(ours_frames) >= 30, report  # three connections: handshake, request, response, close
    assert f"Packets captured: {len(ours_frames)}" in report
    assert any(line.startswith(f"Packets received/dropped on interface '{net.client_if}': {len(ours_frames)}/0 ")
               for line in report), report
    assert [(b, w) for b, w, _ in ours_frames] == [(b, w) for b, w, _ in theirs_frames]
    gaps = [abs(a[2] - b[2]) for a, b in zip(ours_frames, theirs_frames, strict=True)]
    assert max(gaps) <= TIME_SLACK_NS, gaps
    assert by_frame.returncode == 0, outs[4]
    plain_frames = _frames(plain)
    assert [(b, w) for b, w, _ in plain_frames] == [(b, w) for b, w, _ in theirs_frames]
    assert max(abs(a[2] - b[2]) for a, b in zip(plain_frames, theirs_frames, strict=True)) <= TIME_SLACK_NS
    assert _same_report(_analysis(ours), _analysis(theirs))
    assert on_any.returncode == 0, outs[3]
    ifindex = int(_run(*net.exec(net.client, "cat", f"/sys/class/net/{net.client_if}/ifindex")).stdout)
    assert [(b, w) for b, w, _ in _frames(cooked)] == _cooked(theirs_frames, ifindex)
    assert live.returncode == 0
    _same_list(listed, ours)


def _cooked(frames: list[tuple[bytes, int, int]], ifindex: int) -> list[tuple[bytes, int]]:
    """Ethernet frames as ``-i any`` captures them: in a Linux cooked v2 header (IPv4, the
    interface's index, ARPHRD_ETHER, sent to us or by us, the source's 6-byte address in
    8 bytes), the Ethernet header gone. The first frame, the client's SYN, is sent by us."""
    ours = frames[0][0][6:12]
    return [(struct.pack("!HHIHBB8s", 0x0800, 0, ifindex, 1, PACKET_OUTGOING if b[6:12] == ours else PACKET_HOST,
                         6, b[6:12]) + b[ETH_HEADER:], w - ETH_HEADER + SLL2_HEADER) for b, w, _ in frames]


def _same_list(listed: str, path: Path) -> None:
    """``tcpscope live``'s list is ``tcpscope list``'s of the file written at the same
    time: every line equal but for the time column, within the time stamps' slack."""
    done = _run(*TCPSCOPE, "list", str(path))
    assert done.returncode == 0, done.stderr
    ours, theirs = listed.splitlines(), done.stdout.splitlines()
    assert len(ours) == len(theirs) > 0, (ours, theirs)
    for a, b in zip(ours, theirs, strict=True):
        (na, ta, rest_a), (nb, tb, rest_b) = a.split(None, 2), b.split(None, 2)
        assert (na, rest_a) == (nb, rest_b)
        assert abs(float(ta) - float(tb)) <= 2 * TIME_SLACK_NS / 1e9, (a, b)


@needs_root
def test_ring_on_loopback() -> None:
    """On a kernel with packet sockets the capture reads a TPACKET_V3 ring; datagrams sent
    to the loopback interface come out of it once each (libpcap drops the copies the
    interface sends), with the kernel's nanosecond stamps, in order; the plain socket
    gives the same frames."""
    from tcpscope.capture.live import LiveCapture

    port = 40000 + os.getpid() % 20000
    got = {}
    for ring in (True, False):
        live = LiveCapture("lo", capture_filter=f"udp port {port}", ring=ring)
        try:
            assert (live.ring is not None) == ring
            before = time.time_ns()
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
                for size in (10, 200, 3000):
                    out.sendto(b"x" * size, ("127.0.0.1", port))
            frames = list(live.frames(count=3, duration_s=2.0))
        finally:
            live.close()
        assert [wire for _, _, wire in frames] == [14 + 20 + 8 + size for size in (10, 200, 3000)]
        assert [len(data) for _, data, _ in frames] == [wire for _, _, wire in frames]
        stamps = [stamp for stamp, _, _ in frames]
        assert before <= stamps[0] <= stamps[1] <= stamps[2] <= time.time_ns()
        got[ring] = [data[14 + 20 + 8:] for _, data, _ in frames]
    assert got[True] == got[False] == [b"x" * size for size in (10, 200, 3000)]


@needs_root
def test_full_ring_counts_drops() -> None:
    """Frames that come while every block of the ring is held are dropped by the kernel
    and counted: 6,000 datagrams of 2,000 bytes sent before the capture reads (twice
    that in frames on the loopback interface, 25 MB, the ring 16 MiB) leave many
    dropped; PACKET_STATISTICS counts them among the frames received."""
    from tcpscope.capture.live import LiveCapture

    port = 40000 + (os.getpid() + 1) % 20000
    live = LiveCapture("lo", capture_filter=f"udp port {port}")
    try:
        assert live.ring is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            for _ in range(6000):
                out.sendto(b"x" * 2000, ("127.0.0.1", port))
        read = sum(1 for _ in live.frames(duration_s=0.5))
        stats = live.statistics()
    finally:
        live.close()
    assert 0 < read < 6000
    assert stats.dropped > 0
    # each datagram is queued going out and coming back in, and libpcap keeps the second:
    # the ring kept both copies of each datagram read but perhaps the last one's
    assert 2 * read <= stats.received - stats.dropped <= 2 * read + 1


@needs_root
def test_missing_interface_is_one_line() -> None:
    done = _run(*TCPSCOPE, "capture", "-i", "nosuchif0", "-w", os.devnull)
    assert (done.returncode, done.stderr) == (
        2, "tcpscope: there is no interface named 'nosuchif0' (tcpscope capture -D lists them)\n")


@needs_root
def test_bad_filter_gets_libpcap_message() -> None:
    done = _run(*TCPSCOPE, "capture", "-i", "lo", "-f", "tcp prot 80", "-w", os.devnull)
    assert (done.returncode, done.stderr) == (
        2, 'tcpscope: invalid capture filter "tcp prot 80": can\'t parse filter expression: syntax error\n')


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="dropping CAP_NET_RAW needs root and setpriv")
def test_missing_privilege_names_it() -> None:
    done = _run("setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw", *TCPSCOPE,
                "capture", "-i", "lo", "-w", os.devnull)
    assert done.returncode == 2
    assert done.stderr.startswith("tcpscope: capturing needs CAP_NET_RAW (or root)"), done.stderr
    assert "setcap cap_net_raw" in done.stderr


def test_filter_compiles_as_tcpdump_compiles_it() -> None:
    """The program is libpcap's: ``tcpdump -ddd`` prints the same instructions."""
    if shutil.which("tcpdump") is None:
        pytest.skip("needs tcpdump")
    program = compile_filter(CAPTURE_FILTER, 1, 262144)
    listing = _run("tcpdump", "-ddd", "-y", "EN10MB", CAPTURE_FILTER).stdout.split()
    assert [int(v) for v in listing[1:]] == [v for insn in program.instructions() for v in insn]
    assert program.matches(b"\0" * 14, 14) is False
    with pytest.raises(CaptureFilterError, match="syntax error"):
        compile_filter("tcp prot 80", 1, 262144)


@needs_root
def test_full_disk_is_one_line() -> None:
    """A write that fails (``/dev/full``: no space left) is one line and exit status 2."""
    done = _run(*TCPSCOPE, "capture", "-i", "lo", "-a", "duration:0.1", "-w", "/dev/full")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == "tcpscope: cannot write /dev/full: No space left on device"


@needs_root
def test_live_refuses_bad_display_filter_before_capturing() -> None:
    done = _run(*TCPSCOPE, "live", "-i", "lo", "-Y", "tcp.port ==")
    assert (done.returncode, done.stderr) == (2, "tcpscope: Unexpected end of filter expression.\n")
