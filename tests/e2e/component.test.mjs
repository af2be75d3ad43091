// <embedscape-map> in headless Chromium, on the example documentation page (web/examples/docs.html)
// with its saved map: the points are drawn in the cluster colours, the legend matches the map file,
// hover shows the text, search/zoom/legend/table work, the second map loads only when scrolled into
// view, the element follows prefers-color-scheme and its container's size, and no engine or model is
// downloaded to show a saved map. Screenshots go to test-artifacts/component/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, artifactDir, needShared } from '../helpers.mjs';
import { serveStatic, launchChromium, countColors } from './browser.helpers.mjs';
import { checkComponentSearch, addLiveMap } from './map-checks.mjs';
import { clusterColor } from '../../web/lib/palette.js';

const MAP = JSON.parse(readFileSync(path.join(ROOT, 'web', 'examples', 'five-topics.map.json'), 'utf8'));
const shots = artifactDir('component');
let server;

before(async () => { server = await serveStatic(ROOT); });
after(async () => { await server?.close(); });

const waitLoaded = (page, sel) => page.waitForFunction((s) => document.querySelector(s)?.map != null, sel, { timeout: 20000 });

test('<embedscape-map> renders the saved map of the example docs page', async (t) => {
  const b = await launchChromium(t);
  if (!b) return;
  const { page } = b;
  try {
    server.requests.length = 0;
    await page.goto(`${server.url}/web/examples/docs.html`);
    await waitLoaded(page, '#topics');
    await page.waitForTimeout(150); // one animation frame for the first draw

    // --- points: every cluster's colour is on the canvas, and there are points in grey too
    const labels = [...new Set(MAP.labels.filter((l) => l >= 0))].sort((a, b) => a - b);
    const px = await countColors(page, '#topics', labels.map(clusterColor));
    labels.forEach((l, i) => assert.ok(px.counts[i] > 40, `cluster ${l} (${clusterColor(l)}) has ${px.counts[i]} pixels`));
    assert.ok(px.width >= 400 && px.height >= 200, `canvas ${px.width}x${px.height}`);

    // --- legend: one entry per cluster (largest first) plus noise, with the keywords and sizes of the file
    const legend = await page.evaluate(() => [...document.querySelector('#topics').shadowRoot.querySelectorAll('.legend button')]
      .map((b) => ({ label: Number(b.dataset.label), name: b.querySelector('.name').textContent, size: Number(b.querySelector('.size').textContent), color: getComputedStyle(b.querySelector('.swatch')).backgroundColor })));
    const expected = MAP.clusters.slice().sort((a, b) => b.size - a.size || a.label - b.label)
      .map((c) => ({ label: c.label, name: c.keywords.slice(0, 3).map((k) => k.word).join(', '), size: MAP.labels.filter((l) => l === c.label).length }));
    const noise = MAP.labels.filter((l) => l < 0).length;
    if (noise) expected.push({ label: -1, name: 'unclustered (noise)', size: noise });
    assert.deepEqual(legend.map(({ color, ...r }) => r), expected);
    for (const e of legend) {
      const [r, g, bl] = [1, 3, 5].map((i) => parseInt(clusterColor(e.label).slice(i, i + 2), 16));
      assert.equal(e.color, `rgb(${r}, ${g}, ${bl})`);
    }
    await page.locator('#topics').screenshot({ path: path.join(shots, 'docs-light.png') });

    // --- hover: move the mouse onto a clustered point; the tooltip shows that point's text
    const target = MAP.labels.findIndex((l) => l >= 0);
    const pos = await page.evaluate((i) => {
      const el = document.querySelector('#topics');
      const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
      const [x, y] = el.view.pointPosition(i);
      return { x: r.left + x, y: r.top + y };
    }, target);
    await page.mouse.move(pos.x - 30, pos.y - 30);
    await page.mouse.move(pos.x, pos.y, { steps: 4 });
    const tip = await page.waitForFunction(() => {
      const el = document.querySelector('#topics');
      const t = el.shadowRoot.querySelector('.tip');
      return !t.hidden && el.view.hovered >= 0 ? { text: t.textContent, hovered: el.view.hovered } : null;
    }, null, { timeout: 5000 }).then((h) => h.jsonValue());
    const hoveredPos = await page.evaluate((i) => document.querySelector('#topics').view.pointPosition(i), tip.hovered);
    const targetPos = await page.evaluate((i) => document.querySelector('#topics').view.pointPosition(i), target);
    assert.ok(Math.hypot(hoveredPos[0] - targetPos[0], hoveredPos[1] - targetPos[1]) <= 8, 'the hovered point is under the mouse');
    assert.ok(tip.text.startsWith(MAP.texts[tip.hovered]), `tooltip "${tip.text}"`);
    assert.match(tip.text, MAP.labels[tip.hovered] >= 0 ? /cluster \d+: / : /unclustered/);
    await page.locator('#topics').screenshot({ path: path.join(shots, 'docs-hover.png') });
    await page.mouse.move(5, 5);

    // --- search: the count of matches is the number of texts containing the word
    await checkComponentSearch(page, '#topics', MAP.clusters[0].keywords[0]?.word ?? 'the', MAP.texts);
    await page.locator('#topics').screenshot({ path: path.join(shots, 'docs-search.png') });

    // --- zoom buttons and the legend's highlight
    const s0 = await page.evaluate(() => document.querySelector('#topics').view.scale);
    await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelector('[data-act=in]').click());
    const s1 = await page.evaluate(() => document.querySelector('#topics').view.scale);
    assert.ok(s1 > s0 * 1.3, `zoomed from ${s0} to ${s1}`);
    await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelector('[data-act=fit]').click());
    await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelector('.legend button').click());
    const hl = await page.evaluate(() => {
      const el = document.querySelector('#topics');
      return { n: el.view.highlighted ? el.view.highlighted.reduce((a, b) => a + b, 0) : 0, pressed: el.shadowRoot.querySelector('.legend button').getAttribute('aria-pressed') };
    });
    assert.deepEqual(hl, { n: expected[0].size, pressed: 'true' });

    // --- the text alternative: the canvas is described, the table lists every cluster
    const aria = await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelector('canvas').getAttribute('aria-label'));
    assert.match(aria, /^Map of 200 sentences on five topics\. Press the Table button/);
    await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelector('[data-act=table]').click());
    const rows = await page.evaluate(() => [...document.querySelector('#topics').shadowRoot.querySelectorAll('tbody tr')].map((r) => [r.cells[0].textContent, Number(r.cells[1].textContent)]));
    assert.deepEqual(rows, expected.map((e) => [e.label < 0 ? 'Unclustered' : `Cluster ${e.label}`, e.size]));
    await page.locator('#topics').screenshot({ path: path.join(shots, 'docs-table.png') });

    // --- lazy: the second map is loaded only when scrolled into view; it is dark as its attribute says
    assert.equal(await page.evaluate(() => document.querySelector('#lazy').map), null);
    await page.evaluate(() => document.querySelector('#lazy').scrollIntoView());
    await waitLoaded(page, '#lazy');
    await page.waitForTimeout(150);
    const dark = await countColors(page, '#lazy', [clusterColor(0)], { background: '#151922' });
    assert.ok(dark.counts[0] > 40, 'points drawn on the dark background');
    assert.equal(await page.evaluate(() => document.querySelector('#lazy').dataset.theme), 'dark');
    const lazyBox = await page.locator('#lazy').boundingBox();
    assert.equal(Math.round(lazyBox.height), 520);
    await page.locator('#lazy').screenshot({ path: path.join(shots, 'docs-dark.png') });

    // --- nothing but the page, the component's modules and the map JSON was downloaded
    const componentModules = ['/web/lib/mapview.js', '/web/lib/palette.js', '/web/lib/mapfile.js', '/web/lib/errors.js'];
    const fetched = server.requests.filter((p) => !p.startsWith('/web/component/') && !componentModules.includes(p));
    assert.deepEqual([...new Set(fetched)].sort(), ['/favicon.ico', '/web/examples/docs.html', '/web/examples/five-topics.map.json'].filter((p) => fetched.includes(p)).sort());
    assert.ok(!server.requests.some((p) => /engine|embedscape\.js|model/.test(p)), server.requests.join(' '));
    assert.deepEqual(b.errors.filter((e) => !/favicon/.test(e)), []);
  } finally {
    await b.close();
  }
});

