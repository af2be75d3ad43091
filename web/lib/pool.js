// pool.js — a pool of workers, each with its own engine instance (Web Workers in browsers,
// worker_threads in Node; see platform.js). No SharedArrayBuffer, so no cross-origin isolation headers
// are needed: work is split by items (sentences, rows, epochs), never by sharing memory.
//
// A task is `pool.run(OP.X, args, {worker, signal, onProgress, transfer})`: OP.X (protocol.js) names a
// handler of web/worker/ops.js; `args` is structured-cloned, or moved when its buffers are listed in
// `transfer`. Workers keep state (models, sessions) under ids the caller chooses; `broadcast` runs the
// same task on every worker. A worker that dies is replaced on its next task (its state is gone:
// `onWorkerLost` tells the owners of that state).

import { EmbedscapeError, abortError } from './errors.js';
import { OP } from './protocol.js';
import { platform } from './platform.js';
import { checkOptions } from './options.js';

const POOL_OPTIONS = {
  size: { type: 'int', min: 1, max: 1 << 16, help: 'workers (default: the cores)' },
  workerUrl: { type: 'any', help: 'where the worker script is (a URL or a string)' },
};

/** Number of workers a pool gets by default: the cores. */
export function defaultThreads() {
  return platform().threads();
}

/** At most this many workers per core (more only cost memory and time: each holds a model copy). */
export const MAX_THREADS_PER_CORE = 4;

function reviveError(e) {
  if (e && e.name === 'AbortError') return new DOMException(e.message || 'This operation was aborted', 'AbortError');
  const err = new EmbedscapeError(e?.message ?? String(e), { status: e?.status ?? 0 });
  if (e?.stack && e.name !== 'EmbedscapeError') err.stack = e.stack; // a bug in a worker: keep its stack
  return err;
}

export class WorkerPool {
  /**
   * @param {{size?: number, workerUrl?: URL|string}} [opts] size: workers (default: the cores, at most
   *   MAX_THREADS_PER_CORE per core); workerUrl: where the worker script is, when a bundler or a CDN
   *   moved it
   */
  constructor(opts = {}) {
    opts = checkOptions(POOL_OPTIONS, opts, 'WorkerPool', null);
    const cores = defaultThreads();
    if (opts.size !== undefined) {
      if (opts.size > cores * MAX_THREADS_PER_CORE) {
        throw new EmbedscapeError(`WorkerPool: size ${opts.size} is more than ${MAX_THREADS_PER_CORE} workers per core on this machine (${cores} cores): each worker holds its own copy of the model, and more workers than cores only wait for each other`);
      }
    }
    this._size = opts.size ?? cores;
    this._url = opts.workerUrl ?? null;
    /** @type {{h: any, busy: number, index: number, generation: number, dead: boolean}[]} */
    this._workers = [];
    this._pending = new Map(); // id -> {resolve, reject, onProgress, slot, cleanup}
    this._nextId = 1;
    this._disposed = false;
    this._starting = null;
    this._lostListeners = new Set();
  }

  /** Number of workers. */
  get size() { return this._size; }

  /** Calls fn(index, generation) when worker `index` died and was (or will be) replaced. Returns an unsubscribe function. */
  onWorkerLost(fn) {
    this._lostListeners.add(fn);
    return () => this._lostListeners.delete(fn);
  }

  /** The generation of worker i: it grows each time the worker is replaced (its state is then gone). */
  generation(i) { return this._workers[i]?.generation ?? 0; }

  async _spawn(index, generation) {
    const h = await platform().spawnWorker(this._url ?? undefined);
    const slot = { h, busy: 0, index, generation, dead: false };
    h.listen((m) => this._onMessage(slot, m), (err) => this._onWorkerError(slot, err));
    h.unref();
    return slot;
  }

  async _start() {
    if (this._disposed) throw new EmbedscapeError('the worker pool was disposed');
    if (this._workers.length) return;
    this._starting ??= (async () => {
      const slots = await Promise.allSettled(Array.from({ length: this._size }, (_, i) => this._spawn(i, 0)));
      const failed = slots.find((s) => s.status === 'rejected');
      if (failed) {
        for (const s of slots) if (s.status === 'fulfilled') s.value.h.terminate();
        throw failed.reason;
      }
      if (this._disposed) { for (const s of slots) s.value.h.terminate(); throw new EmbedscapeError('the worker pool was disposed'); }
      this._workers = slots.map((s) => s.value);
    })();
    try {
      await this._starting;
    } finally {
      this._starting = null;
    }
  }

  /** Starts the workers now (they also start on the first task). */
  async start() { await this._start(); }

