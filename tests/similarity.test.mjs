// Cosine similarity: SIMD kernels agree with their scalar twins inside the wasm build; matrix,
// one-vs-all and top-k agree with a float64 reference; NaN/Inf are refused with a clear message;
// the pool functions and the CLI give the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CLI } from './helpers.mjs';
import { createEngine } from '../web/worker/index.js';
import { WorkerPool, STATUS } from '../web/embedscape.node.js';
import { similarityMatrixWith, similarityToWith, topKWith, topKAllWith } from '../web/worker/index.js';
import { cosineSimilarity, similarityTo, topK } from '../web/embedscape.node.js';
import { formatNpy } from '../web/lib/io.js';

function rand(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
}
function randomMatrix(n, dim, seed) {
  const r = rand(seed);
  return { data: Float32Array.from({ length: n * dim }, r), n, dim };
}
function cos64(m, i, j) {
  let s = 0, a = 0, b = 0;
  for (let t = 0; t < m.dim; t++) {
    const x = m.data[i * m.dim + t], y = m.data[j * m.dim + t];
    s += x * y; a += x * x; b += y * y;
  }
  return a > 0 && b > 0 ? s / Math.sqrt(a * b) : 0;
}

let enginePromise;
const engine = () => (enginePromise ??= createEngine());

test('cosine matrix, one-vs-all and top-k match a float64 reference', async () => {
  const e = await engine();
  for (const [n, dim] of [[1, 1], [2, 3], [7, 5], [37, 53], [64, 384]]) {
    const m = randomMatrix(n, dim, n * 131 + dim);
    const S = similarityMatrixWith(e, m);
    assert.equal(S.length, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      assert.ok(Math.abs(S[i * n + j] - cos64(m, i, j)) < 2e-6, `S[${i},${j}] (${n}x${dim})`);
      assert.equal(S[i * n + j], S[j * n + i]);
    }
    const q = n - 1;
    const row = similarityToWith(e, m, q);
    for (let j = 0; j < n; j++) assert.ok(Math.abs(row[j] - cos64(m, q, j)) < 2e-6);
    const byVec = similarityToWith(e, m, Array.from(m.data.subarray(q * dim, (q + 1) * dim)));
    assert.deepEqual(byVec, row);
    const top = topKWith(e, m, q, 5);
    assert.equal(top.length, Math.min(5, n - 1));
    assert.ok(top.every((r) => r.index !== q), 'a query given by index leaves itself out');
    const want = Array.from({ length: n }, (_, j) => j).filter((j) => j !== q).sort((a, b) => row[b] - row[a] || a - b).slice(0, 5);
    assert.deepEqual(top.map((r) => r.index), want);
    const all = topKAllWith(e, m, 3);
    assert.deepEqual(all[q], topKWith(e, m, q, 3));
  }
});

test('zero rows have similarity 0; a vector query keeps every row', async () => {
  const e = await engine();
  const m = { data: new Float32Array([1, 0, 0, 0, 0, 0, 2, 0, 0]), n: 3, dim: 3 };
  const S = similarityMatrixWith(e, m);
  assert.deepEqual(Array.from(S), [1, 0, 1, 0, 0, 0, 1, 0, 1]);
  const top = topKWith(e, m, new Float32Array([1, 0, 0]), 3);
  assert.deepEqual(top.map((r) => r.index), [0, 2, 1]);
});

test('NaN or Inf input is refused with a clear message; the engine stays usable', async () => {
  const e = await engine();
  const m = randomMatrix(4, 3, 1);
  m.data[7] = NaN;
  assert.throws(() => similarityMatrixWith(e, m), (err) => err.status === STATUS.NUMERIC && /row 2, column 1 is NaN/.test(err.message));
  m.data[7] = Infinity;
  assert.throws(() => similarityToWith(e, m, 0), /row 2, column 1 is infinite/);
  assert.throws(() => topKWith(e, randomMatrix(3, 2, 2), [1, NaN], 1), /query vector/);
  assert.throws(() => topKWith(e, randomMatrix(3, 2, 2), 3, 1), /out of range/);
  assert.equal(similarityMatrixWith(e, randomMatrix(2, 2, 3)).length, 4);
});

test('pool functions give the in-process numbers', async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const e = await engine();
    const m = randomMatrix(50, 16, 9);
    assert.deepEqual(await cosineSimilarity(m, { pool }), similarityMatrixWith(e, m));
    assert.deepEqual(await similarityTo(m, 4, { pool }), similarityToWith(e, m, 4));
    assert.deepEqual(await topK(m, 4, 7, { pool }), topKWith(e, m, 4, 7));
  } finally {
    pool.dispose();
  }
});

test('CLI similarity: JSONL per query row, --query, --top, errors', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'es-sim-'));
  const m = randomMatrix(6, 4, 5);
  const f = path.join(dir, 'v.npy');
  writeFileSync(f, formatNpy(m.data, [6, 4]));
  const e = await engine();
  const S = similarityMatrixWith(e, m);
  const run = (...a) => spawnSync(process.execPath, [CLI, 'similarity', ...a], { encoding: 'utf8' });
  let r = run('--input', f);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 6);
  assert.deepEqual(lines[2].index, 2);
  assert.deepEqual(lines[2].similarities, Array.from(S.subarray(12, 18)));
  r = run('--input', f, '--query', '3', '--top', '2');
  assert.equal(r.status, 0, r.stderr);
  const one = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(one.length, 1);
  assert.equal(one[0].index, 3);
  assert.deepEqual(one[0].neighbors, topKWith(e, m, 3, 2));
  r = run('--input', f, '--top', '1');
  assert.equal(r.stdout.trim().split('\n').length, 6);
  const o = path.join(dir, 's.jsonl');
  assert.equal(run('--input', f, '--top', '1', '--output', o).status, 0);
  assert.equal(readFileSync(o, 'utf8'), r.stdout);
  r = run('--input', f, '--query', '6');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^embedscape: error: --query 6 is out of range/);
  r = run('--help');
  assert.match(r.stdout, /--top K/);
});
