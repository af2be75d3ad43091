// README's recipe for putting <embedscape-map> on a static documentation site, run as written: its
// copy commands (the shell blocks of the section) are executed in an empty folder with the package
// at node_modules/embedscape, the map JSON goes where the recipe's HTML snippet points, the snippet
// is the body of a page two folders deep (guide/topics/index.html, as MkDocs builds
// docs/guide/topics.md), and the site is served with the recipe's Content-Security-Policy as a header
// on every response. In Chromium and in Firefox the map must be drawn from exactly the copied files;
// with the second copy command and a model folder, a reader's sentence must be placed. A file missing
// from the recipe, a wrong relative path or a policy too strict for the component fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, artifactDir, needShared } from '../helpers.mjs';
import { serveStatic, launchChromium, countColors } from './browser.helpers.mjs';
import { startFirefox, openTab } from './firefox.helpers.mjs';
import { placeText } from './map-checks.mjs';
import { clusterColor } from '../../web/lib/palette.js';

const ART = artifactDir('docs-site');
const MAP_FILE = path.join(ROOT, 'web', 'examples', 'five-topics.map.json');
const MAP = JSON.parse(readFileSync(MAP_FILE, 'utf8'));
const PAGE = '/guide/topics/index.html';
const MODEL_URL = '../../assets/models/bert-tiny/';
const work = mkdtempSync(path.join(tmpdir(), 'embedscape-docs-site-'));
let firefox = null;

/** The recipe's code blocks, in README order: copy commands, the page snippet, the two policies. */
function readRecipe() {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### On a static documentation site');
  assert.ok(start >= 0, 'README has the docs-site recipe');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const blocks = [...section.matchAll(/^( *)```(\w+)\n([\s\S]*?)^\1```$/gm)]
    .map((m) => ({ lang: m[2], code: m[3].split('\n').map((l) => l.slice(m[1].length)).join('\n') }));
  const copies = blocks.filter((b) => b.lang === 'sh' && !/embedscape map/.test(b.code)).map((b) => b.code);
  const html = blocks.filter((b) => b.lang === 'html').map((b) => b.code);
  const csp = blocks.filter((b) => b.lang === 'text').map((b) => b.code.trim());
  assert.equal(copies.length, 2, 'two copy commands: for saved maps, and for live text');
  assert.equal(html.length, 1, 'one page snippet');
  assert.equal(csp.length, 2, 'two policies: for saved maps, and for live text');
  return { copies, html: html[0], csp };
}

/**
 * Runs the copy commands in a fresh folder (the package as node_modules/embedscape) and writes the
 * page and the map JSON where the snippet refers to them. Returns the site's folder (docs/).
 */
