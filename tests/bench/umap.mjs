// npm run bench -- umap [--sizes=2000,10000,50000] [--umap-js-max=N] [--no-python] [--runs=N] [--workers=N]
// Wall time of a whole UMAP fit (kNN graph + layout) of n points of 384-d unit-norm "sentence-like"
// blobs for embedscape on ONE thread (wasm SIMD, in-process engine, as runUmapWith runs it) and with
// its kNN search shared by --workers (default 2) pool workers (umap-parallel.js, what umap() does;
// warmed up first), next to umap-js (npm) and umap-learn (Debian's python3 + umap-learn,
// subprocess; skipped when absent or with --no-python), both one-threaded. Same parameters for all:
// n_neighbors 15, min_dist 0.1, 2-D, euclidean (= cosine ranking on unit rows), n_epochs 500 for
// n <= 10000 else 200. umap-learn runs with random_state set (its single-threaded mode); its numba
// compilation is timed separately by a small warm-up fit. umap-js at 50 000 points takes very long:
// --umap-js-max=N skips it above N points (default: no cap). Up to 10 000 points it also prints the
// trustworthiness and recall@15 of both embedscape maps (they are the same bytes: the worker count
// does not change the result). Prints the median of --runs (default 1) per size and the ratios.
// Never asserts on time.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createEngine, runUmapWith, knnSearchWith, similarityToWith } from '../../web/worker/index.js';
import { WorkerPool } from '../../web/embedscape.node.js';
import { umapParallel } from '../../web/lib/umap-parallel.js';
import { formatNpy } from '../../web/lib/io.js';

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

/** n unit-norm rows in dim dimensions around 25 random centres of different spreads. */
export function sentenceLikeBlobs(n, dim, seed = 1) {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 2 ** 32; };
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const c = 25;
  const centres = Array.from({ length: c }, () => Float64Array.from({ length: dim }, gauss));
  const spread = Array.from({ length: c }, () => 0.35 + 0.5 * u());
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(u() * c);
    let norm = 0;
    const row = new Float64Array(dim);
    for (let t = 0; t < dim; t++) { row[t] = centres[k][t] + spread[k] * gauss(); norm += row[t] * row[t]; }
    norm = Math.sqrt(norm);
    for (let t = 0; t < dim; t++) data[i * dim + t] = row[t] / norm;
  }
  return { data, n, dim };
}

const PY = `
import sys, time, numpy as np, warnings
warnings.filterwarnings('ignore')
t0 = time.time()
import umap
X = np.load(sys.argv[1]); n_epochs = int(sys.argv[2])
t1 = time.time()
# warm-up: compiles the numba code of both paths (exact kNN below 4096 points, pynndescent above)
umap.UMAP(n_neighbors=15, min_dist=0.1, n_components=2, metric='euclidean', random_state=42, n_epochs=200).fit_transform(X[:300])
umap.UMAP(n_neighbors=15, min_dist=0.1, n_components=2, metric='euclidean', random_state=42, n_epochs=200, force_approximation_algorithm=True).fit_transform(X[:300])
t2 = time.time()
umap.UMAP(n_neighbors=15, min_dist=0.1, n_components=2, metric='euclidean', random_state=42, n_epochs=n_epochs).fit_transform(X)
t3 = time.time()
print(f"{umap.__version__} {t1-t0:.3f} {t2-t1:.3f} {t3-t2:.3f}")
`;

/**
 * Trustworthiness (sklearn's definition) and recall@15 of map y (n, 2) of unit rows x, with the
 * engine's cosine rows (on unit rows the euclidean order), one row at a time: O(n) memory.
 */
export function mapQuality(engine, x, y, k = 15) {
  const { n, dim } = x;
  const low = knnSearchWith(engine, y, { k: k + 1, metric: 'euclidean', method: 'exact' });
  const xp = engine.copyIn(x.data);
  const out = engine.malloc(4 * n);
  let t = 0;
  let hits = 0;
  try {
    for (let i = 0; i < n; i++) {
      engine.call('es_similarity_to', xp, n, dim, xp + 4 * i * dim, out);
      const s = engine.f32.subarray(out >>> 2, (out >>> 2) + n);
      s[i] = -Infinity;
      // the k most similar rows of x (ties: lower index), by a bounded insertion
      const top = [];
      for (let j = 0; j < n; j++) {
        if (top.length === k && !(s[j] > s[top[k - 1]])) continue;
        let q = Math.min(top.length, k - 1);
        if (top.length < k) top.push(j); else top[q] = j;
        while (q > 0 && s[top[q - 1]] < s[j]) { top[q] = top[q - 1]; q--; }
        top[q] = j;
      }
      const high = new Set(top);
      for (let q = 1; q <= k; q++) {
        const j = low.indices[i * (k + 1) + q];
        if (high.has(j)) { hits++; continue; }
        let rank = 1;
        const sj = s[j];
        for (let l = 0; l < n; l++) if (s[l] > sj || (s[l] === sj && l < j)) rank++;
        if (rank > k) t += rank - k;
      }
    }
  } finally {
    engine.free(xp);
    engine.free(out);
  }
  return { trustworthiness: 1 - t * (2 / (n * k * (2 * n - 3 * k - 1))), recall: hits / (n * k) };
}

