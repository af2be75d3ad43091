// similarity.js — cosine similarity between embedding rows (scikit-learn's cosine_similarity: rows
// L2-normalised, a zero row is 0-similar to everything), computed by the engine's SIMD kernels.
//
// Public: cosineSimilarity(matrix) -> Float32Array (n*n); similarityTo(matrix, queryIndex | queryVector)
// -> Float32Array (n); topK(matrix, queryIndex | queryVector, k) -> [{index, score}] best first (a
// query given by index leaves itself out); topKAll(matrix, k) -> one such list per row. All run in
// the worker pool ({pool, signal}).
// Engine-level (in-process, with an Engine): similarityMatrixWith, similarityToWith, topKWith, topKAllWith.

import { EmbedscapeError } from './engine.js';
import { getDefaultPool } from './pool.js';

/** Validates a Matrix {data: Float32Array, n, dim} and returns it. */
function checkMatrix(m, what = 'matrix') {
  if (!m || !(m.data instanceof Float32Array)) throw new EmbedscapeError(`${what} must be {data: Float32Array, n, dim}`);
  const { n, dim } = m;
  if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 0 || dim < 1 || m.data.length !== n * dim) {
    throw new EmbedscapeError(`${what}: data has ${m.data.length} values, which is not n (${n}) x dim (${dim})`);
  }
  return m;
}

function queryVector(matrix, query) {
  if (typeof query === 'number') {
    if (!Number.isInteger(query) || query < 0 || query >= matrix.n) {
      throw new EmbedscapeError(`query index ${query} is out of range (0..${matrix.n - 1})`);
    }
    return { vec: matrix.data.subarray(query * matrix.dim, (query + 1) * matrix.dim), exclude: query };
  }
  const vec = query instanceof Float32Array ? query : ArrayBuffer.isView(query) || Array.isArray(query) ? Float32Array.from(query) : null;
  if (!vec || vec.length !== matrix.dim) throw new EmbedscapeError(`query vector must have ${matrix.dim} numbers`);
  return { vec, exclude: -1 };
}

/** In-process: n*n cosine similarities. @param {import('./engine.js').Engine} engine */
export function similarityMatrixWith(engine, matrix) {
  const { n, dim, data } = checkMatrix(matrix);
  return engine.scoped((alloc, copy) => {
    const x = copy(data);
    const out = alloc(4 * n * n);
    engine.call('es_similarity_matrix', x, n, dim, out);
    return engine.readF32(out, n * n);
  });
}

/** In-process: similarity of a query (row index or vector) to every row. */
export function similarityToWith(engine, matrix, query) {
  const { n, dim, data } = checkMatrix(matrix);
  const { vec } = queryVector(matrix, query);
  return engine.scoped((alloc, copy) => {
    const x = copy(data);
    const q = copy(vec);
    const out = alloc(4 * Math.max(1, n));
    engine.call('es_similarity_to', x, n, dim, q, out);
    return engine.readF32(out, n);
  });
}

/** In-process: the k most similar rows, best first; a query given by index leaves itself out. */
export function topKWith(engine, matrix, query, k) {
  const { n, dim, data } = checkMatrix(matrix);
  if (!Number.isInteger(k) || k < 0) throw new EmbedscapeError(`k must be a whole number >= 0, got ${k}`);
  const { vec, exclude } = queryVector(matrix, query);
  k = Math.min(k, n);
  return engine.scoped((alloc, copy) => {
    const x = copy(data);
    const q = copy(vec);
    const idx = alloc(4 * Math.max(1, k));
    const score = alloc(4 * Math.max(1, k));
    const cnt = alloc(4);
    engine.call('es_similarity_top_k', x, n, dim, q, exclude, k, idx, score, cnt);
    const got = engine.getI32(cnt);
    const I = engine.readI32(idx, got);
    const S = engine.readF32(score, got);
    return Array.from(I, (index, r) => ({ index, score: S[r] }));
  });
}

