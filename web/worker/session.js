// session.js (worker side) — the data of a pipeline session, kept where it is computed: the texts, the
// vectors (in the engine's heap, where every query uses them without a copy), the layout and its
// per-epoch snapshots, the spanning trees (one per min_samples and layout), the labels and keywords.
// The main side (web/lib/session.js) decides which stages run, in which order, and asks for results
// and queries by session id; large data never leaves this worker unless asked for.
//
// Stages run here: 'layout' (UMAP of the vectors: the map), 'layout5' (a 5-dimensional UMAP of the
// same vectors: "meaning space" for clustering, BERTopic's recipe), 'tree' (HDBSCAN's spanning tree
// of one space for one min_samples), 'labels' (the cut of the tree for min_cluster_size & co., with the
// condensed tree), 'keywords' (c-TF-IDF of the texts per label).

import { EmbedscapeError } from './engine.js';
import { OP } from '../lib/protocol.js';
import { clusterKeywords } from '../lib/keywords.js';
import { loadedModel } from './bert.js';
import { runUmapWith, transformOntoWith } from './umap.js';
import { hdbscanPrepare, hdbscanSelect, hdbscanFree, hdbscanNeighbors, hdbscanNeighborsFree, hdbscanPrepareFromNeighbors } from './hdbscan.js';
import { similarityToWith, similarityMatrixWith, topKWith } from './similarity.js';
import { graphFromVectors, graphRecord } from './umapgraph.js';

/** Snapshots of the settling layout kept for playback, at most this many bytes (epochs are thinned to fit). */
const SNAPSHOT_BUDGET = 48 << 20;
/** Spanning trees kept per session (one per min_samples and space; the oldest goes first). */
const MAX_TREES = 24;
/**
 * Neighbours kept per space for HDBSCAN, for min_samples up to this (the page's slider ends at 100): a
 * new min_samples then builds its tree from them, without a neighbour search. Larger values build from
 * the points.
 */
const NEIGHBOURS_K_MAX = 100;

class Session {
  constructor(engine, { n, dim, texts }) {
    this.engine = engine;
    this.n = n;
    this.dim = dim;
    this.texts = texts;
    this.vecPtr = engine.malloc(4 * n * dim);
    this.filled = new Uint8Array(n);
    this.spaces = new Map(); // 'layout' | 'layout5' -> {version, data: Float32Array (n*d), dim, info}
    this.snapshots = new Map(); // epoch -> Float32Array (n*2), for 'layout'
    this.trees = new Map(); // `${space}:${version}:${minSamples}` -> handle
    this.neighbours = new Map(); // space -> {version, nb}: HDBSCAN's neighbours of that layout
    this.labels = null; // the last cut: HdbscanResult (+ space, minSamples)
    this.version = 0;
  }

  /** The vectors where they are: {ptr, n, dim} for the engine, valid until the session closes. */
  get vectors() {
    if (!this.filled.every((v) => v === 1)) {
      const missing = this.filled.indexOf(0);
      throw new EmbedscapeError(`the session has no vector for text ${missing} yet (embed the texts first)`);
    }
    return { ptr: this.vecPtr, n: this.n, dim: this.dim };
  }

  /** Copies rows [start, start + k) of vectors in. */
  putRows(start, data) {
    const k = data.length / this.dim;
    if (!Number.isInteger(k) || start < 0 || start + k > this.n) throw new EmbedscapeError(`vectors for rows ${start}..${start + k - 1} do not fit a session of ${this.n} texts x ${this.dim}`);
    this.engine.f32.set(data, (this.vecPtr >>> 2) + start * this.dim);
    this.filled.fill(1, start, start + k);
  }

  row(i) {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new EmbedscapeError(`text ${i} is out of range (0..${this.n - 1})`);
    const base = (this.vecPtr >>> 2) + i * this.dim;
    return this.engine.f32.slice(base, base + this.dim);
  }

  space(name) {
    const s = this.spaces.get(name);
    if (!s) throw new EmbedscapeError(`the session has no ${name === 'layout5' ? '5-dimensional layout' : 'layout'} yet`);
    return s;
  }

