// page-faults.test.mjs — the page under faults, in headless Chromium: the worker that holds the session
// terminated in the middle of a run (as a crash or an out-of-memory kill would end it); the engine
// failing inside a stage after the texts were embedded; the model's download from the Hugging Face Hub
// cut half-way; the browser's storage full, so that neither the model nor the vectors can be kept.
// Each must give a visible message, show no half-made map or file as final, and leave a page that
// works: the next run (or download) finishes the map.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ROOT, needShared, artifactDir } from '../helpers.mjs';
import { serve, launchBrowser, needChromium } from './page-server.mjs';
import { startHub, REPO } from '../lib/hub-stub.mjs';

const ART = artifactDir('page-faults');
const ENDED = ['ready', 'error', 'cancelled'];

/** A page of the app (by default with the random model at ?model=) and the sample of 200 texts loaded: {page, problems}. */
async function openWithSample(browser, srv, query = '?model=/__model/bert-tiny/') {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${srv.url}/web/${query}`);
  await page.waitForFunction(() => globalThis.embedscape?.api);
  await page.evaluate(() => {
    const { app } = globalThis.embedscape;
    globalThis.__runsEnded = 0;
    for (const e of ['ready', 'stopped']) app.on(e, () => { globalThis.__runsEnded++; });
  });
  await page.selectOption('#sample-select', 'five-topics.txt');
  await page.waitForFunction(() => document.getElementById('text-count').textContent === '200 texts');
  return { page, problems };
}

/** Does `start` and waits for the run it starts to end; returns the phase it ended in. */
async function runEnds(page, start) {
  const before = await page.evaluate(() => globalThis.__runsEnded);
  await start();
  await page.waitForFunction(({ before, ended }) => globalThis.__runsEnded > before && ended.includes(document.body.dataset.phase),
    { before, ended: ENDED }, { timeout: 120_000 });
  return page.evaluate(() => document.body.dataset.phase);
}

/** Moves a slider of the page as a person would (the page reruns what it changes). */
const slide = (page, id, value) => page.evaluate(({ id, value }) => {
  const input = document.getElementById(id);
  input.value = String(value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}, { id, value });

/** The message of the error box, asserted visible. */
async function visibleError(page) {
  const message = (await page.textContent('#error-text')).trim();
  assert.ok(message.length > 0 && await page.isVisible('#error-text'), 'a visible message');
  return message;
}
/** What the status line and the error box say, one line each (for the test's log). */
const said = async (page) => `error: ${(await page.textContent('#error-text')).trim()} | status: ${(await page.textContent('#status')).trim()}`;

test('page: a worker terminated mid-run gives a visible message, and the next run works', { timeout: 180_000 }, async (t) => {
  if (!needChromium(t)) return;
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const srv = await serve(ROOT, { '/__model/bert-tiny/': modelDir });
  const browser = await launchBrowser();
  try {
    const { page, problems } = await openWithSample(browser, srv);
    // kill the session's worker as soon as the layout starts
    await page.evaluate(() => {
      const { app } = globalThis.embedscape;
      globalThis.__killed = null;
      app.on('progress', (p) => {
        if (p.status !== 'layout' || globalThis.__killed !== null) return;
        globalThis.__killed = app.session.home;
        app.api.getDefaultPool().kill(app.session.home);
      });
    });
    assert.equal(await runEnds(page, () => page.click('#embed-btn')), 'error');
    assert.notEqual(await page.evaluate(() => globalThis.__killed), null, 'a worker was terminated during the layout');
    const message = await visibleError(page);
    assert.match(message, /^Drawing the map \(UMAP\) failed: worker \d .*stopped/);
    console.log(`# the page said: ${await said(page)}`);
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.labels), null, 'no half-made map shown as final');
    // the next run rebuilds the session in a fresh worker
    assert.equal(await runEnds(page, () => page.click('#embed-btn')), 'ready', await page.textContent('#error-text'));
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.labels?.length), 200);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await srv.close();
  }
});

