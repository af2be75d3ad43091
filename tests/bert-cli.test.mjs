// The embed and convert commands, run as a user would (node web/cli.mjs …).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, needShared } from './helpers.mjs';
import { parseNpy } from '../web/lib/io.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'embedscape-embed-cli-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

test('embed writes the fixture vectors as .npy, the same bytes with 1 or 2 threads', (t) => {
  const dir = needShared(t, 'fixtures', 'bert-tiny');
  if (!dir) return;
  const rows = readFileSync(path.join(dir, 'expected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const input = path.join(tmp, 'in.jsonl');
  writeFileSync(input, rows.map((r) => JSON.stringify({ text: r.text })).join('\n') + '\n');
  const outs = [];
  for (const threads of ['1', '2']) {
    const out = path.join(tmp, `v${threads}.npy`);
    const r = cli('embed', '--model', dir, '--input', input, '--output', out, '--threads', threads);
    assert.equal(r.status, 0, r.stderr);
    outs.push(readFileSync(out));
  }
  assert.deepEqual(outs[1], outs[0]);
  const { data, shape } = parseNpy(new Uint8Array(outs[0]));
  assert.deepEqual(shape, [rows.length, 32]);
  rows.forEach((r, i) => r.embedding.forEach((v, j) => assert.ok(Math.abs(v - data[i * 32 + j]) <= 1e-5)));
});

test('convert f16 and q8 folders embed through the same command', (t) => {
  const dir = needShared(t, 'fixtures', 'bert-tiny');
  if (!dir) return;
  const input = path.join(tmp, 'few.txt');
  writeFileSync(input, 'The sun is shining\nBring an umbrella\n');
  const base = path.join(tmp, 'base.npy');
  assert.equal(cli('embed', '--model', dir, '--input', input, '--output', base).status, 0);
  const ref = parseNpy(new Uint8Array(readFileSync(base))).data;
  for (const dtype of ['f16', 'q8']) {
    const out = path.join(tmp, `tiny-${dtype}`);
    const c = cli('convert', '--model', dir, '--dtype', dtype, '--output', out);
    assert.equal(c.status, 0, c.stderr);
    assert.ok(existsSync(path.join(out, 'tokenizer.json')) && existsSync(path.join(out, '1_Pooling', 'config.json')));
    assert.ok(readFileSync(path.join(out, 'model.safetensors')).length < readFileSync(path.join(dir, 'model.safetensors')).length * 0.6);
    const v = path.join(tmp, `${dtype}.npy`);
    const e = cli('embed', '--model', out, '--input', input, '--output', v);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stderr, new RegExp(`\\(${dtype}, `));
    const got = parseNpy(new Uint8Array(readFileSync(v))).data;
    for (let i = 0; i < 2; i++) {
      let dot = 0;
      for (let j = 0; j < 32; j++) dot += got[i * 32 + j] * ref[i * 32 + j];
      assert.ok(dot >= (dtype === 'f16' ? 0.9999 : 0.995), `${dtype}: cosine ${dot}`);
    }
  }
  // --dtype at embed time on the f32 folder
  const q = path.join(tmp, 'q.npy');
  assert.equal(cli('embed', '--model', dir, '--input', input, '--output', q, '--dtype', 'q8').status, 0);
});

test('embed and convert: user mistakes give one error line, exit 1 or 2', (t) => {
  const dir = needShared(t, 'fixtures', 'bert-tiny');
  if (!dir) return;
  const input = path.join(tmp, 'x.txt');
  writeFileSync(input, 'hello\n');
  const cases = [
    [['embed', '--model', path.join(tmp, 'nope'), '--input', input, '--output', path.join(tmp, 'o.npy')], 1, /model folder not found|no config/],
    [['embed', '--model', dir, '--input', input, '--output', path.join(tmp, 'o.npy'), '--dtype', 'q4'], 2, /--dtype must be one of/],
    [['embed', '--model', dir, '--input', input, '--output', path.join(tmp, 'o.txt')], 2, /\.npy/],
    [['embed', '--model', dir, '--input', input, '--output', path.join(tmp, 'o.npy'), '--threads', '0'], 2, /--threads must be >= 1/],
    [['embed', '--model', dir, '--input', path.join(tmp, 'missing.txt'), '--output', path.join(tmp, 'o.npy')], 1, /no such file/],
    [['convert', '--model', dir, '--dtype', 'f16', '--output', dir], 1, /are the same folder/],
    [['convert', '--model', tmp, '--dtype', 'q8', '--output', path.join(tmp, 'c')], 1, /no model\.safetensors/],
  ];
  for (const [args, code, re] of cases) {
    const r = cli(...args);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^embedscape: error: /);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
