// openFolder reads a model folder from a path, a URL or in-memory files; a missing file is null.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openFolder } from '../web/embedscape.node.js';

function makeDir() {
  const d = mkdtempSync(path.join(tmpdir(), 'es-folder-'));
  writeFileSync(path.join(d, 'config.json'), '{"hidden_size": 8}');
  mkdirSync(path.join(d, '1_Pooling'));
  writeFileSync(path.join(d, '1_Pooling', 'config.json'), '{"pooling_mode_mean_tokens": true}');
  writeFileSync(path.join(d, 'bad.json'), '{nope');
  return d;
}

test('path, file: URL and memory folders read the same files', async () => {
  const d = makeDir();
  for (const src of [d, pathToFileURL(d + '/').href, { files: { 'config.json': new TextEncoder().encode('{"hidden_size": 8}'), '1_Pooling/config.json': new TextEncoder().encode('{"pooling_mode_mean_tokens": true}') } }]) {
    const f = openFolder(src);
    assert.deepEqual(await f.readJson('config.json'), { hidden_size: 8 });
    assert.deepEqual(await f.readJson('1_Pooling/config.json'), { pooling_mode_mean_tokens: true });
    assert.equal(await f.read('missing.txt'), null);
  }
  await assert.rejects(openFolder(d).readJson('bad.json'), /bad\.json .* is not valid JSON/);
  await assert.rejects(openFolder(path.join(d, 'nope')).read('config.json'), /model folder not found/);
});

test('picked folder names are stripped of their top folder', async () => {
  const f = openFolder({ files: { 'mymodel/config.json': new Uint8Array([123, 125]) } });
  assert.equal(f.name, 'mymodel');
  assert.deepEqual(await f.readJson('config.json'), {});
});

test('http folder: 404 is null, progress is reported', async () => {
  const server = http.createServer((req, res) => {
    if (req.url === '/m/config.json') { res.writeHead(200, { 'content-length': 2 }); res.end('{}'); return; }
    res.writeHead(404); res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const f = openFolder(`http://127.0.0.1:${server.address().port}/m/`);
    const seen = [];
    assert.deepEqual(await f.read('config.json', { onProgress: (p) => seen.push(p) }).then((b) => JSON.parse(new TextDecoder().decode(b))), {});
    assert.equal(seen.at(-1).loaded, 2);
    assert.equal(await f.read('vocab.txt'), null);
    assert.equal(f.name, 'm');
  } finally {
    server.close();
  }
});
