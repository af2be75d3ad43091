// HDBSCAN against the Python hdbscan library's goldens (../shared/fixtures/datasets), invariants on
// random inputs, edge cases, the SIMD kernel against its scalar twin, and the worker-pool API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createEngine } from '../web/worker/index.js';
import { EmbedscapeError } from '../web/embedscape.node.js';
import { WorkerPool } from '../web/embedscape.node.js';
import { hdbscanPrepare, hdbscanSelect, hdbscanFree, hdbscanRun } from '../web/worker/index.js';
import { hdbscan, createClusterer } from '../web/embedscape.node.js';
import { needShared } from './helpers.mjs';
import { adjustedRand } from './lib/labels.mjs';
import { rng, blobs } from './hdbscan_data.mjs';

const engine = await createEngine();

// ------------------------------------------------------------------ helpers

function noiseJaccard(a, b) {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] === -1, y = b[i] === -1;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function readF32(file) {
  const buf = readFileSync(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function checkInvariants(r, n, mcs, what) {
  assert.equal(r.labels.length, n, what);
  const sizes = new Map();
  for (let i = 0; i < n; i++) {
    const l = r.labels[i];
    assert.ok(Number.isInteger(l) && l >= -1 && l < r.nClusters, `${what}: label ${l} out of range`);
    sizes.set(l, (sizes.get(l) ?? 0) + 1);
    assert.ok(r.probabilities[i] >= 0 && r.probabilities[i] <= 1, `${what}: probability ${r.probabilities[i]}`);
    assert.ok(r.outlierScores[i] >= 0 && r.outlierScores[i] <= 1, `${what}: outlier score ${r.outlierScores[i]}`);
    if (l === -1) assert.equal(r.probabilities[i], 0, `${what}: noise has probability 0`);
  }
  for (let c = 0; c < r.nClusters; c++) {
    assert.ok((sizes.get(c) ?? 0) >= mcs, `${what}: cluster ${c} has ${sizes.get(c) ?? 0} < ${mcs} members`);
  }
}

// ------------------------------------------------------------------ goldens

test('goldens: core distances, MST weight, labels, probabilities and GLOSH equal the Python library', async (t) => {
  const dir = needShared(t, 'fixtures', 'datasets');
  if (!dir) return;
  const goldens = readdirSync(dir).filter((f) => /\.hdbscan_mcs\d+_ms\d+_(eom|leaf)\.json$/.test(f)).sort();
  assert.ok(goldens.length > 0, 'no goldens found');
  // group by (dataset, min_samples): one spanning tree serves every selection
  const groups = new Map();
  for (const f of goldens) {
    const g = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    const key = `${g.dataset}|${g.params.min_samples}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({ file: f, g });
  }
  let exact = 0, total = 0;
  const lines = [];
  for (const [key, list] of groups) {
    const [dataset, ms] = key.split('|');
    const meta = JSON.parse(readFileSync(path.join(dir, dataset.replace(/\.f32$/, '.json')), 'utf8'));
    const data = readF32(path.join(dir, dataset));
    const t0 = performance.now();
    const handle = hdbscanPrepare(engine, { data, n: meta.n, dim: meta.d }, { minSamples: Number(ms) });
    const prepMs = performance.now() - t0;
    try {
      for (const { file, g } of list) {
        const p = g.params;
        assert.equal(p.metric, 'euclidean');
        assert.equal(p.alpha, 1);
        const r = hdbscanSelect(engine, handle, {
          minClusterSize: p.min_cluster_size, method: p.cluster_selection_method,
          allowSingleCluster: p.allow_single_cluster, clusterSelectionEpsilon: p.cluster_selection_epsilon,
        });
        // tie-independent quantities: exact
        const core = readF32(path.join(dir, g.core_distances_file));
        for (let i = 0; i < meta.n; i++) {
          if (Math.fround(r.coreDistances[i]) !== core[i]) assert.fail(`${file}: core distance ${i}: ${r.coreDistances[i]} vs ${core[i]}`);
        }
        const rel = Math.abs(r.mstWeightSum - g.mst_weight_sum) / g.mst_weight_sum;
        assert.ok(rel < 1e-9, `${file}: MST weight ${r.mstWeightSum} vs ${g.mst_weight_sum}`);
        // partitions: the README's judgement
        const ari = adjustedRand(r.labels, g.labels), jac = noiseJaccard(r.labels, g.labels);
        assert.ok(ari >= g.threshold.ari, `${file}: ARI ${ari} < ${g.threshold.ari}`);
        assert.ok(jac >= g.threshold.noise_jaccard, `${file}: noise Jaccard ${jac} < ${g.threshold.noise_jaccard}`);
        assert.equal(r.nClusters, g.n_clusters, `${file}: number of clusters`);
        total++;
        const same = ari === 1 && jac === 1;
        const identical = r.labels.every((l, i) => l === g.labels[i]);
        if (same) exact++;
        // this implementation reproduces the library's tie order: the labels are the library's own
        // (same numbers), and so are probabilities and GLOSH scores (goldens are rounded to ~1e-5)
        assert.ok(same, `${file}: labels differ from the library's (ARI ${ari}, noise Jaccard ${jac})`);
        assert.ok(identical, `${file}: same partition but different label numbers`);
        const dp = maxAbsDiff(r.probabilities64, g.probabilities), dout = maxAbsDiff(r.outlierScores64, g.outlier_scores);
        assert.ok(dp <= 1e-5, `${file}: probabilities differ by ${dp}`);
        assert.ok(dout <= 1e-5, `${file}: outlier scores differ by ${dout}`);
        lines.push(`${file}: ARI ${ari} noise-Jaccard ${jac} clusters ${r.nClusters} max|dp| ${dp.toExponential(1)} max|dGLOSH| ${dout.toExponential(1)} (tree ${prepMs.toFixed(0)} ms, ${r.algorithm})`);
      }
    } finally {
      hdbscanFree(engine, handle);
    }
  }
  for (const l of lines) t.diagnostic(l);
  t.diagnostic(`exact (ARI = 1, same noise, same label numbers): ${exact} of ${total}`);
  console.log(`# hdbscan goldens: ${exact} of ${total} identical to the Python library`);
});

