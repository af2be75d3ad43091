// session.js — a pipeline session: texts → vectors → layout → tree → labels → keywords, with the data
// kept in a worker (web/worker/session.js) and only small results here. The page, `embedscape map` and
// <embedscape-map> all use it, so "rerun only what changed" lives in one place (pipeline.js).
//
//   const s = await createSession({ model });           // a Model from loadModel (its pool is used)
//   s.setTexts(texts);
//   s.setOptions({ umap: { nNeighbors: 15 }, hdbscan: { minClusterSize: 5 } });
//   await s.run({ onProgress: (p) => console.log(p.status, p.done, p.total), signal });
//   s.result;   // {xy, labels, probabilities, outlierScores, nClusters, clusters: [{label, size, keywords}], ...}
//   s.setOptions({ hdbscan: { minClusterSize: 8 } });
//   s.plan();    // ['tree', 'labels', 'keywords']: min_samples follows min_cluster_size by default
//   await s.run();
//   await s.similar(0, 5);  // the 5 texts most similar to text 0, computed where the vectors are
//   await s.dispose();
//
// A run() that starts while another runs cancels the other's current stage unless the new plan still
// needs exactly that stage, then continues from what is done: the last call wins, nothing is computed
// for options nobody wants any more. Cancelling (signal) rejects with signal.reason and keeps every
// stage that finished.

import { EmbedscapeError, abortError, isAbortError, throwIfAborted } from './errors.js';
import { getDefaultPool } from './pool.js';
import { OP } from './protocol.js';
import { UMAP_OPTIONS, HDBSCAN_OPTIONS, KEYWORDS_OPTIONS, RUN_OPTIONS, checkOptions, checkValue, pick } from './options.js';
import { toMatrix } from './matrix.js';
import { shareBoundaries, checkTexts } from './model.js';
import { CLUSTER_SPACES, LAYOUT5_OPTIONS, STAGE_NAMES, plan as planStages, stageKeys } from './pipeline.js';

let nextSession = 1;

const RUN_CALL = {
  signal: RUN_OPTIONS.signal,
  onProgress: RUN_OPTIONS.onProgress,
  until: { type: 'choice', choices: STAGE_NAMES, help: 'stop after this stage' },
};

/**
 * A session in one worker of the pool ("home"); embedding is shared by every worker holding the model.
 * @param {{model?: import('./model.js').Model, pool?: import('./pool.js').WorkerPool}} [opts]
 */
export async function createSession(opts = {}) {
  const o = checkOptions({
    model: { type: 'object' },
    prefetch: { type: 'bool', default: false, help: 'after a run, build the spanning trees of the nearby min_samples in the background (for sliders)' },
  }, opts, 'createSession', { pool: RUN_OPTIONS.pool });
  const pool = o.model?.pool ?? o.pool ?? getDefaultPool();
  if (o.model && o.pool && o.pool !== o.model.pool) throw new EmbedscapeError('createSession: the model lives in another pool than the one given');
  await pool.start();
  const s = new Session(pool, o.model ?? null);
  s.prefetch = o.prefetch;
  return s;
}

/** How far around the current min_samples a prefetching session builds trees ahead. */
const PREFETCH_RADIUS = 3;

export class Session {
  constructor(pool, model) {
    this.pool = pool;
    this.model = model;
    this.id = `s${nextSession}-${Math.random().toString(36).slice(2, 8)}`;
    this.home = (nextSession++ - 1) % pool.size;
    this.texts = [];
    this._textsVersion = 0;
    this._vectorsSource = model ? model.id : null;
    this._given = null; // {vectors} | {layout}: data set from outside instead of computed
    this._layoutGiven = 0;
    this.options = { umap: checkOptions(UMAP_OPTIONS, {}, 'umap', null), hdbscan: checkOptions(HDBSCAN_OPTIONS, {}, 'hdbscan', null), keywords: checkOptions(KEYWORDS_OPTIONS, {}, 'keywords', null), clusterOn: 'layout' };
    this._done = {}; // stage -> key of its last result
    this._opened = -1; // texts version the worker's session was opened for
    this.result = emptyResult();
    this._tail = Promise.resolve();
    this._active = null; // {stage, key, controller}
    this._gen = 0;
    this._disposed = false;
    this._lost = false;
    this.prefetch = false;
    this._prefetched = new Set(); // `${space}:${minSamples}` trees built ahead since the last layout
    this._unsub = pool.onWorkerLost((i) => { if (i === this.home) { this._lost = true; this._done = {}; this._opened = -1; } });
  }