/** In-process: topKWith for every row (each row leaves itself out): an array of n lists. */
export function topKAllWith(engine, matrix, k) {
  const { n, dim, data } = checkMatrix(matrix);
  if (!Number.isInteger(k) || k < 0) throw new EmbedscapeError(`k must be a whole number >= 0, got ${k}`);
  k = Math.min(k, n);
  return engine.scoped((alloc, copy) => {
    const x = copy(data);
    const idx = alloc(4 * Math.max(1, k));
    const score = alloc(4 * Math.max(1, k));
    const cnt = alloc(4);
    const out = [];
    for (let i = 0; i < n; i++) {
      engine.call('es_similarity_top_k', x, n, dim, x + 4 * i * dim, i, k, idx, score, cnt);
      const got = engine.getI32(cnt);
      const I = engine.readI32(idx, got);
      const S = engine.readF32(score, got);
      out.push(Array.from(I, (index, r) => ({ index, score: S[r] })));
    }
    return out;
  });
}

/** The largest relative difference between the SIMD kernels and their scalar twins (tests). */
export function kernelSelfTestWith(engine) {
  return engine.scoped((alloc) => {
    const out = alloc(4);
    engine.call('es_similarity_kernel_selftest', out);
    return engine.getF32(out);
  });
}

function plain(m) { return { data: m.data, n: m.n, dim: m.dim }; }

/**
 * Cosine similarity of every pair of rows.
 * @param {{data: Float32Array, n: number, dim: number}} matrix
 * @param {{pool?: import('./pool.js').WorkerPool, signal?: AbortSignal}} [opts]
 * @returns {Promise<Float32Array>} n*n, row-major, symmetric
 */
export async function cosineSimilarity(matrix, opts = {}) {
  checkMatrix(matrix);
  const pool = opts.pool ?? getDefaultPool();
  return pool.run('similarity.matrix', { matrix: plain(matrix) }, { signal: opts.signal });
}

/**
 * Cosine similarity of one query to every row.
 * @param {{data: Float32Array, n: number, dim: number}} matrix
 * @param {number | Float32Array | number[]} query a row index or a vector of length dim
 * @returns {Promise<Float32Array>} n
 */
export async function similarityTo(matrix, query, opts = {}) {
  checkMatrix(matrix);
  queryVector(matrix, query);
  const pool = opts.pool ?? getDefaultPool();
  return pool.run('similarity.to', { matrix: plain(matrix), query }, { signal: opts.signal });
}

/**
 * The k rows most similar to a query, best first (ties: lower index first). A query given by row
 * index is left out of its own list.
 * @returns {Promise<{index: number, score: number}[]>}
 */
export async function topK(matrix, query, k, opts = {}) {
  checkMatrix(matrix);
  queryVector(matrix, query);
  const pool = opts.pool ?? getDefaultPool();
  return pool.run('similarity.topK', { matrix: plain(matrix), query, k }, { signal: opts.signal });
}

/**
 * topK for every row at once (each row leaves itself out).
 * @returns {Promise<{index: number, score: number}[][]>}
 */
export async function topKAll(matrix, k, opts = {}) {
  checkMatrix(matrix);
  const pool = opts.pool ?? getDefaultPool();
  return pool.run('similarity.topKAll', { matrix: plain(matrix), k }, { signal: opts.signal });
}

export const similarityOps = {
  'similarity.matrix': async (ctx, { matrix }) => {
    const r = similarityMatrixWith(ctx.engine, matrix);
    return { result: r, transfer: [r.buffer] };
  },
  'similarity.to': async (ctx, { matrix, query }) => {
    const r = similarityToWith(ctx.engine, matrix, query);
    return { result: r, transfer: [r.buffer] };
  },
  'similarity.topK': async (ctx, { matrix, query, k }) => topKWith(ctx.engine, matrix, query, k),
  'similarity.topKAll': async (ctx, { matrix, k }) => topKAllWith(ctx.engine, matrix, k),
  'similarity.selftest': async (ctx) => kernelSelfTestWith(ctx.engine),
};

