// Random BERT models of other shapes, written in the Hugging Face layout by tests/lib/random-bert.mjs,
// against a plain float64 forward pass (same file); convert f16/q8 round trips; the full MiniLM shape
// (384/6/12/1536, vocab 30522) for f16 and q8 vs f32; and the real all-MiniLM-L6-v2 known answers
// when its weights are present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.mjs';
import { writeRandomBert, referenceEmbed } from './lib/random-bert.mjs';
import { createEngine } from '../web/worker/index.js';
import { createBertModel } from '../web/worker/index.js';
import { loadModel } from '../web/embedscape.node.js';
import { convertSafetensors, parseSafetensors } from '../web/lib/safetensors.js';
import { readModelFiles } from '../web/internals.js';

const TEXTS = ['The sun is shining', 'Bring an umbrella', "It's daytime", 'the weather is great, a great day!', '',
  'maps of word embeddings in the browser, clustered and shining with many many words in it'];

function stats(a, b) {
  let dot = 0, na = 0, nb = 0, maxErr = 0;
  for (let j = 0; j < a.length; j++) { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; maxErr = Math.max(maxErr, Math.abs(a[j] - b[j])); }
  return { cos: dot / Math.sqrt(na * nb), maxErr };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'embedscape-bert-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const SHAPES = [
  { name: '3 layers, hidden 48, 3 heads, ff 80, CLS pooling, no Normalize, F32, bert. prefix, generated vocab',
    o: { layers: 3, hidden: 48, heads: 3, intermediate: 80, pooling: 'cls', normalize: false, dtype: 'F32', prefix: 'bert.', tokenizer: 'generated', seed: 3 } },
  { name: '2 layers, hidden 40, 5 heads, ff 72, max pooling, Normalize, BF16, MiniLM tokenizer, max_seq_length 12',
    o: { layers: 2, hidden: 40, heads: 5, intermediate: 72, pooling: 'max', normalize: true, dtype: 'BF16', maxSeqLength: 12, seed: 4 } },
  { name: '1 layer, hidden 52, 4 heads (13 per head), ff 36, mean pooling, Normalize, F16, eps 1e-5, 3 token types',
    o: { layers: 1, hidden: 52, heads: 4, intermediate: 36, pooling: 'mean', normalize: true, dtype: 'F16', eps: 1e-5, typeVocab: 3, seed: 5 } },
];

for (const [i, s] of SHAPES.entries()) {
  test(`random BERT vs float64 reference: ${s.name}`, async () => {
    const ref = writeRandomBert(path.join(tmp, `shape${i}`), s.o);
    const engine = await createEngine();
    const m = createBertModel(engine, (await readModelFiles(ref.dir)).files);
    assert.equal(m.dim, s.o.hidden);
    assert.equal(m.config.pooling, s.o.pooling);
    assert.equal(m.config.normalize, s.o.normalize);
    const { data } = m.embedTexts(TEXTS);
    let worst = 0, worstCos = 1;
    TEXTS.forEach((t, k) => {
      const ids = m.tokenizer.encode(t, m.config.maxSeqLength);
      assert.ok(ids.length <= ref.maxSeqLength);
      const want = referenceEmbed(ref, ids);
      const { cos, maxErr } = stats(data.subarray(k * m.dim, (k + 1) * m.dim), want);
      worst = Math.max(worst, maxErr);
      worstCos = Math.min(worstCos, cos);
    });
    console.log(`# ${s.o.dtype} h${s.o.hidden}: worst max abs err ${worst.toExponential(2)}, worst cosine ${worstCos}`);
    assert.ok(worst <= 1e-4 && worstCos >= 0.99999, `max abs err ${worst}, cosine ${worstCos}`);
    m.free();
  });
}

test('convert f16 / q8 of a random model loads the same way and stays close to f32', async () => {
  const ref = writeRandomBert(path.join(tmp, 'conv'), { layers: 2, hidden: 64, heads: 4, intermediate: 96, pooling: 'mean', normalize: true, seed: 8 });
  const { files } = await readModelFiles(ref.dir);
  const engine = await createEngine();
  const base = createBertModel(engine, files).embedTexts(TEXTS).data;
  for (const [dtype, min] of [['f16', 0.9999], ['q8', 0.995]]) {
    const st = convertSafetensors(files['model.safetensors'], dtype);
    assert.ok(st.length < files['model.safetensors'].length * 0.6, `${dtype} file is not smaller`);
    const names = parseSafetensors(st).tensors.map((t) => `${t.name}:${t.dtype}`);
    if (dtype === 'q8') {
      assert.ok(names.includes('encoder.layer.1.output.dense.weight:I8') && names.includes('encoder.layer.1.output.dense.weight_scale:F32'));
    }
    const m = createBertModel(engine, { ...files, 'model.safetensors': st });
    assert.equal(m.config.dtype, dtype);
    const v = m.embedTexts(TEXTS).data;
    // loading the f32 file with {dtype} quantises the linear layers the same way the converted file
    // stores them (the file also rounds the embeddings to f16, hence close rather than equal)
    const direct = createBertModel(engine, files, { dtype }).embedTexts(TEXTS).data;
    let worst = 1;
    for (let k = 0; k < TEXTS.length; k++) {
      worst = Math.min(worst, stats(v.subarray(k * 64, k * 64 + 64), base.subarray(k * 64, k * 64 + 64)).cos);
      assert.ok(stats(v.subarray(k * 64, k * 64 + 64), direct.subarray(k * 64, k * 64 + 64)).cos >= 0.9999, `${dtype} file vs {dtype} at load`);
    }
    console.log(`# random h64 ${dtype} vs f32: worst cosine ${worst}`);
    assert.ok(worst >= min, `${dtype}: ${worst}`);
    m.free();
  }
});

