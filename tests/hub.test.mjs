// loadModel / loadTokenizer with a Hugging Face Hub id in Node, against a local stand-in for the Hub
// (tests/lib/hub-stub.mjs): the files go into the cache folder ($EMBEDSCAPE_CACHE here) with progress,
// the model embeds exactly as the same folder loaded from disk, a cached model loads with the Hub
// gone, an uncached one fails with a clear offline message, a local folder of the same name wins, an
// unknown repository is named as such, and a tokenizer downloads no weights. (The browser's route,
// Cache Storage, is tested in tests/e2e/hub.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, mkdirSync, cpSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { shared, needShared } from './helpers.mjs';
import { startHub, REPO } from './lib/hub-stub.mjs';
import { loadModel, loadTokenizer, getDefaultPool } from '../web/embedscape.node.js';

const work = mkdtempSync(path.join(tmpdir(), 'embedscape-hub-'));
const TEXTS = ['The sun is shining', 'Bring an umbrella', 'It is daytime'];
let hub = null;
let reference = null; // the folder's own vectors

before(async () => {
  if (existsSync(shared('fixtures', 'bert-tiny'))) hub = await startHub(shared('fixtures', 'bert-tiny'));
});
after(async () => {
  await hub?.close();
  getDefaultPool().dispose();
  delete process.env.EMBEDSCAPE_CACHE;
  rmSync(work, { recursive: true, force: true });
});

function freshCache(name) {
  process.env.EMBEDSCAPE_CACHE = path.join(work, name);
  hub.knobs = {};
  hub.log.length = 0;
  return process.env.EMBEDSCAPE_CACHE;
}

async function embedWith(source, opts) {
  const m = await loadModel(source, opts);
  try {
    return { name: m.name, data: Buffer.from((await m.embed(TEXTS)).data.buffer) };
  } finally {
    await m.dispose();
  }
}

test('a Hub id downloads into the cache folder once, with progress, and embeds as the folder does', async (t) => {
  const tiny = needShared(t, 'fixtures', 'bert-tiny');
  if (!tiny) return;
  reference = await embedWith(tiny);
  const cache = freshCache('one');
  // the weights' download breaks off once and resumes; a file the repository lacks is remembered as such
  hub.knobs = { dropAfter: 1 << 20, hide: ['special_tokens_map.json'] };
  const seen = new Map();
  const got = await embedWith(REPO, { hubUrl: hub.url, onProgress: (p) => { if (p.status === 'download') seen.set(p.file, p); } });
  assert.equal(got.name, 'bert-tiny');
  assert.ok(got.data.equals(reference.data), 'the same vectors as the folder on disk');
  const weights = hub.files.get('model.safetensors');
  assert.ok(readFileSync(path.join(cache, 'test-org', 'bert-tiny', 'model.safetensors')).equals(weights));
  assert.equal(seen.get('model.safetensors')?.done, weights.length, 'progress reached the size of the weights');
  assert.equal(seen.get('model.safetensors')?.total, weights.length);
  const ranges = hub.log.filter((l) => l.method === 'GET' && l.path.startsWith('/storage/')).map((l) => l.range);
  assert.equal(ranges.length, 2, 'one download that broke off, one that resumed');
  assert.match(ranges[1], /^bytes=\d+-$/);

  assert.deepEqual(JSON.parse(readFileSync(path.join(cache, 'test-org', 'bert-tiny', '.missing.json'), 'utf8')), ['special_tokens_map.json']);

  // the second time: from the cache, with the Hub answering nothing but errors
  hub.knobs = { status: 500 };
  hub.log.length = 0;
  const again = await embedWith(REPO, { hubUrl: hub.url });
  assert.ok(again.data.equals(reference.data));
  assert.deepEqual(hub.log, [], 'nothing was asked of the Hub');
});

test('offline and not cached: a clear message naming the cache folder', async (t) => {
  if (!needShared(t, 'fixtures', 'bert-tiny')) return;
  const cache = freshCache('offline');
  const srv = http.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const down = `http://127.0.0.1:${srv.address().port}`;
  await new Promise((r) => srv.close(r));
  await assert.rejects(loadModel(REPO, { hubUrl: down }), (e) => {
    assert.equal(e.name, 'EmbedscapeError');
    assert.ok(e.message.startsWith(`${REPO}: `), e.message);
    assert.ok(e.message.includes(path.join(cache, 'test-org', 'bert-tiny')), e.message);
    assert.match(e.message, /cannot be reached \(ECONNREFUSED\)\. Connect once to download it, or give loadModel the path of a model folder/);
    return true;
  });
});

test('a local folder named like the id wins; an unknown repository is named as such', async (t) => {
  const tiny = needShared(t, 'fixtures', 'bert-tiny');
  if (!tiny) return;
  freshCache('local');
  const cwd = process.cwd();
  const dir = path.join(work, 'project');
  mkdirSync(path.join(dir, 'test-org'), { recursive: true });
  cpSync(tiny, path.join(dir, REPO), { recursive: true });
  process.chdir(dir);
  try {
    const got = await embedWith(REPO, { hubUrl: hub.url });
    assert.ok(got.data.equals(reference.data));
    assert.deepEqual(hub.log, [], 'the Hub was not asked');
  } finally {
    process.chdir(cwd);
  }
  await assert.rejects(loadModel('nobody/nothing', { hubUrl: hub.url }), /^EmbedscapeError: nobody\/nothing: no model folder nobody\/nothing here, and no such model on http:\/\/127\.0\.0\.1:\d+ \(.*\/nobody\/nothing\/resolve\/main\/config\.json: HTTP 404\)$/);
  await assert.rejects(loadModel(REPO, { hubUrl: hub.url, revisoin: 'v1' }), /unknown option 'revisoin'/);
});

test('loadTokenizer with a Hub id downloads the tokenizer files only', async (t) => {
  if (!needShared(t, 'fixtures', 'bert-tiny')) return;
  const cache = freshCache('tokenizer');
  const tok = await loadTokenizer(REPO, { hubUrl: hub.url });
  try {
    const ids = await tok.encode('The sun is shining');
    assert.ok(ids.length > 2);
  } finally {
    await tok.dispose();
  }
  assert.ok(!hub.log.some((l) => l.path.includes('model.safetensors')), 'no request for the weights');
  assert.ok(existsSync(path.join(cache, 'test-org', 'bert-tiny', 'tokenizer.json')));
});
