// `embedscape map`: the whole pipeline (embed → UMAP → HDBSCAN → keywords) on the random-weight
// bert-tiny model, through the real command line. The map must be a valid map file, consistent
// (cluster sizes, labels, keywords), reproducible with the same seed whatever the thread count, and
// user mistakes must give one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, needShared } from './helpers.mjs';
import { parseMapFile } from '../web/lib/mapfile.js';

const work = mkdtempSync(path.join(tmpdir(), 'embedscape-map-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

function cli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

function inputFile(t) {
  const corpus = needShared(t, 'fixtures', 'corpus', 'sentences-1k.txt');
  if (!corpus) return null;
  const lines = readFileSync(corpus, 'utf8').split('\n').filter((l) => l.trim()).slice(0, 120);
  const f = path.join(work, 'texts.txt');
  writeFileSync(f, lines.join('\n') + '\n');
  return { file: f, lines };
}

test('map: texts in, a valid and consistent map JSON out', async (t) => {
  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  const input = inputFile(t);
  if (!input) return;
  const out = path.join(work, 'map.json');
  const r = await cli(['map', '--model', model, '--input', input.file, '--output', out, '--min-cluster-size', '5', '--seed', '7', '--threads', '2']);
  assert.equal(r.code, 0, r.stderr);
  const raw = JSON.parse(readFileSync(out, 'utf8'));
  const m = parseMapFile(raw);
  assert.equal(m.n, input.lines.length);
  assert.deepEqual(m.texts, input.lines);
  assert.equal(m.model, 'bert-tiny');
  assert.deepEqual(m.params.umap, { n_neighbors: 15, min_dist: 0.1, metric: 'cosine', seed: 7 });
  assert.deepEqual(m.params.hdbscan, { min_cluster_size: 5, min_samples: 5, method: 'eom' });
  assert.equal(raw.outlier_scores.length, m.n);
  // every cluster in the table is a label used on the map, with its real size, at least min_cluster_size
  const counts = new Map();
  for (const l of m.labels) if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1);
  assert.deepEqual(m.clusters.map((c) => c.label).sort((a, b) => a - b), [...counts.keys()].sort((a, b) => a - b));
  for (const c of m.clusters) {
    assert.equal(c.size, counts.get(c.label));
    assert.ok(c.size >= 5);
    assert.ok(Array.isArray(c.keywords) && c.keywords.length <= 10);
    for (const k of c.keywords) assert.ok(typeof k.word === 'string' && Number.isFinite(k.score));
  }
  m.probabilities.forEach((p) => assert.ok(p >= 0 && p <= 1));
  // the layout is spread out, not collapsed to a point
  const xs = m.x, ys = m.y;
  const spread = Math.max(...xs) - Math.min(...xs) + Math.max(...ys) - Math.min(...ys);
  assert.ok(spread > 1, `spread ${spread}`);

  // same seed, one thread: the same map (only the creation date may differ)
  const out1 = path.join(work, 'map1.json');
  const r1 = await cli(['map', '--model', model, '--input', input.file, '--output', out1, '--min-cluster-size', '5', '--seed', '7', '--threads', '1', '--quiet']);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(r1.stderr, '');
  const again = JSON.parse(readFileSync(out1, 'utf8'));
  delete again.created; delete raw.created;
  assert.deepEqual(again, raw);
});

test('map: user mistakes give one-line errors', async (t) => {
  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  const out = path.join(work, 'bad.json');
  const empty = path.join(work, 'empty.txt');
  writeFileSync(empty, '');
  const two = path.join(work, 'two.txt');
  writeFileSync(two, 'one\ntwo\n');
  const cases = [
    [['map', '--model', model, '--input', path.join(work, 'missing.txt'), '--output', out], 1, /^embedscape: error: no such file: .*missing\.txt$/],
    [['map', '--model', model, '--input', empty, '--output', out], 1, /^embedscape: error: .*empty\.txt has no texts$/],
    [['map', '--model', model, '--input', two, '--output', out], 1, /^embedscape: error: .*two\.txt has 2 texts: a map needs at least 3$/],
    [['map', '--model', model, '--input', two, '--output', out, '--min-cluster-size', '1'], 2, /^embedscape: error: --min-cluster-size must be >= 2, got 1 \(see 'embedscape map --help'\)$/],
    [['map', '--model', model, '--input', two, '--output', out, '--method', 'best'], 2, /^embedscape: error: --method must be one of eom, leaf, got 'best' \(see 'embedscape map --help'\)$/],
    [['map', '--input', two, '--output', out], 2, /^embedscape: error: --model is required \(see 'embedscape map --help'\)$/],
    [['map', '--model', path.join(work, 'no-model'), '--input', inputFile(t).file, '--output', out], 1, /^embedscape: error: .*no-model/],
  ];
  for (const [args, code, re] of cases) {
    const r = await cli(args);
    assert.equal(r.code, code, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re);
    assert.ok(!r.stderr.includes('    at '), `no stack trace: ${r.stderr}`);
  }
});

test('map --help lists every option with its default', async () => {
  const r = await cli(['map', '--help']);
  assert.equal(r.code, 0);
  for (const s of ['--n-neighbors N', '(default: 15)', '--min-dist', '(default: 0.1)', '--min-cluster-size', '--min-samples', '--method eom|leaf', '--metric cosine|euclidean', '--seed', '--threads', '--dtype auto|f32|f16|q8']) {
    assert.ok(r.stdout.includes(s), s);
  }
});
