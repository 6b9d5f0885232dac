"""The page in a real browser: Debian's chromium, headless, driven by Playwright.

One server for the module (the 655-frame HTTP capture with connections side by side, the
example, and the capture of markup and script from ``xss_capture``), one browser page.
The related-packet margin is checked against ``Capture.related`` (what ``tcpscope list
--select`` draws), the filter bar against the server's checker, and the hostile capture for
text only: nothing it carries runs, no element it names is made.

``TCPSCOPE_SCREENSHOTS=docs`` saves the screenshots the README shows into that folder.
Skipped where Playwright or chromium is missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_server import serving, wait_ready
from xss_capture import MARKUP, write_xss_capture

import tcpscope

#: One worker runs the web tests (under --dist loadgroup): one server a module, one browser.
pytestmark = pytest.mark.xdist_group("web")

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"
METHODS = CAPTURES / "zeek-http-methods.pcap"
HTTP_GET = CAPTURES / "http-get.pcap"
SHOTS = os.environ.get("TCPSCOPE_SCREENSHOTS")



@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    xss = write_xss_capture(tmp_path_factory.mktemp("xss") / "xss-http.pcap")
    with serving([METHODS, HTTP_GET, xss]) as url:
        for capture in range(3):
            wait_ready(url, capture)
        yield url


@pytest.fixture(scope="module")
def page(site: str, browser: Any) -> Iterator[Any]:
    tab = browser.new_page(viewport={"width": 1400, "height": 900})
    tab.problems = []
    tab.on("dialog", lambda d: (tab.problems.append(f"dialog {d.message}"), d.dismiss()))
    tab.on("pageerror", lambda e: tab.problems.append(f"error {e}"))
    tab.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
           and tab.problems.append(f"console {m.text}"))  # (a 4xx the page shows is no problem)
    tab.goto(site)
    yield tab
    tab.close()


def _until(page: Any, expression: str, timeout: float = 20.0) -> None:
    """Wait until ``expression`` is true in the page: polled from here, since the page's
    policy forbids the string evaluation Playwright's own waiting uses in the page."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true in time: {expression} (status: {page.text_content('#status')})"
        page.wait_for_timeout(40)


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"serve-{name}.png"))


def _open(page: Any, capture: int) -> None:
    page.select_option("#capture-choice", str(capture))
    page.wait_for_selector(f"#list-rows[data-capture='{capture}'] .row[data-frame='1']")


def _select(page: Any, frame: int) -> None:
    page.click(f"#list-rows .row[data-frame='{frame}']")
    _until(page, f"document.querySelector(\"#list-rows .row.selected\")?.dataset.frame === '{frame}'")


def _margin(path: Path, frame: int) -> dict[int, tuple[str, str]]:
    """Each frame's (trace, mark) with ``frame`` selected, as ``Capture.related`` gives
    them (``tcpscope list --select`` draws the same; tests/views/test_related checks them)."""
    margin = tcpscope.open(path).related(frame)
    traces = ["", "first", "member", "bypass", "last"]
    marks = {-1: "", 0: "link", 1: "request", 2: "response", 3: "ack", 4: "dup-ack", 5: "retrans-prev",
             6: "retrans-next"}
    return {n: (traces[t], marks[m]) for n, t, m in zip(margin.number.tolist(), margin.trace.tolist(),
                                                        margin.mark.tolist(), strict=True)}


def _page_margin(page: Any) -> dict[int, tuple[str, str]]:
    rows = page.eval_on_selector_all("#list-rows .row:not([hidden])",
                                     "rs => rs.map(r => [r.dataset.frame, r.dataset.trace, r.dataset.mark])")
    return {int(f): (t, m) for f, t, m in rows if f}


