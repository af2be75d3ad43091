// UMAP with the kNN search shared by a pool's workers (web/lib/umap-parallel.js): the same bytes as
// in one engine with 1, 2 and 3 workers (exact search, and NN-descent over several row chunks),
// progress between parts, cancellation during the search (the workers keep nothing), and umap() itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { sentenceLikeBlobs } from './bench/umap.mjs';
import { WorkerPool, umap } from '../web/embedscape.node.js';
import { createEngine, runUmapWith } from '../web/worker/index.js';
import { umapParallel } from '../web/lib/umap-parallel.js';
import { OP } from '../web/lib/protocol.js';

let enginePromise;
const engine = () => (enginePromise ??= createEngine());

const same = (a, b) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

const CASES = [
  // NN-descent with 3 row chunks of 4096 per round, 9 trees
  { name: 'NN-descent', x: sentenceLikeBlobs(9000, 24, 5), opts: { metric: 'cosine', seed: 3, nEpochs: 4, knn: 'approx' } },
  // exact search in 16 row blocks
  { name: 'exact', x: sentenceLikeBlobs(1500, 24, 6), opts: { metric: 'euclidean', seed: 1, nEpochs: 6, nNeighbors: 10 } },
];

test('the same bytes as in one engine with 1, 2 and 3 workers; progress between parts', async () => {
  const e = await engine();
  const pools = [1, 2, 3].map((size) => new WorkerPool({ size }));
  try {
    for (const { name, x, opts } of CASES) {
      const local = await runUmapWith(e, x, opts);
      for (const pool of pools) {
        const seen = [];
        const epochs = [];
        const r = await umapParallel(pool, x, opts, { onProgress: (p) => { seen.push(p); if (p.status === 'layout') epochs.push(p.epoch); } });
        assert.ok(same(r.embedding.data, local.embedding.data), `${name}, ${pool.size} workers: bytes differ from one engine`);
        assert.deepEqual(r.info, local.info);
        const knn = seen.filter((p) => p.status === 'knn');
        const phases = [...new Set(knn.map((p) => p.phase))];
        assert.deepEqual(phases, name === 'exact' ? ['exact'] : ['forest', 'descent']);
        for (const p of knn) assert.ok(p.done >= 0 && p.done <= p.total && Number.isInteger(p.round));
        if (name !== 'exact') {
          const rounds = knn.filter((p) => p.phase === 'descent' && p.done === p.total);
          assert.ok(rounds.length >= 2 && rounds[0].total === 3, `descent rounds ${JSON.stringify(rounds)}`);
        }
        assert.deepEqual(epochs, Array.from({ length: opts.nEpochs }, (_, i) => i + 1));
        assert.equal(seen.filter((p) => p.status === 'layout').length, opts.nEpochs);
      }
    }
  } finally {
    for (const p of pools) p.dispose();
  }
});

test('cancelled during the kNN search: AbortError, the workers keep nothing and stay usable', async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    const { x, opts } = CASES[0];
    const ac = new AbortController();
    const p = umapParallel(pool, x, opts, { signal: ac.signal, onProgress: (q) => { if (q.phase === 'descent') ac.abort(); } });
    await assert.rejects(p, (err) => err.name === 'AbortError');
    // the workers hold nothing and the next result is unchanged
    const e = await engine();
    const small = sentenceLikeBlobs(600, 16, 7);
    const r = await umapParallel(pool, small, { seed: 2, nEpochs: 5 });
    assert.ok(same(r.embedding.data, (await runUmapWith(e, small, { seed: 2, nEpochs: 5 })).embedding.data));
    const held = await pool.broadcast(OP.INFO, {});
    for (const h of held) assert.ok(!(h.state ?? []).some((k) => String(k).startsWith('umap-parallel-')), `left in a worker: ${JSON.stringify(h.state)}`);
    const ac2 = new AbortController();
    ac2.abort();
    await assert.rejects(umapParallel(pool, small, {}, { signal: ac2.signal }), (err) => err.name === 'AbortError');
  } finally {
    pool.dispose();
  }
});

test('umap() shares the search across the pool and gives the in-process bytes', async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    const { x, opts } = CASES[1];
    const stages = new Set();
    const y = await umap(x, { ...opts, pool, onProgress: (p) => stages.add(p.status) });
    assert.deepEqual([...stages], ['knn', 'layout']);
    assert.ok(same(y.data, (await runUmapWith(await engine(), x, opts)).embedding.data));
    const one = await umap({ data: new Float32Array([1, 2, 3]), n: 1, dim: 3 }, { pool });
    assert.deepEqual(Array.from(one.data), [0, 0]);
  } finally {
    pool.dispose();
  }
});
