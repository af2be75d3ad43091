// UMAP transform (new points on a fitted map, umap-learn's UMAP.transform semantics): held-out points
// land among their true neighbours as often as with umap-learn's own transform on the same split,
// and the invariants: neighbours are the exact kNN among the training rows, determinism, the map is
// left unchanged, a point equal to a training row starts on it, errors, no heap growth.
//
// umap-learn's figures: `/usr/bin/python3 tests/umap_transform_ref.py ../shared/fixtures/datasets`
// (Debian's umap-learn 0.5.3, sklearn 1.2.1; fit on the rows with index % 10 != 0, n_neighbors 15,
// min_dist 0.1, 2-D, random_state = seed, then transform of the rows with index % 10 == 0):
//   digits 0 trust=0.9846 recall=0.5104 / 1 trust=0.9826 recall=0.5059 / 2 trust=0.9837 recall=0.5067
//   blobs384_n2000_k10 0 trust=0.9921 recall=0.4583 / 1 trust=0.9922 recall=0.4610 / 2 trust=0.9923 recall=0.4627
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadDataset, transformQuality } from './umap_metrics.mjs';
import { createEngine, createUmapWith, knnSearchWith, transformOntoWith } from '../web/worker/index.js';
import { encodeVectors, decodeVectors } from '../web/lib/mapfile.js';

const UMAP_LEARN = {
  digits: { trustworthiness: (0.9846 + 0.9826 + 0.9837) / 3, recall: (0.5104 + 0.5059 + 0.5067) / 3 },
  blobs384_n2000_k10: { trustworthiness: (0.9921 + 0.9922 + 0.9923) / 3, recall: (0.4583 + 0.4610 + 0.4627) / 3 },
};

let enginePromise;
const engine = () => (enginePromise ??= createEngine());

function rows(x, ix) {
  const a = new Float32Array(ix.length * x.dim);
  ix.forEach((i, r) => a.set(x.data.subarray(i * x.dim, (i + 1) * x.dim), r * x.dim));
  return { data: a, n: ix.length, dim: x.dim };
}

/** every 10th row held out, as tests/umap_transform_ref.py splits */
function split(x) {
  const keep = [], held = [];
  for (let i = 0; i < x.n; i++) (i % 10 === 0 ? held : keep).push(i);
  return { train: rows(x, keep), points: rows(x, held) };
}

/** A session on rows `train` (given vectors) laid out with `opts`: {s, r} (r: its run's result). */
async function laidOut(t, createSession, pool, train, opts) {
  const s = await createSession({ pool });
  t.after(() => s.dispose());
  s.setTexts(Array.from({ length: train.n }, (_, i) => `row ${i}`));
  s.setVectors(train);
  s.setOptions({ umap: opts });
  return { s, r: await s.run() };
}

function blobs(n, dim, seed) {
  let s = seed >>> 0;
  const r = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  return { data: Float32Array.from({ length: n * dim }, (_, i) => (i % dim === 0 ? 5 * (Math.floor(i / dim) % 4) : 0) + r()), n, dim };
}

