// The page, the offline handout (from file://) and <embedscape-map> in Firefox: Debian's firefox-esr
// driven by puppeteer-core over WebDriver BiDi, one browser for the file. The Chromium suites check
// every feature; this one checks that each product works end to end in a second engine: the page
// embeds a sample set with a random-weight model and draws a clustered map under its CSP, the handout
// does the same from file:// with no network, and the component draws a saved map, answers hover and
// search, and places a reader's sentence. Screenshots go to test-artifacts/firefox/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, artifactDir, needShared, shared } from '../helpers.mjs';
import { serveStatic, countColors } from './browser.helpers.mjs';
import { serve } from './page-server.mjs';
import { startFirefox, openTab, provokeInlineScript, hoverAt, shotOf } from './firefox.helpers.mjs';
import { hoverLonelyPoint, checkComponentSearch, addLiveMap, placeText } from './map-checks.mjs';
import { buildHandout } from '../../web/handout/build-handout.mjs';
import { clusterColor } from '../../web/lib/palette.js';

const ART = artifactDir('firefox');
const MAP = JSON.parse(readFileSync(path.join(ROOT, 'web', 'examples', 'five-topics.map.json'), 'utf8'));
const work = mkdtempSync(path.join(tmpdir(), 'embedscape-firefox-'));
let firefox = null;
let handout = null;

before(async () => {
  const model = shared('fixtures', 'bert-tiny');
  const build = buildHandout({ model, dtype: 'f32', out: path.join(work, 'handout'), zip: null })
    .then((r) => ({ out: r.out }), (e) => ({ error: e }));
  [firefox, handout] = await Promise.all([startFirefox(), build]);
});
after(async () => {
  await firefox?.close();
  rmSync(work, { recursive: true, force: true });
});

const waitPhase = (page, timeout = 120_000) =>
  page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.phase), { timeout });

/** The page's legend as shown: [{label, size}]. */
const legendOf = (page) => page.$$eval('#legend button', (bs) => bs.map((b) => ({
  label: Number(b.dataset.label), size: Number(b.querySelector('.lg-size').textContent.replace(/,/g, '')),
})));

/** Picks the sample set and runs embed → UMAP → HDBSCAN; returns the texts. */
async function runSample(page) {
  await page.select('#sample-select', 'five-topics.txt');
  await page.waitForFunction(() => !document.querySelector('#embed-btn').disabled && document.getElementById('texts').value.length > 0, { timeout: 10_000 });
  await page.click('#embed-btn');
  await waitPhase(page);
  const error = await page.evaluate(() => (document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent));
  assert.equal(error, '', 'the page shows no error');
  assert.equal(await page.evaluate(() => document.body.dataset.phase), 'ready');
  return page.evaluate(() => document.getElementById('texts').value.split('\n'));
}

/** Checks a finished page run: legend = labels, at least two clusters drawn in their colours. */
async function checkClusteredMap(page, n) {
  const legend = await legendOf(page);
  const clusters = legend.filter((e) => e.label >= 0).map((e) => e.label);
  assert.ok(clusters.length >= 2, `at least two clusters in the legend: ${JSON.stringify(legend)}`);
  assert.equal(legend.reduce((a, e) => a + e.size, 0), n, 'the legend counts every text');
  const labels = await page.evaluate(() => Array.from(globalThis.embedscape.state.labels));
  for (const e of legend) assert.equal(labels.filter((l) => l === e.label).length, e.size, `legend size of ${e.label}`);
  const px = await countColors(page, '#map', clusters.map(clusterColor));
  const drawn = clusters.filter((_, k) => px.counts[k] > 20);
  assert.ok(drawn.length >= 2, `points of >= 2 cluster colours on the canvas: ${JSON.stringify(px)}`);
  return { legend, clusters, px };
}

test('Firefox: the page embeds a sample set with a random model and draws a clustered map; hover, CSP, no errors', { timeout: 180_000 }, async (t) => {
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const tab = await openTab(t, firefox, { width: 1280, height: 900 });
  if (!tab) return;
  const { page } = tab;
  const srv = await serve(ROOT, { '/__model/bert-tiny/': modelDir });
  try {
    await page.goto(`${srv.url}/web/?model=/__model/bert-tiny/`);
    await page.waitForFunction(() => globalThis.embedscape?.api, { timeout: 20_000 });
    const texts = await runSample(page);
    assert.equal(texts.length, 200);

    // the status line sums the run up, as the legend shows it
    const status = await page.$eval('#status', (e) => e.textContent);
    const { legend, clusters, px } = await checkClusteredMap(page, 200);
    assert.match(status, /200 texts/);
    assert.match(status, new RegExp(`\\b${clusters.length} clusters?\\b`), `status "${status}" names ${clusters.length} clusters`);
    console.log(`# Firefox page: "${status}"; legend ${JSON.stringify(legend)}; cluster pixels ${JSON.stringify(px.counts)}`);

    const hov = await hoverLonelyPoint(page);
    assert.equal(hov.shown, texts[hov.i], 'the tooltip shows the text of the point under the mouse');
    await shotOf(page, '#step-map', ART, 'page-map-hover.png');

    // the CSP: nothing was blocked during the run (the engine compiled under 'wasm-unsafe-eval'), and
    // the policy is in force: an inline script is refused
    assert.deepEqual(await tab.csp(), [], 'no CSP violations while the page worked');
    const outside = tab.requests.filter((u) => !u.startsWith(`${srv.url}/web/`) && !u.startsWith(`${srv.url}/__model/bert-tiny/`) && !/^(data|blob):/.test(u));
    assert.deepEqual(outside, [], 'no requests beyond the page and the model');
    assert.deepEqual(tab.problems, [], 'no console errors');
    const inline = await provokeInlineScript(page);
    assert.equal(inline.ran, false, 'an inline script does not run');
    assert.ok(inline.violations.some((v) => /^script-src/.test(v)), `the refusal is reported: ${JSON.stringify(inline.violations)}`);
    // (Firefox reports a violation as a page error too, so "no console errors" above also means no violations)
    assert.ok(tab.problems.some((p) => /Content-Security-Policy/.test(p)), `Firefox logs the refusal: ${JSON.stringify(tab.problems)}`);
  } finally {
    await tab.close();
    await srv.close();
  }
});

