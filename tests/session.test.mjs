// session.test.mjs — the pipeline session (web/lib/session.js, web/worker/session.js) and its one rule
// for "what reruns" (web/lib/pipeline.js):
//   - the invalidation table: for each change, exactly the stages that read it (and those after) rerun;
//   - a session's results are the standalone stages' results (same options, same bytes);
//   - min_cluster_size / min_samples changes reuse the spanning tree kept per min_samples;
//   - a newer run replaces an older one; a cancelled run keeps the stages it finished;
//   - questions (similar texts, vectors, snapshots) are answered where the vectors are.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createSession, WorkerPool, umap, hdbscan, clusterKeywords, loadModel } from '../web/embedscape.node.js';
import { plan, stageKeys, SESSION_DEFAULTS } from '../web/internals.js';
import { needShared } from './helpers.mjs';

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 2 ** 32; };
}

/** k groups of m unit vectors in dim dimensions (a planted structure), rows in group order. */
function groups(k, m, dim, seed = 1, spread = 0.15) {
  const u = rng(seed);
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const data = new Float32Array(k * m * dim);
  for (let c = 0; c < k; c++) {
    const centre = Array.from({ length: dim }, g);
    for (let j = 0; j < m; j++) {
      const row = (c * m + j) * dim;
      let norm = 0;
      for (let d = 0; d < dim; d++) { data[row + d] = centre[d] + spread * g(); norm += data[row + d] ** 2; }
      for (let d = 0; d < dim; d++) data[row + d] /= Math.sqrt(norm);
    }
  }
  return { data, n: k * m, dim };
}

const state = (over = {}) => ({
  texts: 1, vectors: 'm1', layoutGiven: 0, clusterOn: 'layout',
  umap: { ...SESSION_DEFAULTS.umap }, hdbscan: { ...SESSION_DEFAULTS.hdbscan }, keywords: { ...SESSION_DEFAULTS.keywords },
  ...over,
});
const allDone = (s) => stageKeys(s);

test('invalidation: each change reruns exactly the stages that read it, and the ones after', () => {
  const base = state();
  const done = allDone(base);
  assert.deepEqual(plan(base, {}), ['vectors', 'layout', 'tree', 'labels', 'keywords'], 'a fresh session runs everything');
  assert.deepEqual(plan(base, done), [], 'nothing changed, nothing runs');
  const cases = [
    ['new texts', { texts: 2 }, ['vectors', 'layout', 'tree', 'labels', 'keywords']],
    ['another model', { vectors: 'm2' }, ['vectors', 'layout', 'tree', 'labels', 'keywords']],
    ['n_neighbors', { umap: { ...base.umap, nNeighbors: 30 } }, ['layout', 'tree', 'labels', 'keywords']],
    ['min_dist', { umap: { ...base.umap, minDist: 0.5 } }, ['layout', 'tree', 'labels', 'keywords']],
    ['seed', { umap: { ...base.umap, seed: 7 } }, ['layout', 'tree', 'labels', 'keywords']],
    // min_samples follows min_cluster_size by default: a min_cluster_size change is a min_samples change
    ['min_cluster_size, min_samples following it', { hdbscan: { ...base.hdbscan, minClusterSize: 9 } }, ['tree', 'labels', 'keywords']],
    ['min_cluster_size, min_samples fixed', { hdbscan: { ...base.hdbscan, minSamples: 5, minClusterSize: 9 } }, ['labels', 'keywords']],
    ['min_samples', { hdbscan: { ...base.hdbscan, minSamples: 3 } }, ['tree', 'labels', 'keywords']],
    ['method', { hdbscan: { ...base.hdbscan, method: 'leaf' } }, ['labels', 'keywords']],
    ['cluster_selection_epsilon', { hdbscan: { ...base.hdbscan, clusterSelectionEpsilon: 0.5 } }, ['labels', 'keywords']],
    ['keywords per cluster', { keywords: { topN: 3 } }, ['keywords']],
    ['cluster in meaning space', { clusterOn: 'layout5' }, ['layout5', 'tree', 'labels', 'keywords']],
  ];
  for (const [what, change, want] of cases) {
    // min_samples fixed at the value it had: the base's done keys describe minSamples 5 = minClusterSize 5
    assert.deepEqual(plan(state(change), done), want, what);
  }
  // back in meaning space after a map change: the 5-D layout does not read min_dist (fixed at 0)
  const meaning = state({ clusterOn: 'layout5' });
  const doneMeaning = allDone(meaning);
  assert.deepEqual(plan(state({ clusterOn: 'layout5', umap: { ...base.umap, minDist: 0.5 } }), doneMeaning), ['layout'], 'min_dist moves the map, not the clusters in meaning space');
  assert.deepEqual(plan(state({ clusterOn: 'layout5', umap: { ...base.umap, nNeighbors: 5 } }), doneMeaning), ['layout', 'layout5', 'tree', 'labels', 'keywords']);
  // a saved map: no vectors, the layout is given
  const saved = state({ layoutGiven: 1, vectors: null });
  assert.deepEqual(plan(saved, {}), ['layout', 'tree', 'labels', 'keywords']);
  assert.deepEqual(plan(state({ layoutGiven: 1, vectors: null, umap: { ...base.umap, minDist: 0.9 } }), allDone(saved)), [], 'UMAP options do not touch a given layout');
  // until
  assert.deepEqual(plan(base, {}, 'vectors'), ['vectors']);
});

