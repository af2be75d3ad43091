// UMAP invariants and edge cases: shapes, determinism (same bytes for the same seed), a and b,
// n = 1 and 2, n <= n_neighbors, duplicates, disconnected groups, NaN, bad options, progress with
// snapshots, cancellation, and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CLI } from './helpers.mjs';
import { createEngine } from '../web/worker/index.js';
import { WorkerPool, STATUS } from '../web/embedscape.node.js';
import { runUmapWith, findAbParamsWith, createUmapWith } from '../web/worker/index.js';
import { umap } from '../web/embedscape.node.js';
import { formatNpy, parseNpy } from '../web/lib/io.js';

let enginePromise;
const engine = () => (enginePromise ??= createEngine());

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}
/** c Gaussian-ish blobs of m points in dim dimensions, centres `gap` apart along axis 0.. */
function blobs(c, m, dim, gap, seed) {
  const r = rng(seed);
  const data = new Float32Array(c * m * dim);
  for (let b = 0; b < c; b++) for (let i = 0; i < m; i++) for (let t = 0; t < dim; t++) {
    data[(b * m + i) * dim + t] = (t === b % dim ? gap * (1 + Math.floor(b / dim)) : 0) + (r() + r() + r() - 1.5);
  }
  return { data, n: c * m, dim };
}
const finite = (a) => a.every(Number.isFinite);

test('a and b fitted from min_dist and spread as umap-learn (find_ab_params)', async () => {
  const e = await engine();
  const { a, b } = findAbParamsWith(e, 1, 0.1);
  // umap-learn 0.5.3: find_ab_params(1.0, 0.1) = (1.5769434601962196, 0.8950608779914887)
  assert.ok(Math.abs(a - 1.5769434603113077) < 1e-4, `a ${a}`);
  assert.ok(Math.abs(b - 0.8950608781227859) < 1e-4, `b ${b}`);
  const r2 = findAbParamsWith(e, 1, 0.5);
  // find_ab_params(1.0, 0.5) = (0.583030020479462, 1.3341669929263487)
  assert.ok(Math.abs(r2.a - 0.5830300205483709) < 1e-3 && Math.abs(r2.b - 1.334166992455648) < 1e-3, JSON.stringify(r2));
  assert.throws(() => findAbParamsWith(e, 1, 2), /min_dist <= spread/);
});

test('shape, finiteness, determinism and seed dependence', async () => {
  const e = await engine();
  const x = blobs(3, 40, 8, 2, 1);
  const r1 = await runUmapWith(e, x, { seed: 3, nEpochs: 60, metric: 'euclidean' });
  const r2 = await runUmapWith(e, x, { seed: 3, nEpochs: 60, metric: 'euclidean' });
  const r3 = await runUmapWith(e, x, { seed: 4, nEpochs: 60, metric: 'euclidean' });
  assert.equal(r1.embedding.n, 120);
  assert.equal(r1.embedding.dim, 2);
  assert.equal(r1.embedding.data.length, 240);
  assert.ok(finite(r1.embedding.data));
  assert.deepEqual(Buffer.from(r1.embedding.data.buffer), Buffer.from(r2.embedding.data.buffer), 'same seed, same bytes');
  assert.notDeepEqual(r1.embedding.data, r3.embedding.data);
  assert.equal(r1.info.init, 'spectral');
  assert.equal(r1.info.nEpochs, 60);
  for (const nComponents of [1, 3, 5]) {
    const r = await runUmapWith(e, x, { seed: 1, nEpochs: 30, nComponents });
    assert.equal(r.embedding.data.length, 120 * nComponents);
    assert.ok(finite(r.embedding.data));
  }
  const rr = await runUmapWith(e, x, { seed: 1, nEpochs: 30, init: 'random', knn: 'approx' });
  assert.equal(rr.info.init, 'random');
  assert.ok(finite(rr.embedding.data));
});

test('default epochs: 500 up to 10000 points; short runs prune the graph as the default would', async () => {
  const e = await engine();
  const r = await runUmapWith(e, blobs(2, 10, 3, 5, 2), { seed: 1 });
  assert.equal(r.info.nEpochs, 500);
  const x = blobs(3, 60, 6, 3, 3);
  const full = await runUmapWith(e, x, { seed: 1, nEpochs: 500 });
  const short = await runUmapWith(e, x, { seed: 1, nEpochs: 3 });
  assert.equal(short.info.nEpochs, 3);
  assert.equal(short.info.edges, full.info.edges);
  assert.equal(short.info.graphComponents, full.info.graphComponents);
});

