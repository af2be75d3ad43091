// umap.js (worker side) — UMAP (umap-learn's defaults and meaning) and the k-nearest-neighbour graph it
// starts from, run by an engine: runUmapWith, knnSearchWith, findAbParamsWith take an Engine. The
// main-side API is web/lib/umap.js; options are defined in web/lib/options.js (UMAP_OPTIONS).

import { EmbedscapeError } from './engine.js';
import { OP } from '../lib/protocol.js';
import { UMAP_OPTIONS, checkOptions } from '../lib/options.js';

const KNN_PHASES = { exact: 0, forest: 1, descent: 2 };
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

const TRANSFORM_OPTIONS = {
  nEpochs: UMAP_OPTIONS.nEpochs,
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
  const fit = createUmapWith(engine, matrix, opts);
  let kept = false;
  try {
    const r = await driveEpochs(fit, hooks);
    // hooks.keep: the fitted UMAP (graph, kNN, layout) stays in the engine for graph() and transform()
    if (hooks.keep) { r.fit = fit; kept = true; }
    return r;
  } finally {
    if (!kept) fit.dispose();
  }
}

function readInfo(engine, u) {
  const infoPtr = engine.malloc(8 * 8);
  try {
    engine.raw('es_umap_info', u, infoPtr);
    const iv = engine.readF64(infoPtr, 8);
    return {
      nNeighbors: iv[0], init: iv[1] === 0 ? 'spectral' : 'random', knn: iv[2] === 2 ? 'approx' : 'exact',
      graphComponents: iv[3], edges: iv[4], a: iv[5], b: iv[6], nEpochs: iv[7],
    };
  } finally {
    engine.free(infoPtr);
  }
}

/** CSR copy of an engine graph (a context's or one from es_umap_graph_from_knn). */
function readGraph(engine, g) {
  return engine.scoped((alloc) => {
    const shape = alloc(24);
    engine.raw('es_umap_graph_shape', g, shape);
    const [nRows, nCols, nnz] = engine.readF64(shape, 3);
    const ip = alloc(4 * (nRows + 1));
    const ix = alloc(4 * nnz);
    const w = alloc(4 * nnz);
    engine.raw('es_umap_graph_copy', g, ip, ix, w);
    return { n: nRows, nCols, indptr: engine.readI32(ip, nRows + 1), indices: engine.readI32(ix, nnz), weights: engine.readF32(w, nnz) };
  });
}

function checkKnn(knn, n) {
  const ok = knn && knn.indices instanceof Int32Array && knn.distances instanceof Float32Array && knn.n === n &&
    Number.isInteger(knn.k) && knn.k >= 1 && knn.indices.length === n * knn.k && knn.distances.length === n * knn.k;
  if (!ok) throw new EmbedscapeError(`a kNN must be {indices: Int32Array, distances: Float32Array, n: ${n}, k} with n * k entries each`);
}

/**
 * A fitted UMAP living in an engine: the graph and initial layout are built, epochs run on demand.
 * Free it with dispose(). Made by createUmapWith.
 */
export class UmapFit {
  constructor(engine, ptr, n, nComponents) {
    this.engine = engine;
    this._u = ptr;
    this.n = n;
    this.nComponents = nComponents;
    /** {nNeighbors, init, knn, graphComponents, edges, a, b, nEpochs} */
    this.info = readInfo(engine, ptr);
  }

  _ptr() {
    if (!this._u) throw new EmbedscapeError('this UMAP was disposed');
    return this._u;
  }

  /** Epochs run so far. */
  get epoch() { return this.engine.raw('es_umap_epoch', this._ptr()); }
  get nEpochs() { return this.info.nEpochs; }

  /** Runs up to k more epochs (stops at nEpochs). */
  runEpochs(k = 1) { this.engine.call('es_umap_run_epochs', this._ptr(), k); }

  /** A copy of the current layout, (n, nComponents). */
  embedding() {
    const p = this.engine.raw('es_umap_embedding', this._ptr()) >>> 0;
    return { data: this.engine.readF32(p, this.n * this.nComponents), n: this.n, dim: this.nComponents };
  }

