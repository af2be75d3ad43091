// npm run bench -- slider [--n=50000] [--workers=2] [--rounds=5] [--prefetch]
// How fast the HDBSCAN sliders answer on a map of n points (blobs and noise in 2-D, given to a session
// as a saved map's layout), measured from the caller's side of the session through its worker:
//   - first cut: HDBSCAN's neighbours of the layout (once), the tree for min_samples 5, the cut;
//   - min_cluster_size with min_samples fixed: the same tree cut again;
//   - min_cluster_size with min_samples following it (the page's default): a tree for a min_samples not
//     seen before, built from the kept neighbours;
//   - back to a min_samples seen before: its tree was kept;
//   - the same steps before this change (the tree rebuilt from the points every time), for comparison.
// With --prefetch the session builds the trees of nearby min_samples after each run (the page does);
// the rounds then wait a moment between steps, as a hand on a slider does.
// "labels" times stop when the labels are back (the page colours the map then); keywords follow. Medians
// of --rounds; nothing is asserted.

import { WorkerPool, createSession, hdbscan } from '../../web/embedscape.node.js';

function flag(flags, name, def) {
  const f = flags.find((x) => x.startsWith(`--${name}=`));
  return f ? f.slice(name.length + 3) : def;
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

/** n points: 30 Gaussian blobs of different spreads and 10 % uniform noise, in a 100 x 100 square. */
export function mapLike(n, seed = 1) {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 2 ** 32; };
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const centres = Array.from({ length: 30 }, () => [u() * 100, u() * 100, 0.5 + 2 * u()]);
  const data = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    if (u() < 0.1) { data[2 * i] = u() * 100; data[2 * i + 1] = u() * 100; continue; }
    const c = centres[Math.floor(u() * 30)];
    data[2 * i] = c[0] + c[2] * g();
    data[2 * i + 1] = c[1] + c[2] * g();
  }
  return { data, n, dim: 2 };
}

export default async function bench(flags) {
  const n = Number(flag(flags, 'n', 50000));
  const workers = Number(flag(flags, 'workers', 2));
  const rounds = Number(flag(flags, 'rounds', 5));
  const xy = mapLike(n);
  const texts = Array.from({ length: n }, (_, i) => `point ${i % 977} note ${i % 31}`);
  const pool = new WorkerPool({ size: workers });
  const s = await createSession({ pool, prefetch: flags.includes('--prefetch') });
  s.setTexts(texts);
  s.setLayout(xy);
  const time = async (opts, until = 'labels') => {
    s.setOptions({ hdbscan: opts });
    const t0 = performance.now();
    const r = await s.run({ until });
    return { ms: performance.now() - t0, r };
  };
  console.log(`${n} points, a session in one of ${workers} workers; medians of ${rounds} rounds`);
  const first = await time({ minClusterSize: 5, minSamples: undefined });
  console.log(`first cut (neighbours once, tree for min_samples 5, cut): ${first.ms.toFixed(0)} ms, ${first.r.nClusters} clusters`);
  const rows = [];
  const fixed = [], auto = [], again = [], kw = [];
  const pause = () => new Promise((r) => setTimeout(r, flags.includes('--prefetch') ? 400 : 0));
  for (let r = 0; r < rounds; r++) {
    await pause();
    fixed.push((await time({ minSamples: 5, minClusterSize: 10 + r })).ms);
    await pause();
    auto.push((await time({ minSamples: undefined, minClusterSize: 20 + r })).ms);
    await pause();
    again.push((await time({ minSamples: undefined, minClusterSize: 20 + r })).ms);
    s.setOptions({ hdbscan: { minSamples: 5, minClusterSize: 40 + r } });
    const t0 = performance.now();
    await s.run();
    kw.push(performance.now() - t0);
  }
  rows.push(['min_cluster_size, min_samples fixed (re-cut)', median(fixed)]);
  rows.push([`min_cluster_size, min_samples following it (${flags.includes('--prefetch') ? 'its tree built ahead in the background' : 'a new tree'})`, median(auto)]);
  rows.push(['back to a min_samples seen before (kept tree)', median(again)]);
  rows.push([`a re-cut with the keywords of ${n} texts`, median(kw)]);
  // before: every new min_samples built its tree from the points (hdbscan() does, on one worker)
  const direct = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await hdbscan(xy, { minClusterSize: 20 + r, pool });
    direct.push(performance.now() - t0);
  }
  rows.push(['before: a new min_samples built from the points (hdbscan())', median(direct)]);
  console.log('\n| slider step | ms (median) |\n|---|---|');
  for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(1)} |`);
  await s.dispose();
  pool.dispose();
}
