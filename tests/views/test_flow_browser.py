"""The flow graph's pictures, rendered by a real browser: Debian's chromium, headless,
driven by Playwright (the system's browser: Playwright downloads none here).

Each test loads the SVG or the HTML page as the file holds it, then reads the page back:
the items, arrows and labels the browser built from it, the texts as the browser shows
them (the capture's texts are text, never markup), that nothing was fetched from
elsewhere, and the screenshot itself, decoded by the browser, for ink of the arrows'
colours. Skipped where Playwright or chromium is missing.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from compare import CAPTURES, run_cli
from flow_stand_ins import ODD_STATE, STAND_INS, without_states

from tcpscope.analysis import analyze
from tcpscope.capture import read_records
from tcpscope.dissect.pipeline import dissect
from tcpscope.views.flow import FlowGraph, FlowItems, item_label
from tcpscope.views.flow_svg import render_svg

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium")
#: Container-friendly flags: no sandbox (root), no GPU, no /dev/shm.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1200, "height": 800})
        browser.close()


def _items(name: str) -> FlowItems:
    graph = FlowGraph(states=STAND_INS)
    graph.add(analyze(dissect(read_records(CAPTURES / name))))
    return graph.result()


#: Draws a PNG (a data URL) onto a canvas and counts its pixels: all, not white, and of
#: each arrow colour (within a small distance, for antialiasing).
_INK = """async (url) => {
  const img = new Image(); img.src = url; await img.decode();
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const want = {syn: [46, 125, 50], fin: [21, 101, 192], data: [33, 33, 33]};
  const out = {all: c.width * c.height, ink: 0, syn: 0, fin: 0, data: 0};
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) out.ink++;
    for (const [k, [r, gg, b]] of Object.entries(want))
      if (Math.abs(d[i] - r) < 12 && Math.abs(d[i + 1] - gg) < 12 && Math.abs(d[i + 2] - b) < 12) out[k]++;
  }
  return out;
}"""


def _ink(page: Any, png: bytes) -> dict[str, int]:
    page.set_content("<!DOCTYPE html><title>ink</title>")
    return dict(page.evaluate(_INK, "data:image/png;base64," + base64.b64encode(png).decode()))


def test_svg_draws_an_arrow_and_a_label_per_segment(page: Any) -> None:
    items = _items("http-get.pcap")
    page.set_content(render_svg(items, "http-get.pcap"))
    assert page.locator("g.item").count() == len(items) == 12
    assert page.locator("path.arrow").count() == 12
    labels = page.locator("text.label").all_text_contents()
    assert labels == [item_label(f, a, n) for f, a, n in zip(items.flags.tolist(), items.use_ace.tolist(),
                                                             items.seglen.tolist(), strict=True)]
    assert labels[3] == "PSH, ACK - Len: 83"
    assert page.locator("text.node").all_text_contents() == ["10.99.0.1", "10.99.0.2"]
    assert page.locator("text.comment").all_text_contents()[1] == "Seq = 0 Ack = 1"
    states = page.locator("text.state").all_text_contents()
    assert states[:3] == ["client SYN-SENT, server ESTABLISHED", "server SYN-RECEIVED",
                          "client ESTABLISHED, server ESTABLISHED"]
    # the capture's text is shown as it is, and makes no element
    assert f"client {ODD_STATE}, server {ODD_STATE}" in states
    assert page.locator("odd").count() == 0


def test_screenshot_shows_the_arrows(page: Any) -> None:
    """The screenshot is not blank: it has ink, and pixels of the SYN, FIN and data
    arrows' colours."""
    items = _items("http-get.pcap")
    page.set_content(render_svg(items, "http-get.pcap"))
    ink = _ink(page, page.locator("svg").screenshot())
    assert ink["ink"] > ink["all"] // 100
    assert min(ink["syn"], ink["fin"], ink["data"]) > 50
    page.set_content("<!DOCTYPE html><title>blank</title><svg width='600' height='400'></svg>")
    assert _ink(page, page.locator("svg").screenshot())["ink"] == 0  # (the check can fail)


def test_html_page_from_the_command_line(page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--html`` writes a page that fetches nothing, with the graph and the states; no
    text goes to standard output."""
    from tcpscope.views import columns

    reg = without_states(*STAND_INS)
    monkeypatch.setattr(columns, "full_registry", lambda: reg)
    out = tmp_path / "flow.html"
    assert run_cli("flow", str(CAPTURES / "own-port-reuse.pcap"), "--html", str(out)) == ""
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.set_content(out.read_text(encoding="utf-8"))
    assert fetched == []
    text = run_cli("flow", str(CAPTURES / "own-port-reuse.pcap")).splitlines()
    assert page.locator("path.arrow").count() == len(_items("own-port-reuse.pcap")) == 36
    assert page.locator("line.separator").count() == sum(line.startswith("---") for line in text) == 2
    assert "own-port-reuse.pcap" in page.locator("h1").inner_text()
    assert page.locator("text.state").count() > 0


def test_every_address_has_a_column_and_a_host_to_itself_loops(page: Any, tmp_path: Path) -> None:
    """The picture draws all 45 addresses (the text stops at 40), and a segment from an
    address to itself as a loop back to its column."""
    from tcp_craft import ACK, NS, SYN, Frame, tcp4, write_pcap

    t0 = 1_700_000_000 * NS
    frames = [Frame(t0 + i * NS, tcp4(f"10.0.0.{i + 1}", "10.9.9.9", 40000 + i, 80, flags=SYN)) for i in range(43)]
    frames.append(Frame(t0 + 50 * NS, tcp4("127.0.0.1", "127.0.0.1", 5000, 5001, flags=SYN | ACK)))
    path = write_pcap(tmp_path / "many.pcap", frames)
    graph = FlowGraph()
    graph.add(analyze(dissect(read_records(path))))
    page.set_content(render_svg(graph.result(), "many"))
    assert page.locator("text.node").count() == 45
    assert page.locator("path.arrow").count() == 44
    loops = [d for d in (page.locator("path.arrow").nth(i).get_attribute("d") for i in range(44)) if d and " h" in d]
    assert len(loops) == 1
