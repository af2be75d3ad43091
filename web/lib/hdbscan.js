// hdbscan.js — HDBSCAN clustering with the meaning of the Python `hdbscan` library (see
// wasm/src/hdbscan.h), main side: labels (-1 = noise), membership probabilities, GLOSH outlier scores
// and, on request, the condensed tree. Options are HDBSCAN_OPTIONS of options.js (minSamples defaults to
// minClusterSize, as in the library); the worker side is web/worker/hdbscan.js.
//
//   const { labels, nClusters } = await hdbscan(xy, { minClusterSize: 15 });
//
//   // sliders: the spanning tree (it depends on minSamples only) stays in one worker; cluster()
//   // reruns only condensation and selection
//   const c = await createClusterer(xy, { minSamples: 5 });
//   const r1 = await c.cluster({ minClusterSize: 10 });
//   const r2 = await c.cluster({ minClusterSize: 25, method: 'leaf' });
//   await c.dispose();

import { EmbedscapeError } from './errors.js';
import { getDefaultPool } from './pool.js';
import { OP } from './protocol.js';
import { HDBSCAN_OPTIONS, RUN_OPTIONS, checkOptions, pick } from './options.js';
import { toMatrix } from './matrix.js';

/** HDBSCAN of points (a Matrix, number[][] or typed-array rows), in a pool worker. */
export async function hdbscan(points, opts = {}) {
  const o = checkOptions(HDBSCAN_OPTIONS, opts, 'hdbscan');
  const m = toMatrix(points, 'hdbscan: points');
  const data = m.data.slice(); // a copy to move: the caller keeps its points
  return (o.pool ?? getDefaultPool()).run(OP.HDBSCAN_RUN, { ...pick(HDBSCAN_OPTIONS, o), data, n: m.n, dim: m.dim },
    { signal: o.signal, onProgress: o.onProgress, transfer: [data.buffer] });
}

const TREE_OPTIONS = { minSamples: { ...HDBSCAN_OPTIONS.minSamples, default: 5 }, algorithm: HDBSCAN_OPTIONS.algorithm };
const SELECT_OPTIONS = Object.fromEntries(Object.entries(HDBSCAN_OPTIONS).filter(([k]) => k !== 'minSamples' && k !== 'algorithm'));
let nextClusterer = 0;

/**
 * Builds the spanning tree of points once (for one minSamples, default 5) and keeps it in one worker.
 * @returns {Promise<{n: number, minSamples: number, cluster: (opts?: object) => Promise<object>, dispose: () => Promise<void>}>}
 */
export async function createClusterer(points, opts = {}) {
  const o = checkOptions(TREE_OPTIONS, opts, 'createClusterer');
  const m = toMatrix(points, 'createClusterer: points');
  const pool = o.pool ?? getDefaultPool();
  await pool.start();
  const worker = nextClusterer % pool.size;
  const id = `c${nextClusterer++}-${Math.random().toString(36).slice(2)}`;
  const data = m.data.slice();
  const info = await pool.run(OP.HDBSCAN_PREPARE, { id, data, n: m.n, dim: m.dim, minSamples: o.minSamples, algorithm: o.algorithm },
    { worker, signal: o.signal, transfer: [data.buffer] });
  let disposed = false;
  return {
    n: info.n,
    minSamples: info.minSamples,
    /** Cuts the tree: minClusterSize, method, allowSingleCluster, clusterSelectionEpsilon, maxClusterSize, condensedTree. */
    async cluster(sel = {}) {
      if (disposed) throw new EmbedscapeError('this clusterer was disposed');
      const s = checkOptions(SELECT_OPTIONS, sel, 'cluster', { signal: RUN_OPTIONS.signal });
      return pool.run(OP.HDBSCAN_CLUSTER, { id, ...pick(SELECT_OPTIONS, s), minSamples: o.minSamples }, { worker, signal: s.signal });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await pool.run(OP.HDBSCAN_FREE, { id }, { worker }).catch(() => {});
    },
  };
}