/**
 * The worker's HDBSCAN module with a fault in the engine's cut of the tree: while the worker's global
 * `failCuts` is above 0 (1 when the worker starts), es_hdbscan_select is given min_cluster_size 1,
 * which the engine refuses with its own status and message (ES_ERR_ARG) — as any engine failure
 * inside a stage would come back.
 */
function faultyHdbscanModule() {
  const src = readFileSync(path.join(ROOT, 'web', 'worker', 'hdbscan.js'), 'utf8');
  const call = "engine.call('es_hdbscan_select', h, o.minClusterSize,";
  assert.ok(src.includes(call), 'web/worker/hdbscan.js still cuts the tree with that call');
  return `self.failCuts = 1;\n${src.replace(call, "engine.call('es_hdbscan_select', h, self.failCuts-- > 0 ? 1 : o.minClusterSize,")}`;
}

test('page: the engine failing inside the clustering gives a visible message naming it, no clusters shown as final, and the next run works', { timeout: 180_000 }, async (t) => {
  if (!needChromium(t)) return;
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const srv = await serve(ROOT, { '/__model/bert-tiny/': modelDir });
  const browser = await launchBrowser();
  const faulty = faultyHdbscanModule();
  const served = [];
  // the page's module workers import this file: the faulty copy goes in its place
  await browser.context.route('**/web/worker/hdbscan.js', (route) => {
    served.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: faulty });
  });
  try {
    const { page, problems } = await openWithSample(browser, srv);
    // 1. the first map: embedded and laid out, then the engine fails cutting the tree
    assert.equal(await runEnds(page, () => page.click('#embed-btn')), 'error');
    assert.ok(served.length > 0, 'the workers loaded the faulty module');
    let message = await visibleError(page);
    console.log(`# the page said: ${await said(page)}`);
    assert.equal(message, 'Finding clusters (HDBSCAN) failed: min_cluster_size must be >= 2, got 1');
    await page.screenshot({ path: path.join(ART, 'engine-fault.png') });
    let st = await page.evaluate(() => { const s = globalThis.embedscape.state; return { vectors: s.vectors?.n, xy: s.xy?.n, labels: s.labels, clusters: s.clusters.length }; });
    assert.deepEqual(st, { vectors: 200, xy: 200, labels: null, clusters: 0 }, 'embedded and laid out, no clusters');
    const status = (await page.textContent('#status')).trim();
    assert.doesNotMatch(status, /cluster(?!s\.$)|noise/, 'the status claims no clusters');
    assert.match(status, /^The map shows the layout of 200 texts \(n_neighbors 15, min_dist 0\.\d\d\), without clusters\.$/);
    assert.ok(await page.isDisabled('#export-json'), 'nothing to export as a finished map');

    // 2. the next run works (the fault was a one-off)
    assert.equal(await runEnds(page, () => page.click('#embed-btn')), 'ready', await page.textContent('#error-text'));
    assert.equal(await page.isVisible('#error-text'), false);
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.labels?.length), 200);
    const clustersBefore = await page.evaluate(() => globalThis.embedscape.state.clusters.length);
    assert.ok(clustersBefore > 0);

    // 3. a slider redoes the layout, and the engine fails cutting the new tree: the clusters of the
    // old layout must not stay on the new one as if they were its own
    await Promise.all(page.workers().map((w) => w.evaluate(() => { self.failCuts = 1; })));
    assert.equal(await runEnds(page, () => slide(page, 'n-neighbors', 20)), 'error');
    message = await visibleError(page);
    console.log(`# the page said: ${await said(page)}`);
    assert.equal(message, 'Finding clusters (HDBSCAN) failed: min_cluster_size must be >= 2, got 1');
    st = await page.evaluate(() => { const s = globalThis.embedscape; return { xy: s.state.xy?.n, nn: s.state.params.umap.n_neighbors, labels: s.state.labels, clusters: s.state.clusters.length, coloured: s.view.hasLabels }; });
    assert.deepEqual(st, { xy: 200, nn: 20, labels: null, clusters: 0, coloured: false }, 'the new layout, without the old clusters');
    assert.match((await page.textContent('#status')).trim(), /^The map shows the layout of 200 texts \(n_neighbors 20, min_dist 0\.\d\d\), without clusters\.$/);
    assert.ok(await page.isDisabled('#export-json'));
    // moving a slider again finds the clusters of the new layout
    assert.equal(await runEnds(page, () => slide(page, 'min-cluster-size', 6)), 'ready', await page.textContent('#error-text'));
    st = await page.evaluate(() => { const s = globalThis.embedscape.state; return { labels: s.labels?.length, mcs: s.params.hdbscan.min_cluster_size, nn: s.params.umap.n_neighbors }; });
    assert.deepEqual(st, { labels: 200, mcs: 6, nn: 20 });
    assert.ok(await page.isEnabled('#export-json'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await srv.close();
  }
});

