"""``tcpscope serve`` on the bench capture: how soon the list shows, how fast a page comes.

    python bench/serve.py [--pages N]

Starts ``tcpscope serve`` on the bench capture (``common.capture()``) in a fresh process
and, from outside it, over HTTP as the page does:

* time to the first rows: from the process's start to the first answer of
  ``/rows?limit=100`` holding rows (the list is read a piece at a time);
* time until the whole list is made and the capture analysed (``/status``);
* a page of 200 rows at ``--pages`` random offsets: without a selection, with a frame
  selected (the related-packet margin over every row) and through a display filter,
  median and slowest; Go to packet; the details of one frame;
* the server's memory: resident now and its peak (``VmRSS``, ``VmHWM``);
* in Debian's chromium (when Playwright and it are installed), the page's scrolling: the
  list jumped to 20 random places (as dragging the scroll bar does), the time until every
  row in view is drawn, and End (the last frame selected and shown).

The page's scrolling asks for a page of rows when it shows rows it does not hold, so a
page's time is the wait a fast scroll sees. Results go to ``bench/results/serve-*.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from common import capture, env, save, tcpscope_cmd, warm


def _get(url: str) -> tuple[float, Any]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        body = json.loads(response.read())
    return time.perf_counter() - start, body


def _memory(pid: int) -> dict[str, int]:
    """The process's resident and peak resident memory, MiB."""
    got = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            got[key] = int(value.split()[0]) // 1024
    return got


#: In the page: jump the list to each fraction of its height and time until every row in
#: view holds its frame (animation frames, so the time includes drawing).
_SCROLL = """async (fractions) => {
  const list = document.getElementById('list');
  const frame = () => new Promise((done) => requestAnimationFrame(done));
  const out = [];
  for (const f of fractions) {
    const start = performance.now();
    list.scrollTop = (list.scrollHeight - list.clientHeight) * f;
    await frame();
    while (document.querySelector('#list-rows .row.loading:not([hidden])')) await frame();
    out.push(performance.now() - start);
  }
  return out;
}"""


def _browser(url: str, total: int) -> dict[str, Any] | None:
    """The page's scrolling times on the capture (module docstring), or None without a browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").exists():
        return None
    rng = random.Random(11)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_selector("#list-rows .row[data-frame='1']")
        jumps = page.evaluate(_SCROLL, [rng.random() for _ in range(20)])
        page.focus("#list")
        start = time.perf_counter()
        page.keyboard.press("End")
        page.wait_for_selector(f"#list-rows .row.selected[data-frame='{total}']")
        end = time.perf_counter() - start
        browser.close()
    return {"jump_ms": _times([j / 1000 for j in jumps]), "end_key_ms": round(end * 1000, 1)}


def _times(seconds: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(seconds) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=30)
    args = ap.parse_args(argv)
    cap = capture()
    warm(cap)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/api/captures/0"
    start = time.perf_counter()
    server = subprocess.Popen(tcpscope_cmd("serve", str(cap), "--port", str(port)), env=env(),
                              stdout=subprocess.DEVNULL)
    try:
        first = None
        while first is None:
            try:
                _, page = _get(f"{base}/rows?limit=100")
                if page["rows"]:
                    first = time.perf_counter() - start
            except OSError:
                pass
            time.sleep(0.02)
        while True:
            _, status = _get(f"{base}/status")
            if status["listed"] and status["analysed"]:
                break
            time.sleep(0.2)
        ready = time.perf_counter() - start
        total = status["total"]
        rng = random.Random(7)
        offsets = [rng.randrange(0, total - 200) for _ in range(args.pages)]
        plain = [_get(f"{base}/rows?offset={o}&limit=200")[0] for o in offsets]
        selected = rng.randrange(1, total)
        margin = [_get(f"{base}/rows?offset={o}&limit=200&selected={selected}")[0] for o in offsets]
        flt = "tcp.analysis.flags"
        filter_first, page = _get(f"{base}/rows?limit=200&filter={flt}")
        shown = page["total"]
        filtered = [_get(f"{base}/rows?offset={rng.randrange(0, max(1, shown - 200))}&limit=200&filter={flt}")[0]
                    for _ in range(args.pages)]
        goto, _ = _get(f"{base}/goto?frame={selected}")
        picked = [rng.randrange(1, total) for _ in range(3)]
        details = [_get(f"{base}/frames/{f}")[0] for f in picked]
        # the next frame in the same block of 256 (table rows f - 1 and f), made with the last
        neighbour = _get(f"{base}/frames/{picked[-1] + 1 if picked[-1] % 256 else picked[-1] - 1}")[0]
        browser = _browser(f"http://127.0.0.1:{port}/", total)
        memory = _memory(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    result = {
        "capture": str(cap), "frames": total,
        "first_rows_s": round(first, 2), "ready_s": round(ready, 2),
        "page_200": _times(plain), "page_200_selected": _times(margin),
        "filter": flt, "filter_frames": shown, "filter_first_page_s": round(filter_first, 2),
        "page_200_filtered": _times(filtered), "goto_ms": round(goto * 1000, 1), "frame_details": _times(details),
        "frame_details_neighbour_ms": round(neighbour * 1000, 1), "browser": browser,
        "memory_mib": memory,
    }
    print(json.dumps(result, indent=2))
    print(f"saved {save('serve', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
