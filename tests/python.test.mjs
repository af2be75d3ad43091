// The Python script a map comes with (web/lib/python.js: the page's export and `embedscape map
// --python`) rebuilds the map: it is run end to end with Debian's umap-learn on the saved vectors of a
// map of planted clusters (6 blobs in 32 dimensions), and its clusters are compared with the map's.
//
// What is checked, and what is not: the Python hdbscan library is not installed here (and cannot be),
// so tests/python/hdbscan.py stands in for it: it clusters with embedscape's HDBSCAN (whose labels
// equal the library's: tests/hdbscan.test.mjs) and records the parameters the script passes, which
// must be the map's (a parameter it does not know fails). The layout is umap-learn's own, so the
// clusters can only agree as far as two UMAP layouts of the same data do: on planted clusters both
// must find them (adjusted Rand index >= 0.9 to each other and to the truth). The embedding step
// (sentence-transformers) is not run: it is not installed either, and embedscape's vectors are
// checked against PyTorch elsewhere (tests/bert.test.mjs).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, CLI } from './helpers.mjs';
import { rng } from './lib/random-bert.mjs';
import { adjustedRand } from './lib/labels.mjs';
import { createSession, createMapFile, pythonScript, formatNpy, getDefaultPool } from '../web/embedscape.node.js';

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'embedscape-python-'));
after(() => { getDefaultPool().dispose(); rmSync(work, { recursive: true, force: true }); });

/** Debian's python3 with umap-learn, or null after skipping (a failure under CI). */
function needUmapLearn(t) {
  let why = null;
  if (!existsSync(PYTHON)) why = `${PYTHON} is not installed`;
  else {
    try { execFileSync(PYTHON, ['-c', 'import umap, sklearn'], { stdio: 'pipe' }); } catch { why = `${PYTHON} has no umap-learn (Debian: apt-get install umap-learn)`; }
  }
  if (!why) return true;
  if (process.env.CI) throw new Error(why);
  t.skip(why);
  console.log(`# SKIPPED: ${why}`);
  return false;
}

/** n points in `blobs` clusters of unit vectors in `dim` dimensions: {data, truth}. */
function plantedBlobs(blobs, per, dim, seed) {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const n = blobs * per, data = new Float32Array(n * dim), truth = new Int32Array(n);
  for (let b = 0; b < blobs; b++) {
    const c = Array.from({ length: dim }, gauss);
    for (let p = 0; p < per; p++) {
      const i = b * per + p;
      truth[i] = b;
      let s = 0;
      for (let j = 0; j < dim; j++) { const v = c[j] + 0.35 * gauss(); data[i * dim + j] = v; s += v * v; }
      for (let j = 0; j < dim; j++) data[i * dim + j] /= Math.sqrt(s);
    }
  }
  return { data, n, dim, truth };
}

