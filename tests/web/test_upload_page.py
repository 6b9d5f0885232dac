"""``tcpscope serve`` without a file: the page asks for a capture, takes one by upload
(the server's size limit shown and kept) and lists it; a file that is not a capture is
the reader's message on the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_server import serving

#: One worker runs the web tests (under --dist loadgroup): one server a module, one browser.
pytestmark = pytest.mark.xdist_group("web")

CAPTURES = Path(__file__).resolve().parents[1] / "golden" / "captures"


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    with serving([], max_upload=64 * 1024) as url:
        tab = browser.new_page(viewport={"width": 1200, "height": 800})
        tab.goto(url)
        yield tab
        tab.close()


def test_upload_a_capture(page: Any, tmp_path: Path) -> None:
    page.wait_for_selector("#upload-page:not([hidden])")
    assert page.text_content("#upload-limit") == "64 KiB"
    big = tmp_path / "big.pcap"
    big.write_bytes(bytes(65 * 1024))
    page.set_input_files("#upload-main", str(big))
    page.wait_for_selector("#upload-error:text-matches('larger than 64 KiB')")
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"no capture here " * 8)
    page.set_input_files("#upload-main", str(junk))
    page.wait_for_selector("#upload-error:text-matches('capture file')")
    assert page.is_visible("#upload-page")
    page.set_input_files("#upload-main", str(CAPTURES / "http-get.pcap"))
    page.wait_for_selector("#list-rows[data-capture='0'] .row[data-frame='12']")
    assert page.is_hidden("#upload-page")
    assert page.eval_on_selector_all("#capture-choice option", "os => os.map(o => o.textContent)") == ["http-get.pcap"]
