// loadModel with a Hugging Face Hub id in Chromium, against a local stand-in for the Hub on another
// origin (tests/lib/hub-stub.mjs, with CORS as the Hub has): the files are downloaded with progress and
// kept in the Cache Storage, the vectors are the Node entry's for the same folder, the next visit loads
// from the cache with the Hub gone, an uncached model offline fails with a clear message, and a folder
// of the same name next to the page wins.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, shared, needShared } from '../helpers.mjs';
import { serveStatic, launchChromium } from './browser.helpers.mjs';
import { startHub, REPO } from '../lib/hub-stub.mjs';
import { loadModel, getDefaultPool } from '../../web/embedscape.node.js';

const TEXTS = ['The sun is shining', 'Bring an umbrella', 'It is daytime'];
const work = mkdtempSync(path.join(tmpdir(), 'embedscape-hub-page-'));
let hub = null;

before(async () => {
  if (existsSync(shared('fixtures', 'bert-tiny'))) hub = await startHub(shared('fixtures', 'bert-tiny'), { cors: true });
  writeFileSync(path.join(work, 'index.html'), '<!doctype html><meta charset="utf-8"><title>hub</title>');
});
after(async () => {
  await hub?.close();
  getDefaultPool().dispose();
  rmSync(work, { recursive: true, force: true });
});

/** Loads `id` in the page and embeds TEXTS: {name, vectors, files: [file names with download progress]} or {error}. */
const loadInPage = (page, id, hubUrl) => page.evaluate(async ({ id, hubUrl, texts }) => {
  const api = await import('/web/embedscape.js');
  const files = new Map();
  try {
    const m = await api.loadModel(id, { hubUrl, onProgress: (p) => { if (p.status === 'download') files.set(p.file, [p.done, p.total]); } });
    const v = await m.embed(texts);
    await m.dispose();
    return { name: m.name, vectors: Array.from(v.data), files: [...files] };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
}, { id, hubUrl, texts: TEXTS });

test('a Hub id in the browser: downloaded with progress, kept in the Cache Storage, a local folder wins', async (t) => {
  const tiny = needShared(t, 'fixtures', 'bert-tiny');
  if (!tiny) return;
  const b = await launchChromium(t);
  if (!b) return;
  const m = await loadModel(tiny);
  const want = Buffer.from((await m.embed(TEXTS)).data.buffer);
  await m.dispose();
  const server = await serveStatic(ROOT, { [`/app/${REPO}/`]: tiny + '/', '/app/': work + '/' });
  try {
    // a folder named like the id next to the page
    await b.page.goto(`${server.url}/app/index.html`);
    hub.log.length = 0;
    let got = await loadInPage(b.page, REPO, hub.url);
    assert.equal(got.error, undefined, got.error);
    assert.ok(Buffer.from(Float32Array.from(got.vectors).buffer).equals(want));
    assert.deepEqual(hub.log, [], 'the local folder won');

    // the Hub: the page is elsewhere now, so the id has no local folder; the repository lacks one
    // optional file (remembered as missing)
    await b.page.goto(`${server.url}/web/examples/docs.html`);
    hub.knobs = { hide: ['special_tokens_map.json'] };
    got = await loadInPage(b.page, REPO, hub.url);
    assert.equal(got.error, undefined, got.error);
    assert.equal(got.name, 'bert-tiny');
    assert.ok(Buffer.from(Float32Array.from(got.vectors).buffer).equals(want), 'the Node entry\'s vectors');
    const weights = hub.files.get('model.safetensors').length;
    assert.deepEqual(Object.fromEntries(got.files)['model.safetensors'], [weights, weights], 'progress of the weights');
    assert.ok(hub.log.some((l) => l.path.startsWith('/storage/')), 'the weights came from the storage host');

    // the next visit: from the Cache Storage, the Hub answering nothing but errors
    hub.knobs = { status: 500 };
    hub.log.length = 0;
    await b.page.reload();
    got = await loadInPage(b.page, REPO, hub.url);
    assert.equal(got.error, undefined, got.error);
    assert.ok(Buffer.from(Float32Array.from(got.vectors).buffer).equals(want));
    assert.deepEqual(hub.log, [], 'everything came from the cache, the missing file too');

    // offline, a model that is not cached
    got = await loadInPage(b.page, 'test-org/other-model', 'http://127.0.0.1:1');
    assert.match(got.error, /^EmbedscapeError: test-org\/other-model is not in this browser's cache and http:\/\/127\.0\.0\.1:1 cannot be reached \(.+\): are you offline\?$/);
  } finally {
    hub.knobs = {};
    await server.close();
    await b.close();
  }
});