for (const name of Object.keys(UMAP_LEARN)) {
  test(`transform of a held-out 10 % of ${name} is as good as umap-learn's (3 seeds)`, async (t) => {
    const f = loadDataset(t, name);
    if (!f) return;
    const e = await engine();
    const { train, points } = split(f.x);
    let tw = 0;
    let rc = 0;
    let twq = 0;
    let rcq = 0;
    // a saved map carries its rows as int8 with a scale per row (mapfile.js): placing onto it uses those
    const stored = decodeVectors(encodeVectors(train), train.n);
    for (const seed of [0, 1, 2]) {
      const fit = createUmapWith(e, train, { metric: f.metric, seed, nNeighbors: 15, minDist: 0.1 });
      try {
        fit.runEpochs(fit.nEpochs);
        const { embedding } = fit.transform(train, points);
        const q = transformQuality(train.data, points.data, fit.embedding().data, embedding.data, train.n, points.n, train.dim, 2, f.metric, 15);
        console.log(`${name} seed ${seed}: transformed points' trustworthiness ${q.trustworthiness.toFixed(4)}, recall@15 ${q.recall.toFixed(4)}`);
        tw += q.trustworthiness / 3;
        rc += q.recall / 3;
        const onto = transformOntoWith(e, stored, fit.embedding(), points, { metric: f.metric, seed, nNeighbors: 15, minDist: 0.1 });
        const qq = transformQuality(train.data, points.data, fit.embedding().data, onto.embedding.data, train.n, points.n, train.dim, 2, f.metric, 15);
        twq += qq.trustworthiness / 3;
        rcq += qq.recall / 3;
      } finally {
        fit.dispose();
      }
    }
    const ref = UMAP_LEARN[name];
    console.log(`${name} mean: trustworthiness ${tw.toFixed(4)} (umap-learn ${ref.trustworthiness.toFixed(4)}), recall@15 ${rc.toFixed(4)} (umap-learn ${ref.recall.toFixed(4)})`);
    assert.ok(tw >= ref.trustworthiness - 0.005, `trustworthiness ${tw} is more than 0.005 below umap-learn's ${ref.trustworthiness}`);
    assert.ok(rc >= ref.recall - 0.015, `recall@15 ${rc} is more than 0.015 below umap-learn's ${ref.recall}`);
    console.log(`${name} onto the saved map (int8 rows): trustworthiness ${twq.toFixed(4)}, recall@15 ${rcq.toFixed(4)}`);
    assert.ok(twq >= ref.trustworthiness - 0.005, `onto int8 rows: trustworthiness ${twq} is more than 0.005 below umap-learn's ${ref.trustworthiness}`);
    assert.ok(rcq >= ref.recall - 0.015, `onto int8 rows: recall@15 ${rcq} is more than 0.015 below umap-learn's ${ref.recall}`);
  });
}

test('transform: exact neighbours and their strengths, determinism, the map unchanged, a copy of a row starts on it', async () => {
  const e = await engine();
  const x = blobs(400, 7, 1);
  const { train, points } = split(x);
  for (const metric of ['euclidean', 'cosine']) {
    const fit = createUmapWith(e, train, { metric, seed: 3, nEpochs: 60, nNeighbors: 12 });
    try {
      fit.runEpochs(60);
      const before = fit.embedding();
      const r1 = fit.transform(train, points);
      const r2 = fit.transform(train, points);
      assert.deepEqual(r1, r2, 'same input, same bytes');
      assert.notDeepEqual(fit.transform(train, points, { seed: 7 }).embedding.data, r1.embedding.data, 'the seed matters');
      assert.deepEqual(fit.embedding(), before, 'the map does not move');
      assert.equal(r1.k, 12);
      assert.equal(r1.embedding.n, points.n);
      assert.ok(r1.embedding.data.every(Number.isFinite));
      // the neighbours are the exact kNN of each new point among the training rows
      const all = { data: new Float32Array([...train.data, ...points.data]), n: train.n + points.n, dim: train.dim };
      const exact = knnSearchWith(e, all, { k: 13 + points.n, metric, method: 'exact' });
      for (let q = 0; q < points.n; q++) {
        const want = Array.from(exact.indices.subarray((train.n + q) * exact.k, (train.n + q + 1) * exact.k)).filter((j) => j < train.n).slice(0, 12);
        assert.deepEqual(Array.from(r1.indices.subarray(q * 12, q * 12 + 12)), want, `${metric} point ${q}`);
        const w = r1.weights.subarray(q * 12, q * 12 + 12);
        for (let j = 1; j < 12; j++) assert.ok(w[j] <= w[j - 1] && w[j] > 0 && w[0] <= 1, 'strengths fall with distance');
      }
      // a new point equal to training row 5 has it as nearest neighbour, of strength 1 (euclidean: at
      // distance 0 exactly; cosine: 1 - cos of a unit row with itself is a rounding error, ~1e-7)
      const dup = fit.transform(train, rows(train, [5]), { nEpochs: 1 });
      assert.equal(dup.indices[0], 5);
      if (metric === 'euclidean') assert.equal(dup.weights[0], 1);
      else assert.ok(dup.weights[0] > 0.999, `strength ${dup.weights[0]}`);
      const y5 = [before.data[10], before.data[11]];
      assert.ok(Math.hypot(dup.embedding.data[0] - y5[0], dup.embedding.data[1] - y5[1]) < 0.5, 'starts on its copy');
    } finally {
      fit.dispose();
    }
  }
});

