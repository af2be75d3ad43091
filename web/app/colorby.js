// colorby.js — "Colour by": the map coloured by its clusters (the default) or by any other column of
// the texts: a column of words by its values (the most frequent get their own colour, the rest
// "other", with a legend of counts), a column of numbers by a colour ramp with its scale.

import { $, el, clear, swatch, fmtInt } from './dom.js';
import { clusterColor } from '../lib/palette.js';

const CATEGORIES = 12; // own colours for the most frequent values; the rest share "other"
const OTHER = '#8d96a8';
const MISSING = 0xffff;
// a perceptually even ramp (dark blue → teal → yellow), sampled at 64 steps
const RAMP_STOPS = ['#30123b', '#3e5fbd', '#2a9ce8', '#1ac7c2', '#4fe07a', '#b3e23c', '#f4c228', '#f68a1d', '#cc3a0f'];
const RAMP_STEPS = 64;

function hex([r, g, b]) { return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`; }
function rgb(h) { const v = parseInt(h.slice(1), 16); return [(v >> 16) & 255, (v >> 8) & 255, v & 255]; }

/** 64 colours along the ramp. */
export function rampPalette() {
  const stops = RAMP_STOPS.map(rgb);
  return Array.from({ length: RAMP_STEPS }, (_, k) => {
    const t = (k / (RAMP_STEPS - 1)) * (stops.length - 1);
    const a = Math.floor(t), f = t - a, b = Math.min(stops.length - 1, a + 1);
    return hex(stops[a].map((v, i) => v + (stops[b][i] - v) * f));
  });
}

/**
 * The colouring of a column: {index: Uint16Array (palette entry per text, 65535 = no value), palette,
 * legend: [{color, text, count, value}] (categories) | null, scale: {min, max} (numbers) | null}.
 */
export function columnColors(col) {
  const n = col.values.length;
  const index = new Uint16Array(n);
  if (col.type === 'number') {
    let min = Infinity, max = -Infinity;
    for (const v of col.values) if (v !== null) { if (v < min) min = v; if (v > max) max = v; }
    const palette = rampPalette();
    const span = max > min ? max - min : 1;
    let missing = 0;
    for (let i = 0; i < n; i++) {
      const v = col.values[i];
      if (v === null) { index[i] = MISSING; missing++; continue; }
      index[i] = Math.round(((v - min) / span) * (RAMP_STEPS - 1));
    }
    return { index, palette, legend: null, scale: min <= max ? { min, max, missing } : null };
  }
  const counts = new Map();
  for (const v of col.values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const order = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const own = order.slice(0, order.length > CATEGORIES ? CATEGORIES - 1 : CATEGORIES);
  const slot = new Map(own.map(([v], k) => [v, k]));
  const palette = own.map((_, k) => clusterColor(k));
  const hasOther = order.length > own.length;
  if (hasOther) palette.push(OTHER);
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const v = col.values[i];
    if (v === null) { index[i] = MISSING; missing++; continue; }
    index[i] = slot.get(v) ?? own.length;
  }
  const legend = own.map(([v, c], k) => ({ color: palette[k], text: v, count: c, value: v }));
  if (hasOther) legend.push({ color: OTHER, text: `${order.length - own.length} other values`, count: order.slice(own.length).reduce((a, [, c]) => a + c, 0), value: null });
  if (missing) legend.push({ color: '#a3a9b3', text: 'no value', count: missing, value: undefined });
  return { index, palette, legend, scale: null };
}

const fmtNum = (v) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000));

export function mount(app) {
  const state = app.state;
  app.colorBy = 'cluster';
  app.colorLegend = null; // what the PNG and SVG legends show when not coloured by cluster

  function fill() {
    const sel = clear($('color-by'));
    sel.append(el('option', { value: 'cluster', text: 'cluster' }));
    for (const c of state.columns ?? []) sel.append(el('option', { value: c.name, text: c.name }));
    sel.disabled = !(state.columns ?? []).length;
    if (![...sel.options].some((o) => o.value === app.colorBy)) app.colorBy = 'cluster';
    sel.value = app.colorBy;
  }

  /** Colours the map by a column name or 'cluster'. */
  app.setColorBy = (name) => {
    const col = (state.columns ?? []).find((c) => c.name === name);
    app.colorBy = col ? name : 'cluster';
    $('color-by').value = app.colorBy;
    const box = $('colour-box');
    if (!col || !app.view.n) {
      app.view.setColors(null);
      box.hidden = true;
      app.colorLegend = null;
      app.emit('color-by', { name: app.colorBy });
      return;
    }
    const c = columnColors(col);
    app.view.setColors({ index: c.index, palette: c.palette });
    $('colour-title').textContent = `Colour: ${col.name}`;
    const out = clear($('colour-legend'));
    if (c.legend) {
      const ul = el('ul', { className: 'colour-list' });
      for (const item of c.legend) ul.append(el('li', {}, swatch(item.color), el('span', { className: 'cl-text', text: item.text }), el('span', { className: 'lg-size', text: fmtInt(item.count) })));
      out.append(ul);
      app.colorLegend = { title: col.name, items: c.legend.map((i) => ({ color: i.color, text: `${i.text} (${fmtInt(i.count)})` })) };
    } else if (c.scale) {
      const bar = el('div', { className: 'ramp', role: 'img', 'aria-label': `colour scale from ${fmtNum(c.scale.min)} (dark blue) to ${fmtNum(c.scale.max)} (red)` });
      bar.style.backgroundImage = `linear-gradient(to right, ${RAMP_STOPS.join(', ')})`;
      const mid = (c.scale.min + c.scale.max) / 2;
      out.append(bar, el('div', { className: 'ramp-scale' }, el('span', { text: fmtNum(c.scale.min) }), el('span', { text: fmtNum(mid) }), el('span', { text: fmtNum(c.scale.max) })));
      if (c.scale.missing) out.append(el('p', { className: 'muted', text: `${fmtInt(c.scale.missing)} without a value (grey)` }));
      app.colorLegend = { title: `${col.name} (${fmtNum(c.scale.min)} … ${fmtNum(c.scale.max)})`, items: [0, 0.25, 0.5, 0.75, 1].map((t) => ({ color: c.palette[Math.round(t * (RAMP_STEPS - 1))], text: fmtNum(c.scale.min + t * (c.scale.max - c.scale.min)) })) };
    }
    box.hidden = false;
    app.emit('color-by', { name: app.colorBy });
  };

  $('color-by').addEventListener('change', (e) => app.setColorBy(e.target.value));
  app.on('reset', () => { fill(); $('colour-box').hidden = true; });
  const again = () => { fill(); if (app.colorBy !== 'cluster') app.setColorBy(app.colorBy); };
  app.on('layout', again);
  app.on('map-opened', again);
  app.on('labels', () => { if (app.colorBy !== 'cluster') app.setColorBy(app.colorBy); });
  fill();
}
