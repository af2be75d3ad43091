// A bad map file opened in the page (web/index.html): the reader sees parseMapFile's message, the
// map shown before stays as it was, and the next good file opens as usual.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT } from './helpers.mjs';
import { serve, launchBrowser, CHROMIUM } from './e2e/page-server.mjs';

test('page: a bad map file shows which field is wrong and the page stays usable', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`${CHROMIUM} is missing`);
    t.skip(`${CHROMIUM} is missing`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'embedscape-mapfile-page-'));
  const map = JSON.parse(readFileSync(path.join(ROOT, 'web', 'examples', 'five-topics.map.json'), 'utf8'));
  const files = {
    good: map,
    'bad-clusters': { ...map, clusters: [null] },
    'bad-keywords': { ...map, clusters: [{ ...map.clusters[0], keywords: 'x' }] },
    'bad-label': { ...map, labels: map.labels.map((l, i) => (i === 17 ? 'x' : l)) },
  };
  for (const [name, m] of Object.entries(files)) writeFileSync(path.join(dir, `${name}.map.json`), JSON.stringify(m));
  const srv = await serve(ROOT);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${srv.url}/web/`);
    const open = async (name) => {
      // done when the error box shows, or when the page holds the texts of a newly opened map
      await page.evaluate(() => { document.getElementById('error').hidden = true; globalThis.__before = globalThis.embedscape.state.texts; });
      await page.setInputFiles('#map-input', path.join(dir, `${name}.map.json`));
      await page.waitForFunction(() => !document.getElementById('error').hidden
        || (globalThis.embedscape.state.texts !== globalThis.__before && document.body.dataset.phase === 'ready'));
      await page.waitForTimeout(100);
      return page.evaluate(() => ({
        error: document.getElementById('error').hidden ? null : document.getElementById('error-text').textContent,
        phase: document.body.dataset.phase,
        n: globalThis.embedscape.state.texts?.length ?? 0,
        legend: document.querySelectorAll('#legend button').length,
      }));
    };
    const first = await open('good');
    assert.equal(first.error, null);
    assert.equal(first.n, map.texts.length);
    for (const [name, re] of [
      ['bad-clusters', /^bad-clusters\.map\.json: map file: clusters\[0\] must be an object/],
      ['bad-keywords', /^bad-keywords\.map\.json: map file: clusters\[0\]\.keywords must be an array/],
      ['bad-label', /^bad-label\.map\.json: map file: labels\[17\] must be an integer >= -1, got "x"$/],
    ]) {
      const r = await open(name);
      assert.match(r.error ?? '', re, name);
      assert.deepEqual({ n: r.n, legend: r.legend, phase: r.phase }, { n: first.n, legend: first.legend, phase: first.phase }, `${name}: the map shown before is kept`);
    }
    const again = await open('good');
    assert.equal(again.error, null, 'the next good file opens');
    assert.equal(again.n, map.texts.length);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await srv.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
});
