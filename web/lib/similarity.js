// similarity.js — cosine similarity between embedding rows (scikit-learn's cosine_similarity: rows
// L2-normalised, a zero row is 0-similar to everything), main side: each call sends the matrix to one
// worker and runs the engine's SIMD kernels there. For repeated questions about the same vectors use a
// session (createSession), which keeps them in its worker. The worker side is web/worker/similarity.js.
//
//   cosineSimilarity(x) -> Float32Array (n*n);  similarityTo(x, query) -> Float32Array (n)
//   topK(x, query, k) -> [{index, score}] best first (a query given by row index leaves itself out)
//   topKAll(x, k) -> one such list per row
// x: a Matrix, number[][] or typed-array rows; query: a row index or a vector of dim numbers.

import { EmbedscapeError } from './errors.js';
import { getDefaultPool } from './pool.js';
import { OP } from './protocol.js';
import { RUN_OPTIONS, checkOptions } from './options.js';
import { toMatrix } from './matrix.js';

const CALL = { pool: RUN_OPTIONS.pool, signal: RUN_OPTIONS.signal };

function checkQuery(m, query) {
  if (typeof query === 'number') {
    if (!Number.isInteger(query) || query < 0 || query >= m.n) throw new EmbedscapeError(`query index ${query} is out of range (0..${m.n - 1})`);
    return query;
  }
  if (!query || typeof query.length !== 'number' || query.length !== m.dim) throw new EmbedscapeError(`query vector must have ${m.dim} numbers`);
  return query instanceof Float32Array ? query : Float32Array.from(query);
}

function checkK(k) {
  if (!Number.isInteger(k) || k < 0) throw new EmbedscapeError(`k must be a whole number >= 0, got ${k}`);
  return k;
}

const send = (m) => ({ data: m.data, n: m.n, dim: m.dim });

/** Cosine similarity of every pair of rows: n*n, row-major, symmetric. */
export async function cosineSimilarity(x, opts = {}) {
  const o = checkOptions({}, opts, 'cosineSimilarity', CALL);
  const m = toMatrix(x, 'cosineSimilarity: x', { minRows: 0 });
  return (o.pool ?? getDefaultPool()).run(OP.SIMILARITY_MATRIX, { matrix: send(m) }, { signal: o.signal });
}

/** Cosine similarity of one query (a row index or a vector) to every row: Float32Array (n). */
export async function similarityTo(x, query, opts = {}) {
  const o = checkOptions({}, opts, 'similarityTo', CALL);
  const m = toMatrix(x, 'similarityTo: x', { minRows: 0 });
  return (o.pool ?? getDefaultPool()).run(OP.SIMILARITY_TO, { matrix: send(m), query: checkQuery(m, query) }, { signal: o.signal });
}

/** The k rows most similar to a query, best first (ties: lower index first). */
export async function topK(x, query, k, opts = {}) {
  const o = checkOptions({}, opts, 'topK', CALL);
  const m = toMatrix(x, 'topK: x', { minRows: 0 });
  return (o.pool ?? getDefaultPool()).run(OP.SIMILARITY_TOP_K, { matrix: send(m), query: checkQuery(m, query), k: checkK(k) }, { signal: o.signal });
}

/** topK for every row at once (each row leaves itself out). */
export async function topKAll(x, k, opts = {}) {
  const o = checkOptions({}, opts, 'topKAll', CALL);
  const m = toMatrix(x, 'topKAll: x', { minRows: 0 });
  return (o.pool ?? getDefaultPool()).run(OP.SIMILARITY_TOP_K_ALL, { matrix: send(m), k: checkK(k) }, { signal: o.signal });
}
