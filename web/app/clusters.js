// clusters.js — the HDBSCAN part of step 5 (min_cluster_size, min_samples; the legend with keywords
// and the cluster names on the map) and step 6, the clusters as a table. The session keeps one
// spanning tree per min_samples, so moving either slider only cuts a tree again (and builds one for a
// min_samples not seen before).

import { $, el, clear, swatch, fmtInt } from './dom.js';
import { clusterColor } from '../lib/palette.js';
import { clusterTitle } from './exports.js';

export function mount(app) {
  const state = app.state;
  app.legendFocus = null;

  /** Slider ranges follow the number of texts (cluster sizes <= n, min_samples < n). */
  function fitSliders(n) {
    for (const [id, max] of [['min-cluster-size', Math.min(100, n)], ['min-samples', Math.min(100, n - 1)]]) {
      const input = $(id);
      input.max = String(Math.max(Number(input.min), max));
      if (Number(input.value) > Number(input.max)) input.value = input.max;
      $(`${id}-out`).textContent = input.value;
    }
  }

  app.addOptions(() => {
    const mcs = Number($('min-cluster-size').value);
    const auto = $('min-samples-auto').checked;
    const n = state.texts.length;
    // min_samples left to follow min_cluster_size is the library's default; else the slider's value
    const ms = auto ? undefined : Math.max(1, Math.min(Number($('min-samples').value), Math.max(1, n - 1)));
    return { hdbscan: { minClusterSize: mcs, minSamples: ms, method: 'eom' }, keywords: { topN: 10 } };
  });

  function clusterWords(c, n = 4) {
    return (c.keywords ?? []).slice(0, n).map((k) => k.word).join(', ');
  }

  // the legend: biggest clusters first, noise last; with many clusters a search box and the rest
  // folded under "N more" (a list of hundreds of buttons is neither readable nor cheap to lay out)
  const LEGEND_SHOWN = 30;
  let legendOpen = false;
  $('legend-search').addEventListener('input', () => renderLegend());

  function renderLegend() {
    const labels = state.labels;
    const list = clear($('legend'));
    const noise = labels ? labels.reduce((a, l) => a + (l < 0 ? 1 : 0), 0) : 0;
    const sorted = [...state.clusters].sort((a, b) => b.size - a.size || a.label - b.label);
    $('cluster-count').textContent = labels ? `(${sorted.length})` : '';
    const search = $('legend-search');
    search.hidden = sorted.length <= LEGEND_SHOWN;
    const q = search.hidden ? '' : search.value.trim().toLowerCase();
    const item = (label, size, words, name) => {
      const b = el('button', { type: 'button', 'aria-pressed': app.legendFocus === label ? 'true' : 'false', 'data-label': label },
        swatch(clusterColor(label)),
        el('span', { className: 'lg-words' },
          el('span', { className: 'lg-title', text: clusterTitle(label, name) }),
          words ? el('br') : null,
          words ? el('span', { className: 'muted', text: words }) : null),
        el('span', { className: 'lg-size', text: fmtInt(size) }));
      b.addEventListener('click', () => {
        app.legendFocus = app.legendFocus === label ? null : label;
        app.neighbours = null;
        app.applyEmphasis();
        for (const other of list.querySelectorAll('button[data-label]')) other.setAttribute('aria-pressed', String(Number(other.dataset.label) === app.legendFocus));
      });
      list.append(el('li', {}, b));
    };
    const matching = q ? sorted.filter((c) => `${clusterTitle(c.label)} ${clusterWords(c, 10)} ${c.name ?? ''}`.toLowerCase().includes(q)) : sorted;
    const shown = legendOpen || q ? matching : matching.slice(0, LEGEND_SHOWN);
    for (const c of shown) item(c.label, c.size, clusterWords(c), c.name);
    if (shown.length < matching.length) {
      const more = el('button', { type: 'button', className: 'legend-more', 'aria-expanded': 'false', text: `${fmtInt(matching.length - shown.length)} more clusters (${fmtInt(matching.slice(shown.length).reduce((a, c) => a + c.size, 0))} texts)` });
      more.addEventListener('click', () => { legendOpen = true; renderLegend(); });
      list.append(el('li', {}, more));
    } else if (legendOpen && !q && matching.length > LEGEND_SHOWN) {
      const less = el('button', { type: 'button', className: 'legend-more', 'aria-expanded': 'true', text: 'Show fewer' });
      less.addEventListener('click', () => { legendOpen = false; renderLegend(); });
      list.append(el('li', {}, less));
    }
    if (q && !matching.length) list.append(el('li', { className: 'legend-empty', text: 'No cluster matches.' }));
    if (noise && (!q || 'noise'.includes(q))) item(-1, noise, 'in no cluster');
    if (!labels) list.append(el('li', { className: 'legend-empty', text: 'Clusters appear once the map is drawn.' }));
    else if (!sorted.length) list.append(el('li', { className: 'legend-empty', text: 'No clusters at these settings: try a smaller min_cluster_size.' }));
  }

  function render() {
    const labels = state.labels;
    const noise = labels ? labels.reduce((a, l) => a + (l < 0 ? 1 : 0), 0) : 0;
    const sorted = [...state.clusters].sort((a, b) => b.size - a.size || a.label - b.label);
    renderLegend();

    // names on the map: the name given to it, else the top two keywords, else the cluster number
    app.view.setClusterNames(new Map(state.clusters.map((c) => [c.label, c.name || clusterWords(c, 2) || clusterTitle(c.label)])));

    // the table view
    const body = clear($('cluster-body'));
    if (!labels) { body.append(el('tr', {}, el('td', { colspan: 4, className: 'muted', text: 'No clusters yet.' }))); return; }
    // examples: the three most confident members of each cluster (one pass, however many texts)
    const best = new Map();
    const p = state.probabilities;
    for (let i = 0; i < labels.length; i++) {
      let top = best.get(labels[i]);
      if (!top) { top = []; best.set(labels[i], top); }
      if (top.length === 3 && !(p && p[i] > p[top[2]])) continue;
      top.push(i);
      top.sort((a, b) => (p ? p[b] - p[a] : 0) || a - b);
      if (top.length > 3) top.pop();
    }
    const rows = sorted.map((c) => ({ label: c.label, size: c.size, keywords: c.keywords ?? [], name: c.name }));
    if (noise) rows.push({ label: -1, size: noise, keywords: [] });
    for (const r of rows) {
      const idx = best.get(r.label) ?? [];
      body.append(el('tr', { 'data-label': r.label },
        el('td', {}, el('span', { className: 'cluster-name' }, swatch(clusterColor(r.label)), clusterTitle(r.label, r.name))),
        el('td', { text: fmtInt(r.size) }),
        el('td', {}, r.label < 0 ? el('span', { className: 'muted', text: 'texts in no cluster' }) : r.keywords.slice(0, 8).map((k) => el('span', { className: 'kw', text: k.word }))),
        el('td', {}, el('ul', {}, idx.slice(0, 3).map((i) => el('li', { text: state.texts[i] }))))));
    }
  }
  app.renderClusters = render;

  app.on('reset', ({ texts }) => { fitSliders(texts.length); app.legendFocus = null; legendOpen = false; $('legend-search').value = ''; });
  app.on('labels', () => { app.view.setLabels(state.labels, state.probabilities); render(); });
  app.on('keywords', render);
  app.on('map-opened', render);

  const bind = (id) => {
    const input = $(id), out = $(`${id}-out`);
    input.addEventListener('input', () => { out.textContent = input.value; });
    out.textContent = input.value;
    return input;
  };
  const rerun = () => { if (state.xy) app.run('options'); };
  const follow = () => {
    if ($('min-samples-auto').checked) { $('min-samples').value = $('min-cluster-size').value; $('min-samples-out').textContent = $('min-samples').value; }
  };
  bind('min-cluster-size').addEventListener('input', () => { follow(); rerun(); });
  bind('min-samples').addEventListener('input', rerun);
  $('min-samples-auto').addEventListener('change', (e) => {
    $('min-samples').disabled = e.target.checked;
    follow();
    rerun();
  });
  app.setHdbscanControls = (h, n) => {
    fitSliders(n);
    if (h.min_cluster_size) { $('min-cluster-size').value = h.min_cluster_size; $('min-cluster-size-out').textContent = String(h.min_cluster_size); }
    if (h.min_samples) {
      $('min-samples').value = h.min_samples; $('min-samples-out').textContent = String(h.min_samples);
      $('min-samples-auto').checked = h.min_samples === h.min_cluster_size;
      $('min-samples').disabled = $('min-samples-auto').checked;
    }
  };
  render();
}