test('edge cases: n = 1, n = 2, n <= n_neighbors, duplicates', async () => {
  const e = await engine();
  const one = await runUmapWith(e, { data: new Float32Array([1, 2, 3]), n: 1, dim: 3 }, {});
  assert.deepEqual(Array.from(one.embedding.data), [0, 0]);
  const two = await runUmapWith(e, { data: new Float32Array([0, 0, 1, 1]), n: 2, dim: 2 }, { metric: 'euclidean' });
  assert.equal(two.embedding.data.length, 4);
  assert.ok(finite(two.embedding.data));
  assert.ok(Math.hypot(two.embedding.data[0] - two.embedding.data[2], two.embedding.data[1] - two.embedding.data[3]) > 0);
  const small = await runUmapWith(e, blobs(1, 6, 4, 0, 3), { nNeighbors: 15 });
  assert.equal(small.info.nNeighbors, 5, 'n_neighbors clamped to n - 1');
  assert.ok(finite(small.embedding.data));
  // 30 copies of one point plus 30 others
  const x = blobs(1, 60, 5, 0, 4);
  for (let i = 1; i < 30; i++) x.data.copyWithin(i * 5, 0, 5);
  const dup = await runUmapWith(e, x, { seed: 2, nEpochs: 100 });
  assert.ok(finite(dup.embedding.data));
  const allSame = { data: new Float32Array(20 * 3).fill(0.5), n: 20, dim: 3 };
  const same = await runUmapWith(e, allSame, { seed: 2, nEpochs: 50, metric: 'euclidean' });
  assert.ok(finite(same.embedding.data));
});

test('disconnected groups stay apart (umap-learn\'s multi-component spectral layout)', async () => {
  const e = await engine();
  const x = blobs(2, 50, 6, 1000, 5);
  const r = await runUmapWith(e, x, { seed: 1, metric: 'euclidean', nEpochs: 200 });
  assert.equal(r.info.graphComponents, 2);
  assert.equal(r.info.init, 'spectral');
  const many = await runUmapWith(e, blobs(7, 12, 7, 1000, 6), { seed: 1, metric: 'cosine', nEpochs: 50 });
  assert.equal(many.info.graphComponents, 7, 'more components than 2 * dim: centroids placed spectrally');
  assert.ok(finite(many.embedding.data));
  const y = r.embedding.data;
  const centre = (g) => [0, 1].map((t) => { let s = 0; for (let i = g * 50; i < g * 50 + 50; i++) s += y[2 * i + t]; return s / 50; });
  const spread = (g, c) => { let s = 0; for (let i = g * 50; i < g * 50 + 50; i++) s = Math.max(s, Math.hypot(y[2 * i] - c[0], y[2 * i + 1] - c[1])); return s; };
  const c0 = centre(0), c1 = centre(1);
  const gap = Math.hypot(c0[0] - c1[0], c0[1] - c1[1]);
  assert.ok(gap > Math.max(spread(0, c0), spread(1, c1)), `groups overlap: gap ${gap}`);
});

test('NaN/Inf and bad options give clear errors; the engine stays usable', async () => {
  const e = await engine();
  const x = blobs(1, 20, 3, 0, 6);
  x.data[10] = NaN;
  await assert.rejects(runUmapWith(e, x, {}), (err) => err.status === STATUS.NUMERIC && /row 3, column 1 is NaN/.test(err.message));
  x.data[10] = -Infinity;
  await assert.rejects(runUmapWith(e, x, {}), /infinite/);
  const ok = blobs(1, 20, 3, 0, 6);
  await assert.rejects(runUmapWith(e, ok, { minDist: 2 }), /min_dist \(2\) must be <= spread/);
  await assert.rejects(runUmapWith(e, ok, { metric: 'manhattan' }), /metric must be one of/);
  await assert.rejects(runUmapWith(e, ok, { nNeighbours: 5 }), /unknown option 'nNeighbours'/);
  await assert.rejects(runUmapWith(e, ok, { nComponents: 0 }), /nComponents must be a whole number >= 1/);
  await assert.rejects(runUmapWith(e, { data: new Float32Array(0), n: 0, dim: 3 }, {}), /UMAP input/);
  const heap = e.heapSize();
  for (let i = 0; i < 3; i++) await runUmapWith(e, ok, { nEpochs: 20 });
  assert.equal(e.heapSize(), heap, 'repeated runs do not grow the heap');
});

