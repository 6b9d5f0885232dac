// tcpscope serve's page: wires the filter bar, the packet list and the panes together.

import { el, fill } from './dom.js';
import { getJSON, url } from './api.js';
import { showGraphs } from './graphs.js';
import { PacketList } from './list.js';
import {
  showBytes, showConnection, showConversations, showExpert, showExplain, showFlow, showFollow, showTree,
} from './panes.js';

const $ = (id) => document.getElementById(id);
const HISTORY_KEY = 'tcpscope.filters';
const HISTORY_SIZE = 20;

const state = {
  capture: null, // the capture's number
  filter: '', // the filter applied
  frame: 0, // the selected frame
  stream: -1, // its tcp.stream
  tab: 'conn',
  lang: 'en',
  maxUpload: 0,
  shown: {}, // tab -> what it shows ("capture:stream:lang"), to load each once
};

function status(text) { $('status').textContent = text; }

const list = new PacketList($('list'), $('list-spacer'), $('list-rows'), {
  onSelect: (frame) => selectFrame(frame),
  onError: (err) => status(`Error: ${err.message}`),
  onTotal: (total, complete) => status(`${state.filter ? `Displayed: ${total}` : `Packets: ${total}`}${complete ? '' : ' (reading…)'}`),
});

// -- the filter bar ----------------------------------------------------------------------

let checkSerial = 0;
async function checkFilter() {
  const text = $('filter').value;
  const serial = ++checkSerial;
  const got = await getJSON(url('/api/filter/check', { filter: text }));
  if (serial !== checkSerial) return got;
  const bar = $('filter');
  bar.classList.toggle('good', got.ok && text.trim() !== '');
  bar.classList.toggle('bad', !got.ok);
  $('filter-message').hidden = got.ok;
  $('filter-error').textContent = got.ok ? '' : got.message;
  $('filter-caret').textContent = got.ok || got.start === null ? ''
    : `${text}\n${caretLine(text, got.start, got.length)}`;
  return got;
}

/** tshark's caret line: spaces to the culprit's column (a byte offset), ^ and tildes. */
function caretLine(text, start, length) {
  const bytes = new TextEncoder().encode(text);
  const column = new TextDecoder().decode(bytes.slice(0, start)).length;
  return `${' '.repeat(column)}^${'~'.repeat(Math.max(0, length - 1))}`;
}

function history() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]'); } catch { return []; }
}

function remember(text) {
  const kept = [text, ...history().filter((t) => t !== text)].slice(0, HISTORY_SIZE);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(kept));
  showHistory();
}

function showHistory() {
  fill($('filter-history'), ...history().map((t) => { const o = el('option'); o.value = t; return o; }));
}

export async function applyFilter(text) {
  $('filter').value = text;
  const got = await checkFilter();
  if (!got.ok) return;
  state.filter = text.trim();
  if (state.filter) remember(state.filter);
  const frame = state.frame;
  list.show(state.capture, state.filter);
  if (frame) {
    try {
      const at = await getJSON(url(`/api/captures/${state.capture}/goto`, { filter: state.filter, frame }));
      list.select(at.row);
    } catch { /* the selected frame is hidden: the list starts at the top, nothing selected */ }
  }
}

let typing = null;
$('filter').addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(checkFilter, 150);
});
$('filter-form').addEventListener('submit', (e) => { e.preventDefault(); applyFilter($('filter').value); });
$('filter-clear').addEventListener('click', () => applyFilter(''));

// -- go to packet ------------------------------------------------------------------------

/** Select frame number ``frame`` in the list (Wireshark's words when it has none or hides it). */
async function goToFrame(frame) {
  try {
    const at = await getJSON(url(`/api/captures/${state.capture}/goto`, { filter: state.filter, frame }));
    list.select(at.row);
    $('list').focus();
  } catch (err) {
    status(err.message);
  }
}

$('goto').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') goToFrame($('goto').value.trim());
});

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey && (e.key === 'g' || e.key === 'G')) { e.preventDefault(); $('goto').select(); $('goto').focus(); }
  if (e.ctrlKey && e.key === '/') { e.preventDefault(); $('filter').focus(); }
});

// -- the selected frame and its connection -----------------------------------------------

async function selectFrame(frame) {
  state.frame = frame;
  try {
    const got = await getJSON(`/api/captures/${state.capture}/frames/${frame}`);
    if (state.frame !== frame) return;
    showTree($('tree'), got.tree, {
      onPick: (start, length) => showBytes($('bytes'), got.bytes, start, length),
      onFilter: (text) => applyFilter(text),
    });
    showBytes($('bytes'), got.bytes);
    if (got.stream !== state.stream) {
      state.stream = got.stream;
      showTab(state.tab);
    }
  } catch (err) {
    status(err.message);
  }
}