const PAGE_REPO = 'sentence-transformers/all-MiniLM-L6-v2';
const HUB = 'https://huggingface.co', STORAGE = 'https://cdn-lfs.huggingface.co';
const MODEL_CACHE = 'embedscape-models-v1';

/**
 * The page's downloads from the Hugging Face Hub go to the stub (tests/lib/hub-stub.mjs, serving the
 * random model as the page's repository): the https addresses of the Hub and of its storage host are
 * rewritten to the stub's below the page (Chrome DevTools' Fetch domain), so the page's own
 * Content-Security-Policy and its code are as on the web. {truncateNext: true} answers the next GET of
 * the weights with half of them under the whole Content-Length, ending without an error (as a proxy
 * may end a response).
 */
async function hubBelowThePage(context, page, hub) {
  const cdp = await context.newCDPSession(page);
  const ctl = { truncateNext: false, cdp };
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${HUB}/*` }, { urlPattern: `${STORAGE}/*` }] });
  cdp.on('Fetch.requestPaused', async ({ requestId, request }) => {
    const u = new URL(request.url);
    try {
      if (u.origin === STORAGE && request.method === 'GET' && ctl.truncateNext) {
        ctl.truncateNext = false;
        const body = hub.files.get('model.safetensors');
        await cdp.send('Fetch.fulfillRequest', {
          requestId, responseCode: 200, body: body.subarray(0, body.length >> 1).toString('base64'),
          responseHeaders: [{ name: 'content-length', value: String(body.length) }, { name: 'content-type', value: 'application/octet-stream' }, { name: 'access-control-allow-origin', value: '*' }],
        });
        return;
      }
      const to = u.origin === STORAGE ? hub.storageUrl : hub.url;
      await cdp.send('Fetch.continueRequest', { requestId, url: `${to}${u.pathname.replace(`/${PAGE_REPO}/`, `/${REPO}/`)}${u.search}` });
    } catch { /* the page went away */ }
  });
  return ctl;
}

/** The model files the page keeps in its Cache Storage: {name: bytes}. */
const cachedFiles = (page) => page.evaluate(async (name) => {
  const c = await caches.open(name);
  const out = {};
  for (const req of await c.keys()) {
    const r = await c.match(req);
    if (r.ok) out[req.url.split('/').pop()] = (await r.arrayBuffer()).byteLength;
  }
  return out;
}, MODEL_CACHE);

/** Clicks the model panel's download button and waits for the panel to ask again (true) or the run to end (false). */
async function download(page) {
  const before = await page.textContent('#model-message');
  await page.click('#model-download');
  await page.waitForFunction((before) => (!document.getElementById('model-download').hidden && document.getElementById('model-message').textContent !== before) ||
    ['ready', 'error'].includes(document.body.dataset.phase), before, { timeout: 60_000 });
  return page.evaluate(() => document.body.dataset.phase === 'model');
}