  _state() {
    return {
      texts: this._textsVersion,
      vectors: this._vectorsSource,
      layoutGiven: this._layoutGiven,
      layoutVectors: !!this._given?.vectors,
      umap: this.options.umap,
      hdbscan: this.options.hdbscan,
      keywords: this.options.keywords,
      clusterOn: this.options.clusterOn,
    };
  }

  /** The texts to map (one string each). Everything computed before is stale. */
  setTexts(texts) {
    const list = checkTexts(texts, 'setTexts');
    if (list.length === 0) throw new EmbedscapeError('setTexts: a session needs at least one text');
    this.texts = list.slice();
    this._textsVersion++;
    this._given = null;
    this._known = null;
    this._layoutGiven = 0;
    this._vectorsSource = this.model ? this.model.id : null;
    this.result = emptyResult();
    this.result.texts = this.texts;
  }

  /**
   * Vectors known already (a cache) for some of the current texts, computed by this session's model:
   * rows (text indices) and data (rows.length x dim, row by row). The next run embeds only the others.
   * @param {ArrayLike<number>} rows @param {Float32Array} data
   */
  setKnownVectors(rows, data) {
    if (!this.model) throw new EmbedscapeError('setKnownVectors: this session has no model (use setVectors)');
    const dim = this.model.dim, r = Int32Array.from(rows);
    if (!(data instanceof Float32Array) || data.length !== r.length * dim) throw new EmbedscapeError(`setKnownVectors: ${r.length} rows need ${r.length * dim} numbers, got ${data?.length}`);
    for (const i of r) if (!(i >= 0 && i < this.texts.length)) throw new EmbedscapeError(`setKnownVectors: row ${i} is not a text of this session (0..${this.texts.length - 1})`);
    this._known = r.length ? { rows: r, data } : null;
  }

  /** Vectors computed elsewhere (a .npy, a cache) for the current texts: the session does not embed them. */
  setVectors(vectors) {
    const m = toMatrix(vectors, 'setVectors');
    if (m.n !== this.texts.length) throw new EmbedscapeError(`setVectors: ${m.n} rows for ${this.texts.length} texts`);
    this._given = { vectors: m };
    this._vectorsSource = `given:${this._textsVersion}:${Math.random()}`;
  }

  /**
   * A layout computed elsewhere (a saved map): the session clusters it and answers queries about it.
   * With `vectors` (the texts' embeddings, as a map saved with its vectors carries them) the
   * similarity queries answer too, and with `umap` as well (the UMAP options the layout was made
   * with, UMAP_OPTIONS' names) new texts can be placed on it (place()) and its neighbour graph drawn.
   */
  setLayout(xy, { vectors, umap } = {}) {
    const m = toMatrix(xy, 'setLayout');
    if (m.n !== this.texts.length) throw new EmbedscapeError(`setLayout: ${m.n} points for ${this.texts.length} texts`);
    const v = vectors === undefined || vectors === null ? null : toMatrix(vectors, 'setLayout: vectors');
    if (v && v.n !== m.n) throw new EmbedscapeError(`setLayout: ${v.n} vectors for ${m.n} texts`);
    if (v && this.model && v.dim !== this.model.dim) throw new EmbedscapeError(`setLayout: the vectors have ${v.dim} numbers per text, the session's model ${this.model.dim}`);
    const u = umap === undefined || umap === null ? null : pick(UMAP_OPTIONS, checkOptions(UMAP_OPTIONS, umap, 'setLayout: umap', null));
    this._given = { layout: m, vectors: v, umap: u };
    this._layoutGiven++;
    if (v) this._vectorsSource = `given:${this._textsVersion}:${Math.random()}`;
    this.result.xy = m;
  }

