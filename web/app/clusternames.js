// clusternames.js — step 12, "What can we do with clusters?": per cluster its size, keywords and most
// representative texts (highest membership, then nearest to its dense core), and a name and a
// description editable in place. Names live on state.clusters (name, description), so the legend, the
// map, the cluster table, every export and the saved map carry them; a name stays with its cluster
// while the clustering changes, as long as the cluster has the same texts.

import { $, el, clear, fmtInt, swatch } from './dom.js';
import { clusterColor } from '../lib/palette.js';
import { representatives } from './exports.js';
import { whenNear } from './plot.js';

const SHOWN_TEXTS = 4;

/**
 * A key for the members of every cluster (Map label -> key), the same whatever the labels' numbers:
 * the count and a hash of the text indices, in one pass.
 */
function signatures(labels) {
  const h = new Map();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l < 0) continue;
    const v = h.get(l) ?? [2166136261, 0];
    v[0] = Math.imul(v[0] ^ i, 16777619);
    v[1]++;
    h.set(l, v);
  }
  return new Map([...h].map(([l, [x, c]]) => [l, `${c}:${(x >>> 0).toString(36)}`]));
}

/** Cards shown at first; the rest behind a button (a saved map may have hundreds of clusters). */
const CARDS_SHOWN = 40;

export function mount(app) {
  const state = app.state;
  const store = new Map(); // signature -> {name, description}
  let sigOf = new Map(); // label -> signature of the clusters on screen
  let allCards = false;

  function computeSignatures() {
    sigOf = state.labels ? signatures(state.labels) : new Map();
  }

  /** Puts the remembered names back on state.clusters (they are new objects after every run); true when some came back. */
  function restore() {
    computeSignatures();
    let any = false;
    for (const c of state.clusters) {
      const saved = store.get(sigOf.get(c.label));
      delete c.name; delete c.description;
      if (saved?.name) c.name = saved.name;
      if (saved?.description) c.description = saved.description;
      any ||= !!(saved?.name || saved?.description);
    }
    return any;
  }

  /**
   * Names the clusters: Map label -> {name, description} (an empty name removes it). Returns how many
   * were set. `cards: false` leaves the cards as they are (a name being typed keeps its focus).
   */
  function setNames(names, { cards = true } = {}) {
    let set = 0;
    for (const [label, v] of names) {
      const c = state.clusters.find((x) => x.label === label);
      const sig = sigOf.get(label);
      if (!c || !sig) continue;
      const name = (v.name ?? '').trim(), description = (v.description ?? '').trim();
      if (name) c.name = name; else delete c.name;
      if (description) c.description = description; else delete c.description;
      store.set(sig, { name, description });
      set++;
    }
    app.renderClusters();
    app.emit('names', {});
    if (cards) render();
    return set;
  }
  app.setClusterNames = setNames;
  app.clusterName = (label) => state.clusters.find((c) => c.label === label)?.name ?? null;

  const near = whenNear($('step-uses'));
  const render = () => near(renderCards);

  function renderCards() {
    const box = clear($('cluster-cards'));
    if (!state.labels) { box.append(el('p', { className: 'muted', text: 'The clusters appear here once the texts are mapped.' })); return; }
    const sorted = [...state.clusters].sort((a, b) => b.size - a.size || a.label - b.label);
    if (!sorted.length) { box.append(el('p', { className: 'muted', text: 'No clusters at these settings: every text is noise. Try a smaller min_cluster_size in the map step.' })); return; }
    const reps = representatives(state, SHOWN_TEXTS);
    const shown = allCards ? sorted : sorted.slice(0, CARDS_SHOWN);
    for (const c of shown) {
      const name = el('input', { type: 'text', className: 'cc-name', value: c.name ?? '', placeholder: `Cluster ${c.label}`, 'aria-label': `Name of cluster ${c.label}`, 'data-label': c.label, maxlength: 80, autocomplete: 'off' });
      const desc = el('input', { type: 'text', className: 'cc-desc', value: c.description ?? '', placeholder: 'what holds it together, in one sentence (optional)', 'aria-label': `Description of cluster ${c.label}`, 'data-label': c.label, maxlength: 300, autocomplete: 'off' });
      const commit = () => {
        const cur = state.clusters.find((x) => x.label === c.label);
        if ((cur?.name ?? '') === name.value.trim() && (cur?.description ?? '') === desc.value.trim()) return;
        setNames(new Map([[c.label, { name: name.value, description: desc.value }]]), { cards: false });
      };
      let timer = 0;
      for (const input of [name, desc]) {
        input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(commit, 500); });
        input.addEventListener('change', () => { clearTimeout(timer); commit(); });
      }
      box.append(el('article', { className: 'cluster-card', 'data-label': c.label },
        el('div', { className: 'cc-head' }, swatch(clusterColor(c.label)), name, el('span', { className: 'cc-size muted', text: `${fmtInt(c.size)} texts` })),
        desc,
        el('div', { className: 'cc-kw' }, (c.keywords ?? []).slice(0, 8).map((k) => el('span', { className: 'kw', text: k.word }))),
        el('ol', { className: 'cc-reps' }, (reps.get(c.label) ?? []).map((i) => el('li', { text: state.texts[i] })))));
    }
    if (shown.length < sorted.length) {
      const more = el('button', { type: 'button', className: 'btn btn-secondary cc-more', text: `Show the ${fmtInt(sorted.length - shown.length)} smaller clusters too` });
      more.addEventListener('click', () => { allCards = true; renderCards(); });
      box.append(more);
    }
  }

  // the names come back with the labels; the cards wait for the keywords, which follow at once
  app.on('labels', () => { if (restore()) app.renderClusters(); });
  app.on('keywords', () => { if (restore()) app.renderClusters(); render(); });
  app.on('stopped', render); // a run stopped between the labels and their keywords
  app.on('map-opened', () => {
    computeSignatures();
    for (const c of state.clusters) if (c.name || c.description) store.set(sigOf.get(c.label), { name: c.name ?? '', description: c.description ?? '' });
    app.renderClusters();
    render();
  });
  app.on('reset', () => { store.clear(); sigOf = new Map(); allCards = false; render(); });
  render();
}
