// `embedscape hdbscan` from the command line: the contract's JSON, the library's labels, clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatNpy } from '../web/lib/io.js';
import { CLI, needShared } from './helpers.mjs';

function cli(args) {
  return spawnSync(process.execPath, [CLI, 'hdbscan', ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('hdbscan CLI writes the library\'s labels, probabilities and outlier scores', (t) => {
  const dir = needShared(t, 'fixtures', 'datasets');
  if (!dir) return;
  const tmp = mkdtempSync(path.join(tmpdir(), 'hdbscan-cli-'));
  try {
    const buf = readFileSync(path.join(dir, 'moons_blobs_noise_2d.f32'));
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const npy = path.join(tmp, 'x.npy');
    writeFileSync(npy, formatNpy(data, [2000, 2]));
    for (const [mcs, ms, method] of [[15, 5, 'eom'], [5, 5, 'leaf']]) {
      const out = path.join(tmp, `l_${mcs}_${ms}_${method}.json`);
      const r = cli(['--input', npy, '--output', out, '--min-cluster-size', String(mcs), '--min-samples', String(ms), '--method', method]);
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(readFileSync(out, 'utf8'));
      assert.deepEqual(Object.keys(got), ['labels', 'probabilities', 'outlier_scores']);
      const g = JSON.parse(readFileSync(path.join(dir, `moons_blobs_noise_2d.hdbscan_mcs${mcs}_ms${ms}_${method}.json`), 'utf8'));
      assert.deepEqual(got.labels, g.labels);
      for (let i = 0; i < 2000; i++) {
        assert.ok(Math.abs(got.probabilities[i] - g.probabilities[i]) <= 1e-5, `probability ${i}`);
        assert.ok(Math.abs(got.outlier_scores[i] - g.outlier_scores[i]) <= 1e-5, `outlier score ${i}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('hdbscan CLI: defaults, help and errors', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'hdbscan-cli-'));
  try {
    const n = 60, data = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) { data[2 * i] = (i % 3) * 10 + (i % 7) * 0.1; data[2 * i + 1] = (i % 5) * 0.1; }
    const npy = path.join(tmp, 'x.npy');
    writeFileSync(npy, formatNpy(data, [n, 2]));
    const out = path.join(tmp, 'l.json');
    const ok = cli(['--input', npy, '--output', out, '--allow-single-cluster', '--cluster-selection-epsilon', '0.5']);
    assert.equal(ok.status, 0, ok.stderr);
    const got = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(got.labels.length, n);
    assert.ok(got.labels.every((l) => Number.isInteger(l) && l >= -1));

    const help = cli(['--help']);
    assert.equal(help.status, 0);
    for (const o of ['--min-cluster-size', '--min-samples', '--method', '--allow-single-cluster', '--cluster-selection-epsilon']) assert.match(help.stdout, new RegExp(o));
    assert.match(help.stdout, /default: 5/);

    data[7] = NaN;
    writeFileSync(npy, formatNpy(data, [n, 2]));
    const nan = cli(['--input', npy, '--output', out]);
    assert.equal(nan.status, 1);
    assert.match(nan.stderr, /^embedscape: error: .*NaN value at row 3, column 1/);
    assert.equal(nan.stderr.trim().split('\n').length, 1, 'one line, no stack trace');

    const missing = cli(['--input', path.join(tmp, 'nope.npy'), '--output', out]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^embedscape: error: no such file/);
    const badMethod = cli(['--input', npy, '--output', out, '--method', 'best']);
    assert.equal(badMethod.status, 2);
    const badSize = cli(['--input', npy, '--output', out, '--min-cluster-size', '1']);
    assert.equal(badSize.status, 2, 'a value out of range is a usage error');
    assert.match(badSize.stderr, /min-cluster-size must be >= 2, got 1/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
