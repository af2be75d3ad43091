// dispatch.js — the task loop of a pool worker, the same for Web Workers (worker.js) and Node's
// worker_threads (worker.node.js). It owns one engine instance (created on the first task) and the
// state that lives in it (models, clusterers, sessions: `ctx.state`, a Map by id), and runs the
// handlers of ops.js. Messages: see web/lib/protocol.js.
//
// Tasks run one at a time in arrival order: a handler that yields (to let {cancel} messages in) must
// not let a second task into the same engine half-way. Handlers listed in READ_ONLY only read state
// (a query while a layout runs); they run at once, between the yields of a long task.
//
// A handler receives ctx = {engine, state, progress(p), aborted(), checkAborted(), yield()} and
// returns its result, or {result, transfer} to move buffers instead of copying them.

import { createEngine } from './engine.js';
import { ops, READ_ONLY } from './ops.js';

const yieldToEvents = () => new Promise((r) => setTimeout(r, 0));

/** @param {{post: (m: any, t?: Transferable[]) => void, on: (fn: (m: any) => void) => void}} port */
export function serve(port) {
  let enginePromise = null;
  const state = new Map();
  const cancelled = new Set();
  let queue = Promise.resolve();

  async function runTask({ id, op, args }) {
    const handler = ops[op];
    try {
      if (!handler) throw Object.assign(new Error(`unknown operation '${op}'`), { name: 'EmbedscapeError' });
      enginePromise ??= createEngine();
      const engine = await enginePromise;
      const ctx = {
        engine,
        state,
        progress: (p) => port.post({ id, progress: p }),
        aborted: () => cancelled.has(id),
        checkAborted: () => { if (cancelled.has(id)) throw new DOMException('This operation was aborted', 'AbortError'); },
        yield: yieldToEvents,
      };
      if (cancelled.has(id)) ctx.checkAborted();
      const out = await handler(ctx, args ?? {});
      if (out && typeof out === 'object' && 'transfer' in out && 'result' in out) port.post({ id, result: out.result }, out.transfer);
      else port.post({ id, result: out });
    } catch (e) {
      port.post({ id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(e), status: e?.status ?? 0, stack: e?.stack } });
    } finally {
      cancelled.delete(id);
    }
  }

  port.on((m) => {
    if (!m) return;
    if (m.cancel !== undefined) { cancelled.add(m.cancel); return; }
    if (READ_ONLY.has(m.op)) runTask(m);
    else queue = queue.then(() => runTask(m));
  });
  port.post({ ready: true });
}
