// umap.js — UMAP (umap-learn's defaults and meaning) and the k-nearest-neighbour graph it starts
// from, run by the engine inside one pool worker.
//
// Public:
//   umap(matrix, opts, {onEpoch, signal, pool}) -> Matrix (n x nComponents)
//     opts: nNeighbors 15, minDist 0.1, spread 1, nComponents 2, metric 'cosine' | 'euclidean'
//     (default 'cosine', for sentence embeddings), seed 42, nEpochs (500 for n <= 10000, else 200),
//     init 'spectral' | 'random', learningRate 1, negativeSampleRate 5, localConnectivity 1,
//     setOpMixRatio 1, repulsionStrength 1, knn 'auto' | 'exact' | 'approx'.
//     onEpoch({epoch, nEpochs, done, total, embedding?}) after every epoch; `embedding` (a Matrix
//     snapshot) comes at most ~30 times a second and with the last epoch, so a page can draw the
//     layout settling. Cancel with an AbortSignal (the promise rejects with an AbortError).
//   knnSearch(matrix, {k, metric, method, seed}, {pool}) -> {indices: Int32Array, distances:
//     Float32Array, n, k}: row i lists i itself first, then its k-1 nearest rows.
// Engine-level (in-process, with an Engine): runUmapWith, knnSearchWith, findAbParamsWith.

import { EmbedscapeError, AbortError } from './engine.js';
import { getDefaultPool } from './pool.js';
import { INT_MAX, SEED_MAX } from './options.js';

const METRICS = { euclidean: 0, cosine: 1 };
const INITS = { spectral: 0, random: 1 };
const KNN = { auto: 0, exact: 1, approx: 2 };

/** umap() defaults. */
export const UMAP_DEFAULTS = Object.freeze({
  nNeighbors: 15, minDist: 0.1, spread: 1, nComponents: 2, metric: 'cosine', seed: 42, nEpochs: undefined,
  init: 'spectral', learningRate: 1, negativeSampleRate: 5, localConnectivity: 1, setOpMixRatio: 1,
  repulsionStrength: 1, knn: 'auto',
});

function checkInput(m) {
  if (!m || !(m.data instanceof Float32Array)) throw new EmbedscapeError('UMAP input must be a Matrix {data: Float32Array, n, dim}');
  const { n, dim } = m;
  if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 1 || dim < 1 || m.data.length !== n * dim) {
    throw new EmbedscapeError(`UMAP input: data has ${m.data.length} values, which is not n (${n}) x dim (${dim}) with n, dim >= 1`);
  }
}

function choice(name, value, table) {
  if (!(value in table)) throw new EmbedscapeError(`${name} must be one of ${Object.keys(table).join(', ')}, got '${value}'`);
  return table[value];
}

// whole numbers stay within the engine's C int (seeds: 0 … 2^32-1), so nothing wraps on the way in
function num(name, v, { int = false, min = -Infinity, max = int ? INT_MAX : Infinity } = {}) {
  if (v === undefined || v === null) return NaN; // NaN slot = engine default
  if (typeof v !== 'number' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min || v > max) {
    throw new EmbedscapeError(`${name} must be ${int ? 'a whole number' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}, got ${v}`);
  }
  return v;
}

