// page-faults.test.mjs — the page under a fault, in headless Chromium: the worker that holds the
// session is terminated in the middle of a run (as a crash or an out-of-memory kill would end it).
// The page must say so in a visible message, show no half-made map as final, and work again: the
// next press of the button rebuilds the session in a fresh worker and finishes the map.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ROOT, needShared } from '../helpers.mjs';
import { serve, launchBrowser, needChromium } from './page-server.mjs';

test('page: a worker terminated mid-run gives a visible message, and the next run works', { timeout: 180_000 }, async (t) => {
  if (!needChromium(t)) return;
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const srv = await serve(ROOT, { '/__model/bert-tiny/': modelDir });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${srv.url}/web/?model=/__model/bert-tiny/`);
    await page.waitForFunction(() => globalThis.embedscape?.api);
    await page.selectOption('#sample-select', 'five-topics.txt');
    await page.waitForFunction(() => document.getElementById('text-count').textContent === '200 texts');
    // kill the session's worker as soon as the layout starts
    await page.evaluate(() => {
      const { app } = globalThis.embedscape;
      globalThis.__killed = null;
      const off = app.on('progress', (p) => {
        if (p.status !== 'layout' || globalThis.__killed !== null) return;
        globalThis.__killed = app.session.home;
        app.api.getDefaultPool().kill(app.session.home);
        off?.();
      });
    });
    await page.click('#embed-btn');
    await page.waitForFunction(() => ['ready', 'error', 'cancelled'].includes(document.body.dataset.phase), null, { timeout: 120_000 });
    assert.notEqual(await page.evaluate(() => globalThis.__killed), null, 'a worker was terminated during the layout');
    assert.equal(await page.evaluate(() => document.body.dataset.phase), 'error');
    const message = (await page.textContent('#error-text')).trim();
    assert.ok(message.length > 0 && await page.isVisible('#error-text'), 'a visible message');
    console.log(`# the page said: ${message}`);
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.labels), null, 'no half-made map shown as final');
    // the next run works
    await page.evaluate(() => {
      globalThis.__phases = [];
      new MutationObserver(() => globalThis.__phases.push(document.body.dataset.phase)).observe(document.body, { attributes: true, attributeFilter: ['data-phase'] });
    });
    await page.click('#embed-btn');
    // the second run has started (left 'error') and ended
    await page.waitForFunction(() => globalThis.__phases.some((p) => p !== 'error') && ['ready', 'error'].includes(document.body.dataset.phase), null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.phase), 'ready', await page.textContent('#error-text'));
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.labels?.length), 200);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await srv.close();
  }
});
