// model.js — sentence embeddings with a sentence-transformers model folder (all-MiniLM-L6-v2 and any
// BERT-shaped one), main side: the folder's files are read once here, handed to every worker of the
// pool as Blobs (each worker reads its own copy into its engine; this thread keeps no copy of the
// weights in its JS heap), and embed() splits the texts over the workers.
//
//   import { loadModel } from 'embedscape';
//   const model = await loadModel('models/all-MiniLM-L6-v2/', { onProgress: (p) => console.log(p.status) });
//   const { data, n, dim } = await model.embed(['The sun is shining', 'Bring an umbrella']);
//   await model.dispose();
//
// Each worker embeds a contiguous share of the texts (balanced by length) in chunks of at most
// EMBED_CHUNK_TOKENS tokens (web/worker/bert.js: the one batching rule), reporting progress and
// noticing a cancel between chunks. No operation mixes texts, so the vectors are bit-identical for any
// number of workers. The worker side is web/worker/bert.js.

import { EmbedscapeError, throwIfAborted } from './errors.js';
import { BERT_FILES, TOKENIZER_FILES } from './folder.js';
import { openModelSource } from './hub.js';
import { getDefaultPool, WorkerPool } from './pool.js';
import { OP } from './protocol.js';
import { EMBED_OPTIONS, RUN_OPTIONS, checkOptions } from './options.js';

const PROGRESS_MS = 100;
let nextModelId = 1;

/**
 * Reads the files of a model folder once: {name, files: {file: Uint8Array}}.
 * @param {string|URL|object} source see openFolder
 * @param {{onProgress?: (p: object) => void, signal?: AbortSignal}} [opts]
 */
export async function readModelFiles(source, opts = {}) {
  const folder = await openModelSource(source, opts);
  const files = {};
  const names = [...new Set([...BERT_FILES, ...TOKENIZER_FILES])];
  for (const name of names) {
    throwIfAborted(opts.signal);
    if (name === 'vocab.txt' && files['tokenizer.json']) continue;
    const b = await folder.read(name, {
      signal: opts.signal,
      onProgress: opts.onProgress && (({ loaded, total }) => opts.onProgress({ status: 'download', file: name, done: loaded, total, loaded })),
    });
    if (b) files[name] = b;
  }
  if (!files['config.json']) throw new EmbedscapeError(`${folder.name}: no config.json in the model folder`);
  if (!files['model.safetensors']) throw new EmbedscapeError(`${folder.name}: no model.safetensors in the model folder`);
  if (!files['tokenizer.json'] && !files['vocab.txt']) throw new EmbedscapeError(`${folder.name}: no tokenizer.json or vocab.txt in the model folder`);
  return { name: folder.name, files };
}

/** Where a model named by its Hub id comes from (loadModel, loadTokenizer). */
export const HUB_OPTIONS = Object.freeze({
  hubUrl: { type: 'string', help: 'the Hugging Face Hub\'s address (default: $HF_ENDPOINT in Node, else https://huggingface.co)' },
  revision: { type: 'string', default: 'main', help: 'branch, tag or commit of a Hub repository' },
});

const LOAD_OPTIONS = { ...EMBED_OPTIONS, ...HUB_OPTIONS, threads: { type: 'int', min: 1, max: 1024, help: 'a private pool of this many workers' } };

/**
 * Loads a sentence-transformers model into every worker of a pool.
 * @param {string|URL|object} source folder path (Node), URL, files in memory, an open folder, or a
 *   Hugging Face Hub id ('sentence-transformers/all-MiniLM-L6-v2': downloaded once into the browser's
 *   Cache Storage or Node's cache folder; a local folder of that name wins)
 * @param {{pool?: WorkerPool, threads?: number, dtype?: 'auto'|'f32'|'f16'|'q8', onProgress?: (p: object) => void, signal?: AbortSignal}} [opts]
 *   threads: make a private pool of that many workers (disposed with the model); default: the shared pool
 */
