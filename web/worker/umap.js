// umap.js (worker side) — UMAP (umap-learn's defaults and meaning) and the k-nearest-neighbour graph it
// starts from, run by an engine: runUmapWith, knnSearchWith, findAbParamsWith take an Engine. The
// main-side API is web/lib/umap.js; options are defined in web/lib/options.js (UMAP_OPTIONS).

import { EmbedscapeError } from './engine.js';
import { OP } from '../lib/protocol.js';
import { UMAP_OPTIONS, checkOptions } from '../lib/options.js';

const METRICS = { euclidean: 0, cosine: 1 };
const INITS = { spectral: 0, random: 1 };
const KNN = { auto: 0, exact: 1, approx: 2 };

/** A matrix {data: Float32Array, n, dim} (copied in for the call) or {ptr, n, dim} (already in the heap). */
function checkInput(m) {
  if (!m || (!(m.data instanceof Float32Array) && !Number.isInteger(m.ptr))) throw new EmbedscapeError('UMAP input must be a Matrix {data: Float32Array, n, dim}');
  const { n, dim } = m;
  if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 1 || dim < 1 || (m.data && m.data.length !== n * dim)) {
    throw new EmbedscapeError(`UMAP input: data has ${m.data.length} values, which is not n (${n}) x dim (${dim}) with n, dim >= 1`);
  }
}

const KNN_OPTIONS = {
  k: { type: 'int', default: 15, min: 1, max: 2 ** 31 - 1 },
  metric: UMAP_OPTIONS.metric,
  method: UMAP_OPTIONS.knn,
  seed: UMAP_OPTIONS.seed,
};

const nan = (v) => (v === undefined || v === null ? NaN : v); // NaN slot = engine default

/** Option slots, in the order of wasm/src/api_umap.c. */
function umapOptionVector(opts) {
  const p = checkOptions(UMAP_OPTIONS, opts, 'umap', null);
  return new Float64Array([
    p.nNeighbors, p.nComponents, p.minDist, p.spread, METRICS[p.metric],
    p.nEpochs ?? 0, INITS[p.init], p.learningRate, p.negativeSampleRate, p.localConnectivity,
    p.setOpMixRatio, p.repulsionStrength, p.a ?? 0, p.b ?? 0, p.seed, KNN[p.knn], nan(p.knnExactMaxN),
  ]);
}

/**
 * In-process UMAP. hooks: {onEpoch(info), aborted() -> bool, yield() -> Promise, snapshotMs,
 * keepEpoch(epoch, nEpochs) -> bool, onSnapshot(epoch, Float32Array)}: onEpoch gets an `embedding` at most every
 * snapshotMs (for drawing the layout live); onSnapshot gets a copy of the layout after every epoch
 * keepEpoch accepts, and of the initial layout as epoch 0 (for playing the settling back).
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
      const x = matrix.ptr ?? copy(matrix.data);
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
    const keep = (epoch) => { if (hooks.onSnapshot && (hooks.keepEpoch?.(epoch, nEpochs) ?? true)) hooks.onSnapshot(epoch, read().data); };
    keep(0);
    for (let epoch = 0; epoch < nEpochs;) {
      if (hooks.aborted?.()) throw new DOMException('UMAP cancelled', 'AbortError');
      engine.call('es_umap_run_epochs', u, 1);
      epoch++;
      keep(epoch);
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
    if (hooks.aborted?.()) throw new DOMException('UMAP cancelled', 'AbortError');
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
  const o = checkOptions(KNN_OPTIONS, opts, 'knn', null);
  const { k, seed } = o, metric = METRICS[o.metric], method = KNN[o.method];
  return engine.scoped((alloc, copy) => {
    const x = matrix.ptr ?? copy(matrix.data);
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

export const umapOps = {
  /** {matrix, opts, snapshotMs} -> {embedding, info}; progress {status: 'layout', done, total, epoch, nEpochs, embedding?} */
  [OP.UMAP_RUN]: async (ctx, { matrix, opts, snapshotMs }) => {
    const r = await runUmapWith(ctx.engine, matrix, opts, {
      onEpoch: (e) => ctx.progress({ status: 'layout', ...e }),
      aborted: ctx.aborted,
      yield: ctx.yield,
      snapshotMs,
    });
    return { result: r, transfer: [r.embedding.data.buffer] };
  },
  /** {matrix, opts: {k, metric, method, seed}} -> {indices, distances, n, k} */
  [OP.KNN]: async (ctx, { matrix, opts }) => {
    const r = knnSearchWith(ctx.engine, matrix, opts);
    return { result: r, transfer: [r.indices.buffer, r.distances.buffer] };
  },
};
