// The Graphs tab: the selected connection's time-sequence graph (tcptrace's, after
// Stevens), round-trip time, window size and throughput over time, drawn by uPlot
// (vendored: vendor/uPlot.esm.js, MIT). Drag to zoom, double click to zoom out; the
// frame of the point under the cursor is shown, and a click selects it in the list.

import uPlot from './vendor/uPlot.esm.js';
import { el, fill } from './dom.js';
import { getJSON } from './api.js';

/** The index of the point nearest ``at`` in ``values`` that is not null (-1: none). */
function nearest(values, at) {
  for (let d = 0; d < values.length; d += 1) {
    if (at - d >= 0 && values[at - d] !== null) return at - d;
    if (at + d < values.length && values[at + d] !== null) return at + d;
  }
  return -1;
}

function chart(root, { title, x, series, frames, points, onFrame }) {
  const said = el('span', { class: 'graph-frame' });
  const box = el('div', { class: 'graph' }, el('div', { class: 'graph-title' }, title, '  ', said));
  root.append(box);
  const options = {
    width: Math.max(400, root.clientWidth - 24),
    height: 170,
    scales: { x: { time: false } },
    legend: { show: false },
    cursor: {
      drag: { x: true, y: true, uni: 30 },
      dataIdx: (plot, k, hovered) => nearest(plot.data[k], hovered),
    },
    series: [{ label: 'seconds' }, ...series.map(([label, , color]) => ({
      label, stroke: color, width: points ? 0 : 1.5, spanGaps: false,
      points: { show: points, size: 4, fill: color, stroke: color },
      ...(points ? { paths: () => null } : {}),
    }))],
    axes: [{ values: (plot, ticks) => ticks.map((v) => String(+v.toFixed(6))) }, { size: 70 }],
    hooks: {
      setCursor: [(plot) => {
        const idx = plot.cursor.idxs ? plot.cursor.idxs.find((i) => i !== null && i !== undefined) : plot.cursor.idx;
        said.textContent = idx !== null && idx !== undefined && idx >= 0 && frames[idx] > 0 ? `frame ${frames[idx]}` : '';
        box.dataset.frame = said.textContent ? String(frames[idx]) : '';
      }],
    },
  };
  const plot = new uPlot(options, [x, ...series.map(([, values]) => values)], box);
  plot.over.addEventListener('click', () => {
    if (plot.select.width > 0 || !box.dataset.frame) return; // a drag zooms; a click selects
    onFrame(Number(box.dataset.frame));
  });
  return plot;
}

export async function showGraphs(root, capture, stream, onFrame) {
  const g = await getJSON(`/api/captures/${capture}/streams/${stream}/graphs`);
  fill(root, el('div', { class: 'tools' }, `tcp.stream ${stream}: data from ${g.sender} to ${g.receiver}`));
  const draw = (title, data, names, points = true) => chart(root, {
    title, x: data.t, frames: data.frames, points, onFrame,
    series: names.map(([label, color], k) => [label, data.series[k], color]),
  });
  draw('Time-sequence (Stevens): each segment\'s end, the ACK line and the window line', g.tseq,
    [['Seq', '#1565c0'], ['Ack', '#2e7d32'], ['Window edge', '#9e9d24']]);
  draw('Round-trip time (ms)', g.rtt, [['RTT', '#c62828']]);
  draw("Window size (bytes): the receiver's advertised window", g.window, [['Window', '#6a1b9a']]);
  draw('Throughput (bits/s): per interval, and the 1 s moving average at each segment', g.throughput,
    [['Interval', '#ef6c00'], ['Moving average', '#5d4037']]);
}