  /**
   * Changes options: {umap, hdbscan, keywords, clusterOn}; each group is merged into the current one
   * (a key set to undefined goes back to its default). Only the stages that read a changed option rerun.
   */
  setOptions(opts = {}) {
    const o = checkOptions({ umap: { type: 'object' }, hdbscan: { type: 'object' }, keywords: { type: 'object' }, clusterOn: { type: 'choice', choices: CLUSTER_SPACES } }, opts, 'setOptions', null);
    const merge = (schema, cur, add, where) => (add ? checkOptions(schema, { ...cur, ...add }, where, null) : cur);
    this.options = {
      umap: merge(UMAP_OPTIONS, this.options.umap, o.umap, 'umap'),
      hdbscan: merge(HDBSCAN_OPTIONS, this.options.hdbscan, o.hdbscan, 'hdbscan'),
      keywords: merge(KEYWORDS_OPTIONS, this.options.keywords, o.keywords, 'keywords'),
      clusterOn: o.clusterOn ?? this.options.clusterOn,
    };
    if (this.options.clusterOn === 'layout5' && this._layoutGiven && !this._given?.vectors) throw new EmbedscapeError('setOptions: a saved map has no vectors to cluster in meaning space');
  }

  /** The stages a run() would redo now, in order. */
  plan(until) {
    if (until !== undefined) checkValue('plan: until', RUN_CALL.until, until);
    return planStages(this._state(), this._done, until);
  }

  /**
   * Runs the stale stages in order. Progress: {status: stage, done, total, ...} from inside a stage,
   * and {status: 'stage', stage, done: i, total: stages} when a stage has finished (session.result then
   * holds its result). A stage that fails rejects with its error, whose `stage` names it; the stages
   * before it stay done.
   * @param {{signal?: AbortSignal, onProgress?: (p: object) => void, until?: string}} [opts]
   */
  async run(opts = {}) {
    const o = checkOptions({}, opts, 'session.run', RUN_CALL);
    if (this._disposed) throw new EmbedscapeError('this session was disposed');
    if (!this.texts.length) throw new EmbedscapeError('session.run: no texts (setTexts first)');
    const gen = ++this._gen;
    // the run in progress stops unless its current stage is still wanted with the same key
    const a = this._active;
    if (a && stageKeys(this._state())[a.stage] !== a.key) a.controller.abort();
    const prev = this._tail;
    let release;
    this._tail = new Promise((r) => { release = r; });
    try {
      await prev;
      if (gen !== this._gen) throw new DOMException('a newer run of this session replaced this one', 'AbortError');
      throwIfAborted(o.signal);
      const todo = planStages(this._state(), this._done, o.until);
      for (let i = 0; i < todo.length; i++) {
        if (gen !== this._gen) throw new DOMException('a newer run of this session replaced this one', 'AbortError');
        const stage = todo[i];
        const key = stageKeys(this._state())[stage];
        const controller = new AbortController();
        const onOuter = () => controller.abort(o.signal.reason);
        o.signal?.addEventListener('abort', onOuter, { once: true });
        this._active = { stage, key, controller };
        try {
          await this._runStage(stage, controller.signal, o.onProgress);
        } catch (e) {
          if (isAbortError(e) && o.signal?.aborted) throw abortError(o.signal);
          if (e instanceof Error && !isAbortError(e) && e.stage === undefined) e.stage = stage; // what failed, for a message
          throw e;
        } finally {
          o.signal?.removeEventListener('abort', onOuter);
          this._active = null;
        }
        this._done[stage] = key;
        if (stage === 'layout' || stage === 'layout5') this._prefetched.clear();
        o.onProgress?.({ status: 'stage', stage, done: i + 1, total: todo.length });
      }
      this.result.ran = todo;
      if (this.prefetch && todo.includes('tree')) this._prefetchTrees(gen);
      return { ...this.result }; // this run's results; session.result moves on with later runs
    } finally {
      release();
    }
  }

