// _embed_peer.mjs — the peer of tests/bench/embed.mjs in its own process (ONNX Runtime Web fixes its
// thread count at its first session, so each thread count needs a fresh process). Messages from the
// parent: {init: {onnx, dir, threads, texts}} → {ready}; {run: true} → {secs, vectors?}.
// Pipeline as transformers.js' feature-extraction does it: AutoTokenizer (padding, truncation at 256),
// the ONNX model on the WebAssembly backend, mean pooling over the attention mask, L2 normalisation.
import { readFileSync } from 'node:fs';
import path from 'node:path';

let run = null;

async function init({ onnx, dir, threads, texts, hidden, batch = 32 }) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(dir) + path.sep;
  const tok = await AutoTokenizer.from_pretrained(path.basename(dir), { local_files_only: true });
  const session = await ort.InferenceSession.create(readFileSync(onnx), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const H = hidden;
  const embed = async (list) => {
    const out = new Float32Array(list.length * H);
    for (let s = 0; s < list.length; s += batch) {
      const enc = tok(list.slice(s, s + batch), { padding: true, truncation: true, max_length: 256 });
      const [b, T] = enc.input_ids.dims;
      const feeds = {
        input_ids: new ort.Tensor('int64', enc.input_ids.data, [b, T]),
        attention_mask: new ort.Tensor('int64', enc.attention_mask.data, [b, T]),
      };
      if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(b * T), [b, T]);
      const res = await session.run(feeds);
      const x = (res.last_hidden_state ?? res[session.outputNames[0]]).data, mask = enc.attention_mask.data;
      for (let i = 0; i < b; i++) {
        const v = out.subarray((s + i) * H, (s + i + 1) * H);
        let cnt = 0;
        for (let t = 0; t < T; t++) {
          if (!mask[i * T + t]) continue;
          cnt++;
          for (let j = 0; j < H; j++) v[j] += x[(i * T + t) * H + j];
        }
        let nn = 0;
        for (let j = 0; j < H; j++) { v[j] /= cnt; nn += v[j] * v[j]; }
        nn = Math.max(Math.sqrt(nn), 1e-12);
        for (let j = 0; j < H; j++) v[j] /= nn;
      }
    }
    return out;
  };
  await embed(texts.slice(0, 64)); // warm up
  run = async () => {
    const t0 = performance.now();
    const vectors = await embed(texts);
    return { secs: (performance.now() - t0) / 1000, vectors };
  };
}

process.on('message', async (m) => {
  try {
    if (m.init) { await init(m.init); process.send({ ready: true }); }
    else if (m.run) { const r = await run(); process.send({ secs: r.secs, vectors: m.wantVectors ? Array.from(r.vectors) : null }); }
    else if (m.exit) process.exit(0);
  } catch (e) {
    process.send({ error: e.message });
  }
});
