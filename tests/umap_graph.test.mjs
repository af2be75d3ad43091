// The fuzzy graph out of the engine: the graph a fit samples (after pruning) and the kNN it was built
// from, the graph alone from a kNN (for a smaller n_neighbors), a fit from a given kNN, and bad kNNs.
//
// umap-learn's figures (Debian's umap-learn 0.5.3, sklearn 1.2.1) were recorded with
// /usr/bin/python3 on the fixtures, for k in 15, 5:
//   d, i = NearestNeighbors(n_neighbors=k, metric=metric, algorithm='brute').fit(X).kneighbors(X)
//   G = umap.umap_.fuzzy_simplicial_set(X, k, 0, metric, knn_indices=i, knn_dists=d)[0].tocsr()
//   G.data[G.data < G.data.max() / 500.0] = 0; G.eliminate_zeros()     # simplicial_set_embedding's prune
//   print(k, G.nnz, G.data.sum(), (G.data ** 2).sum(), G[0] weights and columns)
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadDataset } from './umap_metrics.mjs';
import { createEngine, createUmapWith, umapGraphWith, runUmapWith, knnSearchWith } from '../web/worker/index.js';

let enginePromise;
const engine = () => (enginePromise ??= createEngine());

const UMAP_LEARN = {
  blobs384_n2000_k10: {
    15: { nnz: 48394, sum: 14778.1348, sum2: 8172.4702 },
    5: {
      nnz: 14924, sum: 8845.5713, sum2: 6450.3491,
      row0: { cols: [25, 26, 544, 643, 644, 1241], w: [0.268695, 0.524593, 0.241794, 0.408962, 1.0, 0.555542] },
    },
  },
  // integer pixel values: many tied distances, so sklearn and the engine may order a few neighbours
  // differently (a handful of edges out of 34 000)
  digits: { 15: { nnz: 34200, sum: 11293.2178, sum2: 6473.5708 }, 5: { nnz: 10226, sum: 6400.6914, sum2: 4842.7041 } },
};

function blobs(n, dim, seed) {
  let s = seed >>> 0;
  const r = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  return { data: Float32Array.from({ length: n * dim }, (_, i) => (i % dim === 0 ? 4 * (Math.floor(i / dim) % 3) : 0) + r()), n, dim };
}

/** weight of (i, j) in a CSR graph, 0 when absent */
const weight = (g, i, j) => {
  for (let e = g.indptr[i]; e < g.indptr[i + 1]; e++) if (g.indices[e] === j) return g.weights[e];
  return 0;
};

for (const name of Object.keys(UMAP_LEARN)) {
  test(`the engine's fuzzy graph equals umap-learn's fuzzy_simplicial_set on ${name} (k 15 and 5)`, async (t) => {
    const f = loadDataset(t, name);
    if (!f) return;
    const e = await engine();
    const knn = knnSearchWith(e, f.x, { k: 15, metric: f.metric, method: 'exact' });
    for (const k of [15, 5]) {
      const ref = UMAP_LEARN[name][k];
      const g = umapGraphWith(e, knn, { nNeighbors: k });
      let sum = 0, sum2 = 0;
      for (const w of g.weights) { sum += w; sum2 += w * w; }
      console.log(`${name} k ${k}: ${g.weights.length} edges (umap-learn ${ref.nnz}), sum ${sum.toFixed(4)} (${ref.sum}), sum of squares ${sum2.toFixed(4)} (${ref.sum2})`);
      const slack = name === 'digits' ? 1e-3 : 0;
      assert.ok(Math.abs(g.weights.length - ref.nnz) <= slack * ref.nnz, `edges ${g.weights.length} vs ${ref.nnz}`);
      assert.ok(Math.abs(sum - ref.sum) <= 1e-4 * ref.sum + 1e-3 * slack * ref.sum, `sum ${sum} vs ${ref.sum}`);
      assert.ok(Math.abs(sum2 - ref.sum2) <= 1e-4 * ref.sum2 + 1e-3 * slack * ref.sum2, `sum of squares ${sum2} vs ${ref.sum2}`);
      if (ref.row0) {
        assert.deepEqual(Array.from(g.indices.subarray(g.indptr[0], g.indptr[1])), ref.row0.cols);
        ref.row0.w.forEach((w, q) => assert.ok(Math.abs(g.weights[g.indptr[0] + q] - w) < 2e-4, `row 0 weight ${q}`));
      }
    }
  });
}