test('a session computes what the stages compute on their own, keeps the data in its worker, and reruns only what changed', async (t) => {
  const pool = new WorkerPool({ size: 2 });
  t.after(() => pool.dispose());
  const x = groups(4, 40, 24, 3);
  const texts = Array.from({ length: x.n }, (_, i) => `${['tea kettle', 'rain cloud', 'chess board', 'bike wheel'][Math.floor(i / 40)]} note ${i}`);
  const s = await createSession({ pool });
  s.setTexts(texts);
  s.setVectors(x);
  const umapOpts = { nNeighbors: 10, minDist: 0.1, seed: 3 };
  s.setOptions({ umap: umapOpts, hdbscan: { minClusterSize: 8 } });
  const stages = [];
  const r = await s.run({ onProgress: (p) => { if (p.status === 'stage') stages.push(p.stage); } });
  assert.deepEqual(stages, ['vectors', 'layout', 'tree', 'labels', 'keywords']);
  assert.deepEqual(r.ran, stages);

  // the same numbers as the standalone stages
  const xy = await umap(x, { ...umapOpts, pool });
  assert.deepEqual(r.xy.data, xy.data, 'layout = umap()');
  const h = await hdbscan(xy, { minClusterSize: 8, pool });
  assert.deepEqual(r.labels, h.labels, 'labels = hdbscan()');
  assert.deepEqual(r.probabilities, h.probabilities);
  assert.equal(r.nClusters, 4, 'the four planted groups');
  const kw = clusterKeywords(texts, h.labels, { topN: 10 });
  assert.deepEqual(r.clusters, kw, 'keywords = clusterKeywords()');
  assert.ok(r.condensedTree.lambda.length > 0, 'the condensed tree comes with the labels');

  // questions answered in the worker
  const near = await s.similar(0, 5);
  assert.equal(near.length, 5);
  assert.ok(near.every((e) => e.index !== 0 && e.index < 40), 'text 0 is nearest its own group');
  assert.deepEqual(Array.from(await s.vector(7)), Array.from(x.data.subarray(7 * 24, 8 * 24)));
  const pw = await s.pairwise([0, 1, 40]);
  assert.ok(Math.abs(pw[0] - 1) < 1e-5 && pw[1] > pw[2], 'same group more similar than another');
  const first = await s.snapshot(0), last = await s.snapshot(1e9);
  assert.equal(first.epoch, 0);
  assert.deepEqual(last.data, r.xy.data, 'the last snapshot is the final layout');
  assert.ok(r.snapshotEpochs.includes(0) && r.snapshotEpochs.includes(r.layoutInfo.nEpochs));

  // a min_cluster_size change with min_samples following: a new tree; going back reuses the first tree
  s.setOptions({ hdbscan: { minClusterSize: 12 } });
  assert.deepEqual(s.plan(), ['tree', 'labels', 'keywords']);
  const r2 = await s.run();
  assert.equal(r2.tree.reused, false);
  assert.ok([...new Set(r2.labels)].filter((l) => l >= 0).every((l) => r2.labels.filter((v) => v === l).length >= 12));
  s.setOptions({ hdbscan: { minClusterSize: 8 } });
  const r3 = await s.run();
  assert.equal(r3.tree.reused, true, 'the tree of min_samples 8 was kept');
  assert.deepEqual(r3.labels, h.labels);
  // min_samples fixed: a min_cluster_size change only re-cuts the tree
  s.setOptions({ hdbscan: { minSamples: 8, minClusterSize: 20 } });
  assert.deepEqual(s.plan(), ['labels', 'keywords']);
  await s.run();
  assert.deepEqual(s.result.ran, ['labels', 'keywords']);
  // a layout change keeps the vectors
  s.setOptions({ umap: { minDist: 0.4 } });
  assert.deepEqual(s.plan(), ['layout', 'tree', 'labels', 'keywords']);
  await s.run();
  assert.notDeepEqual(s.result.xy.data, r.xy.data);
  // clustering in meaning space (a 5-D UMAP of the vectors): the four groups again
  s.setOptions({ clusterOn: 'layout5', hdbscan: { minSamples: undefined, minClusterSize: 8 } });
  assert.deepEqual(s.plan(), ['layout5', 'tree', 'labels', 'keywords']);
  const r5 = await s.run();
  assert.equal(r5.clusterSpace, 'layout5');
  assert.equal(r5.nClusters, 4);
  await s.dispose();
  await assert.rejects(s.run(), /disposed/);
});

