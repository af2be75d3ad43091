// The map JSON's optional vectors (int8 per value, a scale per row: web/lib/mapfile.js): how close
// they stay to the float32 vectors, how large they are, how parseMapFile refuses a damaged field, and
// `embedscape map --vectors --python F` (the stored vectors are the model's, the script is written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ROOT, CLI, needShared } from './helpers.mjs';
import { rng } from './lib/random-bert.mjs';
import { createMapFile, parseMapFile, loadModel, parseTexts, getDefaultPool } from '../web/embedscape.node.js';
import { encodeVectors, decodeVectors } from '../web/lib/mapfile.js';

const run = promisify(execFile);

function unitRows(n, dim, seed) {
  const r = rng(seed);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) { const v = r() - 0.5; data[i * dim + j] = v; s += v * v; }
    for (let j = 0; j < dim; j++) data[i * dim + j] /= Math.sqrt(s);
  }
  return { data, n, dim };
}

const tinyMap = (extra = {}) => createMapFile({
  texts: ['a', 'b', 'c'], xy: { data: new Float32Array([0, 0, 1, 1, 2, 2]), n: 3, dim: 2 }, labels: [0, 0, -1], ...extra,
});

test('int8 vectors: within scale/2 of every value, cosine > 0.9999, about 0.52 KB per 384-d text', () => {
  const m = unitRows(200, 384, 3);
  m.data.fill(0, 5 * 384, 6 * 384); // a zero row stays zero
  const v = encodeVectors(m);
  const back = decodeVectors(JSON.parse(JSON.stringify(v)), m.n);
  let worstCos = 1;
  for (let i = 0; i < m.n; i++) {
    let dot = 0, a = 0, b = 0;
    for (let j = 0; j < m.dim; j++) {
      const x = m.data[i * m.dim + j], y = back.data[i * m.dim + j];
      assert.ok(Math.abs(x - y) <= v.scale[i] / 2 + 1e-7, `row ${i} col ${j}: ${x} vs ${y} (scale ${v.scale[i]})`);
      dot += x * y; a += x * x; b += y * y;
    }
    if (a > 0) worstCos = Math.min(worstCos, dot / Math.sqrt(a * b));
  }
  assert.equal(v.scale[5], 0);
  assert.ok(back.data.subarray(5 * 384, 6 * 384).every((x) => x === 0));
  assert.ok(worstCos > 0.9999, `worst cosine ${worstCos}`);
  const bytes = JSON.stringify(v).length;
  assert.ok(bytes / m.n < 540, `${bytes / m.n} bytes per text`);
  console.log(`# 200 texts x 384 dims: ${(bytes / 1024).toFixed(1)} KB of JSON (${(bytes / m.n).toFixed(0)} bytes per text), ${(gzipSync(JSON.stringify(v)).length / 1024).toFixed(1)} KB gzip; worst cosine ${worstCos.toFixed(7)}`);
  // in a map, parsed back
  const map = createMapFile({ texts: Array.from({ length: 200 }, (_, i) => `t${i}`), xy: { data: new Float32Array(400), n: 200, dim: 2 }, labels: new Array(200).fill(0), vectors: m });
  const parsed = parseMapFile(JSON.stringify(map));
  assert.deepEqual(parsed.vectorsMatrix, back);
  assert.equal(parseMapFile(JSON.stringify(tinyMap())).vectorsMatrix, null, 'a map without vectors');
});

test('parseMapFile names what is wrong with a map\'s vectors', () => {
  const good = tinyMap({ vectors: { data: new Float32Array([1, -1, 0.5, 0, 0, 0, 0.2, 0.1, 0]), n: 3, dim: 3 } });
  assert.equal(parseMapFile(good).vectorsMatrix.dim, 3);
  assert.throws(() => createMapFile({ ...good, xy: { data: new Float32Array(6), n: 3, dim: 2 }, texts: good.texts, labels: good.labels, vectors: { data: new Float32Array(6), n: 2, dim: 3 } }), /map: 3 texts but 2 vectors/);
  const bad = (patch) => () => parseMapFile({ ...good, vectors: { ...good.vectors, ...patch } });
  assert.throws(() => parseMapFile({ ...good, vectors: [1, 2] }), /"vectors" must be an object \{encoding, dim, scale, data\}/);
  assert.throws(bad({ encoding: 'f16' }), /encoding "f16" is not supported \(this build reads "int8"\)/);
  assert.throws(bad({ dim: 0 }), /"dim" must be a whole number from 1 to 65536, got 0/);
  assert.throws(bad({ scale: [1, 2] }), /"scale" must have 3 entries like "texts"/);
  assert.throws(bad({ scale: [1, -2, 3] }), /scale 1 must be a finite number >= 0, got -2/);
  assert.throws(bad({ data: 12 }), /"data" must be a base64 string/);
  assert.throws(bad({ data: '!!!' }), /"data" is not base64/);
  assert.throws(bad({ data: 'AAAA' }), /"data" holds 3 values, expected 3 texts x 3 dimensions = 9/);
});

test('embedscape map --vectors --python F: the model\'s vectors in the map, and the script beside it', async (t) => {
  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  const work = mkdtempSync(path.join(tmpdir(), 'embedscape-mapvectors-'));
  try {
    const input = path.join(work, 'texts.txt');
    writeFileSync(input, readFileSync(path.join(ROOT, 'web', 'samples', 'five-topics.txt'), 'utf8').split('\n').slice(0, 40).join('\n'));
    const out = path.join(work, 'texts.map.json'), py = path.join(work, 'rebuild.py');
    const r = await run(process.execPath, [CLI, 'map', '--model', model, '--input', input, '--output', out, '--vectors', '--python', py, '--n-neighbors', '8', '--quiet']);
    assert.equal(r.stderr, '');
    const map = parseMapFile(readFileSync(out, 'utf8'));
    const m = await loadModel(model);
    const want = await m.embed(parseTexts(readFileSync(input), 'texts.txt'));
    await m.dispose();
    getDefaultPool().dispose();
    assert.equal(map.vectorsMatrix.dim, want.dim);
    for (let i = 0; i < want.n * want.dim; i++) {
      const s = map.vectors.scale[Math.floor(i / want.dim)];
      if (Math.abs(map.vectorsMatrix.data[i] - want.data[i]) > s / 2 + 1e-7) assert.fail(`value ${i}: ${map.vectorsMatrix.data[i]} vs ${want.data[i]}`);
    }
    const script = readFileSync(py, 'utf8');
    assert.match(script, /^UMAP_PARAMS = \{"n_neighbors": 8, "min_dist": 0\.1, "metric": "cosine", "n_components": 2, "random_state": 42\}$/m);
    assert.match(script, /^HDBSCAN_PARAMS = \{"min_cluster_size": 5, "min_samples": 5, "cluster_selection_method": "eom"\}$/m);
    assert.match(script, /python rebuild\.py texts\.map\.json /);
    // without --vectors the map has none
    await run(process.execPath, [CLI, 'map', '--model', model, '--input', input, '--output', out, '--quiet']);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).vectors, undefined);
    assert.ok(existsSync(py));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