test('full MiniLM shape (384/6/12/1536, vocab 30522): f16 >= 0.9999 and q8 >= 0.995 cosine to f32', async () => {
  const ref = writeRandomBert(path.join(tmp, 'full'), { layers: 6, hidden: 384, heads: 12, intermediate: 1536, maxPositions: 512, pooling: 'mean', normalize: true, seed: 11 });
  const { files } = await readModelFiles(ref.dir);
  const engine = await createEngine();
  let m = createBertModel(engine, files);
  const base = m.embedTexts(TEXTS).data;
  m.free();
  for (const [dtype, min] of [['f16', 0.9999], ['q8', 0.995]]) {
    m = createBertModel(engine, { ...files, 'model.safetensors': convertSafetensors(files['model.safetensors'], dtype) });
    const v = m.embedTexts(TEXTS).data;
    m.free();
    let worst = 1;
    for (let k = 0; k < TEXTS.length; k++) worst = Math.min(worst, stats(v.subarray(k * 384, k * 384 + 384), base.subarray(k * 384, k * 384 + 384)).cos);
    console.log(`# full-size random ${dtype} vs f32: worst cosine ${worst}`);
    assert.ok(worst >= min, `${dtype}: ${worst}`);
  }
});

test('loadModel from {files} in memory through the pool, CLS model, texts past max_seq_length truncated', async () => {
  const ref = writeRandomBert(path.join(tmp, 'pool'), { layers: 2, hidden: 24, heads: 2, intermediate: 40, pooling: 'cls', maxSeqLength: 8, seed: 9 });
  const { files } = await readModelFiles(ref.dir);
  const model = await loadModel({ files, name: 'random' }, { threads: 2 });
  try {
    assert.equal(model.name, 'random');
    assert.equal(model.config.maxSeqLength, 8);
    let reported = 0;
    const r = await model.embed(TEXTS, { onProgress: (p) => { reported = p.tokens; } });
    const engine = await createEngine();
    const m = createBertModel(engine, files);
    TEXTS.forEach((t, k) => {
      const ids = m.tokenizer.encode(t, 8);
      assert.ok(ids.length <= 8);
      assert.ok(stats(r.data.subarray(k * 24, k * 24 + 24), referenceEmbed(ref, ids)).maxErr <= 1e-4);
    });
    // countTokens: the ids embedding computes with, truncation included, counted without embedding
    const counts = await model.countTokens(TEXTS);
    assert.ok(TEXTS.some((t) => m.tokenizer.encode(t, 0).length > 8), 'a text is truncated');
    TEXTS.forEach((t, k) => assert.equal(counts[k], m.tokenizer.encode(t, 8).length, t));
    assert.equal(counts.reduce((a, b) => a + b, 0), reported);
  } finally {
    await model.dispose();
  }
});

test('real all-MiniLM-L6-v2: known answers from the workshop (runs when models/all-MiniLM-L6-v2/model.safetensors exists)', async (t) => {
  const dir = path.join(ROOT, 'models', 'all-MiniLM-L6-v2');
  if (!existsSync(path.join(dir, 'model.safetensors'))) {
    console.log('# SKIPPED: real-weights known-answer test — models/all-MiniLM-L6-v2/model.safetensors is not present (npm run fetch-model downloads it)');
    t.skip('models/all-MiniLM-L6-v2/model.safetensors not present');
    return;
  }
  const engine = await createEngine();
  const m = createBertModel(engine, (await readModelFiles(dir)).files);
  const { data } = m.embedTexts(['The sun is shining', 'Bring an umbrella', 'The weather is great', "It's daytime"]);
  const want = [5.42898139e-04, 1.02551401e-01, 8.36703405e-02, 9.39253941e-02, 2.07145736e-02, -1.12772360e-02, 9.93586630e-02, -4.44610193e-02];
  want.forEach((w, j) => assert.ok(Math.abs(data[j] - w) <= 1e-5, `component ${j}: ${data[j]} vs ${w}`));
  const cos = (a, b) => { let s = 0; for (let j = 0; j < 384; j++) s += data[a * 384 + j] * data[b * 384 + j]; return s; };
  assert.equal(cos(0, 1).toFixed(3), '0.320');
  assert.equal(cos(0, 2).toFixed(3), '0.418');
  assert.equal(cos(0, 3).toFixed(3), '0.622');
  m.free();
});
