// umapgraph.js (worker side) — the fuzzy k-nearest-neighbour graph UMAP builds before it lays points
// out, for drawing it: each point joined to its k nearest neighbours (the engine's kNN search, the one
// UMAP runs), closer neighbours with a stronger membership (umap-learn's smooth_knn_dist and
// compute_membership_strengths), the two directions merged by the fuzzy union (set_op_mix_ratio) and
// edges too weak to be sampled pruned (below max / n_epochs) — the steps of wasm/src/umap.c, in the
// same float32 arithmetic.
//
// The engine does not hand out the graph of the layout it ran yet; until it does, graphFromVectors
// repeats those steps here on the engine's kNN.

import { knnSearchWith } from './umap.js';

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;
const f = Math.fround;

/** umap-learn's smooth_knn_dist on rows of (n, k) ascending distances, self first. -> {sigma, rho} (Float32Array n) */
export function smoothKnnDist(dist, n, k, localConnectivity = 1) {
  const sigma = new Float32Array(n), rho = new Float32Array(n);
  const target = Math.log2(k);
  let meanAll = 0;
  for (let q = 0; q < n * k; q++) meanAll += dist[q];
  meanAll /= n * k;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let nz0 = 0, nnz = 0;
    for (let j = 0; j < k; j++) if (dist[o + j] > 0) { if (nnz === 0) nz0 = j; nnz++; }
    let r = 0;
    if (nnz >= localConnectivity) {
      const index = Math.floor(localConnectivity);
      const interp = localConnectivity - index;
      if (index > 0) {
        let v = dist[o + nz0 + index - 1];
        if (interp > SMOOTH_K_TOLERANCE) v += interp * (dist[o + nz0 + index] - dist[o + nz0 + index - 1]);
        r = f(v);
      } else {
        r = f(interp * dist[o + nz0]);
      }
    } else if (nnz > 0) {
      r = dist[o + nz0 + nnz - 1];
    }
    let lo = 0, hi = Infinity, mid = 1;
    for (let it = 0; it < 64; it++) {
      let psum = 0;
      for (let j = 1; j < k; j++) {
        const dd = dist[o + j] - r;
        psum += dd > 0 ? Math.exp(-(dd / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) { hi = mid; mid = (lo + hi) / 2; } else { lo = mid; mid = hi === Infinity ? mid * 2 : (lo + hi) / 2; }
    }
    let s = f(mid);
    if (r > 0) {
      let meanI = 0;
      for (let j = 0; j < k; j++) meanI += dist[o + j];
      meanI /= k;
      if (s < MIN_K_DIST_SCALE * meanI) s = f(MIN_K_DIST_SCALE * meanI);
    } else if (s < MIN_K_DIST_SCALE * meanAll) {
      s = f(MIN_K_DIST_SCALE * meanAll);
    }
    sigma[i] = s;
    rho[i] = r;
  }
  return { sigma, rho };
}

/**
 * The pruned fuzzy graph from a kNN (rows ascending, self first) as a symmetric CSR:
 * {indptr: Int32Array (n+1), indices: Int32Array, weights: Float32Array}, rows sorted by column.
 */
export function fuzzyGraph(idx, dist, n, k, { localConnectivity = 1, setOpMixRatio = 1, nEpochs } = {}) {
  const { sigma, rho } = smoothKnnDist(dist, n, k, localConnectivity);
  // directed memberships R[i, idx] and their transpose, gathered per row
  const rows = Array.from({ length: n }, () => new Map()); // col -> [r, rt]
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const e = i * k + j, c = idx[e];
      if (c < 0 || c === i) continue;
      const d = dist[e];
      const v = d - rho[i] <= 0 || sigma[i] === 0 ? 1 : f(Math.exp(f(-f(f(d - rho[i]) / sigma[i]))));
      if (v === 0) continue;
      const a = rows[i].get(c) ?? [0, 0]; a[0] = f(a[0] + v); rows[i].set(c, a);
      const b = rows[c].get(i) ?? [0, 0]; b[1] = f(b[1] + v); rows[c].set(i, b);
    }
  }
  const mix = f(setOpMixRatio);
  let nnz = 0, wmax = 0;
  const merged = rows.map((m) => {
    const cols = [...m.keys()].sort((x, y) => x - y);
    const out = [];
    for (const c of cols) {
      const [r, rt] = m.get(c);
      const prod = f(r * rt);
      const v = f(f(mix * f(f(r + rt) - prod)) + f(f(1 - mix) * prod));
      if (v !== 0) { out.push([c, v]); if (v > wmax) wmax = v; }
    }
    return out;
  });
  const defaultEpochs = n <= 10000 ? 500 : 200;
  const epochs = nEpochs ?? defaultEpochs;
  const cut = f(wmax / (epochs > 10 ? epochs : defaultEpochs));
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) { for (const [, v] of merged[i]) if (!(v < cut)) nnz++; indptr[i + 1] = nnz; }
  const indices = new Int32Array(nnz), weights = new Float32Array(nnz);
  let q = 0;
  for (let i = 0; i < n; i++) for (const [c, v] of merged[i]) if (!(v < cut)) { indices[q] = c; weights[q] = v; q++; }
  return { indptr, indices, weights };
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
  const g = fuzzyGraph(knn.indices, knn.distances, n, knn.k, opts);
  const rows = new Int32Array(g.indices.length);
  for (let i = 0; i < n; i++) rows.fill(i, g.indptr[i], g.indptr[i + 1]);
  return { n, k: knn.k, rows, cols: g.indices, weights: g.weights, knn: { indices: knn.indices, distances: knn.distances } };
}
