// estimate.test.mjs — the time the page states next to the Embed button (web/app/estimate.js), in
// headless Chromium with the random-weight model ../shared/fixtures/bert-tiny: after one run of a
// sample (200 texts), 1 200 other texts (6 times as many, so that embedding and UMAP outweigh the
// fixed costs) are estimated and run, and the run, timed from the click to the ready map, takes between
// 1/1.5 and 1.5 times the estimate. The same texts again are estimated lower (their vectors are kept)
// and are right too; after a reload the estimate is there before any run, from the stored speeds, and
// still right. Only ratios are asserted, never a wall time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { ROOT, artifactDir, needShared } from '../helpers.mjs';
import { serve, launchBrowser, needChromium } from './page-server.mjs';

const FACTOR = 1.5;
const BIG = 1200;

/** n distinct sentences of 6-14 words from a seeded generator. */
function sentences(n, seed) {
  const words = ('river cloud engine violin desert pencil harbor tiger candle meadow rocket lantern glacier puzzle anchor ' +
    'garden market winter summer letter window teacher doctor station bridge forest island mirror silver yellow quiet ' +
    'bright early late under over between across quickly slowly carefully often never always builds carries finds ' +
    'opens closes paints writes reads sings counts follows').split(' ');
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => {
    const len = 6 + Math.floor(rand() * 9);
    return `${Array.from({ length: len }, () => words[Math.floor(rand() * words.length)]).join(' ')} ${i}`;
  });
}

/**
 * The estimate once it is for n texts (with `known`: that many of them cached; with `loaded`: the model
 * loaded, no loading counted): {seconds, text, basis, known}.
 */
async function estimateFor(page, n, known = null, loaded = false) {
  const h = await page.waitForFunction(([n, known, loaded]) => {
    const e = document.getElementById('run-estimate');
    if (e.dataset.texts !== String(n) || (known !== null && e.dataset.known !== String(known))) return null;
    if (loaded && Number(e.dataset.load) !== 0) return null;
    return { seconds: Number(e.dataset.seconds), text: e.textContent, basis: e.dataset.basis, known: Number(e.dataset.known), title: e.title };
  }, [n, known, loaded], { timeout: 30_000, polling: 50 }).catch(async (e) => {
    const d = await page.evaluate(() => ({ ...document.getElementById('run-estimate').dataset, text: document.getElementById('run-estimate').textContent }));
    throw new Error(`no estimate for ${n} texts (${known ?? 'any'} known): the page shows ${JSON.stringify(d)}`, { cause: e });
  });
  return h.jsonValue();
}

async function paste(page, texts) {
  await page.evaluate((v) => { const ta = document.getElementById('texts'); ta.value = v; ta.dispatchEvent(new Event('input')); }, texts.join('\n'));
}

/** Clicks the button and returns the seconds from the click to data-phase 'ready' (measured in the page). */
async function timedRun(page) {
  await page.evaluate(() => {
    globalThis.__readyAt = null;
    const obs = new MutationObserver(() => {
      if (document.body.dataset.phase === 'ready' || document.body.dataset.phase === 'error') { globalThis.__readyAt = performance.now(); obs.disconnect(); }
    });
    obs.observe(document.body, { attributes: true, attributeFilter: ['data-phase'] });
    globalThis.__clickAt = performance.now();
    document.getElementById('embed-btn').click();
  });
  await page.waitForFunction(() => globalThis.__readyAt !== null, null, { timeout: 120_000, polling: 50 });
  assert.equal(await page.evaluate(() => document.body.dataset.phase), 'ready', await page.textContent('#error-text'));
  return page.evaluate(() => (globalThis.__readyAt - globalThis.__clickAt) / 1000);
}

function checkRatio(what, est, actual) {
  const ratio = actual / est.seconds;
  console.log(`#   ${est.title}`);
  console.log(`# ${what}: estimated ${est.seconds.toFixed(2)} s (“${est.text}”), took ${actual.toFixed(2)} s: actual/estimate ${ratio.toFixed(2)}`);
  assert.ok(ratio >= 1 / FACTOR && ratio <= FACTOR, `${what}: the run took ${actual.toFixed(2)} s, the page said ${est.seconds.toFixed(2)} s (×${ratio.toFixed(2)})`);
}