  /**
   * Puts a layout computed elsewhere (a saved map). `opts`: the UMAP options it was made with, when
   * known; with the vectors they let new texts be placed on it and its neighbour graph be drawn.
   */
  setSpace(name, data, dim, opts = null) {
    if (data.length !== this.n * dim) throw new EmbedscapeError(`a layout of ${data.length / dim} points for ${this.n} texts`);
    this.dropTrees(name);
    this.dropSpace(name);
    this.spaces.set(name, { version: ++this.version, data, dim, info: null, opts, graph: null, fit: null });
  }

  /** Forgets a space, and the fitted UMAP kept with it. */
  dropSpace(name) {
    this.spaces.get(name)?.fit?.dispose();
    this.spaces.delete(name);
  }

  dropTrees(space) {
    for (const [k, h] of this.trees) if (k.startsWith(`${space}:`)) { hdbscanFree(this.engine, h); this.trees.delete(k); }
    const nb = this.neighbours.get(space);
    if (nb) { hdbscanNeighborsFree(this.engine, nb.nb); this.neighbours.delete(space); }
  }

  free() {
    for (const name of [...this.spaces.keys()]) this.dropSpace(name);
    for (const h of this.trees.values()) hdbscanFree(this.engine, h);
    this.trees.clear();
    for (const { nb } of this.neighbours.values()) hdbscanNeighborsFree(this.engine, nb);
    this.neighbours.clear();
    this.engine.free(this.vecPtr);
    this.vecPtr = 0;
  }
}

function get(ctx, id) {
  const s = ctx.state.get(`session:${id}`);
  if (!s) throw new EmbedscapeError(`session ${id} is not open in this worker`);
  return s;
}

/** Which epochs to keep so that the snapshots fit the budget: all of them, or every k-th (and the last). */
function snapshotStride(n, nEpochs) {
  const per = n * 2 * 4;
  const fit = Math.max(2, Math.floor(SNAPSHOT_BUDGET / per));
  return Math.max(1, Math.ceil((nEpochs + 1) / fit));
}

async function runLayout(ctx, s, name, opts, { snapshots }) {
  const vectors = s.vectors;
  s.dropTrees(name);
  s.dropSpace(name);
  if (snapshots) s.snapshots.clear();
  let stride = 1;
  const r = await runUmapWith(ctx.engine, vectors, opts, {
    aborted: ctx.aborted,
    yield: ctx.yield,
    onEpoch: (e) => {
      ctx.progress({ status: name, done: e.epoch, total: e.nEpochs, epoch: e.epoch, nEpochs: e.nEpochs, ...(snapshots && e.embedding ? { embedding: e.embedding } : {}) });
    },
    keepEpoch: snapshots ? (epoch, nEpochs) => {
      if (epoch === 0) { stride = snapshotStride(s.n, nEpochs); return true; }
      return epoch % stride === 0 || epoch === nEpochs;
    } : () => false,
    onSnapshot: snapshots ? (epoch, data) => s.snapshots.set(epoch, data) : undefined,
    // the map's fitted UMAP stays: its graph is what the page draws, and new texts are placed on it
    keep: name === 'layout',
  });
  if (ctx.aborted()) { r.fit?.dispose(); ctx.checkAborted(); }
  s.spaces.set(name, { version: ++s.version, data: r.embedding.data, dim: r.embedding.dim, info: r.info, opts, graph: null, fit: r.fit ?? null });
  return r;
}

/** The spanning tree of a space for min_samples: kept from before when it was built already. {h, reused} */
function treeFor(ctx, s, space, minSamples) {
  const sp = s.space(space);
  const key = `${space}:${sp.version}:${minSamples}`;
  let h = s.trees.get(key);
  const reused = !!h;
  if (h) {
    s.trees.delete(key); // most recently used last
  } else {
    const kMax = Math.min(NEIGHBOURS_K_MAX, s.n - 1);
    if (minSamples <= kMax && sp.dim <= 16) {
      // the neighbours of this layout, found once; each min_samples' tree is then built from them
      let nb = s.neighbours.get(space);
      if (!nb || nb.version !== sp.version) {
        if (nb) hdbscanNeighborsFree(ctx.engine, nb.nb);
        nb = { version: sp.version, nb: hdbscanNeighbors(ctx.engine, { data: sp.data, n: s.n, dim: sp.dim }, { kMax }) };
        s.neighbours.set(space, nb);
      }
      h = hdbscanPrepareFromNeighbors(ctx.engine, nb.nb, { minSamples, algorithm: 'auto' });
    } else {
      h = hdbscanPrepare(ctx.engine, { data: sp.data, n: s.n, dim: sp.dim }, { minSamples, algorithm: 'auto' });
    }
    while (s.trees.size >= MAX_TREES) {
      const [oldKey, old] = s.trees.entries().next().value;
      hdbscanFree(ctx.engine, old);
      s.trees.delete(oldKey);
    }
  }
  s.trees.set(key, h);
  return { h, reused };
}