  /**
   * The symmetric fuzzy graph the SGD samples (after pruning), as CSR: row i's neighbours are
   * indices[indptr[i] .. indptr[i+1]) with membership strengths weights[...], columns ascending.
   * @returns {{n: number, nCols: number, indptr: Int32Array, indices: Int32Array, weights: Float32Array}}
   */
  graph() { return readGraph(this.engine, this.engine.raw('es_umap_get_graph', this._ptr()) >>> 0); }

  /** The kNN the graph was built from: row i lists i itself, then its nearest rows. */
  knn() {
    const k = this.info.nNeighbors;
    return this.engine.scoped((alloc) => {
      const idx = alloc(4 * this.n * k);
      const dist = alloc(4 * this.n * k);
      this.engine.call('es_umap_knn_copy', this._ptr(), idx, dist);
      return { indices: this.engine.readI32(idx, this.n * k), distances: this.engine.readF32(dist, this.n * k), n: this.n, k };
    });
  }

  /**
   * Places new points on this map with umap-learn's `transform` semantics: their nNeighbors nearest
   * rows of `train` (the matrix this map was fitted on; it is not kept by the engine), the weighted
   * mean of those rows' positions, then the SGD against the fixed map. opts: {nEpochs (umap-learn's
   * rule: 100 for up to 10 000 new points, else 30; a third of the fit's nEpochs when that was
   * given), seed (42, umap-learn's transform_seed)}.
   * @returns {{embedding: {data: Float32Array, n: number, dim: number}, indices: Int32Array, weights: Float32Array, k: number}}
   *   indices/weights (m * k): each new point's neighbours among the training rows, nearest first,
   *   and their membership strengths
   */
  transform(train, points, opts = {}) {
    if (!train?.ptr) checkInput(train);
    if (train.n !== this.n) throw new EmbedscapeError(`transform needs the ${this.n} rows this map was fitted on, got ${train.n}`);
    return transformCall(this.engine, train, points, this.nComponents, this.info.nNeighbors, opts,
      (xt, xn, m, o, nOpts, y, idx, w) => this.engine.call('es_umap_transform', this._ptr(), xt, train.n, train.dim, xn, m, o, nOpts, y, idx, w));
  }

  dispose() {
    if (this._u) this.engine.raw('es_umap_free', this._u);
    this._u = 0;
  }
}

/**
 * The call shared by UmapFit.transform and transformOntoWith: checks the new points and the
 * transform options, copies them in and reads the placed points, their neighbours and strengths.
 * `run(xt, xn, m, opts, nOpts, y, idx, w)` makes the engine call.
 */
function transformCall(engine, train, points, nComponents, k, opts, run) {
  checkInput(points);
  const t = checkOptions(TRANSFORM_OPTIONS, opts, 'umap transform', null);
  if (points.dim !== train.dim) throw new EmbedscapeError(`new points have ${points.dim} columns, the map's rows ${train.dim}`);
  const vec = new Float64Array([t.nEpochs ?? NaN, t.seed ?? NaN]);
  const m = points.n;
  return engine.scoped((alloc, copy) => {
    const xt = train.ptr ?? copy(train.data);
    const xn = copy(points.data);
    const o = copy(vec);
    const y = alloc(4 * m * nComponents);
    const idx = alloc(4 * m * k);
    const w = alloc(4 * m * k);
    run(xt, xn, m, o, vec.length, y, idx, w);
    return {
      embedding: { data: engine.readF32(y, m * nComponents), n: m, dim: nComponents },
      indices: engine.readI32(idx, m * k), weights: engine.readF32(w, m * k), k,
    };
  });
}

/**
 * Places new points on a map made elsewhere (a saved map) with the same transform: `train` the
 * map's rows (its vectors), `embedding` their positions {data, n, dim}, `umapOpts` the options the
 * map was made with (UMAP_OPTIONS; nComponents is the embedding's dim). On a map fitted here, with
 * its rows, layout and options, the result has the bytes of UmapFit.transform.
 */
