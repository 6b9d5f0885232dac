// The panes below the packet list: the details tree and the bytes of the selected
// frame, and the tabs about its connection and the whole capture.

import { el, fill } from './dom.js';
import { getJSON, url } from './api.js';

/** The details tree: a <details> per node with children (collapsible), a line per leaf;
 * its field's name on hover; a click highlights its bytes (``onPick(start, length)``), a
 * right click applies it as a filter (``onFilter(text)``). */
export function showTree(root, nodes, { onPick, onFilter }) {
  const line = (tag, node) => {
    const item = el(tag, { class: 'item', title: node.key ? `${node.key}${node.filter ? `  (right click: ${node.filter})` : ''}` : undefined },
      node.label);
    item.addEventListener('click', () => {
      for (const old of root.querySelectorAll('.item.picked')) old.classList.remove('picked');
      item.classList.add('picked');
      onPick(node.start ?? -1, node.length ?? 0);
    });
    item.addEventListener('contextmenu', (e) => {
      if (!node.filter) return;
      e.preventDefault();
      onFilter(node.filter);
    });
    if (node.key) item.dataset.key = node.key;
    return item;
  };
  const build = (node) => {
    if (!node.children.length) return el('div', { class: 'leaf' }, line('span', node));
    return el('details', {}, line('summary', node), ...node.children.map(build));
  };
  fill(root, ...nodes.map(build));
}

/** The bytes pane: each data source's bytes, 16 a line, in hex and ASCII; the bytes
 * ``start`` to ``start + length`` of the first source (the frame) highlighted. */
export function showBytes(root, sources, start = -1, length = 0) {
  const lines = [];
  sources.forEach((source, k) => {
    if (sources.length > 1) lines.push(el('div', { class: 'source' }, `${source.name} (${source.hex.length / 2} bytes):`));
    const bytes = source.hex.match(/../g) || [];
    const lo = k === 0 && start >= 0 ? start : -1;
    const hi = lo >= 0 ? lo + length : -1;
    for (let at = 0; at < bytes.length; at += 16) {
      const part = bytes.slice(at, at + 16);
      const chars = part.map((h) => {
        const v = parseInt(h, 16);
        return v >= 0x20 && v < 0x7f ? String.fromCharCode(v) : '.';
      });
      const a = Math.min(Math.max(lo - at, 0), part.length);
      const b = Math.min(Math.max(hi - at, 0), part.length);
      const pad = ' '.repeat(3 * (16 - part.length));
      const before = part.slice(0, a).join(' ') + (a > 0 && a < part.length ? ' ' : '');
      const after = (b > a && b < part.length ? ' ' : '') + part.slice(b).join(' ');
      lines.push(el('div', {},
        `${at.toString(16).padStart(4, '0')}  `,
        before, el('span', { class: 'hl' }, part.slice(a, b).join(' ')), `${after}${pad}  `,
        chars.slice(0, a).join(''), el('span', { class: 'hl' }, chars.slice(a, b).join('')), chars.slice(b).join('')));
    }
  });
  fill(root, ...lines);
}

function table(columns, rows, onClick) {
  const head = el('tr', {}, ...columns.map(([title]) => el('th', {}, title)));
  const body = rows.map((row) => {
    const tr = el('tr', { class: onClick ? 'clickable' : undefined },
      ...columns.map(([, pick]) => el('td', {}, pick(row) ?? '')));
    if (onClick) tr.addEventListener('click', () => onClick(row));
    return tr;
  });
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...body));
}

const seconds = (ns) => (ns === null || ns === undefined ? '' : (ns / 1e9).toFixed(6));

/** The Connection tab: the conversation's row, Zeek's conn_state and history first. */
export function showConnection(root, conv) {
  const pairs = [
    ['tcp.stream', conv.stream], ['Client', conv.client], ['Server', conv.server],
    ['Zeek conn_state', conv.conn_state], ['Zeek history', conv.history],
    ['Opened', conv.opened], ['Closed', conv.closed], ['Closed first by', conv.closed_first],
    ['Client state', conv.client_state], ['Server state', conv.server_state],
    ['Frames A→B / B→A', `${conv.frames_ab} / ${conv.frames_ba}`],
    ['Bytes A→B / B→A', `${conv.bytes_ab} / ${conv.bytes_ba}`],
    ['Duration (s)', seconds(conv.duration_ns)], ['Retransmissions', conv.retransmissions],
    ['RTT min / avg / max (s)', [conv.rtt_min_ns, conv.rtt_avg_ns, conv.rtt_max_ns].map(seconds).join(' / ')],
    ['Completeness', conv.completeness_label],
  ];
  fill(root, el('dl', { class: 'pairs' }, ...pairs.flatMap(([k, v]) => [
    el('dt', {}, k), el('dd', { 'data-key': k }, v ?? '')])));
}