test('transform rejects bad input with a clear message; nothing leaks', async () => {
  const e = await engine();
  const x = blobs(120, 4, 2);
  const { train, points } = split(x);
  const fit = createUmapWith(e, train, { seed: 1, nEpochs: 20 });
  try {
    fit.runEpochs(20);
    const heap = e.heapSize();
    assert.throws(() => fit.transform(points, points), /transform needs the 108 rows this map was fitted on, got 12/);
    assert.throws(() => fit.transform(train, { data: new Float32Array(10), n: 2, dim: 5 }), /new points have 5 columns/);
    assert.throws(() => fit.transform(train, points, { nEpoch: 3 }), /umap transform: unknown option 'nEpoch'/);
    const nan = { ...points, data: points.data.slice() };
    nan.data[6] = NaN;
    assert.throws(() => fit.transform(train, nan), /new vectors: row 1, column 2 is NaN/);
    for (let i = 0; i < 3; i++) fit.transform(train, points);
    assert.equal(e.heapSize(), heap, 'repeated transforms do not grow the heap');
  } finally {
    fit.dispose();
  }
  const one = createUmapWith(e, { data: new Float32Array([1, 2]), n: 1, dim: 2 });
  assert.throws(() => one.transform({ data: new Float32Array([1, 2]), n: 1, dim: 2 }, { data: new Float32Array([1, 3]), n: 1, dim: 2 }), /at least 2 points/);
  one.dispose();
});

test('a session keeps the fitted UMAP of its map: graph() is the graph the SGD sampled, place() is transform', async (t) => {
  const { createSession, WorkerPool } = await import('../web/embedscape.node.js');
  const pool = new WorkerPool({ size: 2 });
  t.after(() => pool.dispose());
  const e = await engine();
  const all = blobs(440, 16, 21);
  const { train, points } = split(all);
  const opts = { nNeighbors: 12, seed: 5, nEpochs: 60 };
  const { s, r } = await laidOut(t, createSession, pool, train, opts);
  const fit = createUmapWith(e, train, opts);
  try {
    fit.runEpochs(opts.nEpochs);
    assert.deepEqual(r.xy.data, fit.embedding().data, 'the session layout is the fit');
    const g = await s.graph(), mine = fit.graph();
    assert.deepEqual(g.cols, mine.indices, 'graph(): the engine graph, column for column');
    assert.deepEqual(g.weights, mine.weights, 'graph(): the membership strengths');
    for (let i = 0; i < train.n; i++) for (let q = mine.indptr[i]; q < mine.indptr[i + 1]; q++) assert.equal(g.rows[q], i);
    const placed = await s.place(points, { seed: 9 });
    const here = fit.transform(train, points, { seed: 9 });
    assert.deepEqual(placed.embedding.data, here.embedding.data, 'place() = transform of the fit');
    assert.deepEqual(placed.indices, here.indices);
    assert.equal(placed.embedding.n, points.n);
    // number[][] input, one row (the optimisation depends on the batch, as umap-learn's does)
    const one = await s.place([Array.from(points.data.subarray(0, 16))], { seed: 9 });
    const hereOne = fit.transform(train, { data: points.data.slice(0, 16), n: 1, dim: 16 }, { seed: 9 });
    assert.deepEqual(one.embedding.data, hereOne.embedding.data);
  } finally {
    fit.dispose();
  }
  await assert.rejects(s.place({ data: new Float32Array(10), n: 2, dim: 5 }), /m x 16 values/);
  // a saved map's layout alone (no fit, no options, no vectors) says what it lacks
  s.setLayout({ data: r.xy.data.slice(), n: train.n, dim: 2 });
  await s.run();
  await assert.rejects(s.place(points), /does not say how it was laid out/);
  const bare = await createSession({ pool });
  t.after(() => bare.dispose());
  bare.setTexts(s.texts);
  bare.setLayout({ data: r.xy.data.slice(), n: train.n, dim: 2 }, { umap: opts });
  await bare.run();
  await assert.rejects(bare.place(points), /carries no vectors/);
});

