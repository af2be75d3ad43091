// The engine module loads in Node, reports its build, and the worker pool runs, reports progress,
// cancels and keeps results in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../web/worker/index.js';
import { WorkerPool } from '../web/embedscape.node.js';

test('engine loads in Node with SIMD', async () => {
  const e = await createEngine();
  assert.equal(e.hasSimd(), true);
  assert.match(e.version(), /^\d+\.\d+\.\d+$/);
});

test('worker pool: results in order, progress, cancellation', async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    const infos = await pool.broadcast('info', {});
    assert.equal(infos.length, 2);
    assert.ok(infos.every((i) => i.simd));
    const seen = [];
    const r = await pool.run('sleepSteps', { steps: 4, ms: 1 }, { onProgress: (p) => seen.push(p.done) });
    assert.equal(r, 4);
    assert.deepEqual(seen, [1, 2, 3, 4]);
    const ac = new AbortController();
    const p = pool.run('sleepSteps', { steps: 1000, ms: 2 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(p, (e) => e.name === 'AbortError');
    await assert.rejects(pool.run('noSuchOp', {}), /unknown operation 'noSuchOp'/);
  } finally {
    pool.dispose();
  }
});