/** The condensed tree arrays and what the page draws from them (transferable). */
function treeTransfer(ct) {
  return ct ? Object.values(ct).map((v) => v.buffer) : [];
}

const stages = {
  /** {opts: UMAP options} -> {xy: Matrix, info, snapshotEpochs} */
  async layout(ctx, s, { opts }) {
    const r = await runLayout(ctx, s, 'layout', opts, { snapshots: true });
    const xy = r.embedding.data.slice();
    return { result: { xy: { data: xy, n: s.n, dim: r.embedding.dim }, info: r.info, snapshotEpochs: [...s.snapshots.keys()] }, transfer: [xy.buffer] };
  },
  /** {opts} -> {info}: the 5-dimensional layout stays here (clustering reads it) */
  async layout5(ctx, s, { opts }) {
    const r = await runLayout(ctx, s, 'layout5', opts, { snapshots: false });
    return { info: r.info };
  },
  /** {space, minSamples} -> {n, minSamples used, reused: whether the tree was kept from before, ms} */
  async tree(ctx, s, { space = 'layout', minSamples }) {
    const t0 = performance.now();
    const { h, reused } = treeFor(ctx, s, space, minSamples);
    return { n: h.n, minSamples: ctx.engine.raw('es_hdbscan_min_samples_used', h.ptr), reused, ms: performance.now() - t0 };
  },
  /** {space, minSamples, select: HDBSCAN selection options} -> labels, probabilities, outlierScores, condensedTree */
  async labels(ctx, s, { space = 'layout', minSamples, select }) {
    const { h } = treeFor(ctx, s, space, minSamples);
    const r = hdbscanSelect(ctx.engine, h, { ...select, minSamples, condensedTree: true });
    s.labels = { ...r, space, minSamples };
    const out = {
      labels: r.labels.slice(), probabilities: r.probabilities.slice(), outlierScores: r.outlierScores.slice(),
      nClusters: r.nClusters, minSamples: r.minSamples, algorithm: r.algorithm, condensedTree: r.condensedTree,
    };
    return { result: out, transfer: [out.labels.buffer, out.probabilities.buffer, out.outlierScores.buffer, ...treeTransfer(r.condensedTree)] };
  },
  /** {topN, stopWords} -> [{label, size, keywords}] of the last labels */
  async keywords(ctx, s, { topN }) {
    if (!s.labels) throw new EmbedscapeError('the session has no clusters yet');
    return clusterKeywords(s.texts, s.labels.labels, { topN });
  },
  /** {space, data, dim, opts?}: a layout computed elsewhere (a saved map), and the UMAP options it was made with */
  async setLayout(ctx, s, { space = 'layout', data, dim, opts }) {
    s.setSpace(space, data, dim, opts ?? null);
    return true;
  },
};