/** The Flow graph tab: the SVG the server draws, as an image (it runs nothing). Its items'
 * rows are read from the same SVG parsed apart (never put in the page): a click on an
 * arrow selects its frame (``onFrame``), and the frame under the pointer is its title. */
export async function showFlow(root, capture, stream, onFrame) {
  const src = `/api/captures/${capture}/streams/${stream}/flow.svg`;
  const img = el('img', { title: `Flow graph of tcp.stream ${stream}` });
  img.alt = `Flow graph of tcp.stream ${stream}`;
  img.id = 'flow-image';
  img.src = src;
  fill(root, img);
  const text = await (await fetch(src)).text();
  const svg = new DOMParser().parseFromString(text, 'image/svg+xml');
  const rows = [...svg.querySelectorAll('g.item')].map((g) => {
    const arrow = g.querySelector('path.arrow');
    const y = arrow ? Number((arrow.getAttribute('d').match(/,([\d.]+)/) || [0, -1])[1]) : -1;
    return [Number(g.getAttribute('data-frame')), y];
  });
  const at = (e) => {
    let best = null;
    for (const [frame, y] of rows) if (Math.abs(y - e.offsetY) <= 20 && (!best || Math.abs(y - e.offsetY) < best[1])) best = [frame, Math.abs(y - e.offsetY)];
    return best ? best[0] : null;
  };
  img.addEventListener('mousemove', (e) => {
    const frame = at(e);
    img.title = frame ? `frame ${frame} (click: select it)` : `Flow graph of tcp.stream ${stream}`;
  });
  img.addEventListener('click', (e) => { const frame = at(e); if (frame) onFrame(frame); });
}

export async function showExplain(root, capture, stream, lang) {
  const got = await getJSON(url(`/api/captures/${capture}/streams/${stream}/explain`, { lang }));
  root.lang = lang === 'zh' ? 'zh-CN' : 'en';
  fill(root, ...got.lines.map((line) => el('p', { class: line.startsWith('  ') ? 'sub' : undefined }, line)));
}

export async function showFollow(root, capture, stream) {
  const got = await getJSON(`/api/captures/${capture}/streams/${stream}/follow`);
  const head = el('div', { class: 'tools' },
    el('span', { class: 'node0' }, got.nodes[0]), ' \u2192 ', el('span', { class: 'node1' }, got.nodes[1]),
    `  (${got.chunks.length} chunks${got.truncated ? ', cut short' : ''})`);
  const text = el('pre', { class: 'follow' },
    ...got.chunks.map((c) => el('span', { class: c.missing ? 'missing' : `node${c.node}`, title: `frame ${c.frame}` }, c.text)));
  fill(root, head, text);
}

export async function showConversations(root, capture, offset, applyFilter) {
  const got = await getJSON(url(`/api/captures/${capture}/conversations`, { offset, limit: 500 }));
  const columns = [
    ['Stream', (r) => r.stream], ['Address A', (r) => r.addr_a], ['Port A', (r) => r.port_a],
    ['Address B', (r) => r.addr_b], ['Port B', (r) => r.port_b], ['Frames', (r) => r.frames],
    ['Bytes', (r) => r.bytes], ['Start', (r) => seconds(r.rel_start_ns)], ['Duration', (r) => seconds(r.duration_ns)],
    ['Retrans.', (r) => r.retransmissions], ['conn_state', (r) => r.conn_state], ['history', (r) => r.history],
    ['Closing', (r) => r.closing],
  ];
  const tools = el('div', { class: 'tools' }, `Conversations ${offset + 1}-${offset + got.rows.length} of ${got.total} (a click filters the list)`);
  const nav = (label, to) => {
    const b = el('button', {}, label);
    b.addEventListener('click', () => showConversations(root, capture, to, applyFilter));
    return b;
  };
  if (offset > 0) tools.append(' ', nav('previous', Math.max(0, offset - 500)));
  if (offset + got.rows.length < got.total) tools.append(' ', nav('next', offset + 500));
  fill(root, tools, table(columns, got.rows, (r) => applyFilter(`tcp.stream == ${r.stream}`)));
}

export async function showExpert(root, capture, applyFilter) {
  const got = await getJSON(`/api/captures/${capture}/expert`);
  const columns = [['Severity', (e) => e.severity], ['Group', (e) => e.group], ['Protocol', (e) => e.protocol],
    ['Summary', (e) => e.summary], ['Count', (e) => e.count], ['First frame', (e) => e.first]];
  fill(root, el('div', { class: 'tools' }, `${got.entries.length} findings (a click filters the list)`),
    table(columns, got.entries, (e) => applyFilter(e.filter)));
}