async function showTab(tab) {
  state.tab = tab;
  for (const button of document.querySelectorAll('#tabs button')) button.classList.toggle('active', button.dataset.tab === tab);
  for (const pane of document.querySelectorAll('.tab')) pane.hidden = pane.id !== `tab-${tab}`;
  const key = `${state.capture}:${tab === 'convs' || tab === 'expert' ? '' : state.stream}:${tab === 'explain' ? state.lang : ''}`;
  if (state.shown[tab] === key) return;
  state.shown[tab] = key;
  const root = $(`tab-${tab}`);
  const needsStream = ['conn', 'flow', 'explain', 'follow', 'graphs'].includes(tab);
  if (needsStream && state.stream < 0) {
    fill(tab === 'explain' ? $('explain-text') : root, el('p', { class: 'hint' }, 'Select a TCP frame to see its connection.'));
    return;
  }
  try {
    if (tab === 'conn') showConnection(root, await getJSON(`/api/captures/${state.capture}/streams/${state.stream}`));
    else if (tab === 'flow') await showFlow(root, state.capture, state.stream, goToFrame);
    else if (tab === 'explain') await showExplain($('explain-text'), state.capture, state.stream, state.lang);
    else if (tab === 'follow') await showFollow(root, state.capture, state.stream);
    else if (tab === 'graphs') await showGraphs(root, state.capture, state.stream, goToFrame);
    else if (tab === 'convs') await showConversations(root, state.capture, 0, applyFilter);
    else if (tab === 'expert') await showExpert(root, state.capture, applyFilter);
  } catch (err) {
    state.shown[tab] = '';
    fill(root, el('p', { class: 'error' }, err.message));
  }
}

for (const button of document.querySelectorAll('#tabs button')) button.addEventListener('click', () => showTab(button.dataset.tab));
for (const button of document.querySelectorAll('button.lang')) {
  button.addEventListener('click', () => {
    state.lang = button.dataset.lang;
    for (const b of document.querySelectorAll('button.lang')) b.classList.toggle('active', b === button);
    showTab('explain');
  });
}

// -- captures: given, chosen, uploaded ---------------------------------------------------

function openCapture(id) {
  state.capture = id;
  state.frame = 0;
  state.stream = -1;
  state.shown = {};
  $('upload-page').hidden = true;
  $('panes').hidden = false;
  $('capture-choice').value = String(id);
  fill($('tree'));
  $('bytes').textContent = '';
  for (const pane of ['tab-conn', 'tab-flow', 'explain-text', 'tab-follow', 'tab-graphs', 'tab-convs', 'tab-expert']) {
    fill($(pane));
  }
  list.show(id, state.filter);
  showTab(state.tab);
  $('list').focus();
}

/** A size in bytes as MiB, KiB or bytes, whichever is whole. */
function sizeText(bytes) {
  if (bytes >= 1048576 && bytes % 1048576 === 0) return `${bytes / 1048576} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

async function upload(file, errorNode) {
  if (file.size > state.maxUpload) {
    errorNode.textContent = `${file.name} is larger than ${sizeText(state.maxUpload)}`;
    return;
  }
  status(`Uploading ${file.name}…`);
  try {
    const got = await getJSON(url('/api/captures', { name: file.name }), {
      method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' },
    });
    await loadCaptures(got.id);
  } catch (err) {
    errorNode.textContent = err.message;
    status(err.message);
  }
}

async function loadCaptures(open) {
  const got = await getJSON('/api/captures');
  state.maxUpload = got.max_upload;
  $('upload-limit').textContent = sizeText(got.max_upload);
  fill($('capture-choice'), ...got.captures.map((c) => {
    const option = el('option', {}, c.name);
    option.value = String(c.id);
    return option;
  }));
  if (!got.captures.length) {
    $('upload-page').hidden = false;
    $('panes').hidden = true;
    status('No capture yet: open one.');
    return;
  }
  openCapture(open ?? got.captures[0].id);
}

$('capture-choice').addEventListener('change', () => openCapture(Number($('capture-choice').value)));
$('upload').addEventListener('change', () => upload($('upload').files[0], $('status')));
$('upload-main').addEventListener('change', () => upload($('upload-main').files[0], $('upload-error')));

showHistory();
getJSON('/api/colors').then((got) => { list.rules = got.rules; list.render(); }).catch(() => {});
loadCaptures().catch((err) => status(err.message));
