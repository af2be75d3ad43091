// The min_samples slider path: neighbours computed once for the largest min_samples, then a tree per
// min_samples from them (hdbscanNeighbors, hdbscanPrepareFromNeighbors). Every tree must be the one
// hdbscanPrepare builds from the points — same core distances, condensed tree, labels, probabilities
// and GLOSH — and so the Python library's on its goldens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  createEngine,
  hdbscanPrepare, hdbscanSelect, hdbscanFree, hdbscanNeighbors, hdbscanNeighborsFree, hdbscanPrepareFromNeighbors, hdbscanBytes,
} from '../web/worker/index.js';
import { needShared } from './helpers.mjs';
import { blobs } from './hdbscan_data.mjs';

const engine = await createEngine();

function same(a, b, what) {
  assert.deepEqual(a.coreDistances, b.coreDistances, `${what}: core distances`);
  assert.deepEqual(a.labels, b.labels, `${what}: labels`);
  assert.deepEqual(a.probabilities64, b.probabilities64, `${what}: probabilities`);
  assert.deepEqual(a.outlierScores64, b.outlierScores64, `${what}: GLOSH`);
  assert.deepEqual(a.condensedTree, b.condensedTree, `${what}: condensed tree`);
  assert.equal(a.algorithm, b.algorithm, `${what}: algorithm`);
}

test('a tree from kept neighbours is the tree from the points, for every min_samples up to kMax', () => {
  const pts = blobs(41, 2500, 2);
  for (let i = 0; i < 300; i++) pts.data.copyWithin(2 * (2000 + i), 2 * (i % 40), 2 * (i % 40) + 2); // copies
  const nb = hdbscanNeighbors(engine, pts, { kMax: 40 });
  try {
    assert.equal(nb.n, 2500);
    assert.ok(nb.nDistinct < 2500 && nb.nDistinct >= 2200, `distinct ${nb.nDistinct}`);
    assert.ok(nb.bytes > nb.nDistinct * 40 * 4, `neighbours hold ${nb.bytes} bytes`);
    for (const minSamples of [1, 2, 5, 13, 40]) {
      for (const algorithm of ['auto', 'prims', 'boruvka_kdtree']) {
        const a = hdbscanPrepareFromNeighbors(engine, nb, { minSamples, algorithm });
        const b = hdbscanPrepare(engine, pts, { minSamples, algorithm });
        try {
          for (const sel of [{ minClusterSize: 5 }, { minClusterSize: 25, method: 'leaf' }, { minClusterSize: 10, clusterSelectionEpsilon: 0.5 }]) {
            same(hdbscanSelect(engine, a, { ...sel, condensedTree: true }), hdbscanSelect(engine, b, { ...sel, condensedTree: true }),
              `min_samples ${minSamples} ${algorithm} ${JSON.stringify(sel)}`);
          }
          assert.ok(a.bytes >= 2500 * 28 && hdbscanBytes(engine, a) > a.bytes, 'memory per tree');
        } finally {
          hdbscanFree(engine, a);
          hdbscanFree(engine, b);
        }
      }
    }
  } finally {
    hdbscanNeighborsFree(engine, nb);
  }
});

test('goldens: trees from one set of neighbours give the Python library\'s labels for each min_samples', async (t) => {
  const dir = needShared(t, 'fixtures', 'datasets');
  if (!dir) return;
  let checked = 0;
  for (const name of ['moons_blobs_noise_2d', 'digits_umap2d', 'mixed_2d_n50000']) {
    const meta = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    const buf = readFileSync(path.join(dir, `${name}.f32`));
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const goldens = readdirSync(dir).filter((f) => f.startsWith(`${name}.hdbscan_`)).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
    const kMax = Math.max(...goldens.map((g) => g.params.min_samples));
    const nb = hdbscanNeighbors(engine, { data, n: meta.n, dim: meta.d }, { kMax });
    try {
      for (const g of goldens) {
        const h = hdbscanPrepareFromNeighbors(engine, nb, { minSamples: g.params.min_samples });
        try {
          const r = hdbscanSelect(engine, h, { minClusterSize: g.params.min_cluster_size, method: g.params.cluster_selection_method });
          assert.ok(r.labels.every((l, i) => l === g.labels[i]), `${name} ${JSON.stringify(g.params)}: labels differ from the library's`);
          checked++;
        } finally {
          hdbscanFree(engine, h);
        }
      }
    } finally {
      hdbscanNeighborsFree(engine, nb);
    }
  }
  assert.ok(checked >= 14, `only ${checked} goldens`);
});

test('slider path: bad arguments are clear errors; trees outlive their neighbours; the heap does not grow', () => {
  const pts = blobs(42, 800, 2);
  const nb = hdbscanNeighbors(engine, pts, { kMax: 10 });
  assert.throws(() => hdbscanPrepareFromNeighbors(engine, nb, { minSamples: 11 }), /min_samples 11 is larger than the 10 neighbours computed/);
  assert.throws(() => hdbscanPrepareFromNeighbors(engine, nb, { minSamples: 0 }), /minSamples must be a whole number >= 1/);
  assert.throws(() => hdbscanPrepareFromNeighbors(engine, nb, { minSamples: 3, algorithm: 'fast' }), /unknown algorithm/);
  assert.throws(() => hdbscanNeighbors(engine, pts, { kMax: 0 }), /kMax must be a whole number >= 1/);
  const bad = { data: pts.data.slice(), n: pts.n, dim: 2 };
  bad.data[9] = NaN;
  assert.throws(() => hdbscanNeighbors(engine, bad, { kMax: 5 }), /NaN value at row 4, column 1/);
  const h = hdbscanPrepareFromNeighbors(engine, nb, { minSamples: 10 });
  hdbscanNeighborsFree(engine, nb);
  assert.throws(() => hdbscanPrepareFromNeighbors(engine, nb, { minSamples: 3 }), /neighbours were freed/);
  const after = hdbscanSelect(engine, h, { minClusterSize: 10 });
  const direct = hdbscanPrepare(engine, pts, { minSamples: 10 });
  assert.deepEqual(after.labels, hdbscanSelect(engine, direct, { minClusterSize: 10 }).labels);
  hdbscanFree(engine, h);
  hdbscanFree(engine, direct);
  const before = engine.heapSize();
  for (let i = 0; i < 4; i++) {
    const n2 = hdbscanNeighbors(engine, pts, { kMax: 20 });
    for (const minSamples of [3, 20]) hdbscanFree(engine, hdbscanPrepareFromNeighbors(engine, n2, { minSamples }));
    hdbscanNeighborsFree(engine, n2);
  }
  assert.equal(engine.heapSize(), before);
});
