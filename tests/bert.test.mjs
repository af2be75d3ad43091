// BERT forward pass against the bert-tiny fixture (random weights; PyTorch and ONNX Runtime outputs),
// batch vs one-by-one, the worker-pool API (threads, order, progress, cancel, dispose), bad model
// folders, and memory: loading and freeing a model 50 times leaves the wasm heap where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { needShared } from './helpers.mjs';
import { createEngine } from '../web/worker/index.js';
import { EmbedscapeError } from '../web/embedscape.node.js';
import { WorkerPool } from '../web/embedscape.node.js';
import { createBertModel } from '../web/worker/index.js';
import { loadModel } from '../web/embedscape.node.js';
import { readModelFiles } from '../web/internals.js';

function fixture(t) {
  const dir = needShared(t, 'fixtures', 'bert-tiny');
  if (!dir) return null;
  const rows = readFileSync(path.join(dir, 'expected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return { dir, rows };
}

function compare(a, b) {
  let dot = 0, na = 0, nb = 0, maxErr = 0;
  for (let j = 0; j < a.length; j++) {
    dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j];
    maxErr = Math.max(maxErr, Math.abs(a[j] - b[j]));
  }
  return { cos: dot / Math.sqrt(na * nb), maxErr };
}

test('bert-tiny: every fixture sentence within 1e-5 of PyTorch, batch == one by one bit for bit', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const engine = await createEngine();
  const { files } = await readModelFiles(fx.dir);
  const m = createBertModel(engine, files);
  assert.equal(m.dim, 32);
  assert.deepEqual([m.config.layers, m.config.heads, m.config.intermediate, m.config.pooling, m.config.normalize, m.config.maxSeqLength],
    [2, 4, 64, 'mean', true, 256]);
  const ids = fx.rows.flatMap((r) => r.ids), lengths = fx.rows.map((r) => r.ids.length);
  const all = m.embedIds(ids, lengths);
  let worstErr = 0, worstCos = 1;
  fx.rows.forEach((r, i) => {
    const v = all.subarray(i * 32, (i + 1) * 32);
    const { cos, maxErr } = compare(v, r.embedding);
    worstErr = Math.max(worstErr, maxErr);
    worstCos = Math.min(worstCos, cos);
    assert.ok(cos >= 0.999999 && maxErr <= 1e-5, `text ${i}: cos ${cos}, max abs err ${maxErr}`);
    const one = m.embedIds(r.ids, [r.ids.length]);
    assert.deepEqual(one, Float32Array.from(v), `text ${i}: batch != one by one`);
  });
  console.log(`# bert-tiny f32: worst max abs err ${worstErr.toExponential(2)}, worst cosine ${worstCos}`);
  m.free();
});

test('bert-tiny: last hidden state per token within 1e-5 of PyTorch', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const hs = readFileSync(path.join(fx.dir, 'hidden_states.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const engine = await createEngine();
  const m = createBertModel(engine, (await readModelFiles(fx.dir)).files);
  let worst = 0;
  for (const h of hs) {
    const out = m.hidden(h.ids);
    h.last_hidden_state.forEach((row, i) => row.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - out[i * 32 + j])); }));
  }
  assert.ok(worst <= 1e-5, `max abs err ${worst}`);
  m.free();
});

test('f16 and q8 weights stay close to f32 on bert-tiny', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const engine = await createEngine();
  const { files } = await readModelFiles(fx.dir);
  const ids = fx.rows.flatMap((r) => r.ids), lengths = fx.rows.map((r) => r.ids.length);
  const ref = createBertModel(engine, files, { dtype: 'f32' });
  const base = ref.embedIds(ids, lengths);
  ref.free();
  for (const [dtype, min] of [['f16', 0.9999], ['q8', 0.995]]) {
    const m = createBertModel(engine, files, { dtype });
    assert.equal(m.config.dtype, dtype);
    const v = m.embedIds(ids, lengths);
    let worst = 1;
    for (let i = 0; i < lengths.length; i++) worst = Math.min(worst, compare(v.subarray(i * 32, i * 32 + 32), base.subarray(i * 32, i * 32 + 32)).cos);
    console.log(`# bert-tiny ${dtype} vs f32: worst cosine ${worst}`);
    assert.ok(worst >= min, `${dtype}: worst cosine ${worst} < ${min}`);
    m.free();
  }
});

test('loading and freeing a model 50 times leaves the wasm heap where it was', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const engine = await createEngine();
  const { files } = await readModelFiles(fx.dir);
  const cycle = () => {
    const m = createBertModel(engine, files);
    m.embedTexts(['warm up the scratch', 'and the tokenizer']);
    m.free();
  };
  cycle();
  const heap = engine.heapSize();
  const probe = engine.malloc(1 << 20);
  engine.free(probe);
  for (let i = 0; i < 50; i++) cycle();
  assert.equal(engine.heapSize(), heap, 'the heap grew');
  const probe2 = engine.malloc(1 << 20);
  engine.free(probe2);
  assert.equal(probe2, probe, 'the allocator state moved: memory leaked');
});

