"""Write docs/flow.png: ``tcpscope flow examples/http-get.pcap --svg``, rendered by Debian's
chromium (headless, through Playwright) and cut to the picture. The states are drawn when
the field registry has ``tcpscope.state.client``/``.server``. Run from anywhere:
``python docs/make_flow_png.py`` (needs ``apt-get install chromium`` and the test extras)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from tcpscope.cli.main import main as tcpscope

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "flow.png"
CAPTURE = "examples/http-get.pcap"


def main() -> int:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        print("make_flow_png: chromium is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        svg = Path(tmp) / "flow.svg"
        os.chdir(ROOT)  # the picture's title is the capture's path as given
        if tcpscope(["flow", CAPTURE, "--svg", str(svg)]) != 0:
            return 2
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.set_content(svg.read_text(encoding="utf-8"))
            page.locator("svg").screenshot(path=str(OUT))
            browser.close()
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
