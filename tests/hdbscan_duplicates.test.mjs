// HDBSCAN on data full of exact duplicates. The kd-tree paths collapse copies to one point each
// (wasm/src/hdbscan_neighbors.h); the library grows its spanning tree over every row. These tests hold
// the collapsed path to the all-pairs path (PRIMS: the library's own Prim and edge order, which gives
// the goldens' labels), count copies in core distances as the library does, and check what the
// library's arithmetic implies for copies: a point with more than min_samples copies has core
// distance 0, its copies all hang from one row of the spanning tree at distance 0 (a chain in the
// single-linkage tree, which never splits into two clusters), so they leave one cluster at one lambda
// (together, or one by one at infinity): the same label, probability and GLOSH score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, hdbscanPrepare, hdbscanSelect, hdbscanFree, hdbscanRun } from '../web/worker/index.js';
import { rng } from './hdbscan_data.mjs';

const engine = await createEngine();

/** m distinct points (blobs + noise) in dim dimensions, as rows of numbers. */
function distinct(r, m, dim) {
  const centers = Array.from({ length: 4 }, () => Array.from({ length: dim }, () => r.next() * 20 - 10));
  return Array.from({ length: m }, (_, i) => {
    if (r.next() < 0.1) return Array.from({ length: dim }, () => r.next() * 30 - 15);
    const c = centers[i % 4], sd = 0.3 + (i % 4) * 0.4;
    return c.map((v) => v + sd * r.normal());
  });
}

/** rows repeated copies[i] times each, shuffled so that copies are scattered through the input. */
function withCopies(r, rows, copies) {
  const all = [];
  rows.forEach((row, i) => { for (let c = 0; c < copies[i]; c++) all.push(row); });
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const dim = rows[0].length;
  const data = new Float32Array(all.length * dim);
  all.forEach((row, i) => data.set(row, i * dim));
  return { data, n: all.length, dim };
}

function datasets() {
  const out = [];
  let r = rng(1);
  out.push(['small groups (1-4 copies)', withCopies(r, distinct(r, 900, 2), Array.from({ length: 900 }, () => 1 + Math.floor(r.next() * 4)))]);
  r = rng(2);
  { // half of the rows are copies of random other rows
    const rows = distinct(r, 1200, 2);
    const copies = new Array(1200).fill(1);
    for (let i = 0; i < 1200; i++) copies[Math.floor(r.next() * 1200)]++;
    out.push(['half duplicates', withCopies(r, rows, copies)]);
  }
  r = rng(3);
  out.push(['masses (30 points x 40 copies + 600 singles)', withCopies(r, distinct(r, 630, 2), Array.from({ length: 630 }, (_, i) => (i < 30 ? 40 : 1)))]);
  r = rng(4);
  out.push(['3-d, 1-6 copies', withCopies(r, distinct(r, 600, 3), Array.from({ length: 600 }, () => 1 + Math.floor(r.next() * 6)))]);
  return out;
}

/** Groups of equal rows: Map from the row's text to its indices. */
function groupsOf(pts) {
  const g = new Map();
  for (let i = 0; i < pts.n; i++) {
    const key = Array.from(pts.data.subarray(i * pts.dim, (i + 1) * pts.dim), (v) => v + 0).join(',');
    if (!g.has(key)) g.set(key, []);
    g.get(key).push(i);
  }
  return [...g.values()];
}

const SELECTIONS = [
  { minClusterSize: 5 }, { minClusterSize: 15 }, { minClusterSize: 5, method: 'leaf' },
  { minClusterSize: 10, clusterSelectionEpsilon: 0.4 }, { minClusterSize: 40, allowSingleCluster: true },
];

test('duplicate-heavy data: the kd-tree path gives the all-pairs path\'s (the library\'s) tree, labels, probabilities and GLOSH', () => {
  for (const [name, pts] of datasets()) {
    for (const minSamples of [1, 4, 12]) {
      const a = hdbscanPrepare(engine, pts, { minSamples, algorithm: 'prims' });
      const b = hdbscanPrepare(engine, pts, { minSamples });
      try {
        for (const sel of SELECTIONS) {
          const what = `${name}, min_samples ${minSamples}, ${JSON.stringify(sel)}`;
          const ra = hdbscanSelect(engine, a, { ...sel, condensedTree: true });
          const rb = hdbscanSelect(engine, b, { ...sel, condensedTree: true });
          assert.equal(rb.algorithm, 'prims_kdtree', what);
          assert.deepEqual(rb.coreDistances, ra.coreDistances, `${what}: core distances`);
          assert.ok(Math.abs(rb.mstWeightSum - ra.mstWeightSum) <= 1e-12 * ra.mstWeightSum, `${what}: MST weight`);
          assert.deepEqual(rb.labels, ra.labels, `${what}: labels`);
          assert.deepEqual(rb.probabilities64, ra.probabilities64, `${what}: probabilities`);
          assert.deepEqual(rb.outlierScores64, ra.outlierScores64, `${what}: GLOSH`);
          assert.deepEqual(rb.condensedTree, ra.condensedTree, `${what}: condensed tree`);
        }
      } finally {
        hdbscanFree(engine, a);
        hdbscanFree(engine, b);
      }
    }
  }
});