test('<embedscape-map> follows prefers-color-scheme and the size of its container', async (t) => {
  const b = await launchChromium(t, { colorScheme: 'dark', viewport: { width: 420, height: 900 } });
  if (!b) return;
  const { page } = b;
  try {
    await page.goto(`${server.url}/web/examples/docs.html`);
    await waitLoaded(page, '#topics');
    assert.equal(await page.evaluate(() => document.querySelector('#topics').dataset.theme), 'dark');
    // narrow: the legend goes under the map
    assert.equal(await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelector('.root').classList.contains('narrow')), true);
    const w0 = await page.evaluate(() => document.querySelector('#topics').view.cssW);
    await page.locator('#topics').screenshot({ path: path.join(shots, 'docs-dark-narrow.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(() => document.querySelector('#topics').dataset.theme === 'light');
    await page.setViewportSize({ width: 1000, height: 900 });
    await page.waitForFunction((w) => document.querySelector('#topics').view.cssW > w + 200, w0);
    assert.equal(await page.evaluate(() => document.querySelector('#topics').shadowRoot.querySelector('.root').classList.contains('narrow')), false);
  } finally {
    await b.close();
  }
});

test('<embedscape-map> explains a missing or broken map file', async (t) => {
  const b = await launchChromium(t);
  if (!b) return;
  const { page } = b;
  try {
    await page.goto(`${server.url}/web/examples/docs.html`);
    const msgs = await page.evaluate(async () => {
      const out = [];
      for (const src of ['no-such-map.json', 'docs.html']) {
        const el = document.createElement('embedscape-map');
        el.setAttribute('loading', 'eager');
        const done = new Promise((r) => el.addEventListener('embedscape-error', (e) => r(e.detail.message)));
        el.src = src; // the property sets the attribute, which loads
        document.body.prepend(el);
        out.push(await done);
        out.push(el.shadowRoot.querySelector('.status').textContent);
        el.remove();
      }
      return out;
    });
    assert.match(msgs[0], /could not download .*no-such-map\.json: HTTP 404/);
    assert.match(msgs[1], /^Map not available: could not download/);
    assert.match(msgs[2], /docs\.html is not valid JSON/);
    // every attribute is a property; URLs read back resolved, a Hub id as given, enumerations limited
    const props = await page.evaluate(() => {
      const el = document.createElement('embedscape-map');
      const before = { src: el.src, model: el.model, theme: el.theme, loading: el.loading, label: el.label };
      el.src = 'maps/a.json';
      el.model = 'sentence-transformers/all-MiniLM-L6-v2';
      el.theme = 'sepia';
      el.label = 'Topics';
      return { before, src: el.src, srcAttr: el.getAttribute('src'), model: el.model, theme: el.theme, themeAttr: el.getAttribute('theme'), label: el.label };
    });
    assert.deepEqual(props.before, { src: '', model: '', theme: 'auto', loading: 'lazy', label: '' });
    assert.equal(props.src, `${server.url}/web/examples/maps/a.json`);
    assert.equal(props.srcAttr, 'maps/a.json');
    assert.equal(props.model, 'sentence-transformers/all-MiniLM-L6-v2');
    assert.deepEqual([props.theme, props.themeAttr, props.label], ['auto', 'sepia', 'Topics']);
    // a map object given directly is shown without fetching; a bad one is refused with the reason,
    // shown to the reader, and the element stays usable for the next map
    const direct = await page.evaluate(async (map) => {
      const el = document.createElement('embedscape-map');
      document.body.prepend(el);
      el.setMap(map);
      const n = el.map.n, legend = el.shadowRoot.querySelectorAll('.legend li').length;
      const events = [];
      el.addEventListener('embedscape-error', (e) => events.push(e.detail.message));
      const bad = [];
      for (const m of [{ ...map, format: 'other' }, { ...map, labels: map.labels.map((l, i) => (i === 2 ? 'x' : l)) }, { ...map, clusters: [null] }, { ...map, clusters: [{ ...map.clusters[0], keywords: 'x' }] }]) {
        try { el.setMap(m); bad.push('accepted'); } catch (e) { bad.push(e.message); }
      }
      const status = el.shadowRoot.querySelector('.status');
      const shown = { text: status.textContent, hidden: status.hidden, role: status.getAttribute('role'), body: el.shadowRoot.querySelector('.body').hidden, map: el.map };
      // a src change loads the next map
      const loaded = new Promise((r) => el.addEventListener('embedscape-load', (e) => r(e.detail.n), { once: true }));
      el.setAttribute('src', 'five-topics.map.json');
      const fromSrc = await loaded;
      try { el.setMap({ ...map, probabilities: map.probabilities.map(() => 2) }); } catch { /* shown */ }
      el.setMap(map);
      return { n, legend, bad, events, shown, fromSrc, again: { n: el.map.n, status: status.hidden, body: el.shadowRoot.querySelector('.body').hidden } };
    }, MAP);
    assert.equal(direct.n, MAP.texts.length);
    assert.equal(direct.legend, MAP.clusters.length + (MAP.labels.includes(-1) ? 1 : 0));
    assert.match(direct.bad[0], /^map file: "format" must be "embedscape-map", got "other"/);
    assert.equal(direct.bad[1], 'map file: labels[2] must be an integer >= -1, got "x"');
    assert.match(direct.bad[2], /^map file: clusters\[0\] must be an object/);
    assert.match(direct.bad[3], /^map file: clusters\[0\]\.keywords must be an array/);
    assert.deepEqual(direct.events.slice(0, 4), direct.bad);
    assert.match(direct.events[4], /^map file: probabilities\[0\] must be a number in \[0, 1\], got 2$/);
    assert.deepEqual(direct.shown, { text: `Map not available: ${direct.bad[3]}`, hidden: false, role: 'alert', body: true, map: null });
    assert.equal(direct.fromSrc, MAP.texts.length);
    assert.deepEqual(direct.again, { n: MAP.texts.length, status: true, body: false });
  } finally {
    await b.close();
  }
});

test('<embedscape-map model=…> places a reader\'s own text, loading the engine and model only then', async (t) => {
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const api = await import('../../web/embedscape.js');
  if (typeof api.loadModel !== 'function') {
    const why = 'loadModel is not in this build yet';
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  const local = await serveStatic(ROOT, { '/model/': modelDir });
  const b = await launchChromium(t);
  if (!b) { await local.close(); return; }
  const { page } = b;
  try {
    await page.goto(`${local.url}/web/examples/docs.html`);
    await addLiveMap(page, { id: 'live', src: 'five-topics.map.json', model: '/model/' });
    await waitLoaded(page, '#live');
    assert.ok(!local.requests.some((p) => p.startsWith('/model/') || /engine|embedscape\.js/.test(p)), 'nothing heavy before the reader asks');
    assert.equal(await page.evaluate(() => document.querySelector('#live').shadowRoot.querySelector('.live').hidden), false);
    const text = MAP.texts[3];
    await page.evaluate((s) => { document.querySelector('#live').shadowRoot.querySelector('.live input').value = s; }, text);
    const placed = page.evaluate(() => new Promise((r) => document.querySelector('#live').addEventListener('embedscape-place', (e) => r(e.detail), { once: true })));
    await page.evaluate(() => document.querySelector('#live').shadowRoot.querySelector('.live button').click());
    const detail = await placed;
    // a text of the map is its own nearest neighbour (cosine 1), and the pin lands among its neighbours
    assert.equal(detail.nearest[0].index, 3);
    assert.ok(detail.nearest[0].sim > 0.9999, `cosine ${detail.nearest[0].sim}`);
    // this map carries no vectors: its texts were embedded here, and the text placed by umap-learn's
    // transform onto the layout, as Node places it (the same bytes), near its own point of the map
    const node = await import('../../web/embedscape.node.js');
    const { mapUmapOptions } = await import('../../web/lib/mapfile.js');
    const model = await node.loadModel(modelDir);
    const saved = node.parseMapFile(MAP);
    const expected = (await node.umapFromLayout(await model.embed(MAP.texts), saved.xy, mapUmapOptions(saved)).transform(await model.embed(text))).embedding.data;
    await model.dispose();
    assert.deepEqual([detail.x, detail.y], [expected[0], expected[1]]);
    const span = Math.max(...MAP.x) - Math.min(...MAP.x);
    const off = Math.hypot(detail.x - MAP.x[3], detail.y - MAP.y[3]);
    assert.ok(off < 0.05 * span, `placed ${off.toFixed(3)} from its own point (map ${span.toFixed(1)} wide)`);
    const ui = await page.evaluate(() => {
      const r = document.querySelector('#live').shadowRoot;
      return { pin: !r.querySelector('.pin').hidden, out: r.querySelector('.live output').textContent };
    });
    assert.equal(ui.pin, true);
    assert.match(ui.out, /^Closest: “/);
    assert.ok(local.requests.includes('/model/model.safetensors'));
    await page.locator('#live').screenshot({ path: path.join(shots, 'docs-live-text.png') });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
    await local.close();
  }
});

test('<embedscape-map model=…> on a map saved with its vectors places a text as umap-learn\'s transform, embedding only that text', async (t) => {
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const api = await import('../../web/embedscape.node.js');
  const { mapUmapOptions } = await import('../../web/lib/mapfile.js');
  // the map as `embedscape map --vectors` saves it: layout, clusters, UMAP parameters and int8 vectors
  const model = await api.loadModel(modelDir);
  const umap = { nNeighbors: 8, minDist: 0.1, seed: 42 };
  const s = await api.createSession({ model });
  s.setTexts(MAP.texts);
  s.setOptions({ umap, hdbscan: { minClusterSize: 5 } });
  const r = await s.run();
  const vectors = await s.vectorsOf(MAP.texts.map((_, i) => i));
  await s.dispose();
  const file = api.createMapFile({
    texts: MAP.texts, xy: r.xy, labels: r.labels, probabilities: r.probabilities, clusters: r.clusters, model: 'bert-tiny',
    params: { umap: { n_neighbors: 8, min_dist: 0.1, metric: 'cosine', seed: 42 }, hdbscan: { min_cluster_size: 5 } },
    vectors: { data: vectors, n: MAP.texts.length, dim: model.dim },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'embedscape-vmap-'));
  writeFileSync(path.join(dir, 'v.map.json'), JSON.stringify(file));
  // where it must land: the transform onto the saved layout with the saved (int8) vectors
  const text = 'a sentence of my own about the weather and the sea';
  const saved = api.parseMapFile(JSON.stringify(file));
  const q = await model.embed(text);
  const expected = (await api.umapFromLayout(saved.vectorsMatrix, saved.xy, mapUmapOptions(saved)).transform(q)).embedding.data;
  await model.dispose();

  const local = await serveStatic(ROOT, { '/model/': modelDir, '/maps/': dir });
  const b = await launchChromium(t);
  if (!b) { await local.close(); return; }
  const { page } = b;
  try {
    await page.goto(`${local.url}/web/examples/docs.html`);
    await addLiveMap(page, { id: 'v', src: '/maps/v.map.json', model: '/model/' });
    await waitLoaded(page, '#v');
    const messages = [];
    await page.exposeFunction('__said', (m) => messages.push(m));
    await page.evaluate((s) => {
      const r = document.querySelector('#v').shadowRoot;
      new MutationObserver(() => globalThis.__said(r.querySelector('.live output').textContent)).observe(r.querySelector('.live output'), { childList: true, characterData: true, subtree: true });
      r.querySelector('.live input').value = s;
    }, text);
    const placed = page.evaluate(() => new Promise((r) => document.querySelector('#v').addEventListener('embedscape-place', (e) => r(e.detail), { once: true })));
    await page.evaluate(() => document.querySelector('#v').shadowRoot.querySelector('.live button').click());
    const detail = await placed;
    console.log(`# placed at (${detail.x.toFixed(4)}, ${detail.y.toFixed(4)}), Node's transform (${expected[0].toFixed(4)}, ${expected[1].toFixed(4)}); said: ${messages.join(' | ')}`);
    assert.deepEqual([detail.x, detail.y], [expected[0], expected[1]], "the pin is the transform onto the saved vectors (bytes equal to Node's)");
    assert.ok(!messages.some((m) => /Embedding the/.test(m)), `the map's texts were not embedded: ${messages.join(' | ')}`);
    // the map itself has the same vectors: a text of the map is its own nearest neighbour
    await page.evaluate((s) => { document.querySelector('#v').shadowRoot.querySelector('.live input').value = s; }, MAP.texts[7]);
    const again = page.evaluate(() => new Promise((r) => document.querySelector('#v').addEventListener('embedscape-place', (e) => r(e.detail), { once: true })));
    await page.evaluate(() => document.querySelector('#v').shadowRoot.querySelector('.live button').click());
    const d2 = await again;
    assert.equal(d2.nearest[0].index, 7);
    assert.ok(d2.nearest[0].sim > 0.999, `cosine ${d2.nearest[0].sim} (int8 vectors)`);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
    await local.close();
  }
});

test('<embedscape-map> served from another origin (a CDN) shows the map and embeds live text', async (t) => {
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  const cdn = await serveStatic(ROOT, { '/model/': modelDir }, { cors: true });
  const b = await launchChromium(t);
  if (!b) { await cdn.close(); return; }
  const { page } = b;
  let site = null;
  try {
    // the documentation site: another origin (another port), one script tag pointing at the CDN
    const siteDir = mkdtempSync(path.join(tmpdir(), 'embedscape-site-'));
    writeFileSync(path.join(siteDir, 'page.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>docs</title>
<script type="module" src="${cdn.url}/web/component/embedscape-map.js"></script>
<embedscape-map id="m" src="${cdn.url}/web/examples/five-topics.map.json" model="${cdn.url}/model/" loading="eager" style="height: 420px"></embedscape-map>`);
    site = await serveStatic(siteDir);
    await page.goto(`${site.url}/page.html`);
    await waitLoaded(page, '#m');
    const text = MAP.texts[10];
    await page.evaluate((s) => { document.querySelector('#m').shadowRoot.querySelector('.live input').value = s; }, text);
    const placed = page.evaluate(() => new Promise((r, j) => {
      const el = document.querySelector('#m');
      el.addEventListener('embedscape-place', (e) => r(e.detail), { once: true });
      const out = () => el.shadowRoot.querySelector('.live output').textContent;
      const poll = setInterval(() => { if (/^Could not/.test(out())) { clearInterval(poll); j(new Error(out())); } }, 100);
      setTimeout(() => { clearInterval(poll); j(new Error(out())); }, 60000);
    }));
    await page.evaluate(() => document.querySelector('#m').shadowRoot.querySelector('.live button').click());
    const detail = await placed;
    assert.equal(detail.nearest[0].index, 10);
    assert.ok(cdn.requests.includes('/web/worker/inline.js'), 'the workers came from the CDN (its single-file worker, started from a same-origin Blob)');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
    await cdn.close();
    await site?.close();
  }
});
