// filters.js — "Filter": keep only the texts whose column has some values (a column of words: tick
// the values, each with its count) or lies in a range (a column of numbers), or that belong to some
// clusters. Several filters all apply; each says how many texts it keeps on its own, and the heading
// how many are left. Hidden texts are not drawn, hovered, selected or exported as a selection.

import { $, el, clear, fmtInt } from './dom.js';
import { clusterTitle } from './exports.js';

const VALUES_SHOWN = 40;

export function mount(app) {
  const state = app.state;
  /** [{column, kind: 'values', values: [..]} | {column, kind: 'range', min, max}] */
  app.filters = [];
  app.filterMask = null;

  /** The column by name; "cluster" is the clusters as a column. */
  function column(name) {
    if (name === 'cluster') return state.labels ? { name: 'cluster', type: 'string', values: Array.from(state.labels, (l) => clusterTitle(l)) } : null;
    return (state.columns ?? []).find((c) => c.name === name) ?? null;
  }

  function keeps(f, col, i) {
    const v = col.values[i];
    if (f.kind === 'range') return v !== null && v >= f.min && v <= f.max;
    return f.values.includes(v === null ? '' : v);
  }

  /** Applies every filter to the map; null mask when none. */
  function apply() {
    const n = app.view.n;
    const list = clear($('filter-list'));
    let mask = null;
    const live = [];
    for (const f of app.filters) {
      const col = column(f.column);
      if (!col || col.values.length !== n) continue;
      let count = 0;
      const own = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (keeps(f, col, i)) { own[i] = 1; count++; }
      if (!mask) mask = own; else for (let i = 0; i < n; i++) mask[i] &= own[i];
      live.push(f);
      const what = f.kind === 'range' ? `${f.min} … ${f.max}` : f.values.map((v) => (v === '' ? '(no value)' : v)).join(', ');
      const x = el('button', { type: 'button', className: 'btn btn-small filter-remove', 'aria-label': `Remove the filter on ${f.column}`, text: '×' });
      x.addEventListener('click', () => { app.filters = app.filters.filter((g) => g !== f); apply(); });
      list.append(el('li', {}, el('span', { className: 'filter-what' }, el('strong', { text: f.column }), ` ${f.kind === 'range' ? 'from' : 'is'} `, what),
        el('span', { className: 'muted filter-keeps', text: `keeps ${fmtInt(count)}` }), x));
    }
    app.filters = live;
    app.filterMask = mask;
    const left = mask ? mask.reduce((a, v) => a + v, 0) : n;
    $('filter-count').textContent = mask ? `(${fmtInt(left)} of ${fmtInt(n)} shown)` : '';
    app.view.setFilter(mask);
    app.emit('filters', { shown: left });
  }
  app.applyFilters = apply;

  function fillColumns() {
    const sel = clear($('filter-column'));
    sel.append(el('option', { value: '', text: 'add a filter…' }));
    if (state.labels) sel.append(el('option', { value: 'cluster', text: 'cluster' }));
    for (const c of state.columns ?? []) sel.append(el('option', { value: c.name, text: c.name }));
    $('filter-box').hidden = sel.options.length <= 1;
  }

  /** The editor of a new filter on a column: value boxes with counts, or a range. */
  function edit(name) {
    const box = clear($('filter-editor'));
    const col = column(name);
    if (!col) return;
    const n = col.values.length;
    const form = el('form', { className: 'filter-form' });
    if (col.type === 'number') {
      let min = Infinity, max = -Infinity;
      for (const v of col.values) if (v !== null) { if (v < min) min = v; if (v > max) max = v; }
      const from = el('input', { type: 'number', step: 'any', value: min, 'aria-label': `${name} from` });
      const to = el('input', { type: 'number', step: 'any', value: max, 'aria-label': `${name} to` });
      const count = el('span', { className: 'muted' });
      const recount = () => {
        const a = Number(from.value), b = Number(to.value);
        let k = 0;
        for (const v of col.values) if (v !== null && v >= a && v <= b) k++;
        count.textContent = `keeps ${fmtInt(k)} of ${fmtInt(n)}`;
      };
      from.addEventListener('input', recount); to.addEventListener('input', recount); recount();
      form.append(el('div', { className: 'filter-range' }, from, el('span', { text: '…' }), to), count);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        app.filters = app.filters.filter((f) => f.column !== name).concat([{ column: name, kind: 'range', min: Number(from.value), max: Number(to.value) }]);
        clear(box); $('filter-column').value = ''; apply();
      });
    } else {
      const counts = new Map();
      for (const v of col.values) { const k = v === null ? '' : v; counts.set(k, (counts.get(k) ?? 0) + 1); }
      const order = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const ul = el('ul', { className: 'filter-values' });
      for (const [v, c] of order.slice(0, VALUES_SHOWN)) {
        const id = `fv-${Math.random().toString(36).slice(2, 9)}`;
        ul.append(el('li', {}, el('input', { type: 'checkbox', id, value: v }), el('label', { for: id, text: v === '' ? '(no value)' : v }), el('span', { className: 'muted', text: fmtInt(c) })));
      }
      form.append(ul);
      if (order.length > VALUES_SHOWN) form.append(el('p', { className: 'muted', text: `the ${VALUES_SHOWN} most frequent of ${fmtInt(order.length)} values` }));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const values = [...ul.querySelectorAll('input:checked')].map((i) => i.value);
        if (!values.length) return;
        app.filters = app.filters.filter((f) => f.column !== name).concat([{ column: name, kind: 'values', values }]);
        clear(box); $('filter-column').value = ''; apply();
      });
    }
    const cancel = el('button', { type: 'button', className: 'btn btn-small', text: 'Cancel' });
    cancel.addEventListener('click', () => { clear(box); $('filter-column').value = ''; });
    form.append(el('div', { className: 'filter-buttons' }, el('button', { type: 'submit', className: 'btn btn-small btn-primary', text: 'Apply' }), cancel));
    box.append(form);
  }

  /** Sets the filters (from the address) and applies them. */
  app.setFilters = (filters) => { app.filters = filters.slice(); apply(); };

  $('filter-column').addEventListener('change', (e) => edit(e.target.value));
  app.on('reset', () => { app.filters = []; app.filterMask = null; clear($('filter-editor')); clear($('filter-list')); $('filter-count').textContent = ''; fillColumns(); });
  const again = () => { fillColumns(); if (app.filters.length) apply(); };
  app.on('layout', again);
  app.on('map-opened', again);
  app.on('labels', again);
  fillColumns();
}
