// hdbscan.js (worker side) — HDBSCAN clustering with the meaning of the Python `hdbscan` library (see
// wasm/src/hdbscan.h), run by an engine: labels (-1 = noise), membership probabilities, GLOSH outlier
// scores and the condensed tree. hdbscanPrepare builds the spanning tree (it depends on minSamples
// only); hdbscanSelect cuts it for a minClusterSize (cheap, O(n)); hdbscanRun does both. The main-side
// API is web/lib/hdbscan.js (hdbscan, createClusterer); options are web/lib/options.js HDBSCAN_OPTIONS.
//
//   // min_samples slider: neighbours once for the largest min_samples, then a tree per value
//   const nb = hdbscanNeighbors(engine, xy, { kMax: 100 });
//   const t7 = hdbscanPrepareFromNeighbors(engine, nb, { minSamples: 7 });   // same tree as hdbscanPrepare
//   const r = hdbscanSelect(engine, t7, { minClusterSize: 15 });
//   hdbscanFree(engine, t7); hdbscanNeighborsFree(engine, nb);

import { EmbedscapeError } from './engine.js';
import { OP } from '../lib/protocol.js';
import { HDBSCAN_OPTIONS, checkOptions, pick } from '../lib/options.js';
import { toMatrix } from '../lib/matrix.js';

const METHODS = { eom: 0, leaf: 1 };
const ALGORITHMS = { auto: 0, prims: 1, boruvka_kdtree: 2, prims_kdtree: 3 };
const ALGORITHM_NAMES = Object.fromEntries(Object.entries(ALGORITHMS).map(([k, v]) => [v, k]));

/**
 * @typedef {object} HdbscanOptions
 * @property {number} [minClusterSize=5] smallest group that counts as a cluster (>= 2)
 * @property {number} [minSamples] neighbours that define a point's core distance (default: minClusterSize)
 * @property {'eom'|'leaf'} [method='eom'] cluster selection: excess of mass or the leaves of the tree
 * @property {boolean} [allowSingleCluster=false] allow the whole data set as one cluster
 * @property {number} [clusterSelectionEpsilon=0] distance below which clusters are not split
 * @property {number} [maxClusterSize=0] largest cluster excess of mass may select (0 = no limit)
 * @property {'auto'|'prims'|'boruvka_kdtree'|'prims_kdtree'} [algorithm='auto'] how the spanning tree is found
 * @property {boolean} [condensedTree=false] also return the condensed tree (for drawing)
 */

/**
 * @typedef {object} HdbscanResult
 * @property {Int32Array} labels -1 = noise, else 0..nClusters-1 (numbered in condensed-tree order, as the library)
 * @property {Float32Array} probabilities membership strength in [0, 1] (0 for noise)
 * @property {Float32Array} outlierScores GLOSH outlier scores in [0, 1]
 * @property {number} nClusters
 * @property {number} minSamples the min_samples used (clamped to n - 1 like the library)
 * @property {string} algorithm the spanning-tree algorithm that ran
 * @property {number} mstWeightSum total weight of the minimum spanning tree
 * @property {{parent: Int32Array, child: Int32Array, lambda: Float64Array, childSize: Int32Array,
 *   clusterNodes: Int32Array, clusterStabilities: Float64Array}} [condensedTree]
 *   rows of the condensed tree (ids < n are points, n is the root); clusterNodes[label] is the tree
 *   node of each cluster
 */

function intOpt(v, name, min) {
  if (!Number.isInteger(v) || v < min) throw new EmbedscapeError(`${name} must be a whole number >= ${min}, got ${v}`);
  return v;
}

/**
 * Validates and fills defaults (library semantics: minSamples defaults to minClusterSize). Keys that are
 * not HDBSCAN options (ids, data sent along in a task) are ignored here; the main side rejects them.
 */
export function normalizeHdbscanOptions(opts = {}) {
  const o = checkOptions(HDBSCAN_OPTIONS, pick(HDBSCAN_OPTIONS, opts ?? {}), 'hdbscan', null);
  return { ...o, minSamples: o.minSamples ?? o.minClusterSize };
}

// ------------------------------------------------------------------ engine level

/**
 * Builds the spanning tree of points inside an engine; returns a handle {ptr, n} to pass to
 * hdbscanSelect and free with hdbscanFree.
 * @param {import('./engine.js').Engine} engine
 * @param {{data: Float32Array, n: number, dim: number}} points
 * @param {{minSamples: number, algorithm?: string}} opts
 */
