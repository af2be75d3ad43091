// npm run bench -- page: paste → map time of the page (web/index.html) in headless Chromium, for each
// bundled sample set: from the click on "Embed and map" to the clustered, labelled map (model load,
// embedding, UMAP settling, HDBSCAN, keywords). Uses the model given by --model=DIR, else
// models/all-MiniLM-L6-v2 when present, else the random-weight test model from ../shared. Reports the
// median of --runs=N fresh page loads (default 3) and the page's own per-stage timings.

import { existsSync } from 'node:fs';
import path from 'node:path';

import { ROOT, shared } from '../helpers.mjs';
import { serve, launchBrowser } from '../e2e/page-server.mjs';

const SAMPLES = ['five-topics.txt', 'support-tickets.txt'];

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

export default async function (flags) {
  const flag = (name, dflt) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
  const runs = Number(flag('runs', 3));
  let modelDir = flag('model', null);
  if (!modelDir) {
    const real = path.join(ROOT, 'models', 'all-MiniLM-L6-v2');
    modelDir = existsSync(path.join(real, 'model.safetensors')) ? real : shared('fixtures', 'bert-tiny');
  }
  if (!existsSync(path.join(modelDir, 'config.json'))) {
    console.log(`page bench: no model at ${modelDir} (give --model=DIR)`);
    return;
  }
  const srv = await serve(ROOT, { '/__bench-model/': path.resolve(modelDir) + path.sep });
  const browser = await launchBrowser();
  console.log(`model: ${path.basename(modelDir)}; ${runs} fresh page loads per sample; median ms`);
  console.log('sample                texts    total    model    embed     umap   clusters');
  try {
    for (const sample of SAMPLES) {
      const cols = { total: [], model: [], embed: [], umap: [], clusters: [] };
      let n = 0;
      for (let r = 0; r < runs; r++) {
        const page = await browser.context.newPage();
        await page.goto(`${srv.url}/web/?model=/__bench-model/`);
        await page.selectOption('#sample-select', sample);
        await page.waitForFunction(() => !/^0 texts$/.test(document.getElementById('text-count').textContent));
        const t0 = Date.now();
        await page.click('#embed-btn');
        await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.phase), null, { timeout: 600_000 });
        const wall = Date.now() - t0;
        const st = await page.evaluate(() => ({ phase: document.body.dataset.phase, err: document.getElementById('error-text').textContent, t: globalThis.embedscape.state.timings, n: globalThis.embedscape.state.texts.length }));
        if (st.phase !== 'ready') throw new Error(`page failed: ${st.err}`);
        n = st.n;
        const t = st.t;
        cols.total.push(wall);
        cols.model.push(1000 * t.model);
        cols.embed.push(1000 * t.embed);
        cols.umap.push(1000 * t.umap);
        cols.clusters.push(1000 * (t.total - t.model - t.embed - t.umap));
        await page.close();
      }
      const f = (k) => String(Math.round(median(cols[k]))).padStart(8);
      console.log(`${sample.padEnd(20)} ${String(n).padStart(6)} ${f('total')} ${f('model')} ${f('embed')} ${f('umap')} ${f('clusters')}   (totals: ${cols.total.join(', ')})`);
    }
  } finally {
    await browser.close();
    await srv.close();
  }
}
