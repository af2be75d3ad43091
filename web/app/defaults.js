// defaults.js — the sliders' starting values follow the number of texts, so that 4, 20 and 200 texts
// each show something (UMAP's and HDBSCAN's library defaults, 15 and 5, suit a few hundred): the rule
// is defaultsFor(n), stated in the page and the README. They are set when texts of a new size are
// embedded; a slider the user moves keeps its value for texts of the same size, and the settings a
// link brings are kept for its texts. Also: the sentence for
// inputs too small for density clustering, and the status line when the texts in the box are no longer
// the ones on the map.

import { $, fmtInt } from './dom.js';

/** Below this many texts density clustering has too little to go on (the page says so). */
export const MIN_CLUSTER_TEXTS = 10;

/**
 * The starting values for n texts:
 *   n_neighbors      = n / 4 rounded, between 2 and 15 (UMAP's default, 15, from 60 texts on)
 *   min_dist         = 0.1 (UMAP's default)
 *   min_cluster_size = √n / 2 rounded, between 2 and 50 (2 up to 24 texts, 7 for 200, 16 for 1 000)
 *   min_samples      = min_cluster_size (HDBSCAN's default)
 * @param {number} n
 */
export function defaultsFor(n) {
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const mcs = clamp(Math.round(Math.sqrt(n) / 2), 2, 50);
  return { n_neighbors: clamp(Math.round(n / 4), 2, 15), min_dist: 0.1, min_cluster_size: mcs, min_samples: mcs };
}

/** The sentence shown when n texts are too few for density clustering, else ''. */
export function smallInputNote(n) {
  if (n >= MIN_CLUSTER_TEXTS) return '';
  return `${fmtInt(n)} texts are too few for density clustering (it needs about ${MIN_CLUSTER_TEXTS} or more), so read the similarity table and the map; any clusters here are a guess.`;
}

export function mount(app) {
  const state = app.state;
  let appliedFor = -1; // the number of texts the sliders were last set for
  // The first texts of a visit keep the settings a link brought (web/app/urlstate.js sets the sliders
  // before anything is embedded): only the sliders still at the page's own values get the defaults.
  let first = true;
  const value = (id) => $(id).value;
  const initial = { nn: value('n-neighbors'), md: value('min-dist'), mcs: value('min-cluster-size'), auto: $('min-samples-auto').checked };

  app.defaultsFor = defaultsFor;
  app.on('reset', ({ texts }) => {
    if (state.origin !== 'embed') return;
    const n = texts.length;
    if (n !== appliedFor) {
      const d = defaultsFor(n);
      const keep = (untouched) => first && !untouched;
      const u = {};
      if (!keep(value('n-neighbors') === initial.nn)) u.n_neighbors = d.n_neighbors;
      if (!keep(value('min-dist') === initial.md)) u.min_dist = d.min_dist;
      app.fitSliders(n); // the range first: a value beyond the old one's end would be cut to it
      app.setUmapControls(u);
      if (!keep(value('min-cluster-size') === initial.mcs && $('min-samples-auto').checked === initial.auto)) {
        app.setHdbscanControls({ min_cluster_size: d.min_cluster_size, min_samples: d.min_samples }, n);
      }
      appliedFor = n;
    }
    first = false;
    showNote(n);
  });
  app.on('map-opened', () => { appliedFor = -1; first = false; showNote(state.texts.length); });

  function showNote(n) {
    const text = smallInputNote(n);
    for (const id of ['small-n-note', 'sweep-small-note']) {
      const p = document.getElementById(id);
      if (!p) continue;
      p.textContent = text;
      p.hidden = !text;
    }
  }

  // the status line says when the box no longer holds the texts on the map
  let staleShown = false;
  const texts = $('texts');
  const check = () => {
    if (!state.xy || !state.texts.length) return;
    const now = app.currentTexts();
    const same = now.length === state.texts.length && now.every((t, i) => t === state.texts[i]);
    if (!same) {
      app.status(`The texts in the box changed: the map below still shows the ${fmtInt(state.texts.length)} texts mapped before (${app.describe(true, true)}). Press “Embed and map” to map the new ones.`);
      staleShown = true;
    } else if (staleShown) {
      app.status(app.describe());
      staleShown = false;
    }
  };
  let timer = 0;
  texts.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(check, 150); });
  app.on('texts-loaded', check);
  app.on('run-start', () => { staleShown = false; });
}