export function hdbscanPrepare(engine, points, opts) {
  const m = toMatrix(points, 'points', { minRows: 0 });
  const minSamples = intOpt(opts.minSamples, 'minSamples', 1);
  const algorithm = ALGORITHMS[opts.algorithm ?? 'auto'];
  if (algorithm === undefined) throw new EmbedscapeError(`unknown algorithm '${opts.algorithm}'`);
  if (m.n < 1) throw new EmbedscapeError('HDBSCAN needs at least one point');
  return engine.scoped((alloc, copy) => {
    const x = copy(m.data.subarray(0, m.n * m.dim));
    const out = alloc(4);
    engine.call('es_hdbscan_create', x, m.n, m.dim, minSamples, algorithm, out);
    return { ptr: engine.getU32(out), n: m.n };
  });
}

/**
 * Neighbours of points for many min_samples: exact duplicates collapsed, a kd-tree and each distinct
 * point's kMax nearest others, kept inside the engine (about 4 * kMax bytes per point). Free with
 * hdbscanNeighborsFree; trees made from it stay valid after.
 * @param {import('./engine.js').Engine} engine
 * @param {{data: Float32Array, n: number, dim: number} | number[][]} points
 * @param {{kMax: number}} opts kMax: the largest minSamples to be asked for (the slider's maximum)
 * @returns {{ptr: number, n: number, kMax: number, nDistinct: number, bytes: number}}
 */
export function hdbscanNeighbors(engine, points, opts) {
  const m = toMatrix(points, 'points', { minRows: 0 });
  const kMax = intOpt(opts?.kMax, 'kMax', 1);
  if (m.n < 1) throw new EmbedscapeError('HDBSCAN needs at least one point');
  return engine.scoped((alloc, copy) => {
    const x = copy(m.data.subarray(0, m.n * m.dim));
    const out = alloc(4);
    engine.call('es_hdbscan_neighbors_create', x, m.n, m.dim, kMax, out);
    const ptr = engine.getU32(out);
    return { ptr, n: m.n, kMax, nDistinct: engine.raw('es_hdbscan_neighbors_n_distinct', ptr), bytes: engine.raw('es_hdbscan_neighbors_bytes', ptr) };
  });
}

/** Frees neighbours from hdbscanNeighbors (trees made from them stay valid). */
export function hdbscanNeighborsFree(engine, nb) {
  if (nb && nb.ptr) engine.raw('es_hdbscan_neighbors_free', nb.ptr);
  if (nb) nb.ptr = 0;
}

/**
 * The tree for one minSamples (<= kMax) from kept neighbours: the same tree, edge order and labels as
 * hdbscanPrepare on the same points, without the neighbour search. Returns a handle {ptr, n, bytes}
 * for hdbscanSelect, freed with hdbscanFree; bytes = the tree's memory in the engine (hdbscanBytes
 * tells it again after a selection, whose results the handle also holds).
 * @param {import('./engine.js').Engine} engine
 * @param {{ptr: number, n: number, kMax: number}} nb from hdbscanNeighbors
 * @param {{minSamples: number, algorithm?: string}} opts
 */
export function hdbscanPrepareFromNeighbors(engine, nb, opts) {
  if (!nb || !nb.ptr) throw new EmbedscapeError('these neighbours were freed');
  const minSamples = intOpt(opts?.minSamples, 'minSamples', 1);
  const algorithm = ALGORITHMS[opts.algorithm ?? 'auto'];
  if (algorithm === undefined) throw new EmbedscapeError(`unknown algorithm '${opts.algorithm}'`);
  return engine.scoped((alloc) => {
    const out = alloc(4);
    engine.call('es_hdbscan_create_from_neighbors', nb.ptr, minSamples, algorithm, out);
    const ptr = engine.getU32(out);
    return { ptr, n: nb.n, bytes: engine.raw('es_hdbscan_bytes', ptr) };
  });
}

/** Heap bytes a handle holds in the engine: its tree and its last selection's results. */
export function hdbscanBytes(engine, handle) {
  if (!handle || !handle.ptr) throw new EmbedscapeError('this clusterer was disposed');
  return engine.raw('es_hdbscan_bytes', handle.ptr);
}

/** Frees a handle from hdbscanPrepare. */
export function hdbscanFree(engine, handle) {
  if (handle && handle.ptr) engine.raw('es_hdbscan_free', handle.ptr);
  if (handle) handle.ptr = 0;
}

/**
 * Condensation + selection on a prepared handle.
 * @returns {HdbscanResult & {coreDistances: Float64Array, probabilities64: Float64Array, outlierScores64: Float64Array}}
 */