def _margin_settled(page: Any, frame: int, want: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """The page's margin once it shows ``frame`` selected with its marks (pages come async)."""
    got: dict[int, tuple[str, str]] = {}
    for _ in range(100):
        got = _page_margin(page)
        if got and all(want[f] == v for f, v in got.items()):
            return got
        page.wait_for_timeout(50)
    return got


def test_list_margin_and_keys(page: Any) -> None:
    """Selecting a frame draws its conversation line and marks on the rows
    ``Capture.related`` puts them on; the keys move the selection and the margin with it."""
    _open(page, 0)
    _select(page, 5)
    want = _margin(METHODS, 5)
    got = _margin_settled(page, 5, want)
    assert got == {f: want[f] for f in got} and len(got) > 15
    assert {"first", "member", "bypass", "last"} <= {t for t, _ in got.values()} and ("member", "ack") in got.values()
    colours = page.eval_on_selector_all(  # Wireshark's HTTP rule (tcp.port == 80 too): light green
        "#list-rows .row:not(.selected)", "rs => rs.map(r => [r.dataset.rule, getComputedStyle(r).backgroundColor])")
    assert dict(colours) == {"HTTP": "rgb(228, 255, 199)"}
    _shot(page, "list")
    page.focus("#list")
    for _ in range(15):
        page.keyboard.press("ArrowDown")
    _until(page, "document.querySelector('#list-rows .row.selected')?.dataset.frame === '20'")
    want = _margin(METHODS, 20)
    got = _margin_settled(page, 20, want)
    assert got == {f: want[f] for f in got} and got[20][0] == "first"
    page.keyboard.press("End")
    _until(page, "document.querySelector('#list-rows .row.selected')?.dataset.frame === '655'")
    page.keyboard.press("Home")
    _until(page, "document.querySelector('#list-rows .row.selected')?.dataset.frame === '1'")
    page.keyboard.press("PageDown")
    shown = page.evaluate("Math.ceil(document.getElementById('list').clientHeight / 20)")  # a page: one row less
    _until(page, f"document.querySelector('#list-rows .row.selected')?.dataset.frame === '{shown}'")
    page.keyboard.press("Control+g")
    page.fill("#goto", "300")
    page.press("#goto", "Enter")
    _until(page, "document.querySelector('#list-rows .row.selected')?.dataset.frame === '300'")


def test_filter_bar(page: Any) -> None:
    """Green for a good filter, red with tshark's message and caret for a bad one; applying
    shows the frames the filter selects and remembers it."""
    _open(page, 0)
    page.fill("#filter", "tcp.foo == 1")
    page.wait_for_selector("#filter.bad")
    with pytest.raises(tcpscope.FilterError) as tshark_says:  # tshark's words (tests/filter compares them)
        tcpscope.open(HTTP_GET).filter("tcp.foo == 1")
    message, text, caret = str(tshark_says.value).split("\n")
    assert page.text_content("#filter-error") == message
    assert page.text_content("#filter-caret") == f"{text[4:]}\n{caret[4:]}" == "tcp.foo == 1\n^~~~~~~"
    _shot(page, "filter")
    page.fill("#filter", "tcp.flags.syn == 1")
    page.wait_for_selector("#filter.good")
    assert page.is_hidden("#filter-message")
    page.press("#filter", "Enter")
    want = len(tcpscope.open(METHODS).filter("tcp.flags.syn == 1"))
    _until(page, f"document.getElementById('status').textContent === 'Displayed: {want}'")
    infos = page.eval_on_selector_all("#list-rows .row:not([hidden]) .c-info", "cs => cs.map(c => c.textContent)")
    assert len(infos) > 10 and all("[SYN" in info for info in infos)
    assert "tcp.flags.syn == 1" in page.eval_on_selector_all("#filter-history option", "os => os.map(o => o.value)")
    page.click("#filter-clear")
    _until(page, "document.getElementById('status').textContent === 'Packets: 655'")


def test_connection_tabs(page: Any) -> None:
    """For the selected frame's connection: Zeek's state, the flow graph, Follow TCP Stream
    and the explanation, switched to Chinese."""
    _open(page, 1)
    _select(page, 4)
    (zeek,) = tcpscope.open(HTTP_GET).conversations.rows()  # as tests/views/test_zeek checks them against Zeek
    # the tab still shows the connection the test before selected until this one's row comes
    _until(page, f"document.querySelector(\"#tab-conn dd[data-key='Client']\")?.textContent === '{zeek['client']}'")
    assert page.text_content("#tab-conn dd[data-key='Zeek conn_state']") == zeek["conn_state"] == "SF"
    assert page.text_content("#tab-conn dd[data-key='Zeek history']") == zeek["history"]
    _until(page, "document.getElementById('tree').textContent.includes('Frame 4: 149 bytes on wire')")
    assert page.text_content("#bytes").startswith("0000  5e ff 5e 78")
    port = page.locator("#tree .item[data-key='tcp.srcport']")  # the field's name on hover, its bytes on a click
    assert port.get_attribute("title") == "tcp.srcport  (right click: tcp.srcport == 60054)"
    page.locator("#tree summary[data-key='tcp']").click()
    port.click()
    assert page.eval_on_selector_all("#bytes .hl", "hs => hs.map(h => h.textContent).filter(t => t)") == ["ea 96", ".."]
    _shot(page, "main")
    page.click("#tabs button[data-tab='flow']")
    _until(page, "document.getElementById('flow-image')?.complete && "
                           "document.getElementById('flow-image').naturalWidth > 300")
    _shot(page, "flow")
    page.locator("#flow-image").click(position={"x": 330, "y": 120.8 + 4 * 40})  # frame 6's arrow, 4 rows under 2's
    _until(page, "document.querySelector('#list-rows .row.selected')?.dataset.frame === '6'")
    _select(page, 4)
    page.click("#tabs button[data-tab='follow']")
    page.wait_for_selector("#tab-follow pre.follow span.node1")
    text = page.text_content("#tab-follow pre.follow")
    assert text.startswith("GET /index.html HTTP/1.1\r\nHost: 10.99.0.2\r\n")
    assert "<p>Hello from tcpscope.</p>" in text
    _shot(page, "follow")
    page.click("#tabs button[data-tab='graphs']")
    page.wait_for_selector("#tab-graphs .graph:nth-child(5) canvas")
    assert page.eval_on_selector_all("#tab-graphs .graph-title", "ts => ts.length") == 4
    box = page.locator("#tab-graphs .graph").first.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.97, box["y"] + box["height"] / 2)  # the last points: frames 8-12
    _until(page, "document.querySelector('#tab-graphs .graph').dataset.frame !== ''")
    pointed = page.eval_on_selector("#tab-graphs .graph", "g => g.dataset.frame")
    page.mouse.click(box["x"] + box["width"] * 0.97, box["y"] + box["height"] / 2)
    _until(page, f"document.querySelector('#list-rows .row.selected')?.dataset.frame === '{pointed}'")
    _shot(page, "graphs")
    _select(page, 4)
    page.click("#tabs button[data-tab='explain']")
    page.wait_for_selector("#explain-text p")
    assert "Opening (three-way handshake):" in page.text_content("#explain-text")
    page.click("button.lang[data-lang='zh']")
    _until(page, "document.getElementById('explain-text').textContent.includes('建立连接（三次握手）')")
    _shot(page, "explain")
    page.locator("#tree summary[data-key='tcp']").click()
    page.locator("#tree .item[data-key='tcp.len']").click(button="right")  # Apply as Filter
    _until(page, "document.getElementById('filter').value === 'tcp.len == 83'")
    _until(page, "document.getElementById('status').textContent === 'Displayed: 1'")
    page.click("#filter-clear")