function runUmapLearn(file, nEpochs) {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return { skipped: 'no /usr/bin/python3' };
  const r = spawnSync(py, ['-c', PY, file, String(nEpochs)], { encoding: 'utf8', env: { ...process.env, NUMBA_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) return { skipped: (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}` };
  const [version, importS, warmS, fitS] = r.stdout.trim().split(/\s+/);
  return { version, import: +importS, warm: +warmS, fit: +fitS };
}

export default async function (flags) {
  const flag = (name, dflt) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
  const sizes = flag('sizes', '2000,10000,50000').split(',').map(Number);
  const ujsMax = Number(flag('umap-js-max', Infinity));
  const runs = Number(flag('runs', 1));
  const workers = Number(flag('workers', 2));
  const python = !flags.includes('--no-python');
  let UMAPjs = null;
  try { ({ UMAP: UMAPjs } = await import('umap-js')); } catch { console.log('umap-js is not installed: skipped'); }
  const engine = await createEngine();
  const pool = new WorkerPool({ size: workers });
  // warm-up: the workers' first calls run in V8's baseline tier until the optimised code is ready
  await umapParallel(pool, sentenceLikeBlobs(9000, 384, 1), { metric: 'euclidean', knn: 'approx', nEpochs: 3 });
  const dir = mkdtempSync(path.join(tmpdir(), 'es-bench-umap-'));
  console.log(`UMAP of n x 384 unit-norm blobs, n_neighbors 15, min_dist 0.1, 2-D; median of ${runs} run(s), seconds`);
  console.log(`      n  epochs  es 1 thread (knn)  es ${workers} workers  1t/${workers}w   umap-js   umap-learn (numba warm-up)   umap-js/es1  umap-learn/es1`);
  try {
    for (const n of sizes) {
      const x = sentenceLikeBlobs(n, 384, n);
      const nEpochs = n <= 10000 ? 500 : 200;
      const opts = { metric: 'euclidean', seed: 42, nEpochs };
      const es = [];
      const esw = [];
      let knn = '';
      let one;
      let many;
      for (let r = 0; r < runs; r++) {
        let t0 = performance.now();
        one = await runUmapWith(engine, x, opts);
        es.push((performance.now() - t0) / 1000);
        knn = one.info.knn;
        t0 = performance.now();
        many = await umapParallel(pool, x, opts);
        esw.push((performance.now() - t0) / 1000);
      }
      let ujs = null;
      if (UMAPjs && n <= ujsMax) {
        const rows = Array.from({ length: n }, (_, i) => Array.from(x.data.subarray(i * 384, (i + 1) * 384)));
        const t = [];
        for (let r = 0; r < runs; r++) {
          let s = 12345;
          const random = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32; };
          const t0 = performance.now();
          new UMAPjs({ nNeighbors: 15, minDist: 0.1, nComponents: 2, nEpochs, random }).fit(rows);
          t.push((performance.now() - t0) / 1000);
        }
        ujs = median(t);
      }
      let ul = null;
      if (python) {
        const f = path.join(dir, `x${n}.npy`);
        writeFileSync(f, formatNpy(x.data, [n, 384]));
        const t = [];
        let last;
        for (let r = 0; r < runs; r++) { last = runUmapLearn(f, nEpochs); if (last.skipped) break; t.push(last.fit); }
        ul = last.skipped ? last : { ...last, fit: median(t) };
      }
      const e = median(es);
      const ew = median(esw);
      // recall@15 of the kNN graph the fit used, on 200 sampled rows against brute force (unit rows:
      // the cosine order is the euclidean order)
      let knnRecall = '';
      if (knn === 'approx') {
        const g = knnSearchWith(engine, x, { k: 15, metric: 'euclidean', seed: 42 });
        let hit = 0;
        const sample = 200;
        for (let q = 0; q < sample; q++) {
          const i = Math.floor((q + 0.5) * n / sample);
          const s = similarityToWith(engine, x, i);
          s[i] = -Infinity;
          const best = new Set(Array.from(s.keys()).sort((a, b) => s[b] - s[a] || a - b).slice(0, 14));
          best.add(i);
          for (let j = 0; j < 15; j++) if (best.has(g.indices[i * 15 + j])) hit++;
        }
        knnRecall = ` recall@15 ${(hit / (sample * 15)).toFixed(3)}`;
      }
      const f2 = (v) => (v == null ? '-' : v.toFixed(2));
      const ulCol = !ul ? '-' : ul.skipped ? 'skipped' : `${f2(ul.fit)} (${f2(ul.warm)})`;
      const ujsCol = ujs != null ? f2(ujs) : (UMAPjs ? `skipped (> --umap-js-max=${ujsMax})` : 'n/a');
      console.log(`${String(n).padStart(7)}  ${String(nEpochs).padStart(6)}  ${f2(e).padStart(11)} (${knn})  ${f2(ew).padStart(12)}  ${(e / ew).toFixed(2).padStart(6)}x  ${ujsCol.padStart(8)}   ${ulCol.padStart(26)}   ${ujs != null ? (ujs / e).toFixed(1) + 'x' : '-'}`.padEnd(120) + `  ${ul && !ul.skipped ? (ul.fit / e).toFixed(1) + 'x' : '-'}`);
      const sameBytes = Buffer.compare(Buffer.from(one.embedding.data.buffer), Buffer.from(many.embedding.data.buffer)) === 0;
      console.log(`        1 thread and ${workers} workers: ${sameBytes ? 'the same bytes' : 'DIFFERENT bytes (a bug)'}`);
      if (n <= 10000) {
        const q = mapQuality(engine, x, one.embedding);
        console.log(`        map quality: trustworthiness@15 ${q.trustworthiness.toFixed(4)}, recall@15 ${q.recall.toFixed(4)}`);
      }
      if (knnRecall) console.log(`        embedscape NN-descent${knnRecall} (200 sampled rows vs brute force)`);
      if (ul?.skipped) console.log(`        umap-learn skipped: ${ul.skipped}`);
      if (ul?.version) console.log(`        (umap-learn ${ul.version}, import ${ul.import.toFixed(1)} s)`);
    }
  } finally {
    pool.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
