// map.js — step 5, "The map": the UMAP layout drawn on a canvas (settling live while it is computed),
// its controls (n_neighbors, min_dist), hover (the text), click (the nearest neighbours, from the
// session), zoom, pan and search. The drawing itself is web/lib/mapview.js.

import { $, el, clear, swatch, fmtInt } from './dom.js';
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
    if (app.legendFocus == null) view.highlight(null);
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
        for (let j = 0; j < state.xy.n; j++) {
          if (j === i) continue;
          list.push({ index: j, score: Math.hypot(state.xy.data[j * d] - x0, state.xy.data[j * d + 1] - y0), distance: true });
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
      ol.append(el('li', {},
        el('span', { className: 'nb-score', title: r.distance ? 'distance on the map' : 'cosine similarity', text: r.distance ? `d ${r.score.toFixed(2)}` : r.score.toFixed(3) }),
        state.texts[r.index]));
    }
    $('neighbours-box').hidden = false;
    view.select(i);
    view.highlight([i, ...list.map((r) => r.index)]);
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

  $('search').addEventListener('input', (e) => {
    const q = e.target.value;
    const hits = view.search(q);
    app.legendFocus = null;
    $('search-count').textContent = q.trim() ? `${fmtInt(hits.length)} match${hits.length === 1 ? '' : 'es'}` : '';
  });
  $('zoom-in').addEventListener('click', () => view.zoomBy(1.4));
  $('zoom-out').addEventListener('click', () => view.zoomBy(1 / 1.4));
  $('zoom-fit').addEventListener('click', () => view.fitView());
  $('nb-close').addEventListener('click', hideNeighbours);
  app.on('map-opened', () => {
    hideNeighbours();
    view.setData({ xy: state.xy, labels: state.labels, probabilities: state.probabilities, texts: state.texts });
    $('map-empty').hidden = true;
    $('search').disabled = false;
  });
}
