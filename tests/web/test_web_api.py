"""tcpscope serve's JSON API over HTTP: its rows are the packet list's, its margin is
``Capture.related``'s, every bad request is a 4xx with a message, only the given or
uploaded captures are read, and every answer carries the security headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from compare import run_tcpscope
from web_server import request, serving, wait_ready

import tcpscope
from tcpscope.views.packet_list import PacketRow
from tcpscope.web.app import CSP, ROUTES
from tcpscope.web.openapi import openapi_document

#: One worker runs the web tests (under --dist loadgroup): one server a module, one browser.
pytestmark = pytest.mark.xdist_group("web")

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"
#: 655 frames of several HTTP connections side by side, and the example.
METHODS = CAPTURES / "zeek-http-methods.pcap"
HTTP_GET = CAPTURES / "http-get.pcap"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving([METHODS, HTTP_GET], max_upload=64 * 1024) as url:
        wait_ready(url, 0)
        wait_ready(url, 1)
        yield url


def _all_rows(base: str, display_filter: str = "", selected: int = 0) -> list[list[object]]:
    rows: list[list[object]] = []
    while True:
        status, page, _ = request(f"{base}/api/captures/0/rows?offset={len(rows)}&limit=250"
                                  f"&filter={display_filter}&selected={selected}")
        assert status == 200, page
        assert page["complete"]
        rows += page["rows"]
        if len(rows) >= page["total"]:
            assert len(rows) == page["total"]
            return rows


def test_rows_are_the_packet_list(base: str) -> None:
    """Every row, fetched a page at a time, is the line ``tcpscope list`` prints."""
    rows = _all_rows(base)
    lines = list(tcpscope.open(METHODS).lines())
    assert [PacketRow(*row[:7]).line() for row in rows] == lines  # type: ignore[arg-type]


def test_margin_is_capture_related(base: str) -> None:
    """With a frame selected, each row's trace and mark are those of ``Capture.related``,
    through a display filter too; a frame the filter hides is Wireshark's 404."""
    cap = tcpscope.open(METHODS)
    for selected, flt in ((5, ""), (20, ""), (5, "tcp.stream != 1 && !(frame.number in {10..12})")):
        shown = cap.filter(flt) if flt else cap
        margin = shown.related(selected)
        rows = _all_rows(base, quote(flt), selected)
        assert [row[0] for row in rows] == margin.number.tolist()
        assert [row[8] for row in rows] == margin.trace.tolist()
        assert [row[9] for row in rows] == margin.mark.tolist()
        assert {row[8] for row in rows} >= ({1, 2, 3, 4} if not flt else {1, 2})  # the line starts, goes on, ends
    status, body, _ = request(f"{base}/api/captures/0/rows?filter=frame.number%3E9&selected=4")
    assert (status, body) == (404, {"error": "Packet number 4 isn't displayed."})


BAD = [
    ("/api/captures/9/status", 404, "there is no capture 9"),
    ("/api/captures/0/frames/656", 404, "There is no packet number 656."),
    ("/api/captures/0/frames/0", 404, "There is no packet number 0."),
    ("/api/captures/0/frames/99999999999999999999", 404, "There is no packet number 99999999999999999999."),
    ("/api/captures/0/rows?limit=1001", 400, "limit must be from 1 to 1000"),
    ("/api/captures/0/rows?limit=0", 400, "limit must be an integer from 1"),
    ("/api/captures/0/rows?offset=-5", 400, "offset must be an integer from 0"),
    ("/api/captures/0/rows?offset=1e9", 400, "offset must be an integer from 0"),
    ("/api/captures/0/rows?selected=x", 400, "selected must be an integer from 0"),
    ("/api/captures/0/rows?filter=tcp.port%3D%3D", 400, "Unexpected end of filter expression."),
    ("/api/captures/0/rows?filter=" + "a" * 5000, 400, "filter is too long"),
    ("/api/captures/0/goto?frame=656", 404, "There is no packet number 656."),
    ("/api/captures/0/goto", 400, "frame is required"),
    ("/api/captures/0/streams/99", 404, "There is no tcp.stream 99 in this capture (it has tcp.stream 0 to 48)."),
    ("/api/captures/0/streams/99/flow.svg", 404, "There is no tcp.stream 99 in this capture (it has tcp.stream 0 to 48)."),
    ("/api/captures/0/streams/0/explain?lang=fr", 400, "lang must be one of en, zh"),
    ("/api/captures/0/conversations?limit=5000", 400, "offset must not be negative and limit must be from 1 to 1000"),
    ("/api/captures/0/../../../etc/passwd", 404, "Not Found"),
    ("/static/..%2f..%2fsession.py", 404, "Not Found"),
    ("/static/%2e%2e/app.py", 404, "Not Found"),
    ("/api/captures/0/frames/1?path=/etc/passwd", 200, None),
]


@pytest.mark.parametrize(("path", "status", "message"), BAD, ids=[p for p, _, _ in BAD])
def test_bad_requests_are_4xx_with_a_message(base: str, path: str, status: int, message: str | None) -> None:
    got, body, head = request(base + path)
    assert got == status, body
    if message is not None:
        assert head["content-type"] == "application/json"
        assert body["error"].split("\n")[0] == message