/** Read-only questions about a session's data (they may run while a stage of the same worker yields). */
const queries = {
  /** {i} -> Float32Array (dim) */
  vector: (ctx, s, { i }) => s.row(i),
  /** {rows: number[]} -> Float32Array (rows.length x dim), the vectors of those texts */
  rows: (ctx, s, { rows }) => {
    const v = s.vectors, out = new Float32Array(rows.length * s.dim);
    rows.forEach((i, k) => out.set(s.row(i), k * s.dim));
    return v && out;
  },
  /** {query: row index | Float32Array, k} -> [{index, score}] best first (a row query leaves itself out) */
  similar: (ctx, s, { query, k }) => topKWith(ctx.engine, s.vectors, query, Math.min(k ?? s.n, s.n)),
  /** {query} -> Float32Array (n) */
  similarities: (ctx, s, { query }) => similarityToWith(ctx.engine, s.vectors, query),
  /** {rows: number[]} -> Float32Array (m*m) cosine similarities between the given texts */
  pairwise: (ctx, s, { rows }) => {
    const m = rows.length, out = new Float32Array(m * m);
    const v = s.vectors;
    for (let a = 0; a < m; a++) {
      const sims = similarityToWith(ctx.engine, v, rows[a]);
      for (let b = 0; b < m; b++) out[a * m + b] = sims[rows[b]];
    }
    return out;
  },
  /** {} -> the fuzzy neighbour graph of the map's layout (see umapgraph.js), made once per layout */
  graph: (ctx, s) => {
    const sp = s.space('layout');
    if (!sp.opts) throw new EmbedscapeError('a saved map has no neighbour graph (embed the texts to see it)');
    sp.graph ??= sp.fit ? graphRecord(sp.fit.graph(), sp.fit.knn()) : graphFromVectors(ctx.engine, s.vectors, sp.opts);
    return sp.graph;
  },
  /**
   * {vectors: Float32Array (m*dim), nEpochs?, seed?} -> {embedding, indices, weights, k}: new points
   * placed on the map with umap-learn's transform (the fitted graph and layout, the layout fixed)
   */
  place: (ctx, s, { vectors, nEpochs, seed }) => {
    const sp = s.space('layout');
    if (!(vectors instanceof Float32Array) || vectors.length % s.dim !== 0 || !vectors.length) throw new EmbedscapeError(`place: vectors must be a Float32Array of m x ${s.dim} values`);
    const points = { data: vectors, n: vectors.length / s.dim, dim: s.dim };
    const opts = {};
    if (nEpochs !== undefined) opts.nEpochs = nEpochs;
    if (seed !== undefined) opts.seed = seed;
    if (sp.fit) return sp.fit.transform(s.vectors, points, opts);
    // a saved map: its vectors, positions and UMAP options are all the transform needs
    if (!sp.opts) throw new EmbedscapeError('this saved map does not say how it was laid out (its UMAP options): new texts cannot be placed on it');
    if (!s.filled.every((v) => v === 1)) throw new EmbedscapeError('this saved map carries no vectors: new texts cannot be placed on it (save it with its vectors, or embed its texts)');
    return transformOntoWith(ctx.engine, s.vectors, { data: sp.data, n: s.n, dim: sp.dim }, points, sp.opts, opts);
  },
  /** {bins, maxRows} -> the spread of pairwise distances and cosines (and of distances on the map) */
  distanceStats: (ctx, s, { bins = 40, maxRows = 1000 }) => distanceStats(ctx.engine, s, bins, maxRows),
  /** {space, minSamples, select} -> {labels, nClusters}: the clusters HDBSCAN finds in another space */
  labelsIn: (ctx, s, { space, minSamples, select }) => {
    const { h } = treeFor(ctx, s, space, minSamples);
    const r = hdbscanSelect(ctx.engine, h, { ...select, minSamples });
    return { labels: r.labels, nClusters: r.nClusters, space };
  },
  /** {epoch} -> {epoch, data} the snapshot kept at that epoch, else the last one before it */
  snapshot: (ctx, s, { epoch }) => {
    let best = -1;
    for (const e of s.snapshots.keys()) if (e <= epoch && e > best) best = e;
    if (best < 0) throw new EmbedscapeError('the session has no layout snapshots');
    return { epoch: best, data: s.snapshots.get(best).slice() };
  },
};

/** Evenly spaced rows (all of them when n <= m), so that large inputs stay quick. */
function sampleRows(n, m) {
  if (n <= m) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: m }, (_, i) => Math.floor((i * n) / m));
}

/** A histogram of values over [min, max] with percentiles. */
function histogram(values, bins) {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length;
  const min = m ? sorted[0] : 0, max = m ? sorted[m - 1] : 0;
  const counts = new Uint32Array(bins);
  const w = max > min ? (max - min) / bins : 1;
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / w))]++;
  const q = (p) => (m ? sorted[Math.min(m - 1, Math.floor(p * (m - 1)))] : 0);
  return { min, max, counts, p5: q(0.05), p50: q(0.5), p95: q(0.95) };
}