/** Option slots, in the order of wasm/src/api_umap.c. */
function umapOptionVector(o) {
  const known = new Set(Object.keys(UMAP_DEFAULTS).concat(['a', 'b', 'knnExactMaxN']));
  for (const k of Object.keys(o)) if (!known.has(k)) throw new EmbedscapeError(`unknown UMAP option '${k}'`);
  const p = { ...UMAP_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  return new Float64Array([
    num('nNeighbors', p.nNeighbors, { int: true, min: 1 }),
    num('nComponents', p.nComponents, { int: true, min: 1 }),
    num('minDist', p.minDist, { min: 0 }),
    num('spread', p.spread),
    choice('metric', p.metric, METRICS),
    p.nEpochs === undefined ? 0 : num('nEpochs', p.nEpochs, { int: true, min: 1 }),
    choice('init', p.init, INITS),
    num('learningRate', p.learningRate),
    num('negativeSampleRate', p.negativeSampleRate, { int: true, min: 0 }),
    num('localConnectivity', p.localConnectivity, { min: 0 }),
    num('setOpMixRatio', p.setOpMixRatio, { min: 0 }),
    num('repulsionStrength', p.repulsionStrength, { min: 0 }),
    num('a', p.a ?? 0, { min: 0 }),
    num('b', p.b ?? 0, { min: 0 }),
    num('seed', p.seed, { int: true, min: 0, max: SEED_MAX }),
    choice('knn', p.knn, KNN),
    p.knnExactMaxN === undefined ? NaN : num('knnExactMaxN', p.knnExactMaxN, { int: true, min: 1 }),
  ]);
}

/**
 * In-process UMAP. hooks: {onEpoch(info), aborted() -> bool, yield() -> Promise, snapshotMs}.
 * @param {import('./engine.js').Engine} engine
 * @returns {Promise<{embedding: {data: Float32Array, n: number, dim: number}, info: object}>}
 */
export async function runUmapWith(engine, matrix, opts = {}, hooks = {}) {
  checkInput(matrix);
  const vec = umapOptionVector(opts);
  const { n, dim } = matrix;
  const nComp = vec[1];
  const snapshotMs = hooks.snapshotMs ?? 33;
  let u = 0;
  try {
    engine.scoped((alloc, copy) => {
      const x = copy(matrix.data);
      const o = copy(vec);
      const out = alloc(4);
      engine.call('es_umap_create', x, n, dim, o, vec.length, out);
      u = engine.getU32(out);
    });
    const infoPtr = engine.malloc(8 * 8);
    engine.raw('es_umap_info', u, infoPtr);
    const iv = engine.readF64(infoPtr, 8);
    engine.free(infoPtr);
    const info = {
      nNeighbors: iv[0], init: iv[1] === 0 ? 'spectral' : 'random', knn: iv[2] === 2 ? 'approx' : 'exact',
      graphComponents: iv[3], edges: iv[4], a: iv[5], b: iv[6], nEpochs: iv[7],
    };
    const nEpochs = info.nEpochs;
    const read = () => ({ data: engine.readF32(engine.raw('es_umap_embedding', u) >>> 0, n * nComp), n, dim: nComp });
    let lastSnap = -Infinity;
    let lastYield = Date.now();
    for (let epoch = 0; epoch < nEpochs;) {
      if (hooks.aborted?.()) throw new AbortError('UMAP cancelled');
      engine.call('es_umap_run_epochs', u, 1);
      epoch++;
      if (hooks.onEpoch) {
        const now = Date.now();
        const e = { epoch, nEpochs, done: epoch, total: nEpochs };
        if (now - lastSnap >= snapshotMs || epoch === nEpochs) {
          e.embedding = read();
          lastSnap = now;
        }
        hooks.onEpoch(e);
      }
      if (hooks.yield && Date.now() - lastYield >= 25) {
        await hooks.yield();
        lastYield = Date.now();
      }
    }
    if (hooks.aborted?.()) throw new AbortError('UMAP cancelled');
    return { embedding: read(), info };
  } finally {
    if (u) engine.raw('es_umap_free', u);
  }
}

/**
 * In-process exact or approximate kNN. @returns {{indices: Int32Array, distances: Float32Array, n, k}}
 */
export function knnSearchWith(engine, matrix, opts = {}) {
  checkInput(matrix);
  const { n, dim } = matrix;
  const k = num('k', opts.k ?? 15, { int: true, min: 1 });
  const metric = choice('metric', opts.metric ?? 'cosine', METRICS);
  const method = choice('method', opts.method ?? 'auto', KNN);
  const seed = num('seed', opts.seed ?? 42, { int: true, min: 0, max: SEED_MAX });
  return engine.scoped((alloc, copy) => {
    const x = copy(matrix.data);
    const idx = alloc(4 * n * k);
    const dist = alloc(4 * n * k);
    engine.call('es_knn', x, n, dim, k, metric, method, seed, idx, dist);
    return { indices: engine.readI32(idx, n * k), distances: engine.readF32(dist, n * k), n, k };
  });
}

/** a and b of the low-dimensional curve fitted from spread and minDist (umap-learn's find_ab_params). */
export function findAbParamsWith(engine, spread = 1, minDist = 0.1) {
  return engine.scoped((alloc) => {
    const out = alloc(8);
    engine.call('es_umap_find_ab', spread, minDist, out);
    const [a, b] = engine.readF32(out, 2);
    return { a, b };
  });
}

/**
 * UMAP of the rows of a matrix, in one worker of the pool.
 * @param {{data: Float32Array, n: number, dim: number}} matrix
 * @param {Partial<typeof UMAP_DEFAULTS>} [opts]
 * @param {{onEpoch?: (e: {epoch: number, nEpochs: number, embedding?: {data: Float32Array, n: number, dim: number}}) => void,
 *          signal?: AbortSignal, pool?: import('./pool.js').WorkerPool}} [run]
 * @returns {Promise<{data: Float32Array, n: number, dim: number}>}
 */
export async function umap(matrix, opts = {}, run = {}) {
  checkInput(matrix);
  umapOptionVector(opts); // reject bad options before starting a worker
  const pool = run.pool ?? getDefaultPool();
  const res = await pool.run('umap.run', { matrix: { data: matrix.data, n: matrix.n, dim: matrix.dim }, opts }, {
    signal: run.signal,
    onProgress: run.onEpoch ? (p) => run.onEpoch(p) : undefined,
  });
  return res.embedding;
}

/** k nearest neighbours of every row (row i first lists itself), in one worker of the pool. */
export async function knnSearch(matrix, opts = {}, run = {}) {
  checkInput(matrix);
  const pool = run.pool ?? getDefaultPool();
  return pool.run('umap.knn', { matrix: { data: matrix.data, n: matrix.n, dim: matrix.dim }, opts }, { signal: run.signal });
}

export const umapOps = {
  'umap.run': async (ctx, { matrix, opts, snapshotMs }) => {
    const r = await runUmapWith(ctx.engine, matrix, opts, {
      onEpoch: (e) => ctx.progress(e),
      aborted: ctx.aborted,
      yield: ctx.yield,
      snapshotMs,
    });
    return { result: r, transfer: [r.embedding.data.buffer] };
  },
  'umap.knn': async (ctx, { matrix, opts }) => {
    const r = knnSearchWith(ctx.engine, matrix, opts);
    return { result: r, transfer: [r.indices.buffer, r.distances.buffer] };
  },
};