  /**
   * Builds the trees of the min_samples next to the current one in the background, one task at a
   * time, so that the next slider steps find them kept (a new tree at 50 000 points takes 50-100 ms; a
   * kept one is cut in a few). It stops as soon as a newer run starts, which then waits for at most
   * the one tree being built.
   */
  async _prefetchTrees(gen) {
    const h = this.options.hdbscan, space = this.options.clusterOn;
    const base = h.minSamples ?? h.minClusterSize;
    this._prefetched.add(`${space}:${base}`);
    const around = [];
    for (let d = 1; d <= PREFETCH_RADIUS; d++) around.push(base + d, base - d);
    for (const ms of around) {
      if (ms < 1 || ms >= this.texts.length || this._prefetched.has(`${space}:${ms}`)) continue;
      if (gen !== this._gen || this._disposed || this._active) return;
      this._prefetched.add(`${space}:${ms}`);
      try {
        await this._call(OP.SESSION_STAGE, { stage: 'tree', space, minSamples: ms });
      } catch {
        return; // a prefetch never fails a run; the tree is built when asked for
      }
    }
  }

  _call(op, args, signal, onProgress, transfer) {
    return this.pool.run(op, { id: this.id, ...args }, { worker: this.home, signal, onProgress, transfer });
  }

  async _open(signal) {
    if (this._opened === this._textsVersion && !this._lost) return;
    const dim = this.model?.dim ?? this._given?.vectors?.dim ?? 1;
    await this._call(OP.SESSION_OPEN, { n: this.texts.length, dim, texts: this.texts }, signal);
    this._opened = this._textsVersion;
    this._lost = false;
  }

  async _runStage(stage, signal, onProgress) {
    const r = this.result;
    const o = this.options;
    if (stage !== 'vectors') await this._open(signal);
    switch (stage) {
      case 'vectors': return this._embed(signal, onProgress);
      case 'layout': {
        if (this._given?.layout) {
          const m = this._given.layout;
          await this._call(OP.SESSION_STAGE, { stage: 'setLayout', space: 'layout', data: m.data, dim: m.dim, opts: this._given.umap }, signal);
          r.xy = m;
          r.layoutInfo = null;
          r.snapshotEpochs = [];
          return;
        }
        const res = await this._call(OP.SESSION_STAGE, { stage: 'layout', opts: o.umap }, signal, onProgress);
        r.xy = res.xy;
        r.layoutInfo = res.info;
        r.snapshotEpochs = res.snapshotEpochs;
        return;
      }
      case 'layout5': {
        onProgress?.({ status: 'layout5', done: 0, total: 1 });
        const res = await this._call(OP.SESSION_STAGE, { stage: 'layout5', opts: { ...o.umap, ...LAYOUT5_OPTIONS } }, signal, onProgress);
        r.layout5Info = res.info;
        return;
      }
      case 'tree': {
        const minSamples = o.hdbscan.minSamples ?? o.hdbscan.minClusterSize;
        const res = await this._call(OP.SESSION_STAGE, { stage: 'tree', space: o.clusterOn, minSamples }, signal);
        r.minSamples = res.minSamples;
        r.tree = { reused: res.reused, ms: res.ms };
        return;
      }
      case 'labels': {
        const h = o.hdbscan;
        const select = selectOptions(h);
        const res = await this._call(OP.SESSION_STAGE, { stage: 'labels', space: o.clusterOn, minSamples: h.minSamples ?? h.minClusterSize, select }, signal);
        Object.assign(r, { labels: res.labels, probabilities: res.probabilities, outlierScores: res.outlierScores, nClusters: res.nClusters, condensedTree: res.condensedTree, minSamples: res.minSamples, clusterSpace: o.clusterOn });
        r.clusters = clusterSizes(res.labels);
        return;
      }
      case 'keywords': {
        const kw = await this._call(OP.SESSION_STAGE, { stage: 'keywords', topN: o.keywords.topN }, signal);
        const byLabel = new Map(kw.map((c) => [c.label, c.keywords]));
        r.clusters = r.clusters.map((c) => ({ ...c, keywords: byLabel.get(c.label) ?? [] }));
        return;
      }
      default: throw new EmbedscapeError(`unknown stage ${stage}`);
    }
  }