test('goldens: Borůvka-only spanning tree (ties by index) stays within the README thresholds', async (t) => {
  const dir = needShared(t, 'fixtures', 'datasets');
  if (!dir) return;
  for (const name of ['moons_blobs_noise_2d', 'digits_umap2d']) {
    const meta = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    const data = readF32(path.join(dir, `${name}.f32`));
    for (const f of readdirSync(dir).filter((x) => x.startsWith(`${name}.hdbscan_`))) {
      const g = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
      const r = hdbscanRun(engine, { data, n: meta.n, dim: meta.d }, {
        minClusterSize: g.params.min_cluster_size, minSamples: g.params.min_samples,
        method: g.params.cluster_selection_method, algorithm: 'boruvka_kdtree',
      });
      assert.equal(r.algorithm, 'boruvka_kdtree');
      assert.ok(Math.abs(r.mstWeightSum - g.mst_weight_sum) / g.mst_weight_sum < 1e-9, f);
      const ari = adjustedRand(r.labels, g.labels), jac = noiseJaccard(r.labels, g.labels);
      assert.ok(ari >= g.threshold.ari, `${f}: ARI ${ari}`);
      assert.ok(jac >= g.threshold.noise_jaccard, `${f}: noise Jaccard ${jac}`);
    }
  }
});

// ------------------------------------------------------------------ invariants

test('random inputs: labels, cluster sizes, probabilities and scores keep their invariants', () => {
  const cases = [
    { seed: 1, n: 600, dim: 2, mcs: 5, ms: 5, method: 'eom' },
    { seed: 2, n: 800, dim: 2, mcs: 15, ms: 3, method: 'leaf' },
    { seed: 3, n: 500, dim: 5, mcs: 8, ms: 8, method: 'eom' },
    { seed: 4, n: 300, dim: 40, mcs: 5, ms: 10, method: 'eom' },
    { seed: 5, n: 700, dim: 3, mcs: 20, ms: 4, method: 'leaf' },
  ];
  for (const c of cases) {
    const pts = blobs(c.seed, c.n, c.dim);
    const r = hdbscanRun(engine, pts, { minClusterSize: c.mcs, minSamples: c.ms, method: c.method });
    checkInvariants(r, c.n, c.mcs, JSON.stringify(c));
    assert.ok(r.nClusters >= 1, `${JSON.stringify(c)}: found no cluster`);
  }
});