test('page: the estimate next to the button is measured here, right within ×1.5, lower for cached texts, kept over a reload', { timeout: 180_000 }, async (t) => {
  if (!needChromium(t)) return;
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const srv = await serve(ROOT, { '/__model/bert-tiny/': modelDir });
  const browser = await launchBrowser();
  try {
    const problems = [];
    const watch = (p) => {
      p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      p.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    };
    let page = await browser.context.newPage();
    watch(page);
    const url = `${srv.url}/web/?model=/__model/bert-tiny/`;
    await page.goto(url);
    await page.waitForFunction(() => globalThis.embedscape?.app);

    // before any run: the quick test of this machine gives a first guess, and says so
    await page.selectOption('#sample-select', 'five-topics.txt');
    const guess = await estimateFor(page, 200);
    assert.equal(guess.basis, 'quick');
    assert.match(guess.text, /^≈ .+ on this machine \(first guess\)$/);
    const first = await timedRun(page);
    console.log(`# first guess for the sample: ${guess.seconds.toFixed(2)} s, took ${first.toFixed(2)} s (not asserted: a guess)`);

    // 6 times as many other texts, estimated from the one run
    const big = sentences(BIG, 7);
    await paste(page, big);
    const est = await estimateFor(page, BIG);
    assert.equal(est.basis, 'runs');
    assert.equal(est.known, 0);
    assert.match(est.text, /^≈ .+ on this machine$/);
    checkRatio(`${BIG} new texts`, est, await timedRun(page));

    // the same texts again: their vectors are kept, so they cost less than as many new ones (the
    // same speeds: the run above has measured again)
    const again = await estimateFor(page, BIG, BIG);
    await paste(page, sentences(BIG, 9));
    const fresh = await estimateFor(page, BIG, 0);
    assert.ok(again.seconds < fresh.seconds, `cached texts lower the estimate (${again.seconds} s against ${fresh.seconds} s)`);
    await paste(page, big);
    assert.equal((await estimateFor(page, BIG, BIG)).seconds, again.seconds);
    checkRatio(`the same ${BIG} texts, cached`, again, await timedRun(page));

    // the page opened again (without the address that brings the map back) estimates before any run,
    // from the speeds kept in this browser
    await page.close();
    page = await browser.context.newPage();
    watch(page);
    await page.goto(url);
    await page.waitForFunction(() => globalThis.embedscape?.app);
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('embedscape-speeds')));
    for (const r of Object.values(kept.records)) for (const run of r.runs) console.log(`#   run of ${run.n}: ${JSON.stringify(run)}`);
    for (const r of Object.values(kept.records)) console.log(`#   quick: ${JSON.stringify(r.quick)}`);
    assert.ok(Object.values(kept.records).some((r) => r.runs.length >= 3), 'the runs are kept');
    const half = big.slice(0, BIG / 2).concat(sentences(BIG / 2, 11)); // half cached, half new
    await paste(page, half);
    const early = await estimateFor(page, BIG, BIG / 2); // the model may still be loading: its load time counts
    assert.equal(early.basis, 'runs');
    assert.doesNotMatch(early.text, /first guess/);
    await page.waitForFunction(() => document.getElementById('model-badge').classList.contains('ok'), null, { timeout: 30_000 });
    const reloaded = await estimateFor(page, BIG, BIG / 2, true);
    assert.equal(reloaded.basis, 'runs');
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.xy), null, 'no run has happened on this page');
    await page.screenshot({ path: path.join(artifactDir('estimate'), 'estimate.png'), clip: await page.locator('#run-estimate').evaluate((el) => { const e = el.parentElement; e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect(); return { x: Math.max(0, r.x - 20), y: Math.max(0, r.y - 60), width: r.width + 40, height: r.height + 80 }; }) });
    checkRatio(`after a reload, ${BIG} texts half cached`, reloaded, await timedRun(page));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await srv.close();
  }
});
