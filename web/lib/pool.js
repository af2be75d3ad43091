// pool.js — a pool of workers, each with its own engine instance (Web Workers in browsers,
// worker_threads in Node). No SharedArrayBuffer, so no cross-origin isolation headers are needed:
// work is split by items (sentences, epochs), never by sharing memory.
//
// A task is `pool.run(op, args, {onProgress, signal, worker})`: `op` names a handler in ops.js that
// runs inside the worker; `args` is structured-cloned (pass `transfer` to move buffers). Results come
// back in order of the promises, whatever the order the workers finish in. Workers keep state (a
// loaded model) keyed by ids the caller chooses, so `broadcast` sends the same task to every worker.

import { EmbedscapeError, AbortError } from './errors.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** Number of cores to use by default. */
export async function defaultThreads() {
  if (isNode) {
    const os = await import('node:os');
    return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  }
  return Math.max(1, (globalThis.navigator && navigator.hardwareConcurrency) || 2);
}

/** Wraps the two worker APIs behind one: post(msg, transfer), onMessage(fn), onError(fn), ref/unref. */
async function spawn(url) {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(url);
    return {
      post: (m, t) => w.postMessage(m, t),
      onMessage: (fn) => w.on('message', fn),
      onError: (fn) => { w.on('error', fn); w.on('exit', (code) => code !== 0 && fn(new Error(`worker exited with code ${code}`))); },
      ref: () => w.ref(),
      unref: () => w.unref(),
      terminate: () => w.terminate(),
    };
  }
  // Browsers refuse a worker script from another origin (embedscape.js served by a CDN): start a
  // same-origin Blob module that imports it instead (needs CORS on the CDN and worker-src blob:).
  let src = url;
  if (globalThis.location && new URL(String(url), location.href).origin !== location.origin) {
    const blob = new Blob([`import ${JSON.stringify(String(url))};\n`], { type: 'text/javascript' });
    src = URL.createObjectURL(blob);
  }
  const w = new Worker(src, { type: 'module', name: 'embedscape' });
  return {
    post: (m, t) => w.postMessage(m, t),
    onMessage: (fn) => { w.onmessage = (e) => fn(e.data); },
    onError: (fn) => { w.onerror = (e) => { e.preventDefault?.(); fn(new Error(e.message || 'worker failed to start')); }; },
    ref: () => {},
    unref: () => {},
    terminate: () => w.terminate(),
  };
}

function reviveError(e) {
  if (e && e.name === 'AbortError') return new AbortError(e.message);
  const err = new EmbedscapeError(e?.message ?? String(e), { status: e?.status ?? 0 });
  if (e?.stack && e.name !== 'EmbedscapeError') err.stack = e.stack;
  return err;
}

export class WorkerPool {
  /**
   * @param {{size?: number, workerUrl?: URL|string}} [opts] size defaults to the number of cores
   */
  constructor(opts = {}) {
    this._size = opts.size ?? 0;
    this._url = opts.workerUrl ?? new URL('../worker.js', import.meta.url);
    this._workers = []; // {w, busy: number, ready: Promise}
    this._pending = new Map(); // id -> {resolve, reject, onProgress, worker}
    this._nextId = 1;
    this._disposed = false;
    this._starting = null;
  }

  /** Number of workers (after start). */
  get size() { return this._workers.length || this._size; }

  async _start() {
    if (this._disposed) throw new EmbedscapeError('the worker pool was disposed');
    if (this._workers.length) return;
    if (!this._starting) {
      this._starting = (async () => {
        const n = this._size || await defaultThreads();
        this._size = n;
        for (let i = 0; i < n; i++) {
          const w = await spawn(this._url);
          const slot = { w, busy: 0, index: i };
          w.onMessage((m) => this._onMessage(slot, m));
          w.onError((err) => this._onWorkerError(slot, err));
          w.unref();
          this._workers.push(slot);
        }
      })();
    }
    await this._starting;
  }

  _onMessage(slot, m) {
    const p = this._pending.get(m.id);
    if (!p) return;
    if (m.progress !== undefined) {
      p.onProgress?.(m.progress);
      return;
    }
    this._pending.delete(m.id);
    if (--slot.busy === 0) slot.w.unref();
    p.cleanup?.();
    if (m.error) p.reject(reviveError(m.error));
    else p.resolve(m.result);
  }

  _onWorkerError(slot, err) {
    for (const [id, p] of this._pending) {
      if (p.slot === slot) {
        this._pending.delete(id);
        p.cleanup?.();
        p.reject(new EmbedscapeError(`worker ${slot.index} failed: ${err.message}`, { cause: err }));
      }
    }
    slot.busy = 0;
  }

  /**
   * Runs one task on a worker.
   * @param {string} op handler name (see ops.js)
   * @param {any} args structured-cloneable arguments
   * @param {{onProgress?: (p:any)=>void, signal?: AbortSignal, worker?: number, transfer?: Transferable[]}} [opts]
   *   worker: index of the worker to use (default: the least busy)
   */
  async run(op, args, opts = {}) {
    const { onProgress, signal, transfer = [] } = opts;
    if (signal?.aborted) throw new AbortError();
    await this._start();
    const slot = opts.worker !== undefined
      ? this._workers[opts.worker % this._workers.length]
      : this._workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, onProgress, slot };
      if (signal) {
        const onAbort = () => slot.w.post({ cancel: id });
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this._pending.set(id, entry);
      if (slot.busy++ === 0) slot.w.ref();
      slot.w.post({ id, op, args }, transfer);
    });
  }

  /** Runs the same task on every worker; resolves to the array of results in worker order. */
  async broadcast(op, args, opts = {}) {
    await this._start();
    return Promise.all(this._workers.map((_, i) => this.run(op, args, { ...opts, worker: i })));
  }

  /** Stops every worker; pending tasks are rejected. */
  dispose() {
    this._disposed = true;
    for (const [id, p] of this._pending) {
      this._pending.delete(id);
      p.cleanup?.();
      p.reject(new AbortError('the worker pool was disposed'));
    }
    for (const s of this._workers) s.w.terminate();
    this._workers = [];
  }
}

let defaultPool = null;

/** The pool shared by the high-level API when no pool is given. */
export function getDefaultPool() {
  if (!defaultPool || defaultPool._disposed) defaultPool = new WorkerPool();
  return defaultPool;
}

/** Replaces the shared pool (e.g. to choose its size); disposes the previous one. */
export function setDefaultPool(pool) {
  if (defaultPool && defaultPool !== pool) defaultPool.dispose();
  defaultPool = pool;
}
