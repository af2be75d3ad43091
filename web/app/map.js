// map.js — step 5, "The map": the UMAP layout drawn on a canvas (settling live while it is computed),
// its controls (n_neighbors, min_dist), hover (the text), click (the nearest neighbours, from the
// session), zoom, pan and search; what dragging does (pan, lasso, box). The drawing itself is
// web/lib/mapview.js (Canvas 2D for small maps, WebGL2 for big ones). Colours, filters and the
// selection are colorby.js, filters.js and selection.js; what stands out is app.applyEmphasis().

import { $, el, clear, swatch, fmtInt, shorten } from './dom.js';
import { MapView } from '../lib/mapview.js';
import { clusterColor } from '../lib/palette.js';
import { clusterTitle } from './exports.js';

const SEED = 42;
const reducedMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

export function mount(app) {
  const state = app.state;
  const view = new MapView($('map'), {
    onHover: showTooltip,
    onClick: (hit) => showNeighbours(hit ? hit.index : -1),
    onSelect: (sel) => app.onMapSelect?.(sel),
    onViewChange: () => app.emit('view-changed', {}),
  });
  app.view = view;

  // the map's colours follow the page's colour scheme (CSS variables --map-bg and --map-ink)
  function applyScheme() {
    const cs = getComputedStyle(document.documentElement);
    view.background = cs.getPropertyValue('--map-bg').trim() || '#ffffff';
    view.foreground = cs.getPropertyValue('--map-ink').trim() || '#1d2330';
    view.redraw();
  }
  if (typeof matchMedia === 'function') matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', applyScheme);
  applyScheme();

  const phase = (text) => { $('map-phase').textContent = text ?? ''; };

  /** Slider ranges follow the number of texts (n_neighbors < n). */
  app.fitSliders = (n) => {
    const input = $('n-neighbors');
    input.max = String(Math.max(Number(input.min), Math.min(100, n - 1)));
    if (Number(input.value) > Number(input.max)) input.value = input.max;
    $('n-neighbors-out').textContent = input.value;
  };

  app.addOptions(() => {
    const n = state.texts.length;
    return { umap: { nNeighbors: Math.max(2, Math.min(Number($('n-neighbors').value), Math.max(2, n - 1))), minDist: Number($('min-dist').value), seed: SEED, nComponents: 2, metric: 'cosine' } };
  });

  // ------------------------------------------------------------------ the layout, live and final
  let drawnLive = false;
  app.on('reset', ({ texts }) => { app.fitSliders(texts.length); hideNeighbours(); drawnLive = false; });
  app.on('progress', (p) => {
    if (p.status !== 'layout') return;
    phase(p.total ? `settling: epoch ${p.done} of ${p.total}` : 'settling…');
    if (reducedMotion || !p.embedding) return;
    if (!drawnLive || view.n !== p.embedding.n) {
      view.setData({ xy: p.embedding, labels: null, texts: state.texts });
      $('map-empty').hidden = true;
      drawnLive = true;
    } else {
      view.setPositions(p.embedding);
    }
  });
  app.on('layout', ({ xy }) => {
    phase('');
    if (view.n !== xy.n || !drawnLive) {
      view.setData({ xy, labels: null, texts: state.texts });
      $('map-empty').hidden = true;
    } else {
      view.setPositions(xy);
      if (view.fitted) view.fitView();
    }
    drawnLive = true;
    $('search').disabled = false;
  });
  const restore = () => {
    phase('');
    // a stopped layout leaves the previous one in place (the one the exports and clusters describe)
    if (state.xy && view.n === state.xy.n) view.setPositions(state.xy);
  };
  app.on('ready', () => phase(''));
  app.on('stopped', restore);

  // ------------------------------------------------------------------ hover, click, search
  function showTooltip(hit) {
    const tip = $('tooltip');
    if (!hit) { tip.hidden = true; return; }
    clear(tip);
    const label = hit.label;
    tip.append(el('div', { className: 'tip-text', text: hit.text ?? '' }));
    if (label !== null && label !== undefined) {
      tip.append(el('div', { className: 'tip-meta' }, swatch(clusterColor(label)),
        label < 0 ? 'noise' : `${clusterTitle(label)}${hit.probability < 1 ? ` · membership ${hit.probability.toFixed(2)}` : ''}`));
    }
    // the row's other columns, the one the map is coloured by first
    const cols = (state.columns ?? []).slice().sort((a, b) => (b.name === app.colorBy) - (a.name === app.colorBy));
    if (cols.length) {
      const dl = el('dl', { className: 'tip-cols' });
      for (const c of cols.slice(0, 12)) {
        const v = c.values[hit.index];
        dl.append(el('dt', { text: c.name }), el('dd', { text: v === null || v === undefined ? '–' : shorten(String(v), 60) }));
      }
      if (cols.length > 12) dl.append(el('dt', { text: '…' }), el('dd', { text: `${cols.length - 12} more columns` }));
      tip.append(dl);
    }
    tip.hidden = false;
    const wrap = $('map-wrap').getBoundingClientRect();
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    let x = hit.x + 14, y = hit.y + 14;
    if (x + tw > wrap.width - 6) x = hit.x - tw - 14;
    if (y + th > wrap.height - 6) y = hit.y - th - 14;
    tip.style.left = `${Math.max(6, x)}px`;
    tip.style.top = `${Math.max(6, y)}px`;
  }

  let nbRequest = 0;
  function hideNeighbours() {
    $('neighbours-box').hidden = true;
    view.select(-1);
    app.neighbours = null;
    app.applyEmphasis?.();
  }

  async function showNeighbours(i) {
    if (i < 0) { hideNeighbours(); return; }
    const req = ++nbRequest;
    const k = Math.min(8, state.texts.length - 1);
    let list;
    try {
      if (state.vectors && app.session) {
        list = (await app.session.similar(i, k)).filter((r) => r.index !== i).slice(0, k);
      } else {
        // a map opened from a file has no vectors: use distance on the map instead
        const d = state.xy.dim, x0 = state.xy.data[i * d], y0 = state.xy.data[i * d + 1];
        list = [];
        // nearest on the map through the view's grid, widening the square until k are in it
        for (let r = 4 / view.scale; r < 1e12; r *= 2) {
          list = [];
          view._forEachIn(x0 - r, y0 - r, x0 + r, y0 + r, (j) => { if (j !== i) list.push({ index: j, score: Math.hypot(view.xs[j] - x0, view.ys[j] - y0), distance: true }); });
          if (list.length >= k || list.length >= state.xy.n - 1) break;
        }
        list.sort((a, b) => a.score - b.score);
        list = list.slice(0, k);
      }
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
      return;
    }
    if (req !== nbRequest) return;
    $('nb-of').textContent = state.texts[i];
    const ol = clear($('neighbours'));
    for (const r of list) {
      const b = el('button', { type: 'button', className: 'nb-go', title: 'Show it on the map' },
        el('span', { className: 'nb-score', title: r.distance ? 'distance on the map' : 'cosine similarity', text: r.distance ? `d ${r.score.toFixed(2)}` : r.score.toFixed(3) }),
        state.texts[r.index]);
      b.addEventListener('click', () => view.flyTo(r.index));
      ol.append(el('li', {}, b));
    }
    $('neighbours-box').hidden = false;
    view.select(i);
    app.neighbours = [i, ...list.map((r) => r.index)];
    app.applyEmphasis();
  }

  // ------------------------------------------------------------------ controls
  const bind = (id, fmt) => {
    const input = $(id), out = $(`${id}-out`);
    const show = () => { out.textContent = fmt(Number(input.value)); };
    input.addEventListener('input', show);
    show();
    return input;
  };
  let timer = 0;
  const changed = () => {
    clearTimeout(timer);
    if (!state.vectors) return;
    timer = setTimeout(() => app.run('options'), 250);
  };
  bind('n-neighbors', String).addEventListener('input', changed);
  bind('min-dist', (v) => v.toFixed(2)).addEventListener('input', changed);
  app.setUmapControls = (u) => {
    if (u.n_neighbors) { $('n-neighbors').value = u.n_neighbors; $('n-neighbors-out').textContent = String(u.n_neighbors); }
    if (u.min_dist !== undefined) { $('min-dist').value = u.min_dist; $('min-dist-out').textContent = Number(u.min_dist).toFixed(2); }
  };

  // search: in slices that give the thread back, so a million texts never block the page
  let searchRun = 0;
  app.searchMask = null;
  app.searchQuery = '';
  async function runSearch(q) {
    const mine = ++searchRun;
    const needle = q.trim().toLowerCase();
    app.legendFocus = null;
    app.neighbours = null;
    if (!needle) { app.searchMask = null; app.searchQuery = ''; $('search-count').textContent = ''; app.applyEmphasis(); app.emit('search', {}); return; }
    const texts = state.texts, n = texts.length;
    const mask = new Uint8Array(n);
    let hits = 0;
    for (let a = 0; a < n; a += 50000) {
      const b = Math.min(n, a + 50000);
      for (let i = a; i < b; i++) if (texts[i].toLowerCase().includes(needle)) { mask[i] = 1; hits++; }
      if (b < n) { await new Promise((r) => setTimeout(r, 0)); if (mine !== searchRun) return; }
    }
    app.searchMask = hits ? mask : new Uint8Array(n);
    app.searchQuery = q;
    $('search-count').textContent = `${fmtInt(hits)} match${hits === 1 ? '' : 'es'}`;
    app.applyEmphasis();
    app.emit('search', {});
  }
  app.runSearch = (q) => { $('search').value = q; return runSearch(q); };
  $('search').addEventListener('input', (e) => runSearch(e.target.value));

  /** What stands out on the map: the neighbours, else the legend's cluster, else the search. */
  app.applyEmphasis = () => {
    if (app.neighbours) { view.highlight(app.neighbours); return; }
    if (app.legendFocus != null && state.labels) {
      const m = new Uint8Array(state.labels.length);
      for (let i = 0; i < m.length; i++) m[i] = state.labels[i] === app.legendFocus ? 1 : 0;
      view.highlightMask(m);
      return;
    }
    view.highlightMask(app.searchMask);
  };

  // what dragging does
  const modes = ['pan', 'lasso', 'box'];
  app.setMapMode = (mode) => {
    view.mode = mode;
    for (const m of modes) $(`mode-${m}`).setAttribute('aria-pressed', String(m === mode));
    $('map').classList.toggle('mode-select', mode !== 'pan');
  };
  for (const m of modes) $(`mode-${m}`).addEventListener('click', () => app.setMapMode(m));
  $('select-view').addEventListener('click', (e) => view.selectInView(e.shiftKey));
  $('zoom-in').addEventListener('click', () => view.zoomBy(1.4));
  $('zoom-out').addEventListener('click', () => view.zoomBy(1 / 1.4));
  $('zoom-fit').addEventListener('click', () => view.fitView());
  $('nb-close').addEventListener('click', hideNeighbours);
  app.on('map-opened', () => {
    hideNeighbours();
    view.setData({ xy: state.xy, labels: state.labels, probabilities: state.probabilities, texts: state.texts });
    $('map-empty').hidden = true;
    $('search').disabled = false;
    $('select-view').disabled = false;
  });
  app.on('layout', () => { $('select-view').disabled = false; });
  app.on('reset', () => { app.searchMask = null; app.searchQuery = ''; $('search').value = ''; $('search-count').textContent = ''; });
}