test('loadModel: 1 and 2 workers give the same bits, in input order, matching the fixture', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const texts = fx.rows.map((r) => r.text);
  const results = [];
  for (const threads of [1, 2]) {
    const model = await loadModel(fx.dir, { threads });
    assert.equal(model.dim, 32);
    const progress = [];
    const r = await model.embed(texts, { onProgress: (p) => progress.push(p) });
    assert.equal(r.n, texts.length);
    assert.ok(progress.length > 0 && progress.at(-1).done === texts.length && progress.at(-1).total === texts.length);
    assert.ok(progress.every((p) => p.tokens >= 0 && p.elapsed >= 0));
    results.push(r.data);
    await model.dispose();
    await assert.rejects(model.embed(['x']), /disposed/);
  }
  assert.deepEqual(results[1], results[0]);
  // every row, the three cut at 256 tokens too (they end with [SEP], as sentence-transformers truncates)
  fx.rows.forEach((r, i) => {
    const { maxErr } = compare(results[0].subarray(i * 32, i * 32 + 32), r.embedding);
    assert.ok(maxErr <= 1e-5, `text ${i}: ${maxErr}`);
  });
});

test('loadModel: cancel stops within one batch with an AbortError; the model stays usable', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const pool = new WorkerPool({ size: 1 });
  try {
    const model = await loadModel(fx.dir, { pool });
    const texts = Array.from({ length: 4000 }, (_, i) => `sentence number ${i} about maps and clusters`);
    const ac = new AbortController();
    let seen = 0, after = 0;
    const p = model.embed(texts, {
      signal: ac.signal,
      onProgress: (pr) => { if (ac.signal.aborted) after = Math.max(after, pr.done - seen); else if (pr.done >= 16) { seen = pr.done; ac.abort(); } },
    });
    await assert.rejects(p, (e) => e.name === 'AbortError');
    assert.ok(after <= 8, `${after} texts finished after the cancel`);
    const r = await model.embed(['still works']);
    assert.equal(r.n, 1);
    await model.dispose();
  } finally {
    pool.dispose();
  }
});

test('a worker pool keeps its heap after 20 loadModel/dispose cycles', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const pool = new WorkerPool({ size: 1 });
  try {
    const { files } = await readModelFiles(fx.dir);
    const once = async () => { const m = await loadModel({ files }, { pool }); await m.embed(['a b c']); await m.dispose(); };
    await once();
    const before = (await pool.run('info', {})).heapBytes;
    for (let i = 0; i < 20; i++) await once();
    assert.equal((await pool.run('info', {})).heapBytes, before);
  } finally {
    pool.dispose();
  }
});

test('bad model folders fail with a message naming the problem', async (t) => {
  const fx = fixture(t);
  if (!fx) return;
  const engine = await createEngine();
  const { files } = await readModelFiles(fx.dir);
  const cfg = JSON.parse(new TextDecoder().decode(files['config.json']));
  const withCfg = (patch) => ({ ...files, 'config.json': JSON.stringify({ ...cfg, ...patch }) });
  assert.throws(() => createBertModel(engine, withCfg({ num_hidden_layers: 3 })), /encoder\.layer\.2\..*missing|no tensor 'encoder\.layer\.2\./);
  assert.throws(() => createBertModel(engine, withCfg({ intermediate_size: 65 })), /intermediate\.dense\.weight.*\[64, 32\].*\[65, 32\]/);
  assert.throws(() => createBertModel(engine, withCfg({ hidden_act: 'relu' })), /hidden_act/);
  assert.throws(() => createBertModel(engine, withCfg({ hidden_size: undefined })), /hidden_size/);
  assert.throws(() => createBertModel(engine, { ...files, 'model.safetensors': files['model.safetensors'].subarray(0, 1000) }), /safetensors/);
  assert.throws(() => createBertModel(engine, { ...files, '1_Pooling/config.json': '{"pooling_mode_mean_sqrt_len_tokens": true}' }), /not supported/);
  assert.throws(() => createBertModel(engine, files, { dtype: 'q4' }), EmbedscapeError);
  const m = createBertModel(engine, files);
  assert.throws(() => m.embedIds([101, 40000, 102], [3]), /vocabulary/);
  assert.throws(() => m.embedIds([101, 102], [3]), /add up to 3/);
  assert.throws(() => m.embedIds(new Array(513).fill(100), [513]), /max_position_embeddings/);
  m.free();
  await assert.rejects(loadModel({ files: { 'config.json': files['config.json'] } }, { threads: 1 }), /model\.safetensors/);
});
