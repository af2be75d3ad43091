// similarity.js (worker side) — cosine similarity between embedding rows (scikit-learn's
// cosine_similarity: rows L2-normalised, a zero row is 0-similar to everything), computed by the
// engine's SIMD kernels: similarityMatrixWith, similarityToWith, topKWith, topKAllWith take an Engine
// and a matrix that is either in JS ({data, n, dim}: copied in for the call) or already in the engine's
// heap ({ptr, n, dim}: a session's vectors, used where they are). The main-side API is
// web/lib/similarity.js.

import { EmbedscapeError } from './engine.js';
import { OP } from '../lib/protocol.js';

/** Validates a matrix {data: Float32Array, n, dim} or {ptr, n, dim} and returns it. */
function checkMatrix(m, what = 'matrix') {
  if (!m || (!(m.data instanceof Float32Array) && !Number.isInteger(m.ptr))) throw new EmbedscapeError(`${what} must be {data: Float32Array, n, dim}`);
  const { n, dim } = m;
  if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 0 || dim < 1 || (m.data && m.data.length !== n * dim)) {
    throw new EmbedscapeError(`${what}: data has ${m.data?.length} values, which is not n (${n}) x dim (${dim})`);
  }
  return m;
}

/** The pointer of a matrix inside a scoped() call: its own when it lives in the heap, else a copy. */
const matrixPtr = (m, copy) => (m.ptr !== undefined ? m.ptr : copy(m.data));

/** A query as a pointer: row `query` of the matrix, or a vector copied in. exclude: the row to leave out (-1: none). */
function queryPtr(m, query, x, copy) {
  if (typeof query === 'number') {
    if (!Number.isInteger(query) || query < 0 || query >= m.n) throw new EmbedscapeError(`query index ${query} is out of range (0..${m.n - 1})`);
    return { q: x + 4 * query * m.dim, exclude: query };
  }
  const vec = query instanceof Float32Array ? query : ArrayBuffer.isView(query) || Array.isArray(query) ? Float32Array.from(query) : null;
  if (!vec || vec.length !== m.dim) throw new EmbedscapeError(`query vector must have ${m.dim} numbers`);
  return { q: copy(vec), exclude: -1 };
}

function checkK(k) {
  if (!Number.isInteger(k) || k < 0) throw new EmbedscapeError(`k must be a whole number >= 0, got ${k}`);
}

/** n*n cosine similarities. @param {import('./engine.js').Engine} engine */
export function similarityMatrixWith(engine, matrix) {
  const m = checkMatrix(matrix);
  return engine.scoped((alloc, copy) => {
    const x = matrixPtr(m, copy);
    const out = alloc(4 * m.n * m.n);
    engine.call('es_similarity_matrix', x, m.n, m.dim, out);
    return engine.readF32(out, m.n * m.n);
  });
}

/** Similarity of a query (row index or vector) to every row. */
export function similarityToWith(engine, matrix, query) {
  const m = checkMatrix(matrix);
  return engine.scoped((alloc, copy) => {
    const x = matrixPtr(m, copy);
    const { q } = queryPtr(m, query, x, copy);
    const out = alloc(4 * Math.max(1, m.n));
    engine.call('es_similarity_to', x, m.n, m.dim, q, out);
    return engine.readF32(out, m.n);
  });
}

/** The k most similar rows, best first (ties: lower index first); a query given by index leaves itself out. */
export function topKWith(engine, matrix, query, k) {
  const m = checkMatrix(matrix);
  checkK(k);
  k = Math.min(k, m.n);
  return engine.scoped((alloc, copy) => {
    const x = matrixPtr(m, copy);
    const { q, exclude } = queryPtr(m, query, x, copy);
    const idx = alloc(4 * Math.max(1, k)), score = alloc(4 * Math.max(1, k)), cnt = alloc(4);
    engine.call('es_similarity_top_k', x, m.n, m.dim, q, exclude, k, idx, score, cnt);
    const got = engine.getI32(cnt);
    const I = engine.readI32(idx, got), S = engine.readF32(score, got);
    return Array.from(I, (index, r) => ({ index, score: S[r] }));
  });
}

/** topKWith for every row (each row leaves itself out): an array of n lists. */
export function topKAllWith(engine, matrix, k) {
  const m = checkMatrix(matrix);
  checkK(k);
  k = Math.min(k, m.n);
  return engine.scoped((alloc, copy) => {
    const x = matrixPtr(m, copy);
    const idx = alloc(4 * Math.max(1, k)), score = alloc(4 * Math.max(1, k)), cnt = alloc(4);
    const out = [];
    for (let i = 0; i < m.n; i++) {
      engine.call('es_similarity_top_k', x, m.n, m.dim, x + 4 * i * m.dim, i, k, idx, score, cnt);
      const got = engine.getI32(cnt);
      const I = engine.readI32(idx, got), S = engine.readF32(score, got);
      out.push(Array.from(I, (index, r) => ({ index, score: S[r] })));
    }
    return out;
  });
}


export const similarityOps = {
  [OP.SIMILARITY_MATRIX]: async (ctx, { matrix }) => {
    const r = similarityMatrixWith(ctx.engine, matrix);
    return { result: r, transfer: [r.buffer] };
  },
  [OP.SIMILARITY_TO]: async (ctx, { matrix, query }) => {
    const r = similarityToWith(ctx.engine, matrix, query);
    return { result: r, transfer: [r.buffer] };
  },
  [OP.SIMILARITY_TOP_K]: async (ctx, { matrix, query, k }) => topKWith(ctx.engine, matrix, query, k),
  [OP.SIMILARITY_TOP_K_ALL]: async (ctx, { matrix, k }) => topKAllWith(ctx.engine, matrix, k),
};