export function transformOntoWith(engine, train, embedding, points, umapOpts = {}, opts = {}) {
  if (!train?.ptr) checkInput(train);
  checkInput(embedding);
  if (embedding.n !== train.n) throw new EmbedscapeError(`the map has ${embedding.n} positions for ${train.n} rows`);
  const vec = umapOptionVector({ ...umapOpts, nComponents: embedding.dim });
  const n = train.n;
  const k = Math.max(2, Math.min(vec[0], n - 1)); // n_neighbors as a fit of n points clamps it
  return transformCall(engine, train, points, embedding.dim, k, opts, (xt, xn, m, o, nOpts, y, idx, w) => engine.scoped((alloc, copy) => {
    const e = copy(embedding.data);
    const uo = copy(vec);
    engine.call('es_umap_transform_onto', xt, n, train.dim, e, embedding.dim, uo, vec.length, o, nOpts, xn, m, y, idx, w);
  }));
}

/**
 * Builds the graph and the initial layout of a UMAP in the engine (no epochs run yet). With
 * `from.knn` ({indices, distances, n, k}, row i = i itself then its nearest rows, k >= nNeighbors)
 * the kNN is taken as given instead of computed.
 * @param {import('./engine.js').Engine} engine
 * @returns {UmapFit}
 */
export function createUmapWith(engine, matrix, opts = {}, from = {}) {
  checkInput(matrix);
  const vec = umapOptionVector(opts);
  const { n, dim } = matrix;
  if (from.knn) checkKnn(from.knn, n);
  const u = engine.scoped((alloc, copy) => {
    const x = matrix.ptr ?? copy(matrix.data);
    const o = copy(vec);
    const out = alloc(4);
    if (from.knn) {
      const ki = copy(from.knn.indices);
      const kd = copy(from.knn.distances);
      engine.call('es_umap_create_from_knn', x, n, dim, ki, kd, from.knn.k, o, vec.length, out);
    } else {
      engine.call('es_umap_create', x, n, dim, o, vec.length, out);
    }
    return engine.getU32(out);
  });
  return new UmapFit(engine, u, n, vec[1]);
}

/**
 * Only the fuzzy graph (after pruning) that a UMAP with these options would sample, from a kNN
 * {indices, distances, n, k} with k >= nNeighbors (the first nNeighbors columns are used): cheap, so
 * a page can redraw the graph when n_neighbors changes without recomputing neighbours.
 * @returns {{n: number, nCols: number, indptr: Int32Array, indices: Int32Array, weights: Float32Array}}
 */
export function umapGraphWith(engine, knn, opts = {}) {
  if (!knn || !Number.isInteger(knn.n)) throw new EmbedscapeError('umapGraph needs a kNN {indices, distances, n, k}');
  checkKnn(knn, knn.n);
  const vec = umapOptionVector(opts);
  return engine.scoped((alloc, copy) => {
    const ki = copy(knn.indices);
    const kd = copy(knn.distances);
    const o = copy(vec);
    const out = alloc(4);
    engine.call('es_umap_graph_from_knn', ki, kd, knn.n, knn.k, o, vec.length, out);
    const g = engine.getU32(out);
    try {
      return readGraph(engine, g);
    } finally {
      engine.raw('es_umap_graph_free', g);
    }
  });
}

