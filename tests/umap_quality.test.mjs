// UMAP quality against umap-learn on the shared fixtures: trustworthiness@15 and kNN recall@15 of
// our 2-D map, averaged over seeds 0, 1, 2, must be no more than 0.01 below umap-learn's on the same
// data and parameters (n_neighbors 15, min_dist 0.1, 2-D, the dataset's metric).
//
// umap-learn's figures (Debian's umap-learn 0.5.3, python3-sklearn 1.2.1) were recorded with
//   /usr/bin/python3 umap_ref.py ../shared/fixtures/datasets
// where umap_ref.py does, for each dataset and seed in 0, 1, 2:
//   Y = umap.UMAP(n_neighbors=15, min_dist=0.1, n_components=2, metric=metric, random_state=seed).fit_transform(X)
//   trust = sklearn.manifold.trustworthiness(X, Y, n_neighbors=15, metric=metric)
//   a = NearestNeighbors(n_neighbors=16, metric=metric, algorithm='brute').fit(X).kneighbors(X, return_distance=False)[:, 1:]
//   b = NearestNeighbors(n_neighbors=16).fit(Y).kneighbors(Y, return_distance=False)[:, 1:]
//   recall = mean over i of |set(a[i]) & set(b[i])| / 15
// output:
//   digits 0 trust=0.9878 recall=0.5315 / 1 trust=0.9879 recall=0.5245 / 2 trust=0.9866 recall=0.5321
//   blobs384_n2000_k10 0 trust=0.9878 recall=0.3356 / 1 trust=0.9877 recall=0.3365 / 2 trust=0.9878 recall=0.3392
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { needShared } from './helpers.mjs';
import { highDimTable, embeddingQuality, loadDataset } from './umap_metrics.mjs';
import { createEngine, runUmapWith } from '../web/worker/index.js';

const UMAP_LEARN = {
  digits: { trustworthiness: (0.9878 + 0.9879 + 0.9866) / 3, recall: (0.5315 + 0.5245 + 0.5321) / 3 },
  blobs384_n2000_k10: { trustworthiness: (0.9878 + 0.9877 + 0.9878) / 3, recall: (0.3356 + 0.3365 + 0.3392) / 3 },
};

let enginePromise;
const engine = () => (enginePromise ??= createEngine());

for (const name of Object.keys(UMAP_LEARN)) {
  test(`UMAP quality on ${name} is within 0.01 of umap-learn (3 seeds)`, async (t) => {
    const f = loadDataset(t, name);
    if (!f) return;
    const meta = { n: f.x.n, d: f.x.dim, metric: f.metric };
    const data = f.x.data;
    const table = highDimTable(data, meta.n, meta.d, meta.metric, 15);
    const e = await engine();
    let tw = 0;
    let rc = 0;
    for (const seed of [0, 1, 2]) {
      const { embedding } = await runUmapWith(e, { data, n: meta.n, dim: meta.d }, { metric: meta.metric, seed, nNeighbors: 15, minDist: 0.1 });
      const q = embeddingQuality(table, embedding.data, 2);
      console.log(`${name} seed ${seed}: trustworthiness ${q.trustworthiness.toFixed(4)}, recall@15 ${q.recall.toFixed(4)}`);
      tw += q.trustworthiness / 3;
      rc += q.recall / 3;
    }
    const ref = UMAP_LEARN[name];
    console.log(`${name} mean: trustworthiness ${tw.toFixed(4)} (umap-learn ${ref.trustworthiness.toFixed(4)}), recall@15 ${rc.toFixed(4)} (umap-learn ${ref.recall.toFixed(4)})`);
    assert.ok(tw >= ref.trustworthiness - 0.01, `trustworthiness ${tw} is more than 0.01 below umap-learn's ${ref.trustworthiness}`);
    assert.ok(rc >= ref.recall - 0.01, `recall@15 ${rc} is more than 0.01 below umap-learn's ${ref.recall}`);
  });
}
