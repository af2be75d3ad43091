// hdbscan.js — HDBSCAN clustering with the meaning of the Python `hdbscan` library (see
// wasm/src/hdbscan.h): labels (-1 = noise), membership probabilities, GLOSH outlier scores and the
// condensed tree.
//
//   const { labels, nClusters } = await hdbscan(xy, { minClusterSize: 15 });
//
//   // sliders: the spanning tree stays in one worker, only condensation + selection rerun
//   const c = await createClusterer(xy, { minSamples: 5 });
//   const r1 = await c.cluster({ minClusterSize: 10 });
//   const r2 = await c.cluster({ minClusterSize: 25, method: 'leaf' });
//   c.dispose();
//
// Engine-level functions (hdbscanPrepare, hdbscanSelect, hdbscanRun) work in-process on an Engine;
// hdbscanOps are the worker handlers ('hdbscan.run', 'hdbscan.prepare', 'hdbscan.cluster',
// 'hdbscan.free').
//
//   // min_samples slider: neighbours once for the largest min_samples, then a tree per value
//   const nb = hdbscanNeighbors(engine, xy, { kMax: 100 });
//   const t7 = hdbscanPrepareFromNeighbors(engine, nb, { minSamples: 7 });   // same tree as hdbscanPrepare
//   const r = hdbscanSelect(engine, t7, { minClusterSize: 15 });
//   hdbscanFree(engine, t7); hdbscanNeighborsFree(engine, nb);

import { EmbedscapeError, AbortError } from './engine.js';
import { getDefaultPool } from './pool.js';

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

function toMatrix(points) {
  if (points && points.data instanceof Float32Array && Number.isInteger(points.n) && Number.isInteger(points.dim)) {
    if (points.data.length < points.n * points.dim) throw new EmbedscapeError(`points: data has ${points.data.length} values, expected ${points.n}x${points.dim}`);
    return points;
  }
  if (points && (points.data instanceof Float64Array || Array.isArray(points.data)) && Number.isInteger(points.n) && Number.isInteger(points.dim)) {
    return { data: Float32Array.from(points.data), n: points.n, dim: points.dim };
  }
  if (Array.isArray(points)) {
    const n = points.length;
    const dim = n ? points[0].length : 0;
    const data = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const row = points[i];
      if (!row || row.length !== dim) throw new EmbedscapeError(`points: row ${i} has ${row?.length ?? 0} values, expected ${dim}`);
      for (let j = 0; j < dim; j++) data[i * dim + j] = row[j];
    }
    return { data, n, dim };
  }
  throw new EmbedscapeError('points must be a Matrix {data: Float32Array, n, dim} or an array of rows');
}

function intOpt(v, name, min) {
  if (!Number.isInteger(v) || v < min) throw new EmbedscapeError(`${name} must be a whole number >= ${min}, got ${v}`);
  return v;
}

