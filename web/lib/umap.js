// umap.js — UMAP with umap-learn's defaults and meaning, main side: the matrix goes to one worker of
// the pool. The kNN search is shared by every worker of the pool (umap-parallel.js: the same bytes
// whatever their number); one worker builds the fuzzy graph and runs the SGD layout. The
// options (names, defaults, ranges) are UMAP_OPTIONS of options.js; the worker side is web/worker/umap.js.
//
//   const xy = await umap(vectors, { nNeighbors: 15, minDist: 0.1, seed: 42,
//     onProgress: (p) => draw(p.embedding),   // {status: 'layout', done: epoch, total: nEpochs, embedding?}
//     signal });                              // rejects with signal.reason when it fires
//
// `embedding` (a Matrix snapshot) comes with progress at most ~30 times a second and with the last
// epoch, so a page can draw the layout settling. knnSearch(x, {k, metric, method, seed}) gives the
// neighbour table UMAP starts from (row i lists i itself first).

import { getDefaultPool } from './pool.js';
import { OP } from './protocol.js';
import { UMAP_OPTIONS, RUN_OPTIONS, checkOptions, pick, INT_MAX } from './options.js';
import { EmbedscapeError } from './errors.js';
import { toMatrix } from './matrix.js';
import { umapParallel } from './umap-parallel.js';

/**
 * UMAP of the rows of x (a Matrix, number[][] or typed-array rows).
 * @returns {Promise<{data: Float32Array, n: number, dim: number}>} n x nComponents
 */
export async function umap(x, opts = {}) {
  const o = checkOptions(UMAP_OPTIONS, opts, 'umap');
  const m = toMatrix(x, 'umap: x');
  const pool = o.pool ?? getDefaultPool();
  const res = await umapParallel(pool, m, pick(UMAP_OPTIONS, o), { signal: o.signal, onProgress: o.onProgress });
  return res.embedding;
}

const KNN_OPTIONS = {
  k: { type: 'int', default: 15, min: 1, max: INT_MAX, help: 'neighbours per row, the row itself included' },
  metric: UMAP_OPTIONS.metric,
  method: UMAP_OPTIONS.knn,
  seed: UMAP_OPTIONS.seed,
};

/** k nearest neighbours of every row: {indices: Int32Array, distances: Float32Array, n, k}; row i lists i first. */
export async function knnSearch(x, opts = {}) {
  const o = checkOptions(KNN_OPTIONS, opts, 'knnSearch');
  const m = toMatrix(x, 'knnSearch: x');
  return (o.pool ?? getDefaultPool()).run(OP.KNN, { matrix: { data: m.data, n: m.n, dim: m.dim }, opts: pick(KNN_OPTIONS, o) }, { signal: o.signal });
}

const TRANSFORM_CALL = {
  nEpochs: { ...UMAP_OPTIONS.nEpochs, help: "epochs of the optimisation (default: umap-learn's rule, a third of the fit's nEpochs when it was given, else 100 up to 10 000 points and 30 above)" },
  seed: { ...UMAP_OPTIONS.seed, default: 42, help: "random seed of the optimisation (umap-learn's transform_seed, 42)" },
};

/**
 * A UMAP map that new points can be placed on: the rows it was made from, their positions and the
 * options. Made by fitUmap or umapFromLayout; it holds its data on the main side and sends it with
 * each transform, so it keeps no worker busy between calls.
 */
export class UmapFitted {
  constructor(x, embedding, options, pool) {
    this._x = x;
    this.embedding = embedding;
    /** the UMAP options of the map (UMAP_OPTIONS' names, defaults filled in) */
    this.options = options;
    this._pool = pool;
  }

  get n() { return this.embedding.n; }

  /**
   * Where new points (rows of the map's width: a Matrix, number[][], typed-array rows) would go.
   * opts: {nEpochs, seed, signal}. The same bytes as session.place on the session that made the map.
   * @returns {Promise<{embedding: {data: Float32Array, n: number, dim: number}, indices: Int32Array, weights: Float32Array, k: number}>}
   *   indices/weights (m * k): each new point's neighbours among the map's rows, nearest first, and their membership strengths
   */
  async transform(points, opts = {}) {
    if (!this._x) throw new EmbedscapeError('this UMAP was disposed');
    const o = checkOptions(TRANSFORM_CALL, opts, 'transform', { signal: RUN_OPTIONS.signal, pool: RUN_OPTIONS.pool });
    const m = toMatrix(points, 'transform: points');
    if (m.dim !== this._x.dim) throw new EmbedscapeError(`transform: the new points have ${m.dim} values per row, the map's rows ${this._x.dim}`);
    const pool = o.pool ?? this._pool ?? getDefaultPool();
    const x = this._x, e = this.embedding;
    return pool.run(OP.UMAP_TRANSFORM, {
      train: { data: x.data, n: x.n, dim: x.dim }, embedding: { data: e.data, n: e.n, dim: e.dim },
      opts: this.options, points: { data: m.data, n: m.n, dim: m.dim }, transform: { nEpochs: o.nEpochs, seed: o.seed },
    }, { signal: o.signal });
  }

  /** Drops the map's data (transform() then throws). */
  dispose() { this._x = null; }
}

/** UMAP of the rows of x (as umap()), kept with them so that new points can be placed on it: a UmapFitted. */
export async function fitUmap(x, opts = {}) {
  const o = checkOptions(UMAP_OPTIONS, opts, 'fitUmap');
  const m = toMatrix(x, 'fitUmap: x');
  const options = pick(UMAP_OPTIONS, o);
  const pool = o.pool ?? getDefaultPool();
  const res = await umapParallel(pool, m, options, { signal: o.signal, onProgress: o.onProgress });
  return new UmapFitted(m, res.embedding, options, o.pool ?? null);
}

/**
 * A map made before (a saved map): its rows x, their positions `embedding` (n x nComponents) and the
 * UMAP options it was made with (UMAP_OPTIONS' names: at least nNeighbors, minDist, metric as used).
 * Nothing runs until transform(). Placing onto a map is the same as on the fit that made it.
 */
export function umapFromLayout(x, embedding, opts = {}) {
  const o = checkOptions(UMAP_OPTIONS, opts, 'umapFromLayout', { pool: RUN_OPTIONS.pool });
  const m = toMatrix(x, 'umapFromLayout: x');
  const e = toMatrix(embedding, 'umapFromLayout: embedding');
  if (e.n !== m.n) throw new EmbedscapeError(`umapFromLayout: ${e.n} positions for ${m.n} rows`);
  if (m.n < 2) throw new EmbedscapeError('umapFromLayout: a map needs at least 2 points');
  for (let i = 0; i < e.data.length; i++) {
    if (!Number.isFinite(e.data[i])) throw new EmbedscapeError(`umapFromLayout: position ${Math.floor(i / e.dim)} is not finite (${e.data[i]})`);
  }
  if (opts?.nComponents !== undefined && opts.nComponents !== e.dim) throw new EmbedscapeError(`umapFromLayout: nComponents is ${opts.nComponents}, the positions have ${e.dim} columns`);
  const options = pick(UMAP_OPTIONS, { ...o, nComponents: e.dim });
  return new UmapFitted(m, e, options, o.pool ?? null);
}