export async function loadModel(source, opts = {}) {
  const o = checkOptions(LOAD_OPTIONS, opts, 'loadModel');
  if (o.pool && o.threads !== undefined) throw new EmbedscapeError('loadModel: give either pool or threads, not both');
  const ownPool = !o.pool && o.threads !== undefined;
  const pool = o.pool ?? (ownPool ? new WorkerPool({ size: o.threads }) : getDefaultPool());
  const id = `m${nextModelId++}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const folder = await openModelSource(source, o);
    const { name, files } = await blobFiles(folder, o);
    o.onProgress?.({ status: 'load', done: 0, total: pool.size, workers: pool.size });
    await pool.start();
    // worker 0 also fingerprints the files (a SHA-256 over them: the model's identity for caches)
    const infos = await Promise.all(Array.from({ length: pool.size }, (_, w) =>
      pool.run(OP.BERT_LOAD, { id, files, dtype: o.dtype, fingerprint: w === 0 }, { worker: w, signal: o.signal })));
    const { fingerprint, ...config } = infos[0];
    // the files are not kept here: a worker that has to load the model again reads them again
    const model = new Model({ id, name, config, fingerprint, pool, ownPool, folder, dtype: o.dtype });
    o.onProgress?.({ status: 'ready', done: pool.size, total: pool.size, config });
    return model;
  } catch (e) {
    await pool.broadcast(OP.BERT_FREE, { id }).catch(() => {});
    if (ownPool) pool.dispose();
    throw e;
  }
}

/**
 * The folder's files as Blobs, which every worker reads for its own copy; this thread drops them as
 * soon as the workers have them (a Blob's bytes count in the page's memory while it lives).
 */
async function blobFiles(folder, opts) {
  const read = await readModelFiles(folder, opts);
  return { name: read.name, files: Object.fromEntries(Object.entries(read.files).map(([k, v]) => [k, new Blob([v])])) };
}

/** Splits n texts into k contiguous shares of about equal length in characters: k + 1 boundaries. */
export function shareBoundaries(texts, k) {
  let total = 0;
  for (const t of texts) total += t.length + 8; // + a few tokens' worth for [CLS], [SEP] and short texts
  const bounds = [0];
  let acc = 0, next = 1;
  for (let i = 0; i < texts.length && next < k; i++) {
    acc += texts[i].length + 8;
    if (acc >= (total * next) / k) { bounds.push(i + 1); next++; }
  }
  while (bounds.length < k) bounds.push(texts.length);
  bounds.push(texts.length);
  return bounds;
}

const EMBED_CALL = { signal: RUN_OPTIONS.signal, onProgress: RUN_OPTIONS.onProgress };

export class Model {
  constructor({ id, name, config, fingerprint, pool, ownPool, folder, dtype }) {
    this.id = id;
    this.name = name;
    this.config = config;
    /** SHA-256 over the folder's files (null without Web Crypto): `${name}|${config.dtype}|${fingerprint}` names this model's vectors */
    this.fingerprint = fingerprint ?? null;
    this.dim = config.hidden;
    this.pool = pool;
    this._ownPool = ownPool;
    this._folder = folder; // where a replaced worker's copy is read from again (an HTTP cache, the disk, picked files)
    this._dtype = dtype;
    this._disposed = false;
    this._stale = new Set(); // workers that lost the model
    this._unsub = pool.onWorkerLost((i) => this._stale.add(i));
  }

  /** Makes sure worker i holds the model (it is loaded again after the worker was replaced). */
  async ensure(i, signal) {
    if (this._disposed) throw new EmbedscapeError('this model has been disposed');
    if (!this._stale.has(i)) return;
    const { files } = await blobFiles(this._folder, { signal });
    await this.pool.run(OP.BERT_LOAD, { id: this.id, files, dtype: this._dtype }, { worker: i, signal });
    this._stale.delete(i);
  }

  /**
   * Sentence embeddings of one text or many.
   * @param {string|readonly string[]} texts
   * @param {{signal?: AbortSignal, onProgress?: (p: {status: 'embed', done: number, total: number, tokens: number, elapsed: number}) => void}} [opts]
   * @returns {Promise<{data: Float32Array, n: number, dim: number}>} one row per text (n = 1 for a string)
   */
  async embed(texts, opts = {}) {
    const o = checkOptions({}, opts, 'embed', EMBED_CALL);
    if (this._disposed) throw new EmbedscapeError('this model has been disposed');
    const list = checkTexts(texts, 'embed');
    throwIfAborted(o.signal);
    const n = list.length, dim = this.dim;
    const data = new Float32Array(n * dim);
    if (n === 0) return { data, n, dim };
    const pool = this.pool;
    await pool.start();
    const bounds = shareBoundaries(list, Math.min(pool.size, n));
    const shares = bounds.length - 1;
    const doneIn = new Float64Array(shares), tokIn = new Float64Array(shares);
    const t0 = performance.now();
    let last = 0;
    const report = (force) => {
      if (!o.onProgress) return;
      const now = performance.now();
      if (!force && now - last < PROGRESS_MS) return;
      last = now;
      let done = 0, tokens = 0;
      for (let s = 0; s < shares; s++) { done += doneIn[s]; tokens += tokIn[s]; }
      o.onProgress({ status: 'embed', done, total: n, tokens, elapsed: (now - t0) / 1000 });
    };
    await Promise.all(Array.from({ length: shares }, async (_, s) => {
      const [a, b] = [bounds[s], bounds[s + 1]];
      if (a === b) return;
      await this.ensure(s, o.signal);
      const r = await pool.run(OP.BERT_EMBED, { id: this.id, texts: list.slice(a, b) }, {
        worker: s, signal: o.signal,
        onProgress: (p) => { doneIn[s] = p.done; tokIn[s] = p.tokens; report(false); },
      });
      data.set(r.data, a * dim);
      doneIn[s] = b - a;
      tokIn[s] = r.tokens;
      report(false);
    }));
    report(true);
    return { data, n, dim };
  }

  /**
   * How many ids each text gives the model, [CLS] and [SEP] and the truncation to max_seq_length
   * included: the tokens embed() would compute with, counted in one worker without embedding them.
   * @param {string|readonly string[]} texts
   * @param {{signal?: AbortSignal}} [opts]
   * @returns {Promise<Int32Array>} one count per text
   */
  async countTokens(texts, opts = {}) {
    const o = checkOptions({}, opts, 'countTokens', { signal: RUN_OPTIONS.signal });
    if (this._disposed) throw new EmbedscapeError('this model has been disposed');
    const list = checkTexts(texts, 'countTokens');
    if (!list.length) return new Int32Array(0);
    const w = this.pool.size - 1; // the last worker: a session's home is more often the first
    await this.ensure(w, o.signal);
    return (await this.pool.run(OP.BERT_COUNT, { id: this.id, texts: list }, { worker: w, signal: o.signal })).lengths;
  }

  /** Frees the model in every worker (and the pool when the model made its own). */
  async dispose() {
    if (this._disposed) return;
    this._disposed = true;
    this._unsub();
    try {
      await this.pool.broadcast(OP.BERT_FREE, { id: this.id });
    } catch { /* the pool is gone already */ } finally {
      if (this._ownPool) this.pool.dispose();
    }
  }
}

/** One string or an array of strings -> an array of strings (with a clear error otherwise). */
export function checkTexts(texts, where) {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list)) throw new EmbedscapeError(`${where}: texts must be a string or an array of strings`);
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string') throw new EmbedscapeError(`${where}: text ${i} is not a string`);
  }
  return list;
}