/**
 * Pairwise Euclidean distances and cosine similarities between the vectors (of up to maxRows evenly
 * spaced texts) and, when there is a map, the distances of the same pairs on it.
 */
function distanceStats(engine, s, bins, maxRows) {
  const rows = sampleRows(s.n, maxRows);
  const m = rows.length;
  const sub = new Float32Array(m * s.dim);
  rows.forEach((r, a) => sub.set(s.row(r), a * s.dim));
  const cos = similarityMatrixWith(engine, { data: sub, n: m, dim: s.dim });
  const norm = rows.map((_, a) => Math.hypot(...sub.subarray(a * s.dim, (a + 1) * s.dim)));
  const xy = s.spaces.get('layout');
  const pairs = (m * (m - 1)) / 2;
  const c = new Float32Array(pairs), d = new Float32Array(pairs), d2 = xy ? new Float32Array(pairs) : null;
  let p = 0;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++, p++) {
      const v = cos[a * m + b];
      c[p] = v;
      d[p] = Math.sqrt(Math.max(0, norm[a] ** 2 + norm[b] ** 2 - 2 * norm[a] * norm[b] * v));
      if (d2) {
        const i = rows[a] * xy.dim, j = rows[b] * xy.dim;
        d2[p] = Math.hypot(xy.data[i] - xy.data[j], xy.data[i + 1] - xy.data[j + 1]);
      }
    }
  }
  return { n: s.n, texts: m, pairs, dim: s.dim, cosine: histogram(c, bins), euclidean: histogram(d, bins), map: d2 ? histogram(d2, bins) : null };
}

export const sessionOps = {
  /** {id, n, dim, texts} opens (or reopens, empty) a session */
  [OP.SESSION_OPEN]: async (ctx, { id, n, dim, texts }) => {
    ctx.state.get(`session:${id}`)?.free();
    if (!Array.isArray(texts) || texts.length !== n) throw new EmbedscapeError(`session: ${texts?.length} texts for n = ${n}`);
    ctx.state.set(`session:${id}`, new Session(ctx.engine, { n, dim, texts }));
    return true;
  },
  /** {id, start, data}: rows of vectors computed by another worker (or known already) */
  [OP.SESSION_PUT_VECTORS]: async (ctx, { id, start, data }) => {
    get(ctx, id).putRows(start, data);
    return true;
  },
  /** {id, model, start, texts}: embeds texts into rows start.. of the session, with the model loaded here */
  [OP.SESSION_EMBED]: async (ctx, { id, model, start, texts }) => {
    const s = get(ctx, id);
    const m = loadedModel(ctx, model);
    if (m.dim !== s.dim) throw new EmbedscapeError(`the model gives ${m.dim} numbers per text, the session holds ${s.dim}`);
    const r = await m.embedChunked(texts, undefined, {
      onChunk: async ({ done, tokens }) => {
        ctx.progress({ status: 'embed', done, total: texts.length, tokens });
        if (done < texts.length) { await ctx.yield(); ctx.checkAborted(); }
      },
    });
    s.putRows(start, r.data);
    return { tokens: r.tokens };
  },
  /** {id, stage, ...args} runs one stage (see `stages`) */
  [OP.SESSION_STAGE]: async (ctx, args) => {
    const s = get(ctx, args.id);
    const fn = stages[args.stage];
    if (!fn) throw new EmbedscapeError(`unknown session stage '${args.stage}'`);
    return fn(ctx, s, args);
  },
  /** {id, what, ...args} answers a read-only question (see `queries`) */
  [OP.SESSION_QUERY]: async (ctx, args) => {
    const s = get(ctx, args.id);
    const fn = queries[args.what];
    if (!fn) throw new EmbedscapeError(`unknown session query '${args.what}'`);
    return fn(ctx, s, args);
  },
  [OP.SESSION_CLOSE]: async (ctx, { id }) => {
    ctx.state.get(`session:${id}`)?.free();
    ctx.state.delete(`session:${id}`);
    return true;
  },
};