  /** Vectors: given ones are put in; else every worker holding the model embeds a share of the texts. */
  async _embed(signal, onProgress) {
    await this._open(signal);
    const n = this.texts.length;
    if (this._given?.vectors) {
      const m = this._given.vectors;
      await this._call(OP.SESSION_PUT_VECTORS, { start: 0, data: m.data }, signal);
      return;
    }
    const model = this.model;
    if (!model) throw new EmbedscapeError('this session has no model to embed its texts with (createSession({model}) or setVectors)');
    if (this._known) return this._embedMissing(signal, onProgress);
    const size = this.pool.size;
    const bounds = shareBoundaries(this.texts, Math.min(size, n));
    const shares = bounds.length - 1;
    const done = new Float64Array(shares), tokens = new Float64Array(shares);
    const t0 = performance.now();
    const report = () => onProgress?.({
      status: 'embed', done: done.reduce((a, b) => a + b, 0), total: n, tokens: tokens.reduce((a, b) => a + b, 0),
      elapsed: (performance.now() - t0) / 1000,
    });
    await Promise.all(Array.from({ length: shares }, async (_, s) => {
      const [a, b] = [bounds[s], bounds[s + 1]];
      if (a === b) return;
      // the share of worker w; the home worker embeds straight into the session
      const w = (this.home + s) % size;
      await model.ensure(w, signal);
      const texts = this.texts.slice(a, b);
      const progress = (p) => { done[s] = p.done; tokens[s] = p.tokens; report(); };
      if (w === this.home) {
        const r = await this.pool.run(OP.SESSION_EMBED, { id: this.id, model: model.id, start: a, texts }, { worker: w, signal, onProgress: progress });
        tokens[s] = r.tokens;
      } else {
        const r = await this.pool.run(OP.BERT_EMBED, { id: model.id, texts }, { worker: w, signal, onProgress: progress });
        tokens[s] = r.tokens;
        await this._call(OP.SESSION_PUT_VECTORS, { start: a, data: r.data }, signal, undefined, [r.data.buffer]);
      }
      done[s] = b - a;
      report();
    }));
  }

  /** Puts the known vectors in, then embeds the other texts over the workers and puts theirs. */
  async _embedMissing(signal, onProgress) {
    const { rows, data } = this._known;
    const n = this.texts.length, dim = this.model.dim;
    const known = new Uint8Array(n);
    for (const i of rows) known[i] = 1;
    // runs of consecutive rows go in as one block each
    const putRuns = async (idx, rowsData) => {
      for (let a = 0; a < idx.length;) {
        let b = a + 1;
        while (b < idx.length && idx[b] === idx[b - 1] + 1) b++;
        await this._call(OP.SESSION_PUT_VECTORS, { start: idx[a], data: rowsData.slice(a * dim, b * dim) }, signal);
        a = b;
      }
    };
    const order = Array.from(rows.keys()).sort((a, b) => rows[a] - rows[b]);
    const sortedRows = order.map((k) => rows[k]);
    const sortedData = new Float32Array(order.length * dim);
    order.forEach((k, j) => sortedData.set(data.subarray(k * dim, (k + 1) * dim), j * dim));
    await putRuns(sortedRows, sortedData);
    const missing = [];
    for (let i = 0; i < n; i++) if (!known[i]) missing.push(i);
    if (!missing.length) return;
    const texts = missing.map((i) => this.texts[i]);
    const r = await this.model.embed(texts, { signal, onProgress: (p) => onProgress?.({ ...p, status: 'embed' }) });
    await putRuns(missing, r.data);
  }

  /** The vectors of some texts: Float32Array (rows.length x dim), e.g. to keep them in a cache. */
  vectorsOf(rows) { return this._query('rows', { rows: Array.from(rows) }); }

  // ------------------------------------------------------------------ questions (answered in the worker)

  _query(what, args = {}) {
    if (this._disposed) return Promise.reject(new EmbedscapeError('this session was disposed'));
    return this.pool.run(OP.SESSION_QUERY, { id: this.id, what, ...args }, { worker: this.home, signal: args.signal });
  }

  /** The vector of text i: Float32Array (dim). */
  vector(i) { return this._query('vector', { i }); }

  /** The k texts most similar to a query (a text index, or a vector), best first: [{index, score}]. */
  similar(query, k = 10) { return this._query('similar', { query, k }); }

