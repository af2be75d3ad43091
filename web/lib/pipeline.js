// pipeline.js — the stages of a session and the one rule for "what reruns": each stage has a key made
// of the options it reads (after defaults: min_samples following min_cluster_size is a real change of
// min_samples) and the keys of the stages it reads from. A stage whose key differs from the key of its
// last result is stale; so, through their keys, are the stages after it. Pure data and functions, no
// imports but options.js: the session (session.js), its tests and the page read the same rule.
//
//   texts ──embed──▶ vectors ──UMAP──▶ layout (2-D map) ─────────────┐
//                          └──UMAP──▶ layout5 (5-D "meaning space") ─┴─▶ tree (min_samples) ──▶ labels (min_cluster_size …) ──▶ keywords

import { UMAP_OPTIONS, HDBSCAN_OPTIONS, KEYWORDS_OPTIONS, defaultsOf } from './options.js';

/** Where HDBSCAN clusters: the 2-D map, or a 5-dimensional UMAP of the vectors (BERTopic's recipe). */
export const CLUSTER_SPACES = Object.freeze(['layout', 'layout5']);

/** The 5-D layout's own options (BERTopic: n_components 5, min_dist 0); the rest follow the map's. */
export const LAYOUT5_OPTIONS = Object.freeze({ nComponents: 5, minDist: 0 });

/** Every option a session takes, grouped as setOptions() takes them, with their defaults. */
export const SESSION_DEFAULTS = Object.freeze({
  umap: defaultsOf(UMAP_OPTIONS),
  hdbscan: defaultsOf(HDBSCAN_OPTIONS),
  keywords: defaultsOf(KEYWORDS_OPTIONS),
  clusterOn: 'layout',
});

const only = (o, keys) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
const SELECT_KEYS = ['minClusterSize', 'method', 'allowSingleCluster', 'clusterSelectionEpsilon', 'maxClusterSize'];

/**
 * The stages in the order they run. `after(s)` names the stages read; `reads(s)` the options (and
 * inputs) read, as a plain object; `needed(s)` whether the stage is part of the pipeline at all.
 * s = {texts: version, vectors: 'model id' | 'given', umap, hdbscan, keywords, clusterOn, layoutGiven, layoutVectors}
 * (layoutVectors: a given layout came with its vectors, which are put in as given vectors are).
 */
export const STAGES = Object.freeze([
  { name: 'vectors', after: () => [], reads: (s) => ({ texts: s.texts, source: s.vectors }), needed: (s) => !s.layoutGiven || s.layoutVectors },
  { name: 'layout', after: () => ['vectors'], reads: (s) => (s.layoutGiven ? { given: s.layoutGiven } : { umap: s.umap }), needed: () => true },
  { name: 'layout5', after: () => ['vectors'], reads: (s) => ({ umap: { ...s.umap, ...LAYOUT5_OPTIONS } }), needed: (s) => s.clusterOn === 'layout5' },
  { name: 'tree', after: (s) => [s.clusterOn], reads: (s) => ({ minSamples: s.hdbscan.minSamples ?? s.hdbscan.minClusterSize, space: s.clusterOn }), needed: () => true },
  { name: 'labels', after: () => ['tree'], reads: (s) => only(s.hdbscan, SELECT_KEYS), needed: () => true },
  { name: 'keywords', after: () => ['labels'], reads: (s) => ({ topN: s.keywords.topN }), needed: () => true },
]);

export const STAGE_NAMES = Object.freeze(STAGES.map((st) => st.name));

/** The key of every needed stage for state s: {stage: string}. */
export function stageKeys(s) {
  const keys = {};
  for (const st of STAGES) {
    if (!st.needed(s)) continue;
    const inputs = st.after(s).map((a) => keys[a] ?? `${a}:none`);
    keys[st.name] = JSON.stringify([st.name, st.reads(s), inputs]);
  }
  return keys;
}

/**
 * The stages that must run, in order, given the keys of what was computed last (`done`: {stage: key}).
 * `until` stops after that stage.
 */
export function plan(s, done = {}, until = 'keywords') {
  const keys = stageKeys(s);
  const out = [];
  for (const st of STAGES) {
    if (keys[st.name] !== undefined && keys[st.name] !== done[st.name]) out.push(st.name);
    if (st.name === until) break;
  }
  return out;
}
