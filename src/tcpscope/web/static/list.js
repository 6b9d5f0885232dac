// The packet list: a window of row elements over a list of any length (virtual
// scrolling), filled from pages of rows the server sends, in Wireshark's colouring
// rules' colours, with the related-packet margin of the selected frame and keyboard
// navigation.

import { el } from './dom.js';
import { getJSON, url } from './api.js';

/** A row's height in pixels (the CSS's .row height). */
export const ROW = 20;
/** Rows per request. */
const PAGE = 200;
/** The scroll area's height at most (browsers cap an element's height); past it the
 * scroll position maps to rows proportionally. */
const MAX_HEIGHT = 8000000;
/** Pages kept; the farthest from the view are dropped past this. */
const KEEP_PAGES = 60;

/** The conversation line's pieces (Trace) and the marks (Link), as the server numbers them. */
const TRACE = ['', 'first', 'member', 'bypass', 'last'];
const MARK = { 0: '\u25cb', 1: '\u2192', 2: '\u2190', 3: '\u2713', 4: '\u2713\u2713', 5: '\u00bb', 6: '\u00ab' };
const MARK_NAME = { 0: 'link', 1: 'request', 2: 'response', 3: 'ack', 4: 'dup-ack', 5: 'retrans-prev', 6: 'retrans-next' };

export class PacketList {
  constructor(scroller, spacer, rowsEl, { onSelect, onError, onTotal }) {
    this.scroller = scroller;
    this.spacer = spacer;
    this.rowsEl = rowsEl;
    this.onSelect = onSelect;
    this.onError = onError;
    this.onTotal = onTotal;
    this.capture = null;
    this.filter = '';
    this.pages = new Map();      // page number -> {selected, rows}
    this.inflight = new Map();   // page number -> selected frame asked with
    this.generation = 0;         // bumped by a new capture or filter: older answers are dropped
    this.total = 0;
    this.complete = false;
    this.selectedRow = -1;
    this.selectedFrame = 0;
    this.pool = [];
    this.pollTimer = null;
    this.rules = []; // Wireshark's colouring rules, as the rows number them (/api/colors)
    scroller.addEventListener('scroll', () => this.render());
    scroller.addEventListener('keydown', (e) => this.key(e));
    rowsEl.addEventListener('click', (e) => {
      const row = e.target.closest('.row');
      if (row && row.dataset.index) this.select(Number(row.dataset.index));
    });
    new ResizeObserver(() => this.render()).observe(scroller);
  }

  /** Show capture ``id`` through display filter ``filter``. */
  show(id, filter) {
    this.capture = id;
    this.filter = filter;
    this.generation += 1;
    this.pages.clear();
    this.inflight.clear();
    this.total = 0;
    this.complete = false;
    this.selectedRow = -1;
    this.selectedFrame = 0; // the caller selects it again where the new list shows it
    this.scroller.scrollTop = 0;
    this.rowsEl.dataset.capture = ''; // set again once rows of this capture are shown
    this.fetchPage(0);
  }

  visibleRows() { return Math.max(1, Math.ceil(this.scroller.clientHeight / ROW)); }

  height() { return Math.min(this.total * ROW, MAX_HEIGHT); }

  /** The first row shown at the current scroll position, and the pixels it is scrolled by. */
  firstRow() {
    const top = this.scroller.scrollTop;
    if (this.total * ROW <= MAX_HEIGHT) return [Math.floor(top / ROW), top % ROW];
    const range = Math.max(1, this.height() - this.scroller.clientHeight);
    const last = Math.max(0, this.total - this.visibleRows());
    return [Math.min(last, Math.floor((top / range) * last)), 0];
  }

  /** Scroll so that row ``index`` is in view. */
  reveal(index) {
    const [first] = this.firstRow();
    const view = this.visibleRows() - 1;
    if (index >= first && index < first + view) return;
    const target = index < first ? index : index - view + 1;
    if (this.total * ROW <= MAX_HEIGHT) this.scroller.scrollTop = target * ROW;
    else {
      const last = Math.max(1, this.total - this.visibleRows());
      this.scroller.scrollTop = (target / last) * (this.height() - this.scroller.clientHeight);
    }
  }

  rowAt(index) {
    const page = this.pages.get(Math.floor(index / PAGE));
    return page ? page.rows[index % PAGE] : undefined;
  }

  async fetchPage(number) {
    if (this.capture === null || this.inflight.get(number) === this.selectedFrame) return;
    const generation = this.generation;
    const selected = this.selectedFrame;
    this.inflight.set(number, selected);
    try {
      const page = await getJSON(url(`/api/captures/${this.capture}/rows`, {
        filter: this.filter, offset: number * PAGE, limit: PAGE, selected: selected || undefined,
      }));
      if (generation !== this.generation) return;
      if (page.rows.length) this.pages.set(number, { selected, rows: page.rows });
      this.total = page.total;
      this.complete = page.complete;
      this.onTotal(this.total, this.complete);
      this.forgetFar(number);
      this.render();
      if (!this.complete) this.poll();
    } catch (err) {
      if (generation === this.generation) this.onError(err);
    } finally {
      if (this.inflight.get(number) === selected) this.inflight.delete(number);
    }
  }

