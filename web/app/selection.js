// selection.js — the points someone lassoed, boxed or took from the view (map.js and mapview.js draw
// the lasso; shift adds to what is selected): how many, their top keywords (the same class-based
// TF-IDF as the clusters', the selection against everything else), their texts (a click flies to one),
// and the selection copied or saved as CSV or Markdown with every column.

import { $, el, clear, fmtInt, shorten, download } from './dom.js';
import { clusterKeywords } from '../lib/keywords.js';
import { pointsInPolygon } from '../lib/mapview.js';
import { toCsv, toMarkdown } from './exports.js';

const TEXTS_SHOWN = 50;
const KEYWORD_SAMPLE = 8000; // texts read for the keywords at most (beyond, an even sample of each side)

/** The rows of the map whose mask entry is 1, as the export formats take them. */
export function subsetOf(s, mask) {
  const idx = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  const pick = (a) => (a ? idx.map((i) => a[i]) : null);
  const xy = { data: new Float32Array(2 * idx.length), n: idx.length, dim: 2 };
  idx.forEach((i, k) => { xy.data[2 * k] = s.xy.data[i * s.xy.dim]; xy.data[2 * k + 1] = s.xy.data[i * s.xy.dim + 1]; });
  return {
    texts: pick(s.texts), xy, labels: s.labels ? pick(s.labels) : idx.map(() => -1), probabilities: pick(s.probabilities),
    clusters: s.clusters, columns: (s.columns ?? []).map((c) => ({ ...c, values: pick(c.values) })), rows: idx,
  };
}

/** Every k-th index of those with mask[i] === want, at most `max` of them. */
function sample(mask, want, max) {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === want) count++;
  const stride = Math.max(1, Math.ceil(count / max));
  const out = [];
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === want && k++ % stride === 0) out.push(i);
  return { idx: out, sampled: stride > 1 };
}

/** Top keywords of the selected texts against the others (c-TF-IDF over the two classes). */
export function selectionKeywords(texts, mask, topN = 8) {
  const a = sample(mask, 1, KEYWORD_SAMPLE / 2), b = sample(mask, 0, KEYWORD_SAMPLE / 2);
  const idx = [...a.idx, ...b.idx];
  const r = clusterKeywords(idx.map((i) => texts[i]), idx.map((i) => mask[i]), { topN });
  return { keywords: r.find((c) => c.label === 1)?.keywords ?? [], sampled: a.sampled || b.sampled };
}

export function mount(app) {
  const state = app.state;
  app.selection = null; // {mask, count, regions: [{polygon, additive}]}

  function show() {
    const sel = app.selection;
    const box = $('selection-box');
    app.view.setSelection(sel?.mask ?? null);
    if (!sel) { box.hidden = true; app.emit('selection', {}); return; }
    box.hidden = false;
    $('sel-count').textContent = `(${fmtInt(sel.count)} text${sel.count === 1 ? '' : 's'})`;
    const ol = clear($('sel-texts'));
    let shown = 0;
    for (let i = 0; i < sel.mask.length && shown < TEXTS_SHOWN; i++) {
      if (!sel.mask[i]) continue;
      shown++;
      const b = el('button', { type: 'button', className: 'nb-go', title: 'Show it on the map', text: shorten(state.texts[i], 140) });
      b.addEventListener('click', () => app.view.flyTo(i));
      ol.append(el('li', {}, b));
    }
    if (sel.count > shown) ol.append(el('li', { className: 'muted', text: `… and ${fmtInt(sel.count - shown)} more (all of them in the CSV and Markdown)` }));
    const kw = $('sel-keywords');
    if (sel.count && sel.count < state.texts.length) {
      const { keywords, sampled } = selectionKeywords(state.texts, sel.mask);
      clear(kw);
      if (keywords.length) {
        kw.append(el('span', { className: 'muted', text: sampled ? 'Keywords (from a sample): ' : 'Keywords: ' }));
        for (const k of keywords) kw.append(el('span', { className: 'kw', text: k.word }));
      } else kw.textContent = '';
    } else kw.textContent = sel.count ? 'Everything is selected.' : 'Nothing in this region (or hidden by a filter).';
    for (const id of ['sel-copy', 'sel-csv', 'sel-md']) $(id).disabled = !sel.count;
    app.emit('selection', {});
  }

  /** A lasso, box or view selection from the map: replaces the selection, or adds to it (shift). */
  app.onMapSelect = ({ mask, polygon, additive }) => {
    const prev = app.selection;
    if (additive && prev) {
      let count = 0;
      for (let i = 0; i < mask.length; i++) { prev.mask[i] |= mask[i]; count += prev.mask[i]; }
      prev.count = count;
      prev.regions.push({ polygon, additive: true });
    } else {
      let count = 0;
      for (let i = 0; i < mask.length; i++) count += mask[i];
      app.selection = { mask, count, regions: [{ polygon, additive: false }] };
    }
    show();
  };

  /** Rebuilds a selection from regions (polygons in map coordinates, e.g. from the address). */
  app.setSelectionRegions = (regions) => {
    app.selection = null;
    const v = app.view;
    for (const r of regions) {
      const { mask } = pointsInPolygon(v.xs, v.ys, v.n, r.polygon, v.filter);
      app.onMapSelect({ mask, polygon: r.polygon, additive: r.additive && !!app.selection });
    }
    if (!regions.length) show();
  };

  app.clearSelection = () => { app.selection = null; show(); };

  const exportData = () => ({ ...subsetOf(state, app.selection.mask), model: state.modelName, title: 'Selection' });
  const stamp = () => new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  $('sel-csv').addEventListener('click', () => download(new Blob([toCsv(exportData())], { type: 'text/csv;charset=utf-8' }), `embedscape-selection-${stamp()}.csv`));
  $('sel-md').addEventListener('click', () => download(new Blob([toMarkdown(exportData())], { type: 'text/markdown;charset=utf-8' }), `embedscape-selection-${stamp()}.md`));
  $('sel-copy').addEventListener('click', async () => {
    const md = toMarkdown(exportData());
    try {
      await navigator.clipboard.writeText(md);
      app.status(`Copied ${fmtInt(app.selection.count)} texts as Markdown.`);
    } catch {
      // no clipboard permission (or an old browser): the classic way, through a hidden text box
      const ta = el('textarea', { 'aria-hidden': 'true' });
      ta.value = md;
      document.body.append(ta);
      ta.select();
      const ok = document.execCommand?.('copy');
      ta.remove();
      app.status(ok ? `Copied ${fmtInt(app.selection.count)} texts as Markdown.` : 'The browser did not allow copying; use the Markdown button instead.');
    }
  });
  $('sel-clear').addEventListener('click', () => app.clearSelection());
  app.on('reset', () => { app.selection = null; $('selection-box').hidden = true; });
  // a new layout moves the points: the regions are places on the map, so they select anew
  app.on('layout', () => { if (app.selection) app.setSelectionRegions(app.selection.regions); });
  app.on('map-opened', () => { app.selection = null; $('selection-box').hidden = true; });
  app.on('filters', () => { if (app.selection) app.setSelectionRegions(app.selection.regions); });
}
