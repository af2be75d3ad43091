// The benchmarks never write into a folder given with --dir unless it is new, empty, or made by a
// benchmark (tests/bench/_dir.mjs): a folder holding a real model is refused and left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT, needShared } from './helpers.mjs';
import { claimBenchDir, markBenchDir, MARKER } from './bench/_dir.mjs';

const tmp = mkdtempSync(path.join(tmpdir(), 'embedscape-bench-dir-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('claimBenchDir: new and empty folders are claimed, a bench folder is reused, any other is refused', () => {
  const fresh = path.join(tmp, 'new', 'deeper');
  assert.equal(claimBenchDir(fresh, 't'), null);
  assert.deepEqual(readdirSync(fresh), [MARKER]);
  markBenchDir(fresh, 'shape-1');
  assert.equal(claimBenchDir(fresh, 't'), 'shape-1', 'made by a benchmark: reused, told what it holds');
  const empty = path.join(tmp, 'empty');
  mkdirSync(empty);
  assert.equal(claimBenchDir(empty, 't'), null);
  const mine = path.join(tmp, 'mine');
  mkdirSync(mine);
  writeFileSync(path.join(mine, 'model.safetensors'), 'my weights');
  assert.throws(() => claimBenchDir(mine, 'embed'), /bench embed: --dir .*mine is not empty and was not made by a benchmark/);
  assert.deepEqual(readdirSync(mine), ['model.safetensors']);
  assert.throws(() => claimBenchDir(path.join(mine, 'model.safetensors'), 'embed'), /is a file, not a folder/);
});

test('npm run bench -- embed --dir=<a folder of real files> refuses and touches nothing', (t) => {
  if (!needShared(t, 'fixtures', 'corpus', 'sentences-1k.txt')) return;
  const mine = path.join(tmp, 'real-model');
  mkdirSync(mine);
  writeFileSync(path.join(mine, 'model.safetensors'), 'my weights');
  writeFileSync(path.join(mine, 'config.json'), '{}');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'tests', 'bench', 'run.mjs'), 'embed', `--dir=${mine}`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /not empty and was not made by a benchmark/);
  assert.deepEqual(readdirSync(mine).sort(), ['config.json', 'model.safetensors']);
  assert.equal(readFileSync(path.join(mine, 'model.safetensors'), 'utf8'), 'my weights');
});