  /** While the capture is still being read: ask again for the rows in view. */
  poll() {
    if (this.pollTimer !== null) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      for (const [n, page] of this.pages) if (page.rows.length < PAGE) this.pages.delete(n);
      const [first] = this.firstRow();
      this.fetchPage(Math.floor(first / PAGE));
    }, 600);
  }

  forgetFar(near) {
    if (this.pages.size <= KEEP_PAGES) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const n of far.slice(0, this.pages.size - KEEP_PAGES)) this.pages.delete(n);
  }

  rowElement(k) {
    while (this.pool.length <= k) {
      const cells = ['margin', 'c-no', 'c-time', 'c-src', 'c-dst', 'c-proto', 'c-len', 'c-info'].map((c) => el('span', { class: c }));
      const trace = el('span', { class: 'trace' });
      const mark = el('span', { class: 'mark' });
      cells[0].append(trace, mark);
      const row = el('div', { class: 'row', role: 'row' }, ...cells);
      this.rowsEl.append(row);
      this.pool.push({ row, cells, trace, mark });
    }
    return this.pool[k];
  }

  render() {
    this.spacer.style.height = `${this.height()}px`;
    const [first, shift] = this.firstRow();
    const count = Math.min(this.visibleRows() + 1, Math.max(0, this.total - first));
    this.rowsEl.style.transform = `translateY(${this.scroller.scrollTop - shift}px)`;
    const wanted = new Set();
    for (let k = 0; k < count; k += 1) {
      const index = first + k;
      const slot = this.rowElement(k);
      const data = this.rowAt(index);
      const page = this.pages.get(Math.floor(index / PAGE));
      if (!page || page.selected !== this.selectedFrame) wanted.add(Math.floor(index / PAGE));
      slot.row.hidden = false;
      slot.row.dataset.index = String(index);
      slot.row.classList.toggle('selected', index === this.selectedRow);
      if (data === undefined) {
        slot.row.dataset.frame = '';
        for (let c = 1; c < 8; c += 1) slot.cells[c].textContent = c === 1 ? '…' : '';
        slot.trace.className = 'trace';
        slot.mark.textContent = '';
        slot.row.className = 'row loading';
        slot.row.style.backgroundColor = '';
        slot.row.style.color = '';
        slot.row.dataset.rule = '';
        continue;
      }
      const selected = index === this.selectedRow;
      slot.row.className = selected ? 'row selected' : 'row';
      slot.row.dataset.frame = String(data[0]);
      slot.row.dataset.protocol = data[4];
      for (let c = 0; c < 7; c += 1) slot.cells[c + 1].textContent = String(data[c]);
      const rule = this.rules[data[7]];
      slot.row.dataset.rule = rule ? rule.name : '';
      slot.row.title = rule ? `Colouring rule: ${rule.name} (${rule.filter})` : '';
      slot.row.style.backgroundColor = rule && !selected ? rule.bg : '';
      slot.row.style.color = rule && !selected ? rule.fg : '';
      const trace = page.selected === this.selectedFrame && data.length > 8 ? data[8] : 0;
      const mark = page.selected === this.selectedFrame && data.length > 9 ? data[9] : -1;
      slot.trace.className = `trace ${TRACE[trace] || ''}`;
      slot.row.dataset.trace = TRACE[trace] || '';
      slot.mark.textContent = MARK[mark] || '';
      slot.row.dataset.mark = MARK_NAME[mark] || '';
    }
    for (let k = count; k < this.pool.length; k += 1) this.pool[k].row.hidden = true;
    if (this.pages.size) this.rowsEl.dataset.capture = String(this.capture);
    for (const n of wanted) this.fetchPage(n);
  }

  /** Select the row at ``index`` (clamped to the list). */
  select(index) {
    if (this.total === 0) return;
    const target = Math.max(0, Math.min(this.total - 1, index));
    this.selectedRow = target;
    this.reveal(target);
    const data = this.rowAt(target);
    if (data !== undefined) this.selectFrame(data[0]);
    else {
      this.render();
      const page = Math.floor(target / PAGE);
      const wait = () => {
        const got = this.rowAt(target);
        if (got !== undefined && this.selectedRow === target) this.selectFrame(got[0]);
        else if (this.selectedRow === target) setTimeout(wait, 50);
      };
      this.fetchPage(page);
      setTimeout(wait, 50);
    }
  }

  selectFrame(frame) {
    if (frame !== this.selectedFrame) {
      this.selectedFrame = frame;
      this.onSelect(frame);
    }
    this.render();
  }

  key(e) {
    const page = this.visibleRows() - 1;
    const moves = {
      ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity,
    };
    if (!(e.key in moves) || e.altKey || e.metaKey) return;
    e.preventDefault();
    const move = moves[e.key];
    const from = this.selectedRow < 0 ? this.firstRow()[0] - (move > 0 ? 1 : 0) : this.selectedRow;
    if (move === -Infinity) this.select(0);
    else if (move === Infinity) this.select(this.total - 1);
    else this.select(from + move);
  }
}
