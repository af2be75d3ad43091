// soak.test.mjs — 100 embed → UMAP → HDBSCAN cycles in Chromium through the public API on a page,
// each cycle a fresh session with other texts (the random-weight model ../shared/fixtures/bert-tiny):
// the JS heap (after a forced GC) and every worker's wasm heap (pool.stats()) are reported and must not
// grow once the first cycles have warmed the allocators up.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT, needShared } from '../helpers.mjs';
import { serve, CHROMIUM } from './page-server.mjs';
import { CHROMIUM_ARGS } from './browser.helpers.mjs';

const CYCLES = 100;

test(`soak: ${CYCLES} embed → UMAP → HDBSCAN cycles keep the JS heap and the workers' wasm heaps flat`, async (t) => {
  if (!existsSync(CHROMIUM)) {
    const why = `${CHROMIUM} is missing (apt-get install chromium)`;
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const srv = await serve(ROOT, { '/__model/bert-tiny/': modelDir });
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'embedscape-soak-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'],
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${srv.url}/web/examples/docs.html`); // any page of ours: the API is imported below
    const rows = await page.evaluate(async ({ cycles, model }) => {
      const api = await import('/web/embedscape.js');
      const pool = new api.WorkerPool({ size: 2 });
      const m = await api.loadModel(model, { pool });
      const topics = ['rain and umbrellas', 'chess openings', 'sourdough bread', 'bike repairs', 'garden tomatoes'];
      const out = [];
      for (let c = 0; c < cycles; c++) {
        const texts = Array.from({ length: 40 + (c % 7) * 5 }, (_, i) => `${topics[i % 5]} ${c} ${i}`);
        const s = await api.createSession({ model: m });
        s.setTexts(texts);
        s.setOptions({ umap: { nNeighbors: 8, nEpochs: 60, seed: c }, hdbscan: { minClusterSize: 4 } });
        const r = await s.run();
        if (r.labels.length !== texts.length) throw new Error(`cycle ${c}: ${r.labels.length} labels`);
        await s.dispose();
        if (c % 10 === 9 || c === 0) {
          globalThis.gc?.();
          const st = await pool.stats();
          out.push({ cycle: c + 1, js: performance.memory?.usedJSHeapSize ?? 0, wasm: st.map((w) => w.heapBytes), used: st.map((w) => w.heapInUse), held: st.map((w) => w.state.length) });
        }
      }
      await m.dispose();
      pool.dispose();
      return out;
    }, { cycles: CYCLES, model: `${srv.url}/__model/bert-tiny/` });
    console.log(`# soak (cycle: JS heap MiB, workers' wasm memory MiB / in use KiB): ${rows.map((r) => `${r.cycle}: ${(r.js / 2 ** 20).toFixed(1)}, [${r.wasm.map((b, i) => `${(b / 2 ** 20).toFixed(0)}/${(r.used[i] / 1024).toFixed(0)}`).join(' ')}]`).join(' · ')}`);
    assert.deepEqual(errors, []);
    const warm = rows.find((r) => r.cycle === 20), last = rows.at(-1);
    assert.equal(last.cycle, CYCLES);
    assert.deepEqual(last.wasm, warm.wasm, 'the workers\' wasm memory does not grow from cycle 20 on');
    assert.deepEqual(last.used, warm.used, 'every allocation of a cycle is freed: the bytes in use are the same after cycle 20 and cycle 100');
    assert.ok(last.held.every((n) => n === 1), `each worker holds only the model at the end of a cycle: ${last.held}`);
    if (warm.js && last.js) assert.ok(last.js < warm.js * 1.25 + 4 * 2 ** 20, `JS heap grew from ${warm.js} to ${last.js} bytes`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await srv.close();
  }
});