def test_conversations_and_expert_filter(page: Any) -> None:
    """A click on a conversation or an expert finding filters the list to its frames."""
    _open(page, 0)
    cap = tcpscope.open(METHODS)
    page.click("#tabs button[data-tab='convs']")
    page.wait_for_selector("#tab-convs tbody tr")
    _shot(page, "conversations")
    page.click("#tab-convs tbody tr:nth-child(2)")
    flt = page.input_value("#filter")
    assert flt.startswith("tcp.stream == ")
    _until(page, f"document.getElementById('status').textContent === 'Displayed: {len(cap.filter(flt))}'")
    page.click("#tabs button[data-tab='expert']")
    page.wait_for_selector("#tab-expert tbody tr")
    page.click("#tab-expert tbody tr:first-child")
    flt = page.input_value("#filter")
    assert flt.startswith("_ws.expert.message == ")
    _until(page, f"document.getElementById('status').textContent === 'Displayed: {len(cap.filter(flt))}'")
    page.click("#filter-clear")


def test_hostile_capture_shows_text_only(page: Any) -> None:
    """Markup, script and javascript: URIs from the capture are shown as they are and run
    nothing: no dialog, no error, no element they name, ``window.xss`` never set."""
    _open(page, 2)
    page.wait_for_selector("#list-rows .row[data-frame='4']")
    shown = page.eval_on_selector_all("#list-rows .row", "rs => rs.filter(r => r.offsetHeight).map(r => r.dataset.frame)")
    assert shown == [str(n) for n in range(1, 9)]  # its 8 frames, no row left of the list before
    assert page.text_content("#list-rows .row[data-frame='4'] .c-info") == \
        "GET /search?q=<script>window.xss=1</script> HTTP/1.1 "
    _select(page, 4)
    _until(page, "document.getElementById('tree').textContent.includes('Frame 4')")
    page.click("#tabs button[data-tab='follow']")
    # the tab shows the stream the test before followed until this one's comes
    _until(page, "document.querySelector('#tab-follow pre.follow')?.textContent.includes('GET /search?q=')")
    shown = page.text_content("#tab-follow")
    for text in MARKUP:
        assert text in shown
    _shot(page, "xss")
    assert page.evaluate("window.xss") is None
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    made = page.evaluate("[...document.querySelectorAll('img, a, b, iframe, object, embed')].map(e => e.id)")
    assert made in ([], ["flow-image"])  # the page's own flow graph, if its tab was shown
    assert page.problems == []