test('duplicates: core distance = distance to the min_samples-th nearest other row, copies counted', () => {
  const r = rng(5);
  const rows = distinct(r, 120, 2);
  rows[7] = [-0, 1.5]; rows[8] = [0, 1.5]; // -0 and +0 are the same point
  const pts = withCopies(r, rows, Array.from({ length: 120 }, () => 1 + Math.floor(r.next() * 5)));
  const { data, n } = pts;
  for (const minSamples of [1, 3, 7, 20]) {
    const res = hdbscanRun(engine, pts, { minSamples, minClusterSize: 5 });
    for (let i = 0; i < n; i++) {
      const d = [];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d0 = data[2 * i] - data[2 * j], d1 = data[2 * i + 1] - data[2 * j + 1];
        d.push(Math.sqrt(d0 * d0 + d1 * d1));
      }
      d.sort((x, y) => x - y);
      assert.equal(res.coreDistances[i], d[minSamples - 1], `row ${i}, min_samples ${minSamples}`);
    }
  }
});

test('duplicates: clusters >= min_cluster_size; rows with more than min_samples copies share label, probability and GLOSH', () => {
  const r = rng(6);
  const sets = [...datasets().map(([name, pts]) => [name, pts])];
  // a 1-D grid with copies: equal distances between different pairs everywhere
  const grid = Array.from({ length: 150 }, (_, i) => [Math.floor(i / 3) * 0.25 + (i % 3) * 7]);
  sets.push(['1-d grid with copies', withCopies(r, grid, Array.from({ length: 150 }, (_, i) => 1 + (i % 5)))]);
  for (const [name, pts] of sets) {
    const groups = groupsOf(pts);
    for (const algorithm of ['prims_kdtree', 'boruvka_kdtree']) {
      for (const minSamples of [2, 5]) {
        for (const sel of [{ minClusterSize: 5 }, { minClusterSize: 12, method: 'leaf' }]) {
          const what = `${name}, ${algorithm}, min_samples ${minSamples}, ${JSON.stringify(sel)}`;
          const res = hdbscanRun(engine, pts, { ...sel, minSamples, algorithm });
          const sizes = new Map();
          for (const l of res.labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
          for (let c = 0; c < res.nClusters; c++) assert.ok(sizes.get(c) >= sel.minClusterSize, `${what}: cluster ${c} has ${sizes.get(c)}`);
          for (const g of groups) {
            if (g.length <= minSamples) continue;
            const f = g[0];
            for (const i of g) {
              assert.equal(res.coreDistances[i], 0, `${what}: row ${i} has ${g.length - 1} copies`);
              assert.equal(res.labels[i], res.labels[f], `${what}: copies of row ${f} split`);
              assert.equal(res.probabilities[i], res.probabilities[f], `${what}: probability of row ${i}`);
              assert.equal(res.outlierScores[i], res.outlierScores[f], `${what}: GLOSH of row ${i}`);
            }
          }
        }
      }
    }
  }
});

test('all rows identical: one point of multiplicity n, fast, and as the library decides it', () => {
  for (const n of [2, 17, 3000, 100000]) {
    const pts = { data: new Float32Array(2 * n).fill(-2.25), n, dim: 2 };
    // every row hangs from row 0 at distance 0: a chain that never splits, so no cluster but the root
    const r = hdbscanRun(engine, pts, { minClusterSize: 2, minSamples: 5 });
    assert.equal(r.nClusters, 0, `n ${n}`);
    assert.ok(r.labels.every((l) => l === -1) && r.outlierScores.every((v) => v === 0) && r.coreDistances.every((v) => v === 0));
    const one = hdbscanRun(engine, pts, { minClusterSize: 2, minSamples: 5, allowSingleCluster: true });
    assert.equal(one.nClusters, 1);
    assert.ok(one.labels.every((l) => l === 0) && one.probabilities.every((p) => p === 1), `n ${n}: allow_single_cluster`);
    if (n <= 3000) {
      const ref = hdbscanRun(engine, pts, { minClusterSize: 2, minSamples: 5, allowSingleCluster: true, algorithm: 'prims' });
      assert.deepEqual(one.labels, ref.labels);
    }
  }
});
