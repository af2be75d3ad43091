// npm run bench -- hdbscan [--sizes=2000,10000,50000,200000] [--repeat=3] [--ts-max=2000] [--r-max=10000]
//                          [--dup-sizes=200000] [--dup-peer=20000] [--slider-n=50000] [--k-max=100]
//                          [--no-dups] [--no-slider]
//
// HDBSCAN on 2-D points (8 Gaussian blobs of different spreads + 8 % uniform noise, fixed seed), one
// thread, in the same run as its peers:
//   embedscape   this engine in-process (WebAssembly SIMD): spanning tree + selection; and the slider
//                path alone (re-selection on the kept tree)
//   hdbscan-ts   the npm package (pure TypeScript); it grows far faster than n^2, so it runs only up
//                to --ts-max points and is reported as skipped above
//   R dbscan     dbscan::hdbscan via Rscript (Debian r-cran-dbscan), timed inside R with
//                system.time (R's start-up and file reading excluded); it builds the full n x n
//                distance matrix, so it runs only up to --r-max points (memory)
// Parameters: min_cluster_size 15, min_samples 15 (R: minPts 16, which counts the point itself).
// Medians of --repeat runs (peers slower than 20 s run once). Nothing is asserted.
//
// Duplicates (--dup-sizes=200000, --dup-peer=20000, --no-dups to skip): the same generator with exact
// copies — every row identical; half the rows copies of random rows of the other half; half the rows
// copies of ten rows; a quarter distinct, each four times — through the default path (copies
// collapsed), and as the peer the all-pairs path
// (algorithm 'prims', the library's O(n^2) Prim, which every path cost on copies before they were
// collapsed) at --dup-peer rows, with the labels of the two compared.
//
// The min_samples slider (--slider-n=50000, --k-max=100, --no-slider to skip): neighbours computed
// once for the largest min_samples (time, memory), then the tree for each min_samples from them
// (what a new slider value costs), against building it from the points (hdbscanPrepare) in the same
// run; the labels of the two are compared; memory per kept tree.

import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEngine, hdbscanPrepare, hdbscanSelect, hdbscanFree, hdbscanNeighbors, hdbscanNeighborsFree, hdbscanPrepareFromNeighbors, hdbscanBytes } from '../../web/worker/index.js';

const MCS = 15, MS = 15;

function points(n, seed = 7) {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const C = [[0, 0, 0.5], [5, 5, 1], [-6, 4, 0.3], [8, -5, 2], [-3, -7, 0.8], [2, 9, 0.2], [-9, -2, 1.5], [10, 10, 0.6]];
  const d = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    if (u() < 0.08) { d[2 * i] = u() * 30 - 15; d[2 * i + 1] = u() * 30 - 15; continue; }
    const c = C[i % C.length];
    d[2 * i] = c[0] + c[2] * g();
    d[2 * i + 1] = c[1] + c[2] * g();
  }
  return d;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const fmt = (ms) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);

function flag(flags, name, def) {
  const f = flags.find((x) => x.startsWith(`--${name}=`));
  return f ? f.slice(name.length + 3) : def;
}

