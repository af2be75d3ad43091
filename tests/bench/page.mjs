// npm run bench -- page [--baseline=REF] [--only=paste,open,samples] [--texts=10000] [--sizes=100000,1000000]
//                        [--model=DIR] [--runs=N]
//
// The page (web/index.html) in headless Chromium, as a person uses it with their own data:
//   paste   N texts (default 10 000, ../shared/fixtures/corpus/sentences-1k.txt made distinct) with a
//           MiniLM-shaped random-weight model stored as q8 (384 hidden, 6 layers; made once in the
//           system's temporary folder) → the clustered, labelled map: wall time, the page's per-stage
//           timings, the longest main-thread task and how many went over 50 ms; the page's own
//           estimate shown before the click, next to the time it took.
//   open    saved maps of 100 000 and 1 000 000 points (tests/lib/synthetic-map.mjs, 4 extra columns):
//           time to the first frame, the longest task while opening, then a 2-second pan with the
//           mouse: median and p95 frame time (requestAnimationFrame intervals) and the longest task.
//           The page gets the binary map when it reads one (its file picker accepts .embedscape),
//           else the JSON map.
//   samples the bundled sample sets with --model (or the tiny random test model): paste → map.
// --baseline=REF runs the same scenarios on the page of that git revision (exported to a temporary
// folder with this checkout's built engine) in the same browser, and prints both side by side, so the
// change is visible on the same machine at the same load. Nothing is asserted; CI never runs this.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT, CLI, shared } from '../helpers.mjs';
import { serve, launchBrowser } from '../e2e/page-server.mjs';
import { writeRandomBert } from '../lib/random-bert.mjs';
import { syntheticMap } from '../lib/synthetic-map.mjs';
import { createMapFile } from '../../web/lib/mapfile.js';

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[s.length >> 1] : NaN; };
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const ms = (v) => (Number.isFinite(v) ? `${Math.round(v)}` : '–');

const TMP = path.join(os.tmpdir(), 'embedscape-bench-page');

/** A MiniLM-shaped random model converted to q8, made once. */
function minilmQ8() {
  const f32 = path.join(TMP, 'minilm-random-f32'), q8 = path.join(TMP, 'minilm-random-q8');
  if (existsSync(path.join(q8, 'model.safetensors'))) return q8;
  if (!existsSync(shared('models', 'all-MiniLM-L6-v2', 'tokenizer.json'))) return null;
  mkdirSync(TMP, { recursive: true });
  writeRandomBert(f32, { layers: 6, hidden: 384, heads: 12, intermediate: 1536, maxPositions: 512, pooling: 'mean', normalize: true, seed: 1, maxSeqLength: 256 });
  execFileSync(process.execPath, [CLI, 'convert', '--model', f32, '--dtype', 'q8', '--output', q8], { stdio: 'pipe' });
  return q8;
}

/** n distinct texts from the benchmark corpus. */
function benchTexts(n) {
  const base = readFileSync(shared('fixtures', 'corpus', 'sentences-1k.txt'), 'utf8').split('\n').filter(Boolean);
  return Array.from({ length: n }, (_, i) => (i < base.length ? base[i] : `${base[i % base.length]} (${Math.floor(i / base.length)})`));
}

/** The page of another revision, with this checkout's built engine, in a temporary folder. */
function exportRevision(ref) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'embedscape-baseline-'));
  const tar = execFileSync('git', ['-C', ROOT, 'archive', ref, 'web', 'package.json'], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  cpSync(path.join(ROOT, 'web', 'engine'), path.join(dir, 'web', 'engine'), { recursive: true });
  execFileSync(process.execPath, [path.join(dir, 'web', 'worker', 'build-inline.mjs')], { stdio: 'pipe' });
  const rev = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
  return { dir, rev };
}

async function openPage(browser, url) {
  const page = await browser.context.newPage();
  await page.addInitScript(() => {
    globalThis.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) globalThis.__longTasks.push({ start: e.startTime, duration: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
  });
  await page.goto(url);
  await page.waitForFunction(() => globalThis.embedscape?.app);
  return page;
}

const tasksSince = (page, t0) => page.evaluate((t) => globalThis.__longTasks.filter((e) => e.start >= t).map((e) => e.duration), t0);
const now = (page) => page.evaluate(() => performance.now());
const waitReady = (page, timeout) => page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.phase), null, { timeout, polling: 50 });

