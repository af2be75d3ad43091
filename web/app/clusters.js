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

  function render() {
    const labels = state.labels;
    const list = clear($('legend'));
    const noise = labels ? labels.reduce((a, l) => a + (l < 0 ? 1 : 0), 0) : 0;
    const sorted = [...state.clusters].sort((a, b) => b.size - a.size || a.label - b.label);
    $('cluster-count').textContent = labels ? `(${sorted.length})` : '';
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
        const idx = [];
        if (app.legendFocus !== null) for (let i = 0; i < labels.length; i++) if (labels[i] === app.legendFocus) idx.push(i);
        app.view.highlight(app.legendFocus === null ? null : idx);
        for (const other of list.querySelectorAll('button')) other.setAttribute('aria-pressed', String(Number(other.dataset.label) === app.legendFocus));
      });
      list.append(el('li', {}, b));
    };
    for (const c of sorted) item(c.label, c.size, clusterWords(c), c.name);
    if (noise) item(-1, noise, 'in no cluster');
    if (!labels) list.append(el('li', { className: 'legend-empty', text: 'Clusters appear once the map is drawn.' }));
    else if (!sorted.length) list.append(el('li', { className: 'legend-empty', text: 'No clusters at these settings: try a smaller min_cluster_size.' }));

    // names on the map: the name given to it, else the top two keywords, else the cluster number
    app.view.setClusterNames(new Map(state.clusters.map((c) => [c.label, c.name || clusterWords(c, 2) || clusterTitle(c.label)])));

    // the table view
    const body = clear($('cluster-body'));
    if (!labels) { body.append(el('tr', {}, el('td', { colspan: 4, className: 'muted', text: 'No clusters yet.' }))); return; }
    const members = new Map();
    for (let i = 0; i < labels.length; i++) {
      if (!members.has(labels[i])) members.set(labels[i], []);
      members.get(labels[i]).push(i);
    }
    const rows = sorted.map((c) => ({ label: c.label, size: c.size, keywords: c.keywords ?? [], name: c.name }));
    if (noise) rows.push({ label: -1, size: noise, keywords: [] });
    for (const r of rows) {
      // examples: the most confident members first
      const idx = (members.get(r.label) ?? []).slice().sort((a, b) => (state.probabilities ? state.probabilities[b] - state.probabilities[a] : 0) || a - b);
      body.append(el('tr', { 'data-label': r.label },
        el('td', {}, el('span', { className: 'cluster-name' }, swatch(clusterColor(r.label)), clusterTitle(r.label, r.name))),
        el('td', { text: fmtInt(r.size) }),
        el('td', {}, r.label < 0 ? el('span', { className: 'muted', text: 'texts in no cluster' }) : r.keywords.slice(0, 8).map((k) => el('span', { className: 'kw', text: k.word }))),
        el('td', {}, el('ul', {}, idx.slice(0, 3).map((i) => el('li', { text: state.texts[i] }))))));
    }
  }
  app.renderClusters = render;

  app.on('reset', ({ texts }) => { fitSliders(texts.length); app.legendFocus = null; });
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