function makeSite(name, commands, snippet) {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, path.join(dir, 'node_modules', 'embedscape'), 'dir');
  execFileSync('bash', ['-euo', 'pipefail', '-c', commands.join('\n')], { cwd: dir, stdio: 'pipe' });
  const site = path.join(dir, 'docs');
  const src = /<embedscape-map\b[^>]*\ssrc="([^"]+)"/.exec(snippet)?.[1];
  assert.ok(src, 'the snippet names a map file');
  const mapPath = new URL(src, `http://site${PAGE}`).pathname;
  mkdirSync(path.dirname(path.join(site, mapPath)), { recursive: true });
  copyFileSync(MAP_FILE, path.join(site, mapPath));
  mkdirSync(path.dirname(path.join(site, PAGE)), { recursive: true });
  writeFileSync(path.join(site, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="3"/></svg>');
  writeFileSync(path.join(site, PAGE), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Topics — a docs site</title><link rel="icon" href="../../favicon.svg"></head>
<body><main><h1>What the texts are about</h1>
${snippet}
</main></body></html>
`);
  return site;
}

let recipe, savedSite, liveSite;
before(async () => {
  recipe = readRecipe();
  savedSite = makeSite('saved', [recipe.copies[0]], recipe.html);
  // live text: both copy commands, and the element names a model folder (served from ../shared)
  const live = recipe.html.replace('<embedscape-map ', `<embedscape-map model="${MODEL_URL}" `);
  assert.notEqual(live, recipe.html);
  liveSite = makeSite('live', recipe.copies, live);
  firefox = await startFirefox();
});
after(async () => {
  await firefox?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Polls fn(arg) in the page until it returns a truthy value (the same call in playwright and puppeteer). */
async function until(page, fn, arg, what, ms = 30_000) {
  const t0 = Date.now();
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every request the page made was for a file of the site (or the model): nothing is missing. */
function checkServed(server, site) {
  const missing = [...new Set(server.requests)].filter((p) => !p.startsWith('/assets/models/bert-tiny/') && !existsSync(path.join(site, p)));
  assert.deepEqual(missing, [], 'requests for files the recipe did not copy');
}

/** The saved map on the nested page: loaded, every cluster drawn in its colour. */
async function checkSavedMap(page, url, shot) {
  await page.goto(url);
  await until(page, () => document.querySelector('embedscape-map')?.map?.n ?? 0, null, 'the map to load');
  await new Promise((r) => setTimeout(r, 150)); // one frame for the first draw
  const labels = [...new Set(MAP.labels.filter((l) => l >= 0))].sort((a, b) => a - b);
  const px = await countColors(page, 'embedscape-map', labels.map(clusterColor));
  labels.forEach((l, i) => assert.ok(px.counts[i] > 40, `cluster ${l} has ${px.counts[i]} pixels`));
  assert.equal(await page.evaluate(() => document.querySelector('embedscape-map').map.n), MAP.texts.length);
  await (await page.$('embedscape-map')).screenshot({ path: path.join(ART, shot) });
}

/** Places a text of the map with the live copy; it must be its own nearest neighbour. */
async function checkLiveText(page) {
  const detail = await placeText(page, 'embedscape-map', MAP.texts[7]);
  assert.equal(detail.nearest[0].index, 7);
  assert.ok(detail.nearest[0].sim > 0.9999, `cosine ${detail.nearest[0].sim}`);
}

/** Both sites in one browser: `open()` gives {page, errors: () => [...], close}. */
async function checkBothSites(open, browserName, modelDir) {
  const a = await open();
  if (!a) return;
  const saved = await serveStatic(savedSite, {}, { headers: { 'content-security-policy': recipe.csp[0] } });
  const live = await serveStatic(liveSite, { '/assets/models/bert-tiny/': modelDir }, { headers: { 'content-security-policy': recipe.csp[1] } });
  try {
    await checkSavedMap(a.page, `${saved.url}${PAGE}`, `${browserName}-saved.png`);
    checkServed(saved, savedSite);
    assert.ok(!saved.requests.some((p) => /embedscape\.js|engine|worker/.test(p)), `no engine for a saved map: ${saved.requests.join(' ')}`);
    assert.deepEqual(a.errors(), [], 'no console errors (a refused CSP directive is one)');

    await checkSavedMap(a.page, `${live.url}${PAGE}`, `${browserName}-live.png`);
    await checkLiveText(a.page);
    await (await a.page.$('embedscape-map')).screenshot({ path: path.join(ART, `${browserName}-live-placed.png`) });
    checkServed(live, liveSite);
    assert.ok(live.requests.includes('/assets/embedscape/worker/worker.js'), 'the workers came from the copied files');
    assert.deepEqual(a.errors(), [], 'no console errors (a refused CSP directive is one)');
  } finally {
    await a.close();
    await saved.close();
    await live.close();
  }
}

test('docs site: the recipe copies only what the component needs', () => {
  const files = (dir) => execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  const saved = files(path.join(savedSite, 'assets', 'embedscape'));
  assert.ok(saved.length <= 6, `a saved map needs a handful of files: ${saved.join(' ')}`);
  assert.ok(saved.includes('./LICENSE'), 'the licence goes with the copied code');
  assert.ok(files(path.join(liveSite, 'assets', 'embedscape')).includes('./THIRD_PARTY_NOTICES.txt'), 'the engine goes with its notices');
});

test('docs site: a nested page draws the map from the copied files, and places a reader\'s text (Chromium)', { timeout: 120_000 }, async (t) => {
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  await checkBothSites(async () => {
    const b = await launchChromium(t);
    return b && { page: b.page, errors: () => b.errors, close: b.close };
  }, 'chromium', modelDir);
});

test('docs site: a nested page draws the map from the copied files, and places a reader\'s text (Firefox)', { timeout: 120_000 }, async (t) => {
  const modelDir = needShared(t, 'fixtures', 'bert-tiny');
  if (!modelDir) return;
  await checkBothSites(async () => {
    const tab = await openTab(t, firefox);
    return tab && { page: tab.page, errors: () => tab.problems, close: tab.close };
  }, 'firefox', modelDir);
});
