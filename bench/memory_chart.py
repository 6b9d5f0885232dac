"""Peak memory against input size: ``tcpscope fields -`` through a pipe on 1x, 2x, 4x and
8x a stream, drawn as a chart.

    python bench/memory_chart.py [BASE_PACKETS]      # default 1,250,000: 8x is 10 million

The stream is ``short_connections.py``'s (ten-packet connections 1 ms apart, the
client's ports coming back with new sequence numbers: every connection closes and is
retired), written once per length to ``bench/data/short-N.pcap``; tcpscope reads it
with ``cat FILE | tcpscope fields - -e ...`` (``stream_memory.FIELDS``: the analysis
on), as it would a live capture. The 8x run is the issue's 10 million packets through
a pipe. Each run's peak resident memory, wall and CPU time go to
``results/memory_chart-*.json``, and the chart to ``bench/memory_chart.svg``: the peak
(flat) beside the input's size (linear). The SVG is written here, without a plotting
library; ``bench/memory_chart.png`` is Chromium's picture of it, where Playwright and
Chromium are installed (the web tests' browser), else it is left as it was.

    python bench/memory_chart.py --chart-only       # redraw from the newest results
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, DATA, PYTHON, ROOT, e_args, env, run_cmd, save, tcpscope_cmd, warm
from stream_memory import FIELDS

MULTIPLES = (1, 2, 4, 8)
BASE = 1_250_000
CHART = BENCH / "memory_chart.svg"
PICTURE = BENCH / "memory_chart.png"
CHROMIUM = Path("/usr/bin/chromium")
#: The goal: 8x the input costs at most this much more peak memory than 1x
GOAL_MIB = 32


def stream_file(packets: int) -> Path:
    """The stream of ``packets`` packets, written when missing."""
    path = DATA / f"short-{packets}.pcap"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([PYTHON, str(ROOT / "bench" / "short_connections.py"), str(packets), str(path)], check=True)
    return path


def main(base: int = BASE) -> dict[str, Any]:
    args = e_args(FIELDS)
    rows: list[dict[str, Any]] = []
    print(f"Peak memory against input: cat FILE | tcpscope fields - ({len(FIELDS)} analysis fields)")
    for multiple in MULTIPLES:
        path = stream_file(base * multiple)
        warm(path)
        piped = ["sh", "-c", f"cat {shlex.quote(str(path))} | {shlex.join(tcpscope_cmd('fields', '-', *args))}"]
        if multiple == MULTIPLES[0]:
            run_cmd(piped, environ=env())  # warm-up: kernels into numba's cache
        run = run_cmd(piped, environ=env())
        row = {"multiple": multiple, "packets": base * multiple, "input_mib": path.stat().st_size / 2**20,
               "maxrss_mib": run.maxrss_kib / 1024, "wall_s": run.wall, "cpu_s": run.cpu}
        rows.append(row)
        print(f"  {multiple}x {row['packets']:>11,} packets  input {row['input_mib']:7.0f} MiB  "
              f"peak RSS {row['maxrss_mib']:5.0f} MiB  wall {run.wall:6.1f} s  cpu {run.cpu:6.1f} s")
    growth = rows[-1]["maxrss_mib"] - rows[0]["maxrss_mib"]
    print(f"  peak grows by {growth:.0f} MiB from 1x to 8x (goal <= {GOAL_MIB} MiB)")
    result = {"fields": list(FIELDS), "runs": rows, "growth_1x_to_8x_mib": growth,
              "goals": {"growth_1x_to_8x_mib": f"<= {GOAL_MIB}"}}
    saved = save("memory_chart", result)
    draw(saved)
    print(f"  -> {saved.relative_to(ROOT)}, {CHART.relative_to(ROOT)}")
    return result


def draw(results: Path) -> None:
    """The chart of a results file, as SVG, and as PNG where a browser can draw it."""
    data = json.loads(results.read_text())
    CHART.write_text(svg_chart(data["runs"], data["machine"]["date"]))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return
    if not CHROMIUM.exists():
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": _W, "height": _H})
        page.goto(CHART.as_uri())
        page.screenshot(path=str(PICTURE))
        browser.close()


# The chart's frame, in SVG user units
_W, _H = 640, 400
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 170, 40, 60


def svg_chart(rows: list[dict[str, Any]], date: str) -> str:
    """A line chart of the peak memory and the input's size (MiB) against the packets."""
    top = max(*(r["input_mib"] for r in rows), *(r["maxrss_mib"] for r in rows))
    step = _nice_step(top / 5)
    ymax = step * (int(top / step) + 1)
    xmax = rows[-1]["packets"]

    def x(packets: float) -> float:
        return _LEFT + (_W - _LEFT - _RIGHT) * packets / xmax

    def y(mib: float) -> float:
        return _H - _BOTTOM - (_H - _TOP - _BOTTOM) * mib / ymax

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
             'font-family="sans-serif" font-size="12">',
             f'<rect width="{_W}" height="{_H}" fill="white"/>',
             f'<text x="{_W / 2}" y="22" text-anchor="middle" font-size="14">tcpscope fields - (analysis on) '
             'through a pipe: peak memory against input</text>']
    for i in range(int(ymax / step) + 1):
        v = i * step
        parts.append(f'<line x1="{_LEFT}" y1="{y(v):.1f}" x2="{_W - _RIGHT}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for r in rows:
        parts.append(f'<text x="{x(r["packets"]):.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle">'
                     f'{r["packets"] / 1e6:g}M</text>')
        parts.append(f'<text x="{x(r["packets"]):.1f}" y="{_H - _BOTTOM + 30}" text-anchor="middle">'
                     f'{r["multiple"]}x</text>')
    parts += [f'<line x1="{_LEFT}" y1="{_H - _BOTTOM}" x2="{_W - _RIGHT}" y2="{_H - _BOTTOM}" stroke="black"/>',
              f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_H - _BOTTOM}" stroke="black"/>',
              f'<text x="{(_LEFT + _W - _RIGHT) / 2}" y="{_H - 12}" text-anchor="middle">packets in the stream '
              '(short_connections.py)</text>',
              f'<text transform="translate(18 {(_TOP + _H - _BOTTOM) / 2}) rotate(-90)" text-anchor="middle">MiB</text>']
    for key, colour, label, dash in (("input_mib", "#999", "input size", ' stroke-dasharray="6 4"'),
                                     ("maxrss_mib", "#c0392b", "peak RSS", "")):
        points = " ".join(f"{x(r['packets']):.1f},{y(r[key]):.1f}" for r in rows)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for r in rows:
            parts.append(f'<circle cx="{x(r["packets"]):.1f}" cy="{y(r[key]):.1f}" r="3.5" fill="{colour}"/>')
        last = rows[-1]
        parts.append(f'<text x="{x(last["packets"]) + 8:.1f}" y="{y(last[key]) + 4:.1f}" fill="{colour}">'
                     f'{label}: {last[key]:.0f} MiB</text>')
    first = rows[0]
    parts.append(f'<text x="{x(first["packets"]) - 4:.1f}" y="{y(first["maxrss_mib"]) - 8:.1f}" fill="#c0392b" '
                 f'text-anchor="middle">{first["maxrss_mib"]:.0f} MiB</text>')
    if date:
        parts.append(f'<text x="{_W - 8}" y="{_H - 4}" text-anchor="end" font-size="10" fill="#666">{date}</text>')
    parts.append("</svg>\n")
    return "\n".join(parts)


def _nice_step(raw: float) -> float:
    """A round grid step (1, 2 or 5 times a power of ten) at least ``raw``."""
    power = 10 ** len(str(int(max(raw, 1)))) / 10
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


if __name__ == "__main__":
    if sys.argv[1:] == ["--chart-only"]:
        draw(max((BENCH / "results").glob("memory_chart-*.json")))
    else:
        main(*(int(a) for a in sys.argv[1:2]))