async function paste(browser, url, texts) {
  const page = await openPage(browser, url);
  await page.evaluate((v) => { const ta = document.getElementById('texts'); ta.value = v; ta.dispatchEvent(new Event('input')); }, texts.join('\n'));
  await page.waitForFunction((n) => document.getElementById('text-count').textContent.replace(/,/g, '').startsWith(`${n} `), texts.length);
  // the page's own estimate, once it has measured this machine (the newer page shows one)
  const estimate = await page.waitForFunction(() => {
    const e = document.getElementById('run-estimate');
    if (!e) return { none: true };
    return e.dataset.seconds ? { seconds: Number(e.dataset.seconds), text: e.textContent } : null;
  }, null, { timeout: 120_000, polling: 200 }).then((h) => h.jsonValue()).catch(() => ({ none: true }));
  const t0 = await now(page);
  const w0 = Date.now();
  await page.click('#embed-btn');
  await waitReady(page, 1_800_000);
  const wall = Date.now() - w0;
  const st = await page.evaluate(() => ({ phase: document.body.dataset.phase, err: document.getElementById('error-text').textContent, t: globalThis.embedscape.state.timings }));
  if (st.phase !== 'ready') throw new Error(`page failed: ${st.err}`);
  const tasks = await tasksSince(page, t0);
  await page.close();
  return { wall, t: st.t, longest: Math.max(0, ...tasks), over50: tasks.filter((d) => d > 50).length, estimate };
}

