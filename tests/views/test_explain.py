"""``tcpscope explain`` (``tcpscope.views.explain``): golden accounts in both languages,
written from the captures' facts (golden_explain/README.md), an account for every
connection of every test capture, and the two message tables kept in step."""

from __future__ import annotations

import io
import string
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from compare import capture_files
from make_golden_explain import EXPLAINED, GOLDEN, account

import tcpscope
from tcpscope.cli.explain import language
from tcpscope.cli.main import main
from tcpscope.errors import TcpscopeError
from tcpscope.views.explain import ExplainFeed, explain_lines
from tcpscope.views.messages import CATALOGS, LANGUAGES

CAPTURES = Path(__file__).resolve().parents[2] / "tests" / "golden" / "captures"


def _run(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        status = main(list(args))
    return out.getvalue(), status


def test_every_golden_has_its_capture_and_its_reasoning() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.txt")) == sorted(
        f"{name}.{lang}.txt" for name in EXPLAINED for lang in LANGUAGES)
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    for name, g in EXPLAINED.items():
        assert f"## {name}: {' '.join([g.capture.name, *g.args])}\n" in readme


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_account_is_the_golden(name: str, lang: str) -> None:
    out, status = account(name, lang)
    assert status == 0
    assert out == (GOLDEN / f"{name}.{lang}.txt").read_text(encoding="utf-8")


def test_the_locale_chooses_the_language() -> None:
    assert language(None, {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert language(None, {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert language(None, {}) == "en"
    assert language("en", {"LANG": "zh_CN.UTF-8"}) == "en"


def test_analyze_explain_adds_the_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report, then the accounts of every connection (the same as explain's)."""
    monkeypatch.chdir(CAPTURES)
    report, _ = _run("analyze", "http-eth.pcap")
    both, status = _run("analyze", "http-eth.pcap", "--explain", "--lang", "zh")
    assert status == 0
    assert both == report + "\n逐步讲解\n\n" + (GOLDEN / "http-eth.zh.txt").read_text(encoding="utf-8")


def test_no_such_connection_is_an_error() -> None:
    """A stream the capture does not have, and -Y on a pipe (read twice): status 2."""
    assert _run("explain", str(CAPTURES / "http-eth.pcap"), "--stream", "9") == ("", 2)
    assert _run("explain", "-", "-Y", "tcp") == ("", 2)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_is_in_every_table_with_the_same_placeholders() -> None:
    en = CATALOGS["en"]
    for lang in LANGUAGES:
        table = CATALOGS[lang]
        assert table.keys() == en.keys(), lang
        for key, text in table.items():
            assert _placeholders(text) == _placeholders(en[key]), (lang, key)


@pytest.mark.parametrize("cap", capture_files(), ids=lambda p: p.name)
def test_every_connection_is_explained_in_both_languages(cap: Path) -> None:
    """Every connection of every test capture gets an account in each language, with no
    exception, whose title names it."""
    try:
        table = tcpscope.open(cap).table
    except TcpscopeError:
        pytest.skip("not a readable capture")
    tcp = table.layer("tcp")
    if len(tcp) == 0 or "stream" not in tcp.cols:
        pytest.skip("no TCP")
    streams = np.unique(np.asarray(tcp.cols["stream"], dtype=np.int64))
    streams = streams[streams >= 0]
    feed = ExplainFeed(streams)
    feed.add(table)
    assert feed.explained() == streams.tolist()
    for lang in LANGUAGES:
        lines = explain_lines(feed, lang)
        titles = [line for line in lines if line.startswith(CATALOGS[lang]["title"].split("{")[0])]
        assert len(titles) == streams.shape[0]


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_account_in_pieces_of_three_frames_is_the_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read a few frames at a time, the kept segments and the sums carry from piece to piece
    (pieces of 3 frames; of 101 on the 3,845 frames of lossy-seed7, where pieces of 3 take
    18 s: still 39 pieces, the handshake, the data and the close in different ones)."""
    from tcpscope.pipeline import stream

    frames = 101 if name == "lossy-seed7" else 3
    monkeypatch.setattr(stream, "PIECE_FRAMES", frames)
    monkeypatch.setattr(stream, "PIECE_FRAMES_ANALYSED", frames)
    assert account(name, "en")[0] == (GOLDEN / f"{name}.en.txt").read_text(encoding="utf-8")


def test_analyze_explain_with_a_filter_explains_the_connections_it_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CAPTURES)
    out, _ = _run("analyze", "http-eth.pcap", "-Y", "tcp.stream == 1", "--explain", "--lang", "en")
    titles = [line for line in out.splitlines() if line.startswith("Connection ")]
    assert titles == ["Connection 1: client 10.88.0.1:33432, server 10.88.0.2:8080"]