test('onto a saved map: fitUmap, umapFromLayout and a session given the layout with its vectors place as the fit does', async (t) => {
  const { createSession, WorkerPool, fitUmap, umapFromLayout } = await import('../web/embedscape.node.js');
  const pool = new WorkerPool({ size: 2 });
  t.after(() => pool.dispose());
  const all = blobs(600, 16, 33);
  const { train, points } = split(all);
  const opts = { nNeighbors: 10, seed: 3, nEpochs: 45, minDist: 0.2 };
  const fit = await fitUmap(train, { ...opts, pool });
  const { s, r } = await laidOut(t, createSession, pool, train, opts);
  assert.deepEqual(fit.embedding.data, r.xy.data, 'fitUmap lays out as umap() and the session do');
  const placed = await s.place(points, { seed: 4 });
  const viaFit = await fit.transform(points, { seed: 4 });
  assert.deepEqual(viaFit.embedding.data, placed.embedding.data, 'fit.transform = session.place');
  assert.deepEqual(viaFit.indices, placed.indices);
  assert.deepEqual(viaFit.weights, placed.weights);
  // the map saved (its positions, its vectors, its options) and opened again: the same bytes
  const saved = umapFromLayout(train, { data: r.xy.data.slice(), n: train.n, dim: 2 }, { ...opts, pool });
  assert.deepEqual((await saved.transform(points, { seed: 4 })).embedding.data, placed.embedding.data, 'umapFromLayout = the fit');
  const s2 = await createSession({ pool });
  t.after(() => s2.dispose());
  s2.setTexts(Array.from({ length: train.n }, (_, i) => `row ${i}`));
  s2.setLayout({ data: r.xy.data.slice(), n: train.n, dim: 2 }, { vectors: train, umap: opts });
  const r2 = await s2.run();
  assert.ok(r2.ran.includes('vectors') && r2.ran.includes('layout'), `ran ${r2.ran}`);
  assert.deepEqual((await s2.place(points, { seed: 4 })).embedding.data, placed.embedding.data, 'a session on the saved map = the fit');
  const near = await s2.similar(0, 3);
  assert.equal(near.length, 3, 'the similarity queries answer on the saved vectors');
  const g2 = await s2.graph(), g = await s.graph();
  assert.deepEqual(g2.weights, g.weights, "the saved map's neighbour graph is the fit's");
  // other options than the map's give another placement: the options are used, not assumed
  const other = umapFromLayout(train, r.xy, { ...opts, nNeighbors: 4 });
  assert.notDeepEqual((await other.transform(points, { seed: 4, pool })).embedding.data, placed.embedding.data);
  // errors name what is wrong; nothing runs for them
  assert.throws(() => umapFromLayout(train, { data: new Float32Array(4), n: 2, dim: 2 }), /2 positions for 540 rows/);
  const bad = r.xy.data.slice(); bad[7] = NaN;
  assert.throws(() => umapFromLayout(train, { data: bad, n: train.n, dim: 2 }), /position 3 is not finite/);
  assert.throws(() => umapFromLayout(train, r.xy, { n_neighbors: 5 }), /did you mean 'nNeighbors'/);
  assert.throws(() => umapFromLayout(train, r.xy, { nComponents: 3 }), /nComponents is 3, the positions have 2 columns/);
  await assert.rejects(saved.transform({ data: new Float32Array(5), n: 1, dim: 5 }), /5 values per row, the map's rows 16/);
  await assert.rejects(saved.transform(points, { epochs: 3 }), /unknown option 'epochs'/);
  assert.throws(() => s2.setLayout(r.xy, { vectors: { data: new Float32Array(16), n: 1, dim: 16 } }), /1 vectors for 540 texts/);
  saved.dispose();
  await assert.rejects(saved.transform(points), /disposed/);
});
