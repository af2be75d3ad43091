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