test('the map\'s Python script rebuilds its clusters with umap-learn (and the hdbscan stand-in)', { timeout: 300_000 }, async (t) => {
  if (!needUmapLearn(t)) return;
  const blobs = plantedBlobs(6, 40, 32, 11);
  const texts = Array.from(blobs.truth, (b, i) => `text ${i} of group ${b}`);
  const UMAP = { nNeighbors: 15, minDist: 0.1, metric: 'cosine', seed: 42 };
  const HDBSCAN = { minClusterSize: 10, minSamples: 10, method: 'eom' };

  // the map, as `embedscape map` makes it (here from given vectors)
  const session = await createSession();
  session.setTexts(texts);
  session.setVectors(blobs);
  session.setOptions({ umap: UMAP, hdbscan: HDBSCAN });
  const r = await session.run();
  await session.dispose();
  const map = createMapFile({
    texts, xy: r.xy, labels: r.labels, probabilities: r.probabilities, clusters: r.clusters, model: 'all-MiniLM-L6-v2',
    params: { umap: { n_neighbors: 15, min_dist: 0.1, metric: 'cosine', seed: 42 }, hdbscan: { min_cluster_size: 10, min_samples: 10, method: 'eom' } },
    vectors: blobs,
  });
  const files = { map: path.join(work, 'blobs.map.json'), script: path.join(work, 'rebuild_map.py'), npy: path.join(work, 'blobs.npy'), csv: path.join(work, 'blobs.python.csv'), calls: path.join(work, 'calls.jsonl') };
  writeFileSync(files.map, JSON.stringify(map));
  writeFileSync(files.script, pythonScript(map, { mapFile: 'blobs.map.json' }));
  writeFileSync(files.npy, formatNpy(blobs.data, [blobs.n, blobs.dim]));

  // the script's parameters, read by Python itself (importing it runs nothing)
  const { stdout: head } = await run(PYTHON, ['-c', [
    'import importlib.util, json, sys',
    'spec = importlib.util.spec_from_file_location("rebuild_map", sys.argv[1])',
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    'print(json.dumps({"model": m.MODEL, "umap": m.UMAP_PARAMS, "hdbscan": m.HDBSCAN_PARAMS}))',
  ].join('\n'), files.script]);
  assert.deepEqual(JSON.parse(head), {
    model: 'sentence-transformers/all-MiniLM-L6-v2',
    umap: { n_neighbors: 15, min_dist: 0.1, metric: 'cosine', n_components: 2, random_state: 42 },
    hdbscan: { min_cluster_size: 10, min_samples: 10, cluster_selection_method: 'eom' },
  });

  // the script end to end: umap-learn's layout of the saved vectors, clustered by the stand-in
  const t0 = performance.now();
  const { stdout } = await run(PYTHON, [files.script, files.map, '--vectors', files.npy, '--out', files.csv], {
    cwd: work,
    env: { ...process.env, PYTHONPATH: path.join(ROOT, 'tests', 'python'), EMBEDSCAPE_NODE: process.execPath, EMBEDSCAPE_CLI: CLI, HDBSCAN_CALLS: files.calls, NUMBA_CACHE_DIR: path.join(work, 'numba') },
    maxBuffer: 1 << 24,
  });
  const secs = (performance.now() - t0) / 1000;
  const calls = readFileSync(files.calls, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(calls, [{ kwargs: { min_cluster_size: 10, min_samples: 10, cluster_selection_method: 'eom' }, shape: [blobs.n, 2] }]);
  const rows = readFileSync(files.csv, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  assert.deepEqual(rows.map((c) => c[0]), texts, 'one CSV row per text, in order');
  const theirs = rows.map((c) => Number(c[3]));
  const xy = rows.map((c) => [Number(c[1]), Number(c[2])]);
  assert.ok(xy.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));

  const ours = Array.from(r.labels);
  const ari = adjustedRand(ours, theirs);
  const printed = Number(/adjusted Rand index against the map's clusters: ([\d.-]+)/.exec(stdout)?.[1]);
  assert.ok(Math.abs(printed - ari) < 0.0015, `the script printed ARI ${printed}, the test computes ${ari}`);
  const truthOurs = adjustedRand(ours, blobs.truth), truthTheirs = adjustedRand(theirs, blobs.truth);
  t.diagnostic(`python script (umap-learn + embedscape HDBSCAN as stand-in) ${secs.toFixed(1)} s; ARI script vs map ${ari.toFixed(3)}, map vs truth ${truthOurs.toFixed(3)}, script vs truth ${truthTheirs.toFixed(3)}; clusters ${r.nClusters} / ${new Set(theirs.filter((l) => l >= 0)).size}`);
  assert.ok(truthOurs >= 0.9, `the map finds the planted clusters (ARI ${truthOurs})`);
  assert.ok(truthTheirs >= 0.9, `the script finds the planted clusters (ARI ${truthTheirs})`);
  assert.ok(ari >= 0.9, `the script's clusters agree with the map's (ARI ${ari})`);
});