function haveRscript() {
  const r = spawnSync('Rscript', ['-e', 'suppressMessages(library(dbscan)); cat(as.character(packageVersion("dbscan")))'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function timeR(data, n, tmp) {
  const file = path.join(tmp, `x${n}.f32`);
  writeFileSync(file, data);
  const script = [
    'suppressMessages(library(dbscan))',
    `x <- matrix(readBin("${file}", "numeric", n = ${2 * n}, size = 4, endian = "little"), ncol = 2, byrow = TRUE)`,
    `t <- system.time(h <- hdbscan(x, minPts = ${MS + 1}))`,
    'cat(t[["elapsed"]], max(h$cluster), "\\n")',
  ].join('\n');
  const r = spawnSync('Rscript', ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').pop() };
  const [sec, k] = r.stdout.trim().split(/\s+/).map(Number);
  return { ms: sec * 1000, clusters: k };
}

/** n rows of `kind` built from points(): 'identical'; 'half' (the second half copies random rows of
 * the first); 'masses' (the second half copies 10 rows: ten masses of n/20 copies); 'quarter' (each
 * row of the first quarter four times). */
function duplicated(kind, n) {
  const d = points(n, 11);
  if (kind === 'identical') d.fill(1.25);
  const distinct = kind === 'quarter' ? n >> 2 : kind === 'identical' ? n : n >> 1;
  let s = 99;
  for (let i = distinct; i < n && kind !== 'identical'; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = kind === 'half' ? s % distinct : kind === 'masses' ? (s % 10) * 7 : i % distinct;
    d[2 * i] = d[2 * j];
    d[2 * i + 1] = d[2 * j + 1];
  }
  return d;
}

function timeRun(engine, data, n, opts, repeat) {
  const times = [];
  let r = null;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const h = hdbscanPrepare(engine, { data, n, dim: 2 }, { minSamples: MS, ...opts });
    r = hdbscanSelect(engine, h, { minClusterSize: MCS });
    times.push(performance.now() - t0);
    hdbscanFree(engine, h);
    if (times[0] > 20000) break;
  }
  return { ms: median(times), r };
}

function benchDuplicates(engine, flags, repeat) {
  const sizes = flag(flags, 'dup-sizes', '200000').split(',').map(Number);
  const peerN = Number(flag(flags, 'dup-peer', '20000'));
  console.log(`\nduplicates: min_cluster_size ${MCS}, min_samples ${MS}; peer: all-pairs Prim ('prims') at ${peerN} rows`);
  console.log('| rows | kind | embedscape | clusters | all-pairs at ' + peerN + ' | ratio | labels equal |');
  console.log('|---|---|---|---|---|---|---|');
  for (const kind of ['identical', 'half', 'masses', 'quarter']) {
    const peerData = duplicated(kind, peerN);
    const small = timeRun(engine, peerData, peerN, {}, repeat);
    const peer = timeRun(engine, peerData, peerN, { algorithm: 'prims' }, 1);
    const same = small.r.labels.every((l, i) => l === peer.r.labels[i]);
    for (const n of sizes) {
      const t = timeRun(engine, duplicated(kind, n), n, {}, repeat);
      console.log(`| ${n} | ${kind} | ${fmt(t.ms)} (${t.r.algorithm}) | ${t.r.nClusters} | ${fmt(peer.ms)} (${fmt(small.ms)} here at ${peerN}) | ${(peer.ms / small.ms).toFixed(0)}x at ${peerN} | ${same ? 'yes' : 'NO'} |`);
    }
  }
}

function benchSlider(engine, flags, repeat) {
  const n = Number(flag(flags, 'slider-n', '50000'));
  const kMax = Number(flag(flags, 'k-max', '100'));
  const data = points(n);
  const pts = { data, n, dim: 2 };
  { // warm-up of this path (V8 tiers the wasm up on first use)
    const w = hdbscanNeighbors(engine, { data: points(3000, 1), n: 3000, dim: 2 }, { kMax });
    for (const ms of [5, kMax]) hdbscanFree(engine, hdbscanPrepareFromNeighbors(engine, w, { minSamples: ms }));
    hdbscanNeighborsFree(engine, w);
  }
  const t0 = performance.now();
  const nb = hdbscanNeighbors(engine, pts, { kMax });
  const nbMs = performance.now() - t0;
  console.log(`\nmin_samples slider at ${n} points: neighbours for k_max ${kMax} once ${fmt(nbMs)}, ${(nb.bytes / 2 ** 20).toFixed(1)} MiB; min_cluster_size ${MCS}`);
  console.log('| min_samples | tree from neighbours | tree from points | ratio | select | memory per tree | labels equal |');
  console.log('|---|---|---|---|---|---|---|');
  try {
    for (const ms of [5, 10, 15, 30, 50, kMax]) {
      const fromNb = [], direct = [], sel = [];
      let a = null, b = null, bytes = [0, 0];
      for (let i = 0; i < repeat; i++) {
        let t = performance.now();
        const h1 = hdbscanPrepareFromNeighbors(engine, nb, { minSamples: ms });
        fromNb.push(performance.now() - t);
        t = performance.now();
        a = hdbscanSelect(engine, h1, { minClusterSize: MCS });
        sel.push(performance.now() - t);
        bytes = [h1.bytes, hdbscanBytes(engine, h1)];
        hdbscanFree(engine, h1);
        t = performance.now();
        const h2 = hdbscanPrepare(engine, pts, { minSamples: ms });
        direct.push(performance.now() - t);
        b = hdbscanSelect(engine, h2, { minClusterSize: MCS });
        hdbscanFree(engine, h2);
      }
      const same = a.labels.every((l, i) => l === b.labels[i]);
      console.log(`| ${ms} | ${fmt(median(fromNb))} | ${fmt(median(direct))} | ${(median(direct) / median(fromNb)).toFixed(1)}x | ${fmt(median(sel))} | ${(bytes[0] / 2 ** 20).toFixed(2)} MiB, ${(bytes[1] / 2 ** 20).toFixed(2)} MiB selected | ${same ? 'yes' : 'NO'} |`);
    }
  } finally {
    hdbscanNeighborsFree(engine, nb);
  }
}

export default async function (flags = []) {
  const sizes = flag(flags, 'sizes', '2000,10000,50000,200000').split(',').map(Number);
  const repeat = Number(flag(flags, 'repeat', '3'));
  const tsMax = Number(flag(flags, 'ts-max', '2000'));
  const rMax = Number(flag(flags, 'r-max', '10000'));
  const require = createRequire(import.meta.url);
  let HDBSCAN = null;
  try { ({ HDBSCAN } = require('hdbscan-ts')); } catch { console.log('hdbscan-ts is not installed: skipped'); }
  const rVersion = haveRscript();
  if (!rVersion) console.log('Rscript with the dbscan package not found (Debian: apt-get install r-cran-dbscan): R skipped');
  const tmp = mkdtempSync(path.join(tmpdir(), 'bench-hdbscan-'));
  const engine = await createEngine();
  console.log(`embedscape wasm SIMD ${engine.hasSimd()}, one thread; min_cluster_size ${MCS}, min_samples ${MS}; peers: hdbscan-ts${HDBSCAN ? '' : ' (absent)'}, R dbscan ${rVersion ?? '(absent)'}`);
  // warm-up: V8 tiers the wasm up on first use
  { const d = points(3000, 1); const h = hdbscanPrepare(engine, { data: d, n: 3000, dim: 2 }, { minSamples: MS }); hdbscanSelect(engine, h, { minClusterSize: MCS }); hdbscanFree(engine, h); }
  const rows = [];
  let tsLast = null;
  try {
    for (const n of sizes) {
      const data = points(n);
      const full = [], sel = [];
      let clusters = 0, algorithm = '';
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        const h = hdbscanPrepare(engine, { data, n, dim: 2 }, { minSamples: MS });
        const t1 = performance.now();
        const r = hdbscanSelect(engine, h, { minClusterSize: MCS });
        const t2 = performance.now();
        const r2 = hdbscanSelect(engine, h, { minClusterSize: MCS + 10 });
        const t3 = performance.now();
        hdbscanFree(engine, h);
        full.push(t2 - t0);
        sel.push(t3 - t2);
        clusters = r.nClusters;
        algorithm = r.algorithm;
        void r2;
      }
      const es = median(full);
      const row = { n, es, slider: median(sel), clusters, algorithm };
      if (HDBSCAN && n <= tsMax) {
        const arr = Array.from({ length: n }, (_, i) => [data[2 * i], data[2 * i + 1]]);
        const times = [];
        for (let i = 0; i < repeat; i++) {
          const t0 = performance.now();
          const m = new HDBSCAN({ minClusterSize: MCS, minSamples: MS });
          m.fit(arr);
          times.push(performance.now() - t0);
          row.tsClusters = new Set(m.labels_.filter((l) => l >= 0)).size;
          if (times[0] > 20000) break;
        }
        row.ts = median(times);
        tsLast = { n, ms: row.ts };
      } else if (HDBSCAN) {
        row.tsNote = tsLast ? `skipped (${tsLast.n} points took ${fmt(tsLast.ms)}; it grows faster than n^2)` : 'skipped (--ts-max)';
      }
      if (rVersion && n <= rMax) {
        const times = [];
        for (let i = 0; i < repeat; i++) {
          const r = timeR(data, n, tmp);
          if (r.error) { row.rNote = `failed: ${r.error}`; break; }
          times.push(r.ms);
          row.rClusters = r.clusters;
          if (r.ms > 20000) break;
        }
        if (times.length) row.r = median(times);
      } else if (rVersion) {
        row.rNote = `skipped (needs the ${(n * (n - 1) / 2 * 8 / 2 ** 30).toFixed(1)} GiB n x n distance matrix; --r-max)`;
      }
      rows.push(row);
      const parts = [`n=${n}`, `embedscape ${fmt(row.es)} (${row.algorithm}, ${row.clusters} clusters; slider re-selection ${fmt(row.slider)})`];
      if (row.ts !== undefined) parts.push(`hdbscan-ts ${fmt(row.ts)} (${row.tsClusters} clusters) -> ${(row.ts / row.es).toFixed(1)}x`);
      else if (row.tsNote) parts.push(`hdbscan-ts ${row.tsNote}`);
      if (row.r !== undefined) parts.push(`R dbscan ${fmt(row.r)} (${row.rClusters} clusters) -> ${(row.r / row.es).toFixed(1)}x`);
      else if (row.rNote) parts.push(`R dbscan ${row.rNote}`);
      console.log(parts.join(' | '));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log('\n| n | embedscape | slider (re-select) | hdbscan-ts | ratio | R dbscan | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.n} | ${fmt(r.es)} | ${fmt(r.slider)} | ${r.ts !== undefined ? fmt(r.ts) : 'skipped'} | ${r.ts !== undefined ? (r.ts / r.es).toFixed(0) + 'x' : '-'} | ${r.r !== undefined ? fmt(r.r) : 'skipped'} | ${r.r !== undefined ? (r.r / r.es).toFixed(1) + 'x' : '-'} |`);
  }
  if (!flags.includes('--no-dups')) benchDuplicates(engine, flags, repeat);
  if (!flags.includes('--no-slider')) benchSlider(engine, flags, repeat);
}