test('a newer run replaces an older one; a cancelled run keeps what it finished', async (t) => {
  const pool = new WorkerPool({ size: 1 });
  t.after(() => pool.dispose());
  const x = groups(3, 60, 16, 5);
  const s = await createSession({ pool });
  s.setTexts(Array.from({ length: x.n }, (_, i) => `t${i}`));
  s.setVectors(x);
  s.setOptions({ umap: { nEpochs: 400, seed: 1 } });
  const ac = new AbortController();
  const first = s.run({ signal: ac.signal, onProgress: (p) => { if (p.status === 'layout' && p.done === 5) ac.abort(); } });
  await assert.rejects(first, (e) => e.name === 'AbortError');
  assert.deepEqual(s.plan(), ['layout', 'tree', 'labels', 'keywords'], 'the vectors stage finished and is kept');
  // two runs in a row: the first is replaced by the second, which answers for the last options
  s.setOptions({ umap: { nEpochs: 50 } });
  const a = s.run();
  s.setOptions({ hdbscan: { minClusterSize: 10 } });
  const b = s.run();
  const [ra, rb] = await Promise.allSettled([a, b]);
  assert.equal(rb.status, 'fulfilled', String(rb.reason));
  if (ra.status === 'rejected') assert.equal(ra.reason.name, 'AbortError');
  assert.deepEqual(s.plan(), [], 'the result is up to date with the last options');
  assert.equal(rb.value.nClusters, 3);
  // a signal's reason is what a cancelled run rejects with
  const why = new Error('the user left');
  const ac2 = new AbortController();
  s.setOptions({ umap: { seed: 9 } });
  const p = s.run({ signal: ac2.signal });
  ac2.abort(why);
  await assert.rejects(p, (e) => e === why);
  await s.dispose();
});

test('with a model: the session embeds its texts over every worker, the same vectors as model.embed', async (t) => {
  const dir = needShared(t, 'fixtures', 'bert-tiny');
  if (!dir) return;
  const pool = new WorkerPool({ size: 2 });
  t.after(() => pool.dispose());
  const model = await loadModel(dir, { pool });
  const texts = Array.from({ length: 90 }, (_, i) => `${['the sun is shining', 'bring an umbrella', 'chess openings'][i % 3]} ${i}`);
  const s = await createSession({ model });
  s.setTexts(texts);
  const progress = [];
  await s.run({ until: 'vectors', onProgress: (p) => { if (p.status === 'embed') progress.push(p.done); } });
  assert.equal(progress.at(-1), texts.length);
  const direct = await model.embed(texts);
  for (const i of [0, 44, 45, 89]) assert.deepEqual(Array.from(await s.vector(i)), Array.from(direct.data.subarray(i * 32, (i + 1) * 32)), `text ${i}`);
  // a sentence of one's own against every text, where the vectors are
  const q = await model.embed('the sun is shining');
  const near = await s.similar(q.data, 3);
  assert.ok(near.every((e) => e.index % 3 === 0), JSON.stringify(near));
  await s.dispose();
  await model.dispose();
});

test('a worker that dies loses nothing else: its tasks fail with a clear message, the model and the session load again', async (t) => {
  const dir = needShared(t, 'fixtures', 'bert-tiny');
  if (!dir) return;
  const pool = new WorkerPool({ size: 2 });
  t.after(() => pool.dispose());
  const model = await loadModel(dir, { pool });
  const texts = Array.from({ length: 60 }, (_, i) => `${['rain again today', 'chess openings', 'tea and biscuits'][i % 3]} ${i % 7}`);
  const s = await createSession({ model });
  s.setTexts(texts);
  s.setOptions({ umap: { nEpochs: 3000, nNeighbors: 5 } });
  const before = await s.run({ until: 'vectors' }).then(() => s.vector(5));
  // the session's worker dies during the layout
  const running = s.run({ onProgress: (p) => { if (p.status === 'layout' && p.done === 10) pool.kill(s.home); } });
  await assert.rejects(running, (e) => e.name === 'EmbedscapeError' && /worker \d \(.*\) stopped: it was stopped\. It will be restarted/.test(e.message));
  // everything is computed again on the next run, in a fresh worker: the same vectors
  assert.deepEqual(s.plan(), ['vectors', 'layout', 'tree', 'labels', 'keywords']);
  s.setOptions({ umap: { nEpochs: 50 } });
  const r = await s.run();
  assert.equal(r.labels.length, 60);
  assert.deepEqual(await s.vector(5), before, 'the model was loaded again into the new worker: same vector');
  // the other worker's model is untouched; embedding over both workers still works
  assert.equal((await model.embed(texts)).n, 60);
  const stats = await pool.stats();
  assert.equal(stats.length, 2);
  assert.ok(stats.every((w) => w.heapBytes > 0 && w.simd));
  await s.dispose();
  await model.dispose();
});