async function openMap(browser, url, file) {
  const page = await openPage(browser, url);
  await page.locator('#map').scrollIntoViewIfNeeded();
  const t0 = await now(page);
  await page.setInputFiles('#map-input', file);
  await waitReady(page, 600_000);
  // the first frame: two animation frames after the page says it is ready
  const first = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())))));
  const st = await page.evaluate(() => ({ phase: document.body.dataset.phase, err: document.getElementById('error-text').textContent }));
  if (st.phase !== 'ready') throw new Error(`page failed: ${st.err}`);
  const openTasks = await tasksSince(page, t0);
  await page.waitForTimeout(1500); // what the page does after the first frame settles
  const settleTasks = (await tasksSince(page, t0)).slice(openTasks.length);

  // pan for about 2 s with the mouse, one move per frame
  const box = await page.locator('#map').boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  const p0 = await now(page);
  await page.evaluate(() => {
    globalThis.__frames = [];
    globalThis.__panning = true;
    const tick = (t) => { globalThis.__frames.push(t); if (globalThis.__panning) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await page.mouse.down();
  const end = Date.now() + 2000;
  for (let s = 0; Date.now() < end; s++) {
    const a = s * 0.15;
    await page.mouse.move(cx + Math.cos(a) * 120 - 120, cy + Math.sin(a) * 80);
  }
  await page.mouse.up();
  // hover: a few moves without a button
  for (let s = 0; s < 20; s++) await page.mouse.move(cx + s * 7, cy - s * 3);
  const frames = await page.evaluate(() => { globalThis.__panning = false; return globalThis.__frames; });
  const panTasks = await tasksSince(page, p0);
  await page.close();
  const dt = frames.slice(1).map((t, i) => t - frames[i]);
  return {
    firstFrame: first - t0, openLongest: Math.max(0, ...openTasks), settleLongest: Math.max(0, ...settleTasks),
    frameMedian: median(dt), frameP95: pct(dt, 0.95), frames: dt.length, panLongest: Math.max(0, ...panTasks), panOver50: panTasks.filter((d) => d > 50).length,
  };
}

/** Writes the n-point map as JSON and (with a writer) binary; returns the paths. */
async function mapFiles(n) {
  mkdirSync(TMP, { recursive: true });
  const json = path.join(TMP, `synthetic-${n}.map.json`);
  const bin = path.join(TMP, `synthetic-${n}.embedscape`);
  let m = null;
  const get = () => (m ??= syntheticMap(n));
  if (!existsSync(json)) {
    const s = get();
    const f = createMapFile({ ...s, model: null, params: { umap: { n_neighbors: 15, min_dist: 0.1 }, hdbscan: { min_cluster_size: 5 } } });
    writeFileSync(json, JSON.stringify(f));
  }
  let writer = null;
  try { writer = (await import('../../web/lib/mapbinary.js')).formatMapBinary; } catch { /* not in this revision */ }
  if (writer && !existsSync(bin)) {
    const s = get();
    writeFileSync(bin, writer({ ...s, model: null, params: { umap: { n_neighbors: 15, min_dist: 0.1 }, hdbscan: { min_cluster_size: 5 } } }));
  }
  return { json, bin: writer ? bin : null };
}

export default async function (flags) {
  const flag = (name, dflt) => { const f = flags.find((x) => x.startsWith(`--${name}=`)); return f ? f.slice(name.length + 3) : dflt; };
  const only = flag('only', 'paste,open').split(',');
  const nTexts = Number(flag('texts', 10000));
  const sizes = flag('sizes', '100000,1000000').split(',').map(Number);
  const baselineRef = flag('baseline', null);
  const pages = [{ name: 'this checkout', root: ROOT }];
  let exported = null;
  if (baselineRef) {
    exported = exportRevision(baselineRef);
    pages.unshift({ name: `before (${exported.rev})`, root: exported.dir });
  }
  const browser = await launchBrowser();
  const servers = [];
  const print = (...a) => console.log(...a);
  print(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}; headless Chromium; times in ms`);
  try {
    const model = only.includes('paste') || only.includes('samples') ? minilmQ8() : null;
    for (const p of pages) {
      p.srv = await serve(p.root, model ? { '/__bench-model/': model + path.sep, '/__tiny-model/': shared('fixtures', 'bert-tiny') + path.sep } : {});
      servers.push(p.srv);
      p.url = `${p.srv.url}/web/`;
    }
    if (only.includes('paste')) {
      if (!model) print('paste: no MiniLM tokenizer in ../shared; skipped');
      else {
        const texts = benchTexts(nTexts);
        print(`\npaste ${nTexts} texts → clustered map (MiniLM-shaped random model, q8)`);
        print('page                      wall    embed     umap  cluster  longest  >50ms  estimate');
        for (const p of pages) {
          const r = await paste(browser, `${p.url}?model=/__bench-model/`, texts);
          const cl = (r.t.total - r.t.model - r.t.embed - r.t.umap) * 1000;
          const est = r.estimate.none ? '–' : `${Math.round(r.estimate.seconds)} s (took ${Math.round(r.wall / 1000)} s: ×${(r.wall / 1000 / r.estimate.seconds).toFixed(2)})`;
          print(`${p.name.padEnd(22)} ${ms(r.wall).padStart(7)} ${ms(1000 * r.t.embed).padStart(8)} ${ms(1000 * r.t.umap).padStart(8)} ${ms(cl).padStart(8)} ${ms(r.longest).padStart(8)} ${String(r.over50).padStart(6)}  ${est}`);
        }
      }
    }
    if (only.includes('open')) {
      for (const n of sizes) {
        const files = await mapFiles(n);
        print(`\nopen a saved map of ${n.toLocaleString('en-US')} points, then pan for 2 s`);
        print('page                   format  first frame  longest(open)  longest(after)  frame median  frame p95  longest(pan)  >50ms(pan)');
        for (const p of pages) {
          const accepts = await (async () => { const pg = await browser.context.newPage(); await pg.goto(p.url); const a = await pg.getAttribute('#map-input', 'accept'); await pg.close(); return a ?? ''; })();
          const file = files.bin && accepts.includes('.embedscape') ? files.bin : files.json;
          let r;
          try { r = await openMap(browser, p.url, file); } catch (e) { print(`${p.name.padEnd(22)} failed: ${e.message.split('\n')[0]}`); continue; }
          print(`${p.name.padEnd(22)} ${path.extname(file).slice(1).padEnd(10)} ${ms(r.firstFrame).padStart(9)} ${ms(r.openLongest).padStart(13)} ${ms(r.settleLongest).padStart(14)} ${ms(r.frameMedian).padStart(13)} ${ms(r.frameP95).padStart(10)} ${ms(r.panLongest).padStart(13)} ${String(r.panOver50).padStart(11)}`);
        }
      }
    }
    if (only.includes('samples')) {
      print('\nsamples: paste → map with the tiny random test model');
      for (const sample of ['five-topics.txt', 'support-tickets.txt']) {
        const texts = readFileSync(path.join(ROOT, 'web', 'samples', sample), 'utf8').split('\n').filter(Boolean);
        for (const p of pages) {
          const r = await paste(browser, `${p.url}?model=/__tiny-model/`, texts);
          print(`${sample.padEnd(20)} ${p.name.padEnd(22)} ${ms(r.wall).padStart(7)} ms, longest task ${ms(r.longest)} ms`);
        }
      }
    }
  } finally {
    await browser.close();
    for (const s of servers) await s.close();
    if (exported) rmSync(exported.dir, { recursive: true, force: true });
  }
}
