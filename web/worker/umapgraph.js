// umapgraph.js (worker side) — the fuzzy k-nearest-neighbour graph UMAP builds before it lays points
// out, for drawing it: each point joined to its k nearest neighbours, closer neighbours with a stronger
// membership (umap-learn's smooth_knn_dist and compute_membership_strengths), the two directions merged
// by the fuzzy union and edges too weak to be sampled pruned — all of it the engine's (umap_graph.c).
// A layout the session ran keeps its fitted UMAP, so its graph is the one the SGD sampled; without
// one (e.g. another n_neighbors) the same engine code builds it from the engine's kNN.

import { knnSearchWith, umapGraphWith } from './umap.js';

/** {n, k, rows, cols, weights, knn} from the engine's CSR graph and the kNN it came from. */
export function graphRecord(g, knn) {
  const n = g.n;
  const rows = new Int32Array(g.indices.length);
  for (let i = 0; i < n; i++) rows.fill(i, g.indptr[i], g.indptr[i + 1]);
  return { n, k: knn.k, rows, cols: g.indices, weights: g.weights, knn: { indices: knn.indices, distances: knn.distances } };
}

/**
 * The graph UMAP builds for `vectors` (in the engine's heap) with the layout's options (the library's
 * UMAP options after defaults): {n, k, rows, cols, weights, knn: {indices, distances}} — every entry of
 * the symmetric matrix (both directions), row by row.
 */
export function graphFromVectors(engine, vectors, opts) {
  const n = vectors.n;
  if (n < 2) return { n, k: 0, rows: new Int32Array(0), cols: new Int32Array(0), weights: new Float32Array(0), knn: { indices: new Int32Array(0), distances: new Float32Array(0) } };
  const k = Math.max(2, Math.min(opts.nNeighbors, n - 1));
  const knn = knnSearchWith(engine, vectors, { k: Math.min(k, n), metric: opts.metric, method: opts.knn, seed: opts.seed });
  return graphRecord(umapGraphWith(engine, knn, opts), knn);
}