test('umap() in the pool: per-epoch progress with snapshots, result equals in-process, cancellation', async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const x = blobs(3, 30, 5, 6, 7);
    const seen = [];
    let snaps = 0;
    const knn = [];
    const y = await umap(x, { seed: 5, nEpochs: 80, pool, onProgress: (p) => {
      if (p.status === 'knn') { knn.push(p); return; } // the neighbour search, part by part, first
      assert.equal(knn.length > 0, true, 'the kNN parts come before the epochs');
      seen.push(p.epoch); if (p.embedding) { snaps++; assert.equal(p.embedding.data.length, 180); } assert.equal(p.nEpochs, 80);
    } });
    assert.ok(knn.every((p) => p.done <= p.total) && knn.at(-1).done === knn.at(-1).total);
    assert.deepEqual(seen, Array.from({ length: 80 }, (_, i) => i + 1));
    assert.ok(snaps >= 1, 'at least the final snapshot');
    const e = await engine();
    const local = await runUmapWith(e, x, { seed: 5, nEpochs: 80 });
    assert.deepEqual(y.data, local.embedding.data);
    const ac = new AbortController();
    const big = blobs(4, 500, 10, 5, 8);
    const p = umap(big, { seed: 1, nEpochs: 5000, pool, signal: ac.signal, onProgress: (e2) => { if (e2.epoch === 3) ac.abort(); } });
    await assert.rejects(p, (err) => err.name === 'AbortError');
    const after = await umap(x, { seed: 5, nEpochs: 80, pool });
    assert.deepEqual(after.data, y.data, 'the worker is usable after a cancellation');
  } finally {
    pool.dispose();
  }
});

test('CLI umap: .npy in, .npy out, same bytes as the API; errors', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'es-umap-'));
  const x = blobs(2, 25, 4, 5, 9);
  const f = path.join(dir, 'x.npy');
  const o = path.join(dir, 'y.npy');
  writeFileSync(f, formatNpy(x.data, [x.n, x.dim]));
  const r = spawnSync(process.execPath, [CLI, 'umap', '--input', f, '--output', o, '--n-epochs', '50', '--seed', '3', '--n-components', '3', '--metric', 'euclidean'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const y = parseNpy(new Uint8Array(readFileSync(o)));
  assert.deepEqual(y.shape, [50, 3]);
  const e = await engine();
  const local = await runUmapWith(e, x, { nEpochs: 50, seed: 3, nComponents: 3, metric: 'euclidean' });
  assert.deepEqual(y.data, local.embedding.data);
  const bad = spawnSync(process.execPath, [CLI, 'umap', '--input', f, '--output', o, '--min-dist', '3'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^embedscape: error: .*min_dist/);
  const help = spawnSync(process.execPath, [CLI, 'umap', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--n-neighbors N[\s\S]*default: 15/);

  // --transform: new rows placed on the fitted map (umap-learn's transform); the map is unchanged
  const z = blobs(2, 4, 4, 5, 12);
  const fz = path.join(dir, 'z.npy'), ow = path.join(dir, 'w.npy'), o2 = path.join(dir, 'y2.npy');
  writeFileSync(fz, formatNpy(z.data, [z.n, z.dim]));
  const args = ['--n-epochs', '50', '--seed', '3', '--n-components', '3', '--metric', 'euclidean'];
  const rt = spawnSync(process.execPath, [CLI, 'umap', '--input', f, '--output', o2, '--transform', fz, '--transform-output', ow, ...args], { encoding: 'utf8' });
  assert.equal(rt.status, 0, rt.stderr);
  assert.deepEqual(parseNpy(new Uint8Array(readFileSync(o2))).data, y.data, 'the map is the same with --transform');
  const w = parseNpy(new Uint8Array(readFileSync(ow)));
  assert.deepEqual(w.shape, [8, 3]);
  const fit = createUmapWith(e, x, { nEpochs: 50, seed: 3, nComponents: 3, metric: 'euclidean' });
  try {
    fit.runEpochs(50);
    assert.deepEqual(w.data, fit.transform(x, z, { seed: 3 }).embedding.data, '= the in-process transform');
  } finally {
    fit.dispose();
  }
  const half = spawnSync(process.execPath, [CLI, 'umap', '--input', f, '--output', o2, '--transform', fz], { encoding: 'utf8' });
  assert.equal(half.status, 2);
  assert.match(half.stderr, /--transform and --transform-output go together/);
  const wrong = path.join(dir, 'wrong.npy');
  writeFileSync(wrong, formatNpy(new Float32Array(6), [2, 3]));
  const bad2 = spawnSync(process.execPath, [CLI, 'umap', '--input', f, '--output', o2, '--transform', wrong, '--transform-output', ow], { encoding: 'utf8' });
  assert.notEqual(bad2.status, 0);
  assert.match(bad2.stderr, /^embedscape: error: --transform has 3 columns, --input 4/);
});