test('a fit exposes the graph its SGD samples and the kNN it came from; the graph is symmetric', async () => {
  const e = await engine();
  const x = blobs(240, 6, 3);
  const fit = createUmapWith(e, x, { seed: 2, nEpochs: 40, metric: 'euclidean' });
  try {
    const g = fit.graph();
    const knn = fit.knn();
    assert.equal(g.n, 240);
    assert.equal(g.indptr.length, 241);
    assert.equal(g.indices.length, fit.info.edges);
    assert.equal(knn.k, 15);
    for (let i = 0; i < 240; i++) {
      assert.equal(knn.indices[i * 15], i, 'self first');
      for (let e2 = g.indptr[i]; e2 < g.indptr[i + 1]; e2++) {
        const j = g.indices[e2];
        assert.ok(j !== i && g.weights[e2] > 0 && g.weights[e2] <= 1);
        if (e2 > g.indptr[i]) assert.ok(j > g.indices[e2 - 1], 'columns ascending');
        assert.equal(weight(g, j, i), g.weights[e2], 'symmetric');
      }
    }
    // the graph alone from the same kNN is the same graph
    const alone = umapGraphWith(e, knn, { nEpochs: 40 });
    assert.deepEqual(alone, g);
    // a fit from the fit's own kNN gives the same bytes as computing it
    fit.runEpochs(40);
    const again = await runUmapWith(e, x, { seed: 2, nEpochs: 40, metric: 'euclidean' }, { knn });
    assert.deepEqual(again.embedding.data, fit.embedding().data);
  } finally {
    fit.dispose();
  }
});

test('the graph for a smaller n_neighbors from a larger exact kNN equals that fit\'s graph', async () => {
  const e = await engine();
  const x = blobs(300, 5, 4);
  const wide = knnSearchWith(e, x, { k: 30, metric: 'cosine', method: 'exact' });
  for (const nNeighbors of [5, 10, 30]) {
    const fit = createUmapWith(e, x, { nNeighbors, nEpochs: 100 });
    try {
      assert.deepEqual(umapGraphWith(e, wide, { nNeighbors, nEpochs: 100 }), fit.graph(), `n_neighbors ${nNeighbors}`);
    } finally {
      fit.dispose();
    }
  }
});

test('bad kNNs are rejected with a clear message; nothing leaks', async () => {
  const e = await engine();
  const x = blobs(40, 3, 5);
  const knn = knnSearchWith(e, x, { k: 15, metric: 'euclidean' });
  const heap = e.heapSize();
  assert.throws(() => umapGraphWith(e, knn, { nNeighbors: 20 }), /the kNN has 15 neighbours per row, n_neighbors needs 20/);
  const bad = { ...knn, indices: knn.indices.slice() };
  bad.indices[7] = 40;
  assert.throws(() => createUmapWith(e, x, {}, { knn: bad }), /kNN row 0: index 40 is not a row of the input/);
  const unsorted = { ...knn, distances: knn.distances.slice() };
  unsorted.distances[20] = 1e9;
  assert.throws(() => umapGraphWith(e, unsorted), /kNN row 1: distances are not ascending/);
  assert.throws(() => createUmapWith(e, x, {}, { knn: { ...knn, k: 14 } }), /a kNN must be/);
  for (let i = 0; i < 3; i++) { umapGraphWith(e, knn); createUmapWith(e, x, { nEpochs: 5 }, { knn }).dispose(); }
  assert.equal(e.heapSize(), heap);
  const one = createUmapWith(e, { data: new Float32Array([1, 2]), n: 1, dim: 2 });
  assert.equal(one.graph().indices.length, 0);
  assert.throws(() => one.knn(), /one point has no neighbour list/);
  one.dispose();
  assert.throws(() => one.graph(), /disposed/);
});
