// core.js — operations about the engine instance itself.

export const coreOps = {
  /** Facts about the worker's engine: version, SIMD, heap size. */
  async info(ctx) {
    return { version: ctx.engine.version(), simd: ctx.engine.hasSimd(), heapBytes: ctx.engine.heapSize() };
  },
  /** Sleeps in steps, reporting progress, until cancelled or done (tests the pool's plumbing). */
  async sleepSteps(ctx, { steps = 10, ms = 5 }) {
    for (let i = 0; i < steps; i++) {
      if (ctx.aborted()) { const e = new Error('cancelled'); e.name = 'AbortError'; throw e; }
      await new Promise((r) => setTimeout(r, ms));
      ctx.progress({ done: i + 1, total: steps });
    }
    return steps;
  },
};