export function hdbscanSelect(engine, handle, opts = {}) {
  if (!handle || !handle.ptr) throw new EmbedscapeError('this clusterer was disposed');
  const o = normalizeHdbscanOptions({ ...opts, minSamples: opts.minSamples ?? 1 });
  const h = handle.ptr;
  engine.call('es_hdbscan_select', h, o.minClusterSize, METHODS[o.method], o.allowSingleCluster ? 1 : 0,
    o.clusterSelectionEpsilon, o.maxClusterSize);
  const n = handle.n;
  const nClusters = engine.raw('es_hdbscan_n_clusters', h);
  const labels = engine.readI32(engine.raw('es_hdbscan_labels', h) >>> 0, n);
  const probabilities64 = engine.readF64(engine.raw('es_hdbscan_probabilities', h) >>> 0, n);
  const outlierScores64 = engine.readF64(engine.raw('es_hdbscan_outlier_scores', h) >>> 0, n);
  const result = {
    labels,
    probabilities: Float32Array.from(probabilities64),
    outlierScores: Float32Array.from(outlierScores64),
    nClusters,
    minSamples: engine.raw('es_hdbscan_min_samples_used', h),
    algorithm: ALGORITHM_NAMES[engine.raw('es_hdbscan_algorithm_used', h)],
    mstWeightSum: engine.raw('es_hdbscan_mst_weight_sum', h),
    coreDistances: engine.readF64(engine.raw('es_hdbscan_core_distances', h) >>> 0, n),
    probabilities64,
    outlierScores64,
  };
  if (o.condensedTree) {
    const rows = engine.raw('es_hdbscan_condensed_size', h);
    result.condensedTree = {
      parent: engine.readI32(engine.raw('es_hdbscan_condensed_parent', h) >>> 0, rows),
      child: engine.readI32(engine.raw('es_hdbscan_condensed_child', h) >>> 0, rows),
      lambda: engine.readF64(engine.raw('es_hdbscan_condensed_lambda', h) >>> 0, rows),
      childSize: engine.readI32(engine.raw('es_hdbscan_condensed_child_size', h) >>> 0, rows),
      clusterNodes: engine.readI32(engine.raw('es_hdbscan_cluster_nodes', h) >>> 0, nClusters),
      clusterStabilities: engine.readF64(engine.raw('es_hdbscan_cluster_stabilities', h) >>> 0, nClusters),
    };
  }
  return result;
}

/** One-shot HDBSCAN in-process (prepare + select + free). */
export function hdbscanRun(engine, points, opts = {}) {
  const o = normalizeHdbscanOptions(opts);
  const handle = hdbscanPrepare(engine, points, o);
  try {
    return hdbscanSelect(engine, handle, o);
  } finally {
    hdbscanFree(engine, handle);
  }
}

/** What crosses the worker boundary: the public fields, buffers transferred. */
function publicResult(r) {
  const out = {
    labels: r.labels, probabilities: r.probabilities, outlierScores: r.outlierScores, nClusters: r.nClusters,
    minSamples: r.minSamples, algorithm: r.algorithm, mstWeightSum: r.mstWeightSum,
  };
  const transfer = [r.labels.buffer, r.probabilities.buffer, r.outlierScores.buffer];
  if (r.condensedTree) {
    out.condensedTree = r.condensedTree;
    for (const v of Object.values(r.condensedTree)) transfer.push(v.buffer);
  }
  return { result: out, transfer };
}

// ------------------------------------------------------------------ worker operations

export const hdbscanOps = {
  /** args: {data, n, dim, ...HdbscanOptions} -> HdbscanResult */
  async [OP.HDBSCAN_RUN](ctx, args) {
    ctx.checkAborted();
    const r = hdbscanRun(ctx.engine, { data: args.data, n: args.n, dim: args.dim }, args);
    return publicResult(r);
  },
  /** args: {id, data, n, dim, minSamples, algorithm} -> {n, minSamples} ; keeps the tree under id */
  async [OP.HDBSCAN_PREPARE](ctx, args) {
    ctx.checkAborted();
    const key = `hdbscan:${args.id}`;
    const old = ctx.state.get(key);
    if (old) hdbscanFree(ctx.engine, old);
    const handle = hdbscanPrepare(ctx.engine, { data: args.data, n: args.n, dim: args.dim }, args);
    ctx.state.set(key, handle);
    return { n: handle.n, minSamples: ctx.engine.raw('es_hdbscan_min_samples_used', handle.ptr) };
  },
  /** args: {id, ...selection options} -> HdbscanResult */
  async [OP.HDBSCAN_CLUSTER](ctx, args) {
    const handle = ctx.state.get(`hdbscan:${args.id}`);
    if (!handle) throw new EmbedscapeError('this clusterer was disposed (or prepared in another worker)');
    return publicResult(hdbscanSelect(ctx.engine, handle, args));
  },
  /** args: {id} */
  async [OP.HDBSCAN_FREE](ctx, args) {
    const key = `hdbscan:${args.id}`;
    const handle = ctx.state.get(key);
    if (handle) hdbscanFree(ctx.engine, handle);
    ctx.state.delete(key);
    return true;
  },
};