test('page: the model download cut half-way says which file and what to do, keeps nothing of it, and the next download works', { timeout: 120_000 }, async (t) => {
  if (!needChromium(t)) return;
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const srv = await serve(ROOT);
  const hub = await startHub(modelDir, { cors: true, storageName: STORAGE });
  const browser = await launchBrowser();
  const weights = hub.files.get('model.safetensors').length;
  try {
    const { page, problems } = await openWithSample(browser, srv, '');
    const ctl = await hubBelowThePage(browser.context, page, hub);
    await page.click('#embed-btn');
    await page.waitForSelector('#model-download:not([hidden])');
    assert.match(await page.textContent('#model-download'), /^Download all-MiniLM-L6-v2 \(\d\.\d MB\)$/, 'the stub answered the size');

    // 1. the connection closes after half the weights
    hub.knobs = { dropAfter: weights >> 1 };
    assert.equal(await download(page), true, 'the page asks again');
    let message = (await page.textContent('#model-message')).trim();
    console.log(`# the page said: ${message}`);
    assert.match(message, /^The model could not be loaded: the download of model\.safetensors from huggingface\.co was interrupted after \d\.\d MB of 3\.9 MB \(.+\)\. Nothing of it was kept: try the download again\. /);
    assert.ok(await page.isVisible('#model-message') && await page.isVisible('#model-download'));
    await page.locator('#model-panel').screenshot({ path: path.join(ART, 'download-cut.png') });
    assert.equal((await cachedFiles(page))['model.safetensors'], undefined, 'no part of the weights in the Cache Storage');
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.vectors), null);

    // 2. the weights end quietly at half their Content-Length
    ctl.truncateNext = true;
    assert.equal(await download(page), true, 'the page asks again');
    message = (await page.textContent('#model-message')).trim();
    console.log(`# the page said: ${message}`);
    assert.match(message, /^The model could not be loaded: the download of model\.safetensors from huggingface\.co was interrupted after 1\.9 MB of 3\.9 MB \(the connection closed early\)\. Nothing of it was kept: try the download again\. /);
    assert.equal((await cachedFiles(page))['model.safetensors'], undefined, 'no part of the weights in the Cache Storage');

    // 3. the next download is whole: the map is made, and the weights are kept whole
    hub.log.length = 0;
    assert.equal(await download(page), false);
    await page.waitForFunction((ended) => ended.includes(document.body.dataset.phase), ENDED, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.phase), 'ready', await page.textContent('#error-text'));
    assert.ok(hub.log.some((l) => l.method === 'GET' && l.path.startsWith('/storage/')), 'the weights were downloaded again, not read from the cache');
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.labels?.length), 200);
    assert.equal((await cachedFiles(page))['model.safetensors'], weights);
    assert.equal(await page.isVisible('#model-panel'), false);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await hub.close();
    await srv.close();
  }
});

test('page: with the browser storage full the downloaded model is used all the same, and the page says it could not be kept', { timeout: 120_000 }, async (t) => {
  if (!needChromium(t)) return;
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const srv = await serve(ROOT);
  const hub = await startHub(modelDir, { cors: true, storageName: STORAGE });
  const browser = await launchBrowser();
  try {
    const { page, problems } = await openWithSample(browser, srv, '');
    const { cdp } = await hubBelowThePage(browser.context, page, hub);
    // a quota of one byte: the Cache Storage and IndexedDB refuse every write with QuotaExceededError
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: srv.url, quotaSize: 1 });
    await page.click('#embed-btn');
    await page.waitForSelector('#model-download:not([hidden])');
    assert.equal(await runEnds(page, () => page.click('#model-download')), 'ready', await page.textContent('#error-text'));
    assert.equal(await page.evaluate(() => globalThis.embedscape.state.labels?.length), 200, 'the map is made');
    assert.equal(await page.isVisible('#error'), false, 'no failure');
    // the model, then the vectors (after the embedding), then the texts (once the map is ready)
    await page.waitForFunction(() => /these texts:/.test(document.getElementById('notice-text').textContent), null, { timeout: 10_000 });
    const notice = (await page.textContent('#notice-text')).trim();
    console.log(`# the page said: ${notice}`);
    assert.ok(await page.isVisible('#notice'));
    assert.equal(notice, 'This browser could not keep the model all-MiniLM-L6-v2, the vectors of these texts and these texts: its storage for this page is full. ' +
      'The page works all the same, but the model is downloaded again on your next visit, the texts are embedded again next time and a reload of this page will not find them. ' +
      'To keep them, free some space (this site\'s data, in the browser\'s settings).');
    await page.screenshot({ path: path.join(ART, 'storage-full.png') });
    assert.deepEqual(await cachedFiles(page), {}, 'nothing was kept');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await hub.close();
    await srv.close();
  }
});