test('the kd-tree paths build the same spanning tree as the all-pairs Prim', () => {
  for (const [seed, dim, ms] of [[11, 2, 5], [12, 3, 10], [13, 7, 3]]) {
    const pts = blobs(seed, 900, dim);
    // exact duplicates and a grid make ties that only the tie rules resolve
    for (let i = 0; i < 60; i++) for (let j = 0; j < dim; j++) pts.data[(100 + i) * dim + j] = pts.data[(200 + (i % 7)) * dim + j];
    for (let i = 0; i < 40; i++) for (let j = 0; j < dim; j++) pts.data[(300 + i) * dim + j] = j === 0 ? (i % 8) * 0.5 : Math.floor(i / 8) * 0.5;
    const base = hdbscanRun(engine, pts, { minClusterSize: 5, minSamples: ms, algorithm: 'prims' });
    const fast = hdbscanRun(engine, pts, { minClusterSize: 5, minSamples: ms, algorithm: 'prims_kdtree' });
    const boru = hdbscanRun(engine, pts, { minClusterSize: 5, minSamples: ms, algorithm: 'boruvka_kdtree' });
    assert.equal(base.algorithm, 'prims');
    for (const r of [fast, boru]) {
      assert.ok(Math.abs(r.mstWeightSum - base.mstWeightSum) <= 1e-9 * base.mstWeightSum, `seed ${seed}: ${r.algorithm} MST weight`);
      assert.deepEqual(r.coreDistances, base.coreDistances);
    }
    assert.equal(fast.algorithm, 'prims_kdtree');
    assert.deepEqual(fast.labels, base.labels, `seed ${seed}: prims_kdtree labels`);
    assert.deepEqual(fast.outlierScores, base.outlierScores);
    checkInvariants(boru, pts.n, 5, `seed ${seed} boruvka`);
  }
});

test('re-selection on a prepared tree equals a fresh run', () => {
  const pts = blobs(21, 1500, 2);
  const handle = hdbscanPrepare(engine, pts, { minSamples: 6 });
  try {
    for (const sel of [
      { minClusterSize: 5 }, { minClusterSize: 30 }, { minClusterSize: 12, method: 'leaf' },
      { minClusterSize: 10, clusterSelectionEpsilon: 0.8 }, { minClusterSize: 10, method: 'leaf', clusterSelectionEpsilon: 0.5 },
      { minClusterSize: 400, allowSingleCluster: true }, { minClusterSize: 10, maxClusterSize: 200 },
    ]) {
      const a = hdbscanSelect(engine, handle, { ...sel, condensedTree: true });
      const b = hdbscanRun(engine, pts, { ...sel, minSamples: 6 });
      assert.deepEqual(a.labels, b.labels, JSON.stringify(sel));
      assert.deepEqual(a.probabilities, b.probabilities);
      assert.ok(a.condensedTree.parent.length >= pts.n);
      assert.equal(a.condensedTree.clusterNodes.length, a.nClusters);
      if (!sel.allowSingleCluster) checkInvariants(a, pts.n, sel.minClusterSize, JSON.stringify(sel));
    }
  } finally {
    hdbscanFree(engine, handle);
  }
});

test('allow_single_cluster and max_cluster_size behave as in the library', () => {
  // one tight blob: without allow_single_cluster there is no cluster to pick
  const r = rng(5);
  const n = 200, data = new Float32Array(n * 2);
  for (let i = 0; i < n * 2; i++) data[i] = r.normal();
  const one = hdbscanRun(engine, { data, n, dim: 2 }, { minClusterSize: 80, allowSingleCluster: true });
  assert.equal(one.nClusters, 1);
  const none = hdbscanRun(engine, { data, n, dim: 2 }, { minClusterSize: 80 });
  assert.ok(none.nClusters !== 1 || none.labels.some((l) => l === -1));
  const pts = blobs(6, 1000, 2, 3, 0);
  const big = hdbscanRun(engine, pts, { minClusterSize: 10 });
  const capped = hdbscanRun(engine, pts, { minClusterSize: 10, maxClusterSize: 150 });
  assert.ok(capped.nClusters >= big.nClusters);
});

// ------------------------------------------------------------------ edge cases

