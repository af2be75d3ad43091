// models/fetch-model.mjs: the Hub route against a local HTTP server that behaves like the Hugging
// Face Hub (302 from /<repo>/resolve/<rev>/<file> to a storage host for LFS files, with the sha256
// in X-Linked-Etag and the size in X-Linked-Size; Range requests on the storage host), including a
// download that breaks off and resumes, a resume across runs, a sha256 mismatch, missing files and
// no network; and the --from route with the real tokenizer folder that has no weights.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, needShared } from './helpers.mjs';
import { startHub, REPO } from './lib/hub-stub.mjs';

const SCRIPT = path.join(ROOT, 'models', 'fetch-model.mjs');
function run(args, { cwd, env = {} } = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd, env: { ...process.env, HF_ENDPOINT: '', HF_TOKEN: '', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

let hub = null;
let tiny = null;
const work = mkdtempSync(path.join(tmpdir(), 'embedscape-models-'));

before(async () => {
  tiny = path.join(ROOT, '..', 'shared', 'fixtures', 'bert-tiny');
  if (existsSync(tiny)) hub = await startHub(tiny);
});
after(async () => {
  await hub?.close();
  rmSync(work, { recursive: true, force: true });
});

function setup(t, knobs = {}) {
  if (!needShared(t, 'fixtures', 'bert-tiny')) return null;
  hub.knobs = knobs;
  hub.log.length = 0;
  return path.join(work, t.name.replace(/\W+/g, '-'));
}

function assertSameFolder(out) {
  for (const [f, b] of hub.files) assert.ok(readFileSync(path.join(out, f)).equals(b), `${f} differs from the source`);
  assert.ok(!existsSync(path.join(out, 'model.safetensors.part')), 'no .part file left behind');
}

test('Hub route: downloads every file, verifies the LFS sha256, resumes a broken download', async (t) => {
  const out = setup(t, { dropAfter: 1 << 20 });
  if (!out) return;
  const r = await run(['--model', REPO, '--hub', hub.url, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assertSameFolder(out);
  // The connection is cut after the server sent 1 MiB; whatever part of it arrived is kept, and the
  // second request asks for the rest.
  const gets = hub.log.filter((l) => l.method === 'GET' && l.path.startsWith('/storage/'));
  assert.equal(gets.length, 2);
  assert.equal(gets[0].range, null);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1].range)?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 1 << 20, `resumed at ${gets[1].range}`);
  assert.match(r.stdout, /model\.safetensors: 3\.9 MiB, sha256 ok \(resumed at \d+(\.\d)? (KiB|MiB)\)/);
  assert.match(r.stderr, /broke off.*resuming from \d+(\.\d)? (KiB|MiB)/);
  assert.match(r.stdout, /39 tensors, sizes consistent/);

  // Everything is already there: a second run downloads nothing.
  hub.log.length = 0;
  const again = await run(['--model', REPO, '--hub', hub.url, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(hub.log.filter((l) => l.method === 'GET').length, 0);
  assert.match(again.stdout, /model\.safetensors: already there \(3\.9 MiB, sha256 ok\)/);
});

test('Hub route: a .part file left by an earlier run is resumed with a Range request', async (t) => {
  const out = setup(t);
  if (!out) return;
  const w = hub.files.get('model.safetensors');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'model.safetensors.part'), w.subarray(0, 1500000));
  const r = await run(['--model', REPO, '--hub', hub.url, '--out', out, '--quiet'], { env: { HF_TOKEN: 'tok' } });
  assert.equal(r.code, 0, r.stderr);
  assertSameFolder(out);
  const gets = hub.log.filter((l) => l.method === 'GET' && l.path.startsWith('/storage/'));
  assert.deepEqual(gets.map((l) => l.range), ['bytes=1500000-']);
  assert.equal(r.stdout, '');
  // the token goes to the Hub's own addresses only, never to the storage host a file redirects to
  const resolves = hub.log.filter((l) => l.path.includes('/resolve/'));
  assert.ok(resolves.length > 0 && resolves.every((l) => l.auth === 'Bearer tok'));
  assert.ok(hub.log.filter((l) => l.path.startsWith('/storage/')).every((l) => l.auth === null));
});

test('Hub route: a download that keeps breaking off is kept for the next run', async (t) => {
  const out = setup(t, { dropAfter: 300000 });
  if (!out) return;
  const r = await run(['--model', REPO, '--hub', hub.url, '--out', out, '--retries', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^embedscape: error: model\.safetensors: download broke off.*are kept in .*model\.safetensors\.part; run the same command again to resume\.$/m);
  const kept = statSync(path.join(out, 'model.safetensors.part')).size;
  assert.ok(kept > 0 && kept <= 300000, `${kept} bytes kept`);
  const r2 = await run(['--model', REPO, '--hub', hub.url, '--out', out, '--quiet']);
  assert.equal(r2.code, 0, r2.stderr);
  assertSameFolder(out);
});

test('Hub route: a sha256 mismatch fails and deletes the damaged file', async (t) => {
  const out = setup(t, { wrongSha: true });
  if (!out) return;
  const r = await run(['--model', REPO, '--hub', hub.url, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^embedscape: error: model\.safetensors: sha256 mismatch — the Hub announced 0{64}, the download has [0-9a-f]{64}\. The damaged file was deleted/m);
  assert.ok(!existsSync(path.join(out, 'model.safetensors')));
  assert.ok(!existsSync(path.join(out, 'model.safetensors.part')));
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
});

test('Hub route: optional files may be missing, the weights are reported when missing, unknown repos fail clearly', async (t) => {
  const out = setup(t, { hide: ['vocab.txt', 'sentence_bert_config.json', 'model.safetensors'] });
  if (!out) return;
  const r = await run(['--model', REPO, '--hub', hub.url, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not in the source \(optional\): sentence_bert_config\.json/);
  assert.match(r.stderr, /warning: the weights \(model\.safetensors\) are missing/);
  assert.ok(existsSync(path.join(out, 'tokenizer.json')));

  const r2 = await run(['--model', 'nobody/nothing', '--hub', hub.url, '--out', out + '-2']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /^embedscape: error: .*nobody\/nothing\/resolve\/main\/config\.json was not found: is 'nobody\/nothing' a model repository/m);

  hub.knobs = { status: 401 };
  hub.log.length = 0;
  const r3 = await run(['--model', REPO, '--hub', hub.url, '--out', out + '-3'], { env: { HF_TOKEN: 'secret-token' } });
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /HTTP 401 .*gated.*HF_TOKEN was not accepted/);
  assert.ok(hub.log.length > 0 && hub.log.every((l) => l.auth === 'Bearer secret-token'));
});

test('no network: a clear message, no stack trace', async (t) => {
  const out = path.join(work, 'offline');
  // A port nothing listens on: connection refused, as when the network is down.
  const srv = http.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  const r = await run(['--hub', `http://127.0.0.1:${port}`, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^embedscape: error: could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Check the network connection.*--from DIR\.\n$/);
});

test('--from copies a local folder; the real tokenizer folder without weights says how to get them', async (t) => {
  const src = needShared(t, 'models', 'all-MiniLM-L6-v2');
  if (!src) return;
  const cwd = path.join(work, 'from');
  mkdirSync(cwd, { recursive: true });
  const r = await run(['--from', src], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const out = path.join(cwd, 'models', 'all-MiniLM-L6-v2');
  for (const f of ['config.json', 'tokenizer.json', 'vocab.txt', '1_Pooling/config.json', 'modules.json']) {
    assert.ok(readFileSync(path.join(out, f)).equals(readFileSync(path.join(src, f))), f);
  }
  assert.match(r.stderr, /warning: the weights \(model\.safetensors\) are missing: models\/all-MiniLM-L6-v2 has the tokenizer and configs only/);
  assert.match(r.stderr, /npm run fetch-model -- --model sentence-transformers\/all-MiniLM-L6-v2/);
  assert.match(r.stderr, /https:\/\/huggingface\.co\/sentence-transformers\/all-MiniLM-L6-v2\/resolve\/main\/model\.safetensors/);

  const bad = await run(['--from', path.join(cwd, 'no-such-folder')], { cwd });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^embedscape: error: --from: no such folder: .*no-such-folder\n$/);
});

test('--from with weights checks them; a truncated safetensors file is refused', async (t) => {
  const src = needShared(t, 'fixtures', 'bert-tiny');
  if (!src) return;
  const out = path.join(work, 'tiny-copy');
  const r = await run(['--from', src, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /model\.safetensors: 39 tensors, sizes consistent/);

  const broken = path.join(work, 'tiny-broken');
  mkdirSync(broken, { recursive: true });
  for (const f of ['config.json', 'tokenizer.json']) writeFileSync(path.join(broken, f), readFileSync(path.join(src, f)));
  writeFileSync(path.join(broken, 'model.safetensors'), readFileSync(path.join(src, 'model.safetensors')).subarray(0, 100000));
  const r2 = await run(['--from', broken, '--out', broken + '-out']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /not a valid safetensors file: tensors end at byte \d+ but the file has 100000 bytes \(truncated download\?\)/);
});

test('--dtype converts the fetched folder with `embedscape convert`', async (t) => {
  const src = needShared(t, 'fixtures', 'bert-tiny');
  if (!src) return;
  if (!existsSync(path.join(ROOT, 'web', 'cli', 'convert.mjs'))) {
    const why = 'the convert command (web/cli/convert.mjs) is not in this build yet';
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  const out = path.join(work, 'tiny-q8');
  const r = await run(['--from', src, '--out', out, '--dtype', 'q8']);
  assert.equal(r.code, 0, r.stderr);
  const q8 = statSync(path.join(out + '-q8', 'model.safetensors')).size;
  assert.ok(q8 < statSync(path.join(src, 'model.safetensors')).size * 0.6, `q8 weights are ${q8} bytes`);
  assert.ok(existsSync(path.join(out + '-q8', 'tokenizer.json')));
});

test('`embedscape fetch-model` is the same command', async () => {
  const r = await new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'web', 'cli.mjs'), 'fetch-model', '--help'], (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  for (const s of ['usage: embedscape fetch-model', '--model ORG/NAME', '(default: sentence-transformers/all-MiniLM-L6-v2)', '--from DIR', '--dtype f32|f16|q8', '--hub URL', '--retries N', '(default: 3)']) {
    assert.ok(r.stdout.includes(s), s);
  }
});
