// matrix.js — the one place inputs become a Matrix {data: Float32Array, n, dim} (row-major), so that
// every stage accepts the same shapes:
//   a Matrix whose data is any typed array or number[];  rows: number[][] or an array of typed arrays;
//   a tensor-like {data, dims: [n, dim]} (what transformers.js returns).
// A Matrix with Float32Array data of the right length is returned as it is (no copy).

import { EmbedscapeError } from './errors.js';

const isArrayLike = (v) => Array.isArray(v) || ArrayBuffer.isView(v);

/**
 * @param {any} x @param {string} where names the argument in messages
 * @param {{minRows?: number}} [opts]
 * @returns {{data: Float32Array, n: number, dim: number}}
 */
export function toMatrix(x, where = 'input', { minRows = 1 } = {}) {
  let m;
  if (x && typeof x === 'object' && !isArrayLike(x) && isArrayLike(x.data) && (x.n !== undefined || x.dim !== undefined)) {
    const { n, dim } = x;
    if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 0 || dim < 1) {
      throw new EmbedscapeError(`${where}: n and dim must be whole numbers (n >= 0, dim >= 1), got n ${n}, dim ${dim}`);
    }
    if (x.data.length !== n * dim) throw new EmbedscapeError(`${where}: data has ${x.data.length} values, which is not n (${n}) x dim (${dim})`);
    m = x.data instanceof Float32Array ? { data: x.data, n, dim } : { data: Float32Array.from(x.data), n, dim };
  } else if (x && typeof x === 'object' && !isArrayLike(x) && isArrayLike(x.data) && Array.isArray(x.dims)) {
    const [n, dim, ...more] = x.dims;
    if (more.length || !Number.isInteger(n) || !Number.isInteger(dim)) throw new EmbedscapeError(`${where}: expected a 2-D tensor, got dims [${x.dims.join(', ')}]`);
    return toMatrix({ data: x.data, n, dim }, where, { minRows });
  } else if (Array.isArray(x) && (x.length === 0 || isArrayLike(x[0]))) {
    const n = x.length;
    const dim = n ? x[0].length : 0;
    if (n && dim < 1) throw new EmbedscapeError(`${where}: row 0 is empty`);
    const data = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const row = x[i];
      if (!isArrayLike(row) || row.length !== dim) throw new EmbedscapeError(`${where}: row ${i} has ${row?.length ?? 0} values, expected ${dim} like row 0`);
      data.set(row, i * dim);
    }
    m = { data, n, dim: Math.max(dim, 1) };
  } else {
    throw new EmbedscapeError(`${where} must be a Matrix {data, n, dim}, an array of rows (number[][] or typed arrays), or a tensor {data, dims: [n, dim]}`);
  }
  if (m.n < minRows) throw new EmbedscapeError(`${where} has ${m.n} row${m.n === 1 ? '' : 's'}; at least ${minRows} needed`);
  return m;
}