/** Runs a fit's remaining epochs with the hooks of runUmapWith; returns {embedding, info}. */
async function driveEpochs(fit, hooks) {
  const snapshotMs = hooks.snapshotMs ?? 33;
  const { info } = fit;
  const nEpochs = info.nEpochs;
  let lastSnap = -Infinity;
  let lastYield = Date.now();
  const keep = (epoch) => { if (hooks.onSnapshot && (hooks.keepEpoch?.(epoch, nEpochs) ?? true)) hooks.onSnapshot(epoch, fit.embedding().data); };
  if (fit.epoch === 0) keep(0);
  for (let epoch = fit.epoch; epoch < nEpochs;) {
    if (hooks.aborted?.()) throw new DOMException('UMAP cancelled', 'AbortError');
    fit.runEpochs(1);
    epoch++;
    keep(epoch);
    if (hooks.onEpoch) {
      const now = Date.now();
      const e = { epoch, nEpochs, done: epoch, total: nEpochs };
      if (now - lastSnap >= snapshotMs || epoch === nEpochs) {
        e.embedding = fit.embedding();
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
  return { embedding: fit.embedding(), info };
}

function clampedNeighbors(nNeighbors, n) { return Math.max(2, Math.min(nNeighbors, n - 1)); }

/**
 * One engine's share of a kNN search split across engines (knn_build in wasm/src/knn.h): the rows
 * stay in the engine until dispose(); parts run in any order on any engine, states merge into one.
 * Parameters as umap() gives them to its kNN, so that the lists equal the ones umap() computes.
 */
export class KnnBuild {
  constructor(engine, matrix, opts = {}) {
    checkInput(matrix);
    const vec = umapOptionVector(opts);
    this.engine = engine;
    this.n = matrix.n;
    this.dim = matrix.dim;
    this.k = clampedNeighbors(vec[0], matrix.n);
    if (matrix.n < 2) throw new EmbedscapeError('a kNN search in parts needs at least 2 rows');
    this.x = engine.copyIn(matrix.data); // read in place by the search: kept until dispose()
    try {
      this._kb = engine.scoped((alloc) => {
        const out = alloc(4);
        engine.call('es_knn_build_create', this.x, this.n, this.dim, this.k, vec[4], vec[15], vec[14],
          Number.isNaN(vec[16]) ? 0 : vec[16], out);
        return engine.getU32(out);
      });
    } catch (e) {
      engine.free(this.x);
      throw e;
    }
  }

  /** {method: 'exact'|'approx', parts: {exact, forest, descent}, rounds, maxRounds, changes} */
  info() {
    return this.engine.scoped((alloc) => {
      const o = alloc(9 * 8);
      this.engine.raw('es_knn_build_info', this._kb, o);
      const v = this.engine.readF64(o, 9);
      return { method: v[0] === 2 ? 'approx' : 'exact', parts: { exact: v[3], forest: v[4], descent: v[5] }, rounds: v[6], maxRounds: v[7], changes: v[8] };
    });
  }

  /** @param {'exact'|'forest'|'descent'} phase */
  runPart(phase, part) { this.engine.call('es_knn_build_run_part', this._kb, KNN_PHASES[phase], part); }

  /** A copy of the lists: {indices: Int32Array, distances: Float32Array, flags: Uint8Array}, n * (k-1) each. */
  state() {
    const e = this.engine;
    const c = this.n * (this.k - 1);
    return e.scoped((alloc) => {
      const o = alloc(12);
      e.raw('es_knn_build_state', this._kb, o);
      const p = e.readI32(o, 3).map((v) => v >>> 0);
      return { indices: e.readI32(p[0], c), distances: e.readF32(p[1], c), flags: e.readU8(p[2], c) };
    });
  }

  _withState(st, fn) {
    const c = this.n * (this.k - 1);
    if (!(st?.indices?.length === c && st.distances?.length === c && st.flags?.length === c)) throw new EmbedscapeError(`a kNN state has ${c} entries per array`);
    return this.engine.scoped((alloc, copy) => fn(copy(st.indices), copy(st.distances), copy(st.flags)));
  }

  merge(st) { this._withState(st, (i, d, f) => this.engine.call('es_knn_build_merge', this._kb, i, d, f)); }
  importState(st, rounds) { this._withState(st, (i, d, f) => this.engine.call('es_knn_build_import', this._kb, i, d, f, rounds)); }
  forestDone() { this.engine.raw('es_knn_build_forest_done', this._kb); }
  /** Ends a round on the merged lists: true if another round is due. */
  roundDone() { return this.engine.raw('es_knn_build_round_done', this._kb) === 1; }

  /** The lists as knnSearchWith returns them. */
  finish() {
    const e = this.engine;
    return e.scoped((alloc) => {
      const idx = alloc(4 * this.n * this.k);
      const dist = alloc(4 * this.n * this.k);
      e.call('es_knn_build_finish', this._kb, idx, dist);
      return { indices: e.readI32(idx, this.n * this.k), distances: e.readF32(dist, this.n * this.k), n: this.n, k: this.k };
    });
  }

  /** A UmapFit from the finished lists and the rows already in the engine (no copy of either). */
  fit(opts = {}) {
    const e = this.engine;
    const vec = umapOptionVector(opts);
    const u = e.scoped((alloc, copy) => {
      const idx = alloc(4 * this.n * this.k);
      const dist = alloc(4 * this.n * this.k);
      e.call('es_knn_build_finish', this._kb, idx, dist);
      const o = copy(vec);
      const out = alloc(4);
      e.call('es_umap_create_from_knn', this.x, this.n, this.dim, idx, dist, this.k, o, vec.length, out);
      return e.getU32(out);
    });
    return new UmapFit(e, u, this.n, vec[1]);
  }

  dispose() {
    if (this._kb) this.engine.raw('es_knn_build_free', this._kb);
    this._kb = 0;
    if (this.x) this.engine.free(this.x);
    this.x = 0;
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

const stateOf = (ctx, id, what) => {
  const s = ctx.state.get(id);
  if (!s?.[what]) throw new EmbedscapeError(`no UMAP ${what === 'fit' ? 'fit' : 'kNN search'} '${id}' in this worker`);
  return s[what];
};
const stateTransfer = (st) => [st.indices.buffer, st.distances.buffer, st.flags.buffer];

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
  /** {train, embedding, opts, points, transform: {nEpochs, seed}} -> {embedding, indices, weights, k} (transformOntoWith) */
  [OP.UMAP_TRANSFORM]: async (ctx, { train, embedding, opts, points, transform }) => {
    const r = transformOntoWith(ctx.engine, train, embedding, points, opts, transform);
    return { result: r, transfer: [r.embedding.data.buffer, r.indices.buffer, r.weights.buffer] };
  },
  /** {matrix, opts: {k, metric, method, seed}} -> {indices, distances, n, k} */
  [OP.KNN]: async (ctx, { matrix, opts }) => {
    const r = knnSearchWith(ctx.engine, matrix, opts);
    return { result: r, transfer: [r.indices.buffer, r.distances.buffer] };
  },
  // A kNN search in parts (see umap-parallel.js): every worker holds the rows under `id`.
  [OP.UMAP_KNN_BEGIN]: async (ctx, { id, matrix, opts }) => {
    if (ctx.state.has(id)) throw new EmbedscapeError(`'${id}' is in use in this worker`);
    const build = new KnnBuild(ctx.engine, matrix, opts);
    ctx.state.set(id, { build });
    return build.info();
  },
  [OP.UMAP_KNN_PART]: async (ctx, { id, phase, part }) => { stateOf(ctx, id, 'build').runPart(phase, part); return null; },
  [OP.UMAP_KNN_STATE]: async (ctx, { id }) => {
    const st = stateOf(ctx, id, 'build').state();
    return { result: st, transfer: stateTransfer(st) };
  },
  // merges the other workers' states, then ends the forest ('forest') or a round ('round'); returns
  // the merged state when another round follows
  [OP.UMAP_KNN_MERGE]: async (ctx, { id, states, then, wantState }) => {
    const build = stateOf(ctx, id, 'build');
    for (const st of states) build.merge(st);
    let more = false;
    if (then === 'forest') { build.forestDone(); more = true; } else if (then === 'round') more = build.roundDone();
    const { rounds, changes } = build.info();
    const result = { more, rounds, changes };
    if (more && wantState) result.state = build.state();
    return { result, transfer: result.state ? stateTransfer(result.state) : [] };
  },
  [OP.UMAP_KNN_IMPORT]: async (ctx, { id, state, rounds }) => { stateOf(ctx, id, 'build').importState(state, rounds); return null; },
  // the layout from the finished kNN, in the worker that merged it
  [OP.UMAP_KNN_LAYOUT]: async (ctx, { id, opts, snapshotMs }) => {
    const fit = stateOf(ctx, id, 'build').fit(opts);
    try {
      const r = await driveEpochs(fit, { onEpoch: (e) => ctx.progress({ status: 'layout', ...e }), aborted: ctx.aborted, yield: ctx.yield, snapshotMs });
      return { result: r, transfer: [r.embedding.data.buffer] };
    } finally {
      fit.dispose();
    }
  },
  [OP.UMAP_KNN_END]: async (ctx, { id }) => {
    const s = ctx.state.get(id);
    if (s?.build) {
      s.build.dispose();
      ctx.state.delete(id);
    }
    return null;
  },
};