def test_uploads(base: str) -> None:
    """A capture uploaded is read and listed; garbage, an empty or too large body is a 4xx
    and leaves nothing behind; the name given is only a name."""
    data = HTTP_GET.read_bytes()
    status, body, _ = request(f"{base}/api/captures?name=../../etc/passwd", data=data, method="POST")
    assert status == 201, body
    assert body["name"] == "passwd"
    wait_ready(base, body["id"])
    _, page, _ = request(f"{base}/api/captures/{body['id']}/rows?limit=20")
    assert [PacketRow(*r[:7]).line() for r in page["rows"]] == list(tcpscope.open(HTTP_GET).lines())
    for payload, want in ((b"\x00garbage" * 100, 422), (b"", 400), (b"\xd4\xc3\xb2\xa1" + bytes(70000), 413)):
        status, body, _ = request(f"{base}/api/captures", data=payload, method="POST")
        assert status == want, body
        assert body["error"]
    _, listed, _ = request(f"{base}/api/captures")
    assert [c["name"] for c in listed["captures"]] == ["zeek-http-methods.pcap", "http-get.pcap", "passwd"]


def test_security_headers_and_hosts(base: str) -> None:
    for path in ("/", "/static/app.js", "/api/captures", "/api/captures/0/streams/0/flow.svg", "/nowhere"):
        _, _, head = request(base + path)
        assert head["content-security-policy"] == CSP
        assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
        assert head["x-content-type-options"] == "nosniff"
    status, _, _ = request(base + "/api/captures", headers={"Host": "attacker.example"})
    assert status == 400


def test_index_has_no_inline_script() -> None:
    from tcpscope.web.app import STATIC

    page = (STATIC / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*>", page) == ['<script type="module" src="/static/app.js">']
    assert "</script>" in page and not re.search(r"<script[^>]*>[^<]", page)
    assert " on" not in re.sub(r"\s+", " ", page).replace(" only", "")  # no onclick= and the like
    for script in STATIC.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "eval(" not in text, script.name


def test_openapi_describes_every_route(base: str) -> None:
    status, served, _ = request(base + "/api/openapi.json")
    assert status == 200 and served == openapi_document()
    routes = {re.sub(r":\w+}", "}", r.path) for r in ROUTES if r.path.startswith("/api/")}
    assert routes == set(served["paths"])


def test_rows_carry_tsharks_colouring_rule(base: str) -> None:
    """Each row's colouring rule, made a piece at a time, is the one tshark gives the frame
    (``frame.coloring_rule.name``, tests/golden/expected/*.colors.txt)."""
    from tcpscope.views.colors import colorfilters_path

    if colorfilters_path() is None:
        pytest.skip("Wireshark's colorfilters file is not installed")
    status, got, _ = request(base + "/api/colors")
    assert status == 200 and got["rules"]
    names = [r["name"] for r in got["rules"]]
    golden = CAPTURES.parent / "expected" / f"{METHODS.name}.colors.txt"
    assert [names[row[7]] if row[7] >= 0 else "" for row in _all_rows(base)] == \
        golden.read_text(encoding="utf-8").splitlines()


def test_stream_graphs(base: str) -> None:
    """The example's charts: the server sends the data; each of its segments' end is Seq +
    Len as the packet list prints them (frame 6: Seq=1 Len=185; frame 8: Seq=186 Len=90;
    its SYN/ACK and FIN end where they start), the client's ACKs are its Ack numbers, the
    throughput's intervals count 275 bytes, the RTTs are the ACKs' ack_rtt in ms."""
    status, g, _ = request(base + "/api/captures/1/streams/0/graphs")
    assert status == 200
    assert (g["sender"], g["receiver"]) == ("10.99.0.2:80", "10.99.0.1:60054")
    seq, ack, _edge = g["tseq"]["series"]
    frames = g["tseq"]["frames"]
    assert [(f, v) for f, v in zip(frames, seq, strict=True) if v is not None] == \
        [(2, 0), (5, 1), (6, 186), (8, 276), (11, 276)]
    assert [(f, v) for f, v in zip(frames, ack, strict=True) if v is not None] == \
        [(3, 1), (4, 1), (7, 186), (9, 276), (10, 276), (12, 277)]
    interval = [v for v, f in zip(g["throughput"]["series"][0], g["throughput"]["frames"], strict=True) if f == -1]
    assert sum(v * 0.001 for v in interval) == pytest.approx(275 * 8)  # 1 ms intervals (10 ms of data)
    rtt = dict(zip(g["rtt"]["frames"], g["rtt"]["series"][0], strict=True))
    assert rtt == pytest.approx({3: 0.021, 7: 0.049, 9: 0.008, 12: 0.013})
    assert request(base + "/api/captures/1/streams/7/graphs")[0] == 404


def test_details_tree_is_shows_tree(base: str) -> None:
    """A frame's tree is the tree ``tcpscope show`` prints (every frame displayed, MAC names), line for
    line at its depth, each node with its field, its bytes and its filter (frame 5 of the
    example: no payload)."""
    status, got, _ = request(base + "/api/captures/1/frames/5")
    assert status == 200
    lines: list[str] = []

    def walk(nodes: list[dict[str, object]], depth: int) -> None:
        for node in nodes:
            lines.append("    " * depth + str(node["label"]))
            walk(node["children"], depth + 1)  # type: ignore[arg-type]

    walk(got["tree"], 0)
    done = run_tcpscope("show", str(HTTP_GET))  # every frame shown, names too
    assert done.status == 0, done.stderr
    shown = done.stdout
    frame5 = shown[shown.index("Frame 5:"):shown.index("Frame 6:")]
    assert lines == frame5.rstrip("\n").split("\n")
    tcp = got["tree"][3]
    assert (tcp["key"], tcp["start"], tcp["length"], tcp["filter"]) == ("tcp", 34, 32, "tcp")
    port = tcp["children"][0]
    assert (port["key"], port["start"], port["length"], port["filter"]) == ("tcp.srcport", 34, 2, "tcp.srcport == 80")
