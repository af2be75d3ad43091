// core.js — operations about the engine instance itself.
import { OP } from '../lib/protocol.js';

export const coreOps = {
  /** Facts about the worker's engine: version, SIMD, wasm memory and the part of it in use, ids of what it holds. */
  [OP.INFO]: async (ctx) => ({
    version: ctx.engine.version(), simd: ctx.engine.hasSimd(), heapBytes: ctx.engine.heapSize(), heapInUse: ctx.engine.heapInUse(), state: [...ctx.state.keys()],
  }),
  /** Sleeps in steps, reporting progress, until cancelled or done (tests the pool's plumbing). */
  [OP.SLEEP_STEPS]: async (ctx, { steps = 10, ms = 5 }) => {
    for (let i = 0; i < steps; i++) {
      ctx.checkAborted();
      await new Promise((r) => setTimeout(r, ms));
      ctx.progress({ status: 'sleep', done: i + 1, total: steps });
    }
    return steps;
  },
};
