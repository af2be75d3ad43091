// worker.js — runs inside each pool worker (a module Web Worker or a Node worker_thread). It owns one
// engine instance and the state that lives in it (loaded models), and runs the handlers of ops.js.
//
// Messages in:  {id, op, args} to run a task; {cancel: id} to ask a running task to stop.
// Messages out: {id, progress} any number of times, then {id, result} or {id, error: {name, message, status}}.
// A handler receives ctx = {engine, state, progress(p), aborted(), yield()} and returns its result, or
// {result, transfer} to move buffers instead of copying them.

import { createEngine } from './lib/engine.js';
import { ops } from './lib/ops.js';

let port;
if (typeof self !== 'undefined' && typeof self.postMessage === 'function' && typeof window === 'undefined') {
  port = { post: (m, t) => self.postMessage(m, t), on: (fn) => { self.onmessage = (e) => fn(e.data); } };
} else {
  const { parentPort } = await import('node:worker_threads');
  port = { post: (m, t) => parentPort.postMessage(m, t), on: (fn) => parentPort.on('message', fn) };
}

let enginePromise = null;
const state = new Map();
const cancelled = new Set();
// Tasks run one at a time in arrival order: a handler yields to let {cancel} messages in, and that
// must not let a second task into the same engine mid-way.
let queue = Promise.resolve();

const yieldToEvents = () => new Promise((r) => setTimeout(r, 0));

async function runTask({ id, op, args }) {
  const handler = ops[op];
  try {
    if (!handler) throw Object.assign(new Error(`unknown operation '${op}'`), { name: 'EmbedscapeError' });
    if (!enginePromise) enginePromise = createEngine();
    const engine = await enginePromise;
    const ctx = {
      engine,
      state,
      progress: (p) => port.post({ id, progress: p }),
      aborted: () => cancelled.has(id),
      yield: yieldToEvents,
    };
    const out = await handler(ctx, args);
    if (out && typeof out === 'object' && 'transfer' in out && 'result' in out) port.post({ id, result: out.result }, out.transfer);
    else port.post({ id, result: out });
  } catch (e) {
    port.post({ id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(e), status: e?.status ?? 0, stack: e?.stack } });
  } finally {
    cancelled.delete(id);
  }
}

port.on((m) => {
  if (m && m.cancel !== undefined) { cancelled.add(m.cancel); return; }
  queue = queue.then(() => runTask(m));
});