test('edge cases: tiny inputs, identical points, duplicates, min_samples > n', () => {
  // fewer points than min_cluster_size: all noise
  const small = blobs(7, 4, 2, 1, 0);
  const r1 = hdbscanRun(engine, small, { minClusterSize: 5 });
  assert.equal(r1.nClusters, 0);
  assert.deepEqual([...r1.labels], [-1, -1, -1, -1]);
  assert.equal(r1.minSamples, 3, 'min_samples is clamped to n - 1 as the library does');
  // one point
  const r0 = hdbscanRun(engine, { data: new Float32Array([1, 2]), n: 1, dim: 2 }, {});
  assert.deepEqual([...r0.labels], [-1]);
  assert.deepEqual([...r0.outlierScores], [0]);
  // all points identical: defined result, numbers stay in range
  const same = { data: new Float32Array(60).fill(3.5), n: 30, dim: 2 };
  const r2 = hdbscanRun(engine, same, { minClusterSize: 5 });
  checkInvariants(r2, 30, 5, 'identical points');
  assert.ok(r2.outlierScores.every((v) => v === 0));
  // masses of exact duplicates collapse to one point each: the kd-tree Prim keeps the library's tree
  const mass = { data: new Float32Array(2 * 3000).fill(1), n: 3000, dim: 2 };
  for (let i = 0; i < 100; i++) mass.data[2 * i] = i;
  const rm = hdbscanRun(engine, mass, { minClusterSize: 5, minSamples: 1 });
  assert.equal(rm.algorithm, 'prims_kdtree');
  checkInvariants(rm, 3000, 5, 'mass duplicates');
  assert.deepEqual(rm.labels, hdbscanRun(engine, mass, { minClusterSize: 5, minSamples: 1, algorithm: 'prims' }).labels);
  // many zero distances: duplicated points inside clusters
  const dup = blobs(8, 400, 2, 2, 0.05);
  for (let i = 0; i < 200; i++) { dup.data[2 * i] = dup.data[2 * (i % 10)]; dup.data[2 * i + 1] = dup.data[2 * (i % 10) + 1]; }
  for (const algorithm of ['prims', 'prims_kdtree', 'boruvka_kdtree']) {
    const r3 = hdbscanRun(engine, dup, { minClusterSize: 5, minSamples: 5, algorithm });
    checkInvariants(r3, 400, 5, `duplicates ${algorithm}`);
  }
  // min_samples larger than n: clamped to n - 1
  const r4 = hdbscanRun(engine, blobs(9, 50, 2, 1, 0), { minClusterSize: 5, minSamples: 500 });
  assert.equal(r4.minSamples, 49);
  const r5 = hdbscanRun(engine, blobs(9, 50, 2, 1, 0), { minClusterSize: 5, minSamples: 49 });
  assert.deepEqual(r4.labels, r5.labels);
});

test('bad input is a clear error and the engine keeps working', () => {
  const pts = blobs(10, 50, 2);
  pts.data[37] = NaN;
  assert.throws(() => hdbscanRun(engine, pts, {}), (e) => e instanceof EmbedscapeError && /NaN value at row 18, column 1/.test(e.message));
  pts.data[37] = Infinity;
  assert.throws(() => hdbscanRun(engine, pts, {}), /infinite value at row 18/);
  assert.throws(() => hdbscanRun(engine, { data: new Float32Array(0), n: 0, dim: 2 }, {}), /at least one point/);
  assert.throws(() => hdbscanRun(engine, blobs(1, 20, 2), { minClusterSize: 1 }), /minClusterSize must be a whole number >= 2/);
  assert.throws(() => hdbscanRun(engine, blobs(1, 20, 2), { minSamples: 0 }), /minSamples/);
  assert.throws(() => hdbscanRun(engine, blobs(1, 20, 2), { method: 'best' }), /method must be/);
  assert.throws(() => hdbscanRun(engine, blobs(1, 20, 2), { clusterSelectionEpsilon: -1 }), /clusterSelectionEpsilon/);
  assert.throws(() => hdbscanRun(engine, [[1, 2], [3]], {}), /row 1 has 1 values/);
  // still usable, and repeated runs do not grow the heap
  const ok = blobs(11, 500, 2);
  hdbscanRun(engine, ok, {});
  const before = engine.heapSize();
  for (let i = 0; i < 5; i++) hdbscanRun(engine, ok, { minClusterSize: 5 + i });
  assert.equal(engine.heapSize(), before);
});

// ------------------------------------------------------------------ kernels