  _onMessage(slot, m) {
    if (!m || m.id === undefined) return;
    const p = this._pending.get(m.id);
    if (!p) return; // a task whose caller stopped waiting (cancelled)
    if (m.progress !== undefined) {
      p.onProgress?.(m.progress);
      return;
    }
    this._finish(m.id, p);
    if (m.error) p.reject(reviveError(m.error));
    else p.resolve(m.result);
  }

  _finish(id, p) {
    this._pending.delete(id);
    if (--p.slot.busy === 0) p.slot.h.unref();
    p.cleanup?.();
  }

  _onWorkerError(slot, err) {
    if (slot.dead) return;
    slot.dead = true;
    slot.h.terminate();
    for (const [id, p] of this._pending) {
      if (p.slot !== slot) continue;
      this._finish(id, p);
      p.reject(new EmbedscapeError(`worker ${slot.index} (${slot.h.url}) stopped: ${err?.message ?? err}. It will be restarted for the next task; what it held (a loaded model, a session) is reloaded by its owner.`, { cause: err }));
    }
    for (const fn of this._lostListeners) { try { fn(slot.index, slot.generation + 1); } catch { /* a listener's bug must not break the pool */ } }
  }

  async _slot(i) {
    let slot = this._workers[i];
    if (slot.dead) {
      slot.replacing ??= this._spawn(i, slot.generation + 1).then((s) => { this._workers[i] = s; return s; });
      slot = await slot.replacing;
    }
    return slot;
  }

  /**
   * Runs one task on a worker.
   * @param {string} op an OP name (protocol.js)
   * @param {any} args structured-cloneable arguments
   * @param {{onProgress?: (p:any)=>void, signal?: AbortSignal, worker?: number, transfer?: Transferable[]}} [opts]
   *   worker: index of the worker to use (default: the least busy). On abort the promise rejects at once
   *   with signal.reason, and the worker is asked to stop.
   */
  async run(op, args, opts = {}) {
    const { onProgress, signal, transfer = [] } = opts;
    if (signal?.aborted) throw abortError(signal);
    await this._start();
    let index = opts.worker;
    if (index === undefined) index = this._workers.reduce((a, b) => (b.busy < a.busy ? b : a)).index;
    else index %= this._workers.length;
    const slot = await this._slot(index);
    if (signal?.aborted) throw abortError(signal);
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, onProgress, slot };
      if (signal) {
        const onAbort = () => {
          slot.h.post({ cancel: id });
          if (this._pending.get(id) === entry) { this._finish(id, entry); reject(abortError(signal)); }
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this._pending.set(id, entry);
      if (slot.busy++ === 0) slot.h.ref();
      try {
        slot.h.post({ id, op, args }, transfer);
      } catch (e) {
        this._finish(id, entry);
        reject(new EmbedscapeError(`could not send ${op} to worker ${index}: ${e.message}`, { cause: e }));
      }
    });
  }

  /**
   * Stops worker i as if it had crashed: its tasks reject, the owners of its state hear of it
   * (onWorkerLost), and it starts again on its next task. (A browser does not tell a page when it
   * kills a worker; this is also how tests check that a lost worker loses nothing else.)
   */
  kill(i) {
    const slot = this._workers[i];
    if (slot && !slot.dead) this._onWorkerError(slot, new Error('it was stopped'));
  }

  /** Runs the same task on every worker; resolves to the results in worker order. */
  async broadcast(op, args, opts = {}) {
    await this._start();
    return Promise.all(this._workers.map((_, i) => this.run(op, args, { ...opts, worker: i })));
  }

  /** Each worker's engine: {version, simd, heapBytes} (wasm memory, which grows and never shrinks). */
  async stats() {
    return this.broadcast(OP.INFO, {});
  }

  /** Stops every worker; pending tasks reject with an AbortError. */
  dispose() {
    this._disposed = true;
    for (const [id, p] of this._pending) {
      this._finish(id, p);
      p.reject(new DOMException('the worker pool was disposed', 'AbortError'));
    }
    for (const s of this._workers) s.h.terminate();
    this._workers = [];
    this._lostListeners.clear();
  }
}

let defaultPool = null;

/** The pool shared by the API when a call names none. */
export function getDefaultPool() {
  if (!defaultPool || defaultPool._disposed) defaultPool = new WorkerPool();
  return defaultPool;
}

/** Replaces the shared pool (e.g. to choose its size); disposes the previous one. */
export function setDefaultPool(pool) {
  if (defaultPool && defaultPool !== pool) defaultPool.dispose();
  defaultPool = pool;
}
