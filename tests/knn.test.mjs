// k nearest neighbours: exact search equals a float64 brute force; NN-descent reaches recall@15
// >= 0.95 against exact on the fixtures and is deterministic for a seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { needShared } from './helpers.mjs';
import { loadDataset } from './umap_metrics.mjs';
import { createEngine, knnSearchWith } from '../web/worker/index.js';
import { sentenceLikeBlobs } from './bench/umap.mjs';

let enginePromise;
const engine = () => (enginePromise ??= createEngine());

function randomMatrix(n, dim, seed) {
  let s = seed >>> 0;
  const r = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
  return { data: Float32Array.from({ length: n * dim }, r), n, dim };
}

function bruteDist(m, metric, i, j) {
  let s = 0, a = 0, b = 0;
  for (let t = 0; t < m.dim; t++) {
    const x = m.data[i * m.dim + t], y = m.data[j * m.dim + t];
    if (metric === 'euclidean') s += (x - y) ** 2; else { s += x * y; a += x * x; b += y * y; }
  }
  return metric === 'euclidean' ? Math.sqrt(s) : 1 - s / Math.sqrt(a * b);
}

function recall(a, b, n, k) {
  let hit = 0;
  for (let i = 0; i < n; i++) {
    const s = new Set(a.subarray(i * k, (i + 1) * k));
    for (let j = 0; j < k; j++) if (s.has(b[i * k + j])) hit++;
  }
  return hit / (n * k);
}

function load(t, name) {
  const f = loadDataset(t, name);
  return f && { m: f.x, metric: f.metric };
}

test('exact kNN equals a float64 brute force (self first, then ascending)', async () => {
  const e = await engine();
  for (const metric of ['euclidean', 'cosine']) {
    for (const [n, dim, k] of [[3, 2, 3], [9, 5, 4], [301, 19, 15]]) {
      const m = randomMatrix(n, dim, n + dim);
      const r = knnSearchWith(e, m, { k, metric, method: 'exact' });
      for (let i = 0; i < n; i++) {
        assert.equal(r.indices[i * k], i);
        assert.equal(r.distances[i * k], 0);
        const want = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i)
          .map((j) => bruteDist(m, metric, i, j)).sort((a, b) => a - b).slice(0, k - 1);
        for (let q = 1; q < k; q++) {
          assert.ok(Math.abs(r.distances[i * k + q] - want[q - 1]) < 1e-5, `${metric} row ${i} rank ${q}`);
          assert.ok(Math.abs(bruteDist(m, metric, i, r.indices[i * k + q]) - r.distances[i * k + q]) < 1e-5);
        }
      }
    }
  }
});

test('kNN rejects bad arguments and NaN', async () => {
  const e = await engine();
  assert.throws(() => knnSearchWith(e, randomMatrix(5, 2, 1), { k: 6 }), /k must be between 1 and the number of rows/);
  const m = randomMatrix(5, 2, 1);
  m.data[3] = NaN;
  assert.throws(() => knnSearchWith(e, m, { k: 2 }), /row 1, column 1 is NaN/);
  assert.throws(() => knnSearchWith(e, randomMatrix(5, 2, 1), { k: 2, metric: 'manhattan' }), /metric must be one of/);
});

for (const name of ['blobs384_n2000_k10', 'digits']) {
  test(`NN-descent recall@15 >= 0.95 against exact on ${name}, deterministic`, async (t) => {
    const f = load(t, name);
    if (!f) return;
    const e = await engine();
    const ex = knnSearchWith(e, f.m, { k: 15, metric: f.metric, method: 'exact' });
    const ap = knnSearchWith(e, f.m, { k: 15, metric: f.metric, method: 'approx', seed: 7 });
    const r = recall(ex.indices, ap.indices, f.m.n, 15);
    console.log(`${name}: NN-descent recall@15 ${r.toFixed(4)}`);
    assert.ok(r >= 0.95, `recall ${r}`);
    const again = knnSearchWith(e, f.m, { k: 15, metric: f.metric, method: 'approx', seed: 7 });
    assert.deepEqual(again.indices, ap.indices);
    assert.deepEqual(again.distances, ap.distances);
  });
}

test('NN-descent on uniform random 64-d data (a hard case for any NN-descent) keeps recall@15 >= 0.88', async () => {
  const e = await engine();
  const m = randomMatrix(3000, 64, 11);
  const ex = knnSearchWith(e, m, { k: 15, metric: 'euclidean', method: 'exact' });
  const ap = knnSearchWith(e, m, { k: 15, metric: 'euclidean', method: 'approx' });
  const r = recall(ex.indices, ap.indices, m.n, 15);
  console.log(`uniform 3000x64: NN-descent recall@15 ${r.toFixed(4)}`);
  assert.ok(r >= 0.88, `recall ${r}`);
});

test('NN-descent recall@15 >= 0.95 on 384-d sentence-like blobs (4000 rows, both metrics)', async () => {
  const e = await engine();
  const m = sentenceLikeBlobs(4000, 384, 3);
  for (const metric of ['cosine', 'euclidean']) {
    const ex = knnSearchWith(e, m, { k: 15, metric, method: 'exact' });
    const ap = knnSearchWith(e, m, { k: 15, metric, method: 'approx' });
    const r = recall(ex.indices, ap.indices, m.n, 15);
    console.log(`sentence-like 4000x384 ${metric}: NN-descent recall@15 ${r.toFixed(4)}`);
    assert.ok(r >= 0.95, `recall ${r}`);
  }
});