test('Firefox: the handout opened from file:// embeds a sample set and draws a clustered map, offline', { timeout: 180_000 }, async (t) => {
  if (!needShared(t, 'fixtures', 'bert-tiny')) return;
  assert.ok(!handout.error, `handout build: ${handout.error?.message}`);
  const tab = await openTab(t, firefox, { width: 1280, height: 900 });
  if (!tab) return;
  const { page } = tab;
  try {
    await page.goto(pathToFileURL(path.join(handout.out, 'index.html')).href);
    await page.waitForFunction(() => window.embedscape && window.EMBEDSCAPE_MODULES, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => String(window.__embedscapeBundleError ?? '')), '');
    const texts = await runSample(page);
    assert.equal(texts.length, 200);
    assert.equal(await page.evaluate(() => globalThis.embedscape.view.n), 200, 'every text is drawn');
    await checkClusteredMap(page, 200);
    const hov = await hoverLonelyPoint(page);
    assert.equal(hov.shown, texts[hov.i]);
    await shotOf(page, '#step-map', ART, 'handout-map-hover.png');
    const network = tab.requests.filter((u) => /^(https?|wss?):/.test(u));
    assert.deepEqual(network, [], 'the handout makes no network requests');
    assert.deepEqual(await tab.csp(), [], 'no CSP violations');
    assert.deepEqual(tab.problems, [], 'no console errors');
  } finally {
    await tab.close();
  }
});

test('Firefox: <embedscape-map> draws a saved map, answers hover and search, and places a reader\'s sentence', { timeout: 120_000 }, async (t) => {
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const tab = await openTab(t, firefox);
  if (!tab) return;
  const { page } = tab;
  const srv = await serveStatic(ROOT, { '/model/': modelDir });
  try {
    await page.goto(`${srv.url}/web/examples/docs.html`);
    await page.waitForFunction(() => document.querySelector('#topics')?.map != null, { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 150)); // one frame for the first draw

    // every cluster's colour is on the canvas; the legend has one entry per cluster and noise
    const labels = [...new Set(MAP.labels.filter((l) => l >= 0))].sort((a, b) => a - b);
    const px = await countColors(page, '#topics', labels.map(clusterColor));
    labels.forEach((l, i) => assert.ok(px.counts[i] > 40, `cluster ${l} (${clusterColor(l)}) has ${px.counts[i]} pixels`));
    const legendN = await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelectorAll('.legend button').length);
    assert.equal(legendN, MAP.clusters.length + (MAP.labels.includes(-1) ? 1 : 0));

    // hover a clustered point: the tooltip shows its text
    const target = MAP.labels.findIndex((l) => l >= 0);
    const pos = await page.evaluate((i) => {
      const el = document.querySelector('#topics');
      el.scrollIntoView({ block: 'center' });
      const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
      const [x, y] = el.view.pointPosition(i);
      return { x: r.left + x, y: r.top + y };
    }, target);
    await hoverAt(page, pos.x, pos.y);
    const tip = await page.waitForFunction(() => {
      const el = document.querySelector('#topics');
      const tp = el.shadowRoot.querySelector('.tip');
      return !tp.hidden && el.view.hovered >= 0 ? { text: tp.textContent, hovered: el.view.hovered } : null;
    }, { timeout: 5000 }).then((h) => h.jsonValue());
    assert.ok(tip.text.startsWith(MAP.texts[tip.hovered]), `tooltip "${tip.text}"`);
    await shotOf(page, '#topics', ART, 'component-hover.png');
    await page.mouse.move(5, 5);

    // search: the count is the number of texts containing the word
    await checkComponentSearch(page, '#topics', MAP.clusters[0].keywords[0].word, MAP.texts);
    await shotOf(page, '#topics', ART, 'component-search.png');

    // model=: a reader's sentence is embedded in Firefox's workers and placed among its neighbours
    await addLiveMap(page, { id: 'live', src: 'five-topics.map.json', model: '/model/' });
    await page.waitForFunction(() => document.querySelector('#live')?.map != null, { timeout: 20_000 });
    const detail = await placeText(page, '#live', MAP.texts[3]);
    assert.equal(detail.nearest[0].index, 3, 'a text of the map is its own nearest neighbour');
    assert.ok(detail.nearest[0].sim > 0.9999, `cosine ${detail.nearest[0].sim}`);
    // umap-learn's transform: a copy of a text of the map starts on its point and stays near it
    const span = Math.max(...MAP.x) - Math.min(...MAP.x);
    const off = Math.hypot(detail.x - MAP.x[3], detail.y - MAP.y[3]);
    assert.ok(off < 0.05 * span, `placed ${off.toFixed(3)} from its own point (map ${span.toFixed(1)} wide)`);
    assert.ok(srv.requests.includes('/model/model.safetensors'));
    await shotOf(page, '#live', ART, 'component-live-text.png');
    assert.deepEqual(tab.problems, [], 'no console errors');
  } finally {
    await tab.close();
    await srv.close();
  }
});