  /** Cosine similarity of a query (a text index, or a vector) to every text: Float32Array (n). */
  similarities(query) { return this._query('similarities', { query }); }

  /** Cosine similarities between the given texts: Float32Array (m*m). */
  pairwise(rows) { return this._query('pairwise', { rows: Array.from(rows) }); }

  /** The layout as it was after `epoch` epochs (epoch 0 = the initial layout): {epoch, data}. */
  snapshot(epoch) { return this._query('snapshot', { epoch }); }

  /**
   * The fuzzy k-nearest-neighbour graph UMAP built for the map: every entry of the symmetric matrix
   * (both directions) as {n, k, rows, cols, weights}, and the kNN it came from (knn.indices,
   * knn.distances: n*k, each row itself first).
   */
  graph() { return this._query('graph'); }

  /**
   * Where new texts would go on the map: umap-learn's `transform` (their nearest texts of the map,
   * the weighted mean of those positions, then the optimisation against the fixed layout). `input`:
   * a text, texts (embedded with the session's model) or their vectors (a Matrix, number[][], or a
   * typed array of one vector or m x dim values). opts: {nEpochs, seed, signal}.
   * @returns {Promise<{embedding: {data: Float32Array, n: number, dim: number}, indices: Int32Array, weights: Float32Array, k: number}>}
   */
  async place(input, { nEpochs, seed, signal } = {}) {
    let data;
    if (typeof input === 'string' || (Array.isArray(input) && input.length && input.every((t) => typeof t === 'string'))) {
      if (!this.model) throw new EmbedscapeError('place: the session has no model to embed texts with (pass vectors)');
      data = (await this.model.embed(typeof input === 'string' ? [input] : input, { signal })).data;
    } else if (ArrayBuffer.isView(input) && !(input instanceof DataView)) {
      data = input instanceof Float32Array ? input : Float32Array.from(input); // one vector, or m x dim values in a row
    } else {
      data = toMatrix(input, 'place').data;
    }
    return this._query('place', { vectors: data, nEpochs, seed, signal });
  }

  /**
   * The spread of pairwise Euclidean distances and cosine similarities of the vectors (of at most
   * maxRows evenly spaced texts), and of the same pairs' distances on the map: histograms with
   * min, max, p5, p50, p95.
   */
  distanceStats({ bins = 40, maxRows = 1000 } = {}) { return this._query('distanceStats', { bins, maxRows }); }

  /** The clusters the current HDBSCAN options find in another space ('layout' or 'layout5', computed already): {labels, nClusters}. */
  labelsIn(space) {
    checkValue('labelsIn: space', { type: 'choice', choices: CLUSTER_SPACES }, space);
    const h = this.options.hdbscan;
    const select = selectOptions(h);
    return this._query('labelsIn', { space, minSamples: h.minSamples ?? h.minClusterSize, select });
  }

  /** Frees the session in its worker. */
  async dispose() {
    if (this._disposed) return;
    this._disposed = true;
    this._unsub();
    this._active?.controller.abort();
    await this.pool.run(OP.SESSION_CLOSE, { id: this.id }, { worker: this.home }).catch(() => {});
  }
}

/** The options of HDBSCAN's cut of a tree (the rest build the tree). */
function selectOptions(h) {
  return { minClusterSize: h.minClusterSize, method: h.method, allowSingleCluster: h.allowSingleCluster, clusterSelectionEpsilon: h.clusterSelectionEpsilon, maxClusterSize: h.maxClusterSize };
}

function emptyResult() {
  return {
    texts: [], xy: null, layoutInfo: null, snapshotEpochs: [], labels: null, probabilities: null, outlierScores: null,
    nClusters: 0, clusters: [], condensedTree: null, minSamples: null, tree: null, clusterSpace: 'layout', ran: [],
  };
}

/** [{label, size, keywords: []}] by label, noise (-1) left out. */
export function clusterSizes(labels) {
  const sizes = new Map();
  for (const l of labels) if (l >= 0) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  return [...sizes.keys()].sort((a, b) => a - b).map((label) => ({ label, size: sizes.get(label), keywords: [] }));
}
