// umap_metrics.mjs — quality measures for a low-dimensional embedding, shared by the UMAP tests:
// trustworthiness (scikit-learn's sklearn.manifold.trustworthiness definition) and kNN recall, for a
// fit and for new points placed by transform; and the shared fixtures' loader.
import { readFileSync } from 'node:fs';

import { needShared } from './helpers.mjs';

/** Distance rows of x (n, d) in float64: metric 'euclidean' or 'cosine' (1 - cos). */
export function distanceRow(x, n, d, metric, i, out, norms) {
  const a = i * d;
  for (let j = 0; j < n; j++) {
    const b = j * d;
    let s = 0;
    if (metric === 'euclidean') {
      for (let t = 0; t < d; t++) { const z = x[a + t] - x[b + t]; s += z * z; }
      out[j] = Math.sqrt(s);
    } else {
      for (let t = 0; t < d; t++) s += x[a + t] * x[b + t];
      out[j] = norms[i] > 0 && norms[j] > 0 ? 1 - s / (norms[i] * norms[j]) : 1;
    }
  }
  out[i] = Infinity;
}

function rowNorms(x, n, d) {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += x[i * d + t] * x[i * d + t];
    norms[i] = Math.sqrt(s);
  }
  return norms;
}

/** Indices of the k smallest entries of row (ties: lower index first). */
export function smallestK(row, k) {
  const idx = Array.from(row.keys());
  idx.sort((p, q) => row[p] - row[q] || p - q);
  return idx.slice(0, k);
}

/**
 * High-dimensional neighbour structure of x, computed once and reused for several embeddings:
 * {rows(i) -> Float64Array distances, knn: Int32Array (n, k)}. Keeps all n rows (n*n float64).
 */
export function highDimTable(x, n, d, metric, k) {
  const norms = rowNorms(x, n, d);
  const dist = new Float64Array(n * n);
  const knn = new Int32Array(n * k);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    distanceRow(x, n, d, metric, i, row, norms);
    dist.set(row, i * n);
    knn.set(smallestK(row, k), i * k);
  }
  return { n, k, dist, knn };
}

function lowDimKnn(y, n, dim, k) {
  const row = new Float64Array(n);
  const knn = new Int32Array(n * k);
  const ones = new Float64Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    distanceRow(y, n, dim, 'euclidean', i, row, ones);
    knn.set(smallestK(row, k), i * k);
  }
  return knn;
}

/** {trustworthiness, recall} of embedding y (n, dim) against the table of the input. */
export function embeddingQuality(table, y, dim) {
  const { n, k, dist, knn } = table;
  const low = lowDimKnn(y, n, dim, k);
  let t = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const r = dist.subarray(i * n, (i + 1) * n);
    const high = new Set(knn.subarray(i * k, (i + 1) * k));
    for (let q = 0; q < k; q++) {
      const j = low[i * k + q];
      if (high.has(j)) hits++;
      // rank of j among i's input-space neighbours (1 = nearest), as argsort orders them
      let rank = 1;
      const dj = r[j];
      for (let l = 0; l < n; l++) if (r[l] < dj || (r[l] === dj && l < j)) rank++;
      if (rank > k) t += rank - k;
    }
  }
  const trustworthiness = 1 - t * (2 / (n * k * (2 * n - 3 * k - 1)));
  return { trustworthiness, recall: hits / (n * k) };
}

/**
 * Quality of new points placed on a map (transform), as tests/umap_transform_ref.py measures
 * umap-learn's: for each new point q, A = its k nearest training rows in the input space, B = the k
 * training points nearest to its position on the map. recall = mean |A & B| / k; trustworthiness =
 * 1 - 2 / (m k (2n - 3k - 1)) * sum of max(0, rank_q(j) - k) over j in B (rank 1 = nearest row).
 * train (n, d), points (m, d), yTrain (n, dim), yPoints (m, dim): Float32Arrays.
 */
export function transformQuality(train, points, yTrain, yPoints, n, m, d, dim, metric, k) {
  const norms = rowNorms(train, n, d);
  const qn = rowNorms(points, m, d);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const order = (row) => Array.from(row.keys()).sort((p, q) => row[p] - row[q] || p - q);
  let hits = 0;
  let t = 0;
  for (let q = 0; q < m; q++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      if (metric === 'euclidean') {
        for (let c = 0; c < d; c++) { const z = points[q * d + c] - train[j * d + c]; s += z * z; }
        high[j] = Math.sqrt(s);
      } else {
        for (let c = 0; c < d; c++) s += points[q * d + c] * train[j * d + c];
        high[j] = qn[q] > 0 && norms[j] > 0 ? 1 - s / (qn[q] * norms[j]) : 1;
      }
      let e = 0;
      for (let c = 0; c < dim; c++) { const z = yPoints[q * dim + c] - yTrain[j * dim + c]; e += z * z; }
      low[j] = Math.sqrt(e);
    }
    const oh = order(high);
    const rank = new Int32Array(n);
    oh.forEach((j, r) => { rank[j] = r + 1; });
    const a = new Set(oh.slice(0, k));
    for (const j of order(low).slice(0, k)) {
      if (a.has(j)) hits++;
      if (rank[j] > k) t += rank[j] - k;
    }
  }
  return { trustworthiness: 1 - t * (2 / (m * k * (2 * n - 3 * k - 1))), recall: hits / (m * k) };
}

/** A dataset of ../shared/fixtures/datasets as {x: Matrix, metric}, or null (see needShared). */
export function loadDataset(t, name) {
  const file = needShared(t, 'fixtures', 'datasets', `${name}.f32`);
  if (!file) return null;
  const meta = JSON.parse(readFileSync(file.replace(/\.f32$/, '.json'), 'utf8'));
  const buf = readFileSync(file);
  return { x: { data: new Float32Array(buf.buffer, buf.byteOffset, meta.n * meta.d).slice(), n: meta.n, dim: meta.d }, metric: meta.metric };
}