/** Validates and fills defaults (library semantics: minSamples defaults to minClusterSize). */
export function normalizeHdbscanOptions(opts = {}) {
  const minClusterSize = intOpt(opts.minClusterSize ?? 5, 'minClusterSize', 2);
  const minSamples = intOpt(opts.minSamples ?? minClusterSize, 'minSamples', 1);
  const method = opts.method ?? 'eom';
  if (!(method in METHODS)) throw new EmbedscapeError(`method must be 'eom' or 'leaf', got '${method}'`);
  const algorithm = opts.algorithm ?? 'auto';
  if (!(algorithm in ALGORITHMS)) throw new EmbedscapeError(`algorithm must be one of ${Object.keys(ALGORITHMS).join(', ')}, got '${algorithm}'`);
  const clusterSelectionEpsilon = opts.clusterSelectionEpsilon ?? 0;
  if (typeof clusterSelectionEpsilon !== 'number' || !Number.isFinite(clusterSelectionEpsilon) || clusterSelectionEpsilon < 0) {
    throw new EmbedscapeError(`clusterSelectionEpsilon must be a finite number >= 0, got ${clusterSelectionEpsilon}`);
  }
  const maxClusterSize = intOpt(opts.maxClusterSize ?? 0, 'maxClusterSize', 0);
  return {
    minClusterSize, minSamples, method, algorithm, clusterSelectionEpsilon, maxClusterSize,
    allowSingleCluster: !!opts.allowSingleCluster, condensedTree: !!opts.condensedTree,
  };
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
  const m = toMatrix(points);
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
  const m = toMatrix(points);
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

function checkAborted(ctx) {
  if (ctx.aborted()) throw new AbortError();
}

export const hdbscanOps = {
  /** args: {data, n, dim, ...HdbscanOptions} -> HdbscanResult */
  async 'hdbscan.run'(ctx, args) {
    checkAborted(ctx);
    const r = hdbscanRun(ctx.engine, { data: args.data, n: args.n, dim: args.dim }, args);
    return publicResult(r);
  },
  /** args: {id, data, n, dim, minSamples, algorithm} -> {n, minSamples} ; keeps the tree under id */
  async 'hdbscan.prepare'(ctx, args) {
    checkAborted(ctx);
    const key = `hdbscan:${args.id}`;
    const old = ctx.state.get(key);
    if (old) hdbscanFree(ctx.engine, old);
    const handle = hdbscanPrepare(ctx.engine, { data: args.data, n: args.n, dim: args.dim }, args);
    ctx.state.set(key, handle);
    return { n: handle.n, minSamples: ctx.engine.raw('es_hdbscan_min_samples_used', handle.ptr) };
  },
  /** args: {id, ...selection options} -> HdbscanResult */
  async 'hdbscan.cluster'(ctx, args) {
    const handle = ctx.state.get(`hdbscan:${args.id}`);
    if (!handle) throw new EmbedscapeError('this clusterer was disposed (or prepared in another worker)');
    return publicResult(hdbscanSelect(ctx.engine, handle, args));
  },
  /** args: {id} */
  async 'hdbscan.free'(ctx, args) {
    const key = `hdbscan:${args.id}`;
    const handle = ctx.state.get(key);
    if (handle) hdbscanFree(ctx.engine, handle);
    ctx.state.delete(key);
    return true;
  },
};

// ------------------------------------------------------------------ public API

/**
 * HDBSCAN of points (n x dim), run in a pool worker.
 * @param {{data: Float32Array, n: number, dim: number} | number[][]} points
 * @param {HdbscanOptions} [opts]
 * @param {{pool?: import('./pool.js').WorkerPool, signal?: AbortSignal, onProgress?: (p: any) => void}} [run]
 * @returns {Promise<HdbscanResult>}
 */
export async function hdbscan(points, opts = {}, run = {}) {
  const o = normalizeHdbscanOptions(opts);
  const m = toMatrix(points);
  const pool = run.pool ?? getDefaultPool();
  const data = m.data.slice(0, m.n * m.dim);
  return pool.run('hdbscan.run', { ...o, data, n: m.n, dim: m.dim }, { signal: run.signal, onProgress: run.onProgress, transfer: [data.buffer] });
}

let nextClusterer = 0;

/**
 * Prepares points for repeated clustering: the minimum spanning tree is built once (it depends only
 * on minSamples) and kept in one worker; cluster() then reruns only condensation and selection.
 * @param {{data: Float32Array, n: number, dim: number} | number[][]} points
 * @param {{minSamples?: number, algorithm?: string}} [opts] minSamples defaults to 5
 * @param {{pool?: import('./pool.js').WorkerPool, signal?: AbortSignal}} [run]
 * @returns {Promise<{n: number, minSamples: number, cluster: (opts?: HdbscanOptions) => Promise<HdbscanResult>, dispose: () => Promise<void>}>}
 */
export async function createClusterer(points, opts = {}, run = {}) {
  const m = toMatrix(points);
  const minSamples = intOpt(opts.minSamples ?? 5, 'minSamples', 1);
  const algorithm = opts.algorithm ?? 'auto';
  if (!(algorithm in ALGORITHMS)) throw new EmbedscapeError(`unknown algorithm '${algorithm}'`);
  const pool = run.pool ?? getDefaultPool();
  const worker = nextClusterer;
  const id = `c${nextClusterer++}-${Math.random().toString(36).slice(2)}`;
  const data = m.data.slice(0, m.n * m.dim);
  const info = await pool.run('hdbscan.prepare', { id, data, n: m.n, dim: m.dim, minSamples, algorithm },
    { worker, signal: run.signal, transfer: [data.buffer] });
  let disposed = false;
  return {
    n: info.n,
    minSamples: info.minSamples,
    /** @param {HdbscanOptions} [sel] */
    async cluster(sel = {}) {
      if (disposed) throw new EmbedscapeError('this clusterer was disposed');
      const o = normalizeHdbscanOptions({ ...sel, minSamples: minSamples });
      return pool.run('hdbscan.cluster', { id, ...o }, { worker, signal: sel.signal });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      try { await pool.run('hdbscan.free', { id }, { worker }); } catch { /* pool already gone */ }
    },
  };
}