test('SIMD distance kernel equals its scalar twin bit for bit', () => {
  const r = rng(99);
  for (const dim of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 64, 384, 385]) {
    const n = 20, pairs = 40;
    const x = Float32Array.from({ length: n * dim }, () => (r.next() - 0.5) * 10);
    const a = Int32Array.from({ length: pairs }, () => Math.floor(r.next() * n));
    const b = Int32Array.from({ length: pairs }, () => Math.floor(r.next() * n));
    engine.scoped((alloc, copy) => {
      const px = copy(x), pa = copy(a), pb = copy(b), ps = alloc(pairs * 8), pg = alloc(pairs * 8);
      const differ = engine.raw('es_hdbscan_sqdist_check', px, dim, pa, pb, pairs, ps, pg);
      assert.equal(differ, 0, `dim ${dim}: ${differ} pairs differ`);
      const s = engine.readF64(ps, pairs);
      for (let i = 0; i < pairs; i++) {
        let ref = 0;
        for (let j = 0; j < dim; j++) { const d = x[a[i] * dim + j] - x[b[i] * dim + j]; ref += d * d; }
        assert.ok(Math.abs(s[i] - ref) <= 1e-12 * Math.max(1, ref), `dim ${dim}: ${s[i]} vs ${ref}`);
      }
    });
  }
  assert.equal(engine.hasSimd(), true);
});

test("numpy's argsort is reproduced (ties in numpy's own order)", () => {
  // np.argsort(np.array([2,2,1,2,0,1,2,0,0,0,1,2,0,1,1,2,0.])) with numpy's default introsort
  const v = Float64Array.from([2, 2, 1, 2, 0, 1, 2, 0, 0, 0, 1, 2, 0, 1, 1, 2, 0]);
  const expected = [8, 12, 9, 7, 16, 4, 5, 2, 10, 13, 14, 6, 3, 15, 11, 1, 0];
  engine.scoped((alloc, copy) => {
    const pv = copy(v), po = alloc(v.length * 4);
    engine.raw('es_hdbscan_numpy_argsort', pv, v.length, po);
    assert.deepEqual([...engine.readI32(po, v.length)], expected);
  });
});

// ------------------------------------------------------------------ pool API

test('hdbscan() and createClusterer() run in pool workers', async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    const pts = blobs(31, 3000, 2);
    const direct = hdbscanRun(engine, pts, { minClusterSize: 10, minSamples: 5 });
    const viaPool = await hdbscan(pts, { minClusterSize: 10, minSamples: 5, condensedTree: true, pool });
    assert.deepEqual(viaPool.labels, direct.labels);
    assert.ok(viaPool.probabilities instanceof Float32Array && viaPool.outlierScores instanceof Float32Array);
    assert.ok(viaPool.condensedTree.lambda instanceof Float64Array);
    const rows = pts.n;
    const arrays = Array.from({ length: rows }, (_, i) => [pts.data[2 * i], pts.data[2 * i + 1]]);
    const fromRows = await hdbscan(arrays, { minClusterSize: 10, minSamples: 5, pool });
    assert.deepEqual(fromRows.labels, direct.labels);

    const c = await createClusterer(pts, { minSamples: 5, pool });
    assert.equal(c.n, 3000);
    for (const mcs of [10, 25, 60]) {
      const a = await c.cluster({ minClusterSize: mcs });
      const b = hdbscanRun(engine, pts, { minClusterSize: mcs, minSamples: 5 });
      assert.deepEqual(a.labels, b.labels, `mcs ${mcs}`);
    }
    const leaf = await c.cluster({ minClusterSize: 10, method: 'leaf' });
    assert.deepEqual(leaf.labels, hdbscanRun(engine, pts, { minClusterSize: 10, minSamples: 5, method: 'leaf' }).labels);
    await c.dispose();
    await assert.rejects(c.cluster({}), /disposed/);
    await assert.rejects(hdbscan(pts, { minClusterSize: 0, pool }), /minClusterSize/);
    const bad = { data: pts.data.slice(), n: pts.n, dim: 2 };
    bad.data[5] = NaN;
    await assert.rejects(hdbscan(bad, { pool }), /NaN/);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(hdbscan(pts, { pool, signal: ac.signal }), (e) => e.name === 'AbortError');
  } finally {
    pool.dispose();
  }
});
