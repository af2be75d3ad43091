// npm run bench -- embed [--threads=1,2] [--dtypes=f32,f16,q8] [--rounds=3] [--dir=DIR] [--onnx=FILE]
// (--dir: where the random model is generated: a new or empty folder, or one an earlier run made)
//
// Sentence-embedding throughput on a full MiniLM-shaped random model (384 hidden, 6 layers, 12 heads,
// 1536 intermediate, vocabulary 30522, seed 1; generated here in the Hugging Face layout, with the
// real all-MiniLM-L6-v2 tokenizer files from ../shared) over ../shared/fixtures/corpus/sentences-1k.txt
// (1000 sentences in file order): sentences/s, tokens/s and the GFLOP/s achieved
// (FLOPs counted from each sentence's real length), next to the peak our own GEMM micro-kernel
// reaches in the same run.
//
// Peer (tests/bench/_embed_peer.mjs, its own process per thread count): transformers.js' WebAssembly backend — ONNX Runtime Web (onnxruntime-web, SIMD, same thread
// count) running an ONNX export of the SAME weights, texts tokenized by transformers.js'
// AutoTokenizer with padding, then mean pooling and normalisation as its feature-extraction pipeline
// does. (In Node, transformers.js itself would pick the native onnxruntime-node, so the bench calls
// onnxruntime-web directly: that is exactly what transformers.js runs in a browser.) The export is
// made once with the project-external tool:
//     /usr/bin/python3 ../shared/tools/export_onnx.py --model DIR     (needs python3-torch python3-onnx)
// which writes DIR/onnx/model.onnx; the bench uses it when present, or --onnx=FILE /
// EMBEDSCAPE_BENCH_ONNX=FILE. Without it the peer is skipped and the command to make it is printed.
//
// Times are medians over rounds, after a warm-up on every worker; nothing is asserted.

import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shared } from '../helpers.mjs';
import { writeRandomBert } from '../lib/random-bert.mjs';
import { createEngine } from '../../web/worker/index.js';
import { createBertModel } from '../../web/worker/index.js';
import { loadModel } from '../../web/embedscape.node.js';
import { readModelFiles } from '../../web/internals.js';
import { WorkerPool } from '../../web/embedscape.node.js';
import { claimBenchDir, markBenchDir } from './_dir.mjs';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SHAPE = { layers: 6, hidden: 384, heads: 12, intermediate: 1536, maxPositions: 512, pooling: 'mean', normalize: true, seed: 1, maxSeqLength: 256 };

function flag(flags, name, def) {
  const f = flags.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (!f) return def;
  return f.includes('=') ? f.slice(f.indexOf('=') + 1) : 'true';
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** FLOPs of the encoder for one text of T tokens (multiply-add = 2). */
function flopsFor(T, c) {
  const H = c.hidden, F = c.intermediate;
  return c.layers * (2 * T * (4 * H * H + 2 * H * F) + 2 * 2 * T * T * H);
}

/** Handles for quick GEMM peak samples taken between the rounds (same moment, same load). */
async function peakSampler() {
  const e = await createEngine();
  const mk = (kind, m, n, k) => ({ kind, flop: 2 * m * n * k, h: e.scoped((alloc) => { const p = alloc(4); e.call('es_gemm_bench_create', kind, m, n, k, p); return e.getU32(p); }) });
  const cases = [mk(0, 16, 32, 256), mk(0, 256, 1536, 384), mk(1, 256, 1536, 384), mk(1, 256, 384, 1536)];
  const rate = (c) => {
    let reps = 1, t;
    for (;;) { const t0 = performance.now(); e.raw('es_gemm_bench_run', c.h, reps); t = performance.now() - t0; if (t > 40) break; reps *= 2; }
    return (c.flop * reps) / (t / 1000) / 1e9;
  };
  return () => ({ f32: Math.max(rate(cases[0]), rate(cases[1])), i8: Math.max(rate(cases[2]), rate(cases[3])) });
}

async function gemmPeak(rounds) {
  const e = await createEngine();
  const shapes = [
    ['f32', 0, 16, 32, 256, 'L1 micro-kernel'], ['f32', 0, 256, 1536, 384, 'T=256 384x1536'], ['f32', 0, 256, 384, 1536, 'T=256 1536x384'],
    ['f32', 0, 32, 1152, 384, 'T=32 384x1152'],
    ['int8', 1, 16, 32, 256, 'L1 micro-kernel'], ['int8', 1, 256, 1536, 384, 'T=256 384x1536'], ['int8', 1, 256, 384, 1536, 'T=256 1536x384'],
  ];
  const out = [];
  for (const [name, kind, m, n, k, label] of shapes) {
    const h = e.scoped((alloc) => { const p = alloc(4); e.call('es_gemm_bench_create', kind, m, n, k, p); return e.getU32(p); });
    const flop = 2 * m * n * k;
    let reps = 1;
    for (;;) { const t0 = performance.now(); e.raw('es_gemm_bench_run', h, reps); if (performance.now() - t0 > 50) break; reps *= 2; }
    const rates = [];
    for (let r = 0; r < Math.max(5, rounds); r++) {
      const t0 = performance.now();
      e.raw('es_gemm_bench_run', h, reps);
      rates.push((flop * reps) / ((performance.now() - t0) / 1000) / 1e9);
    }
    e.raw('es_gemm_bench_free', h);
    out.push({ name, label, rate: median(rates) });
  }
  return out;
}

export default async function (flags) {
  const threadsList = flag(flags, 'threads', '1,2').split(',').map(Number);
  const dtypes = flag(flags, 'dtypes', 'f32,f16,q8').split(',');
  const rounds = Number(flag(flags, 'rounds', '3'));
  const dir = path.resolve(flag(flags, 'dir', path.join(tmpdir(), 'embedscape-bench-minilm-random-seed1')));
  const corpus = shared('fixtures', 'corpus', 'sentences-1k.txt');
  if (!existsSync(corpus)) { console.log(`bench embed: ${corpus} is missing (../shared/fixtures/corpus)`); return; }
  const texts = readFileSync(corpus, 'utf8').split('\n').filter((l) => l.length > 0);

  // --dir: only a new or empty folder, or one an earlier run made (never a folder of real files)
  let made;
  try { made = claimBenchDir(dir, 'embed'); } catch (e) { console.log(e.message); process.exitCode = 2; return; }
  if (made !== JSON.stringify(SHAPE)) {
    console.log(`generating the MiniLM-shaped random model in ${dir} ...`);
    writeRandomBert(dir, SHAPE);
    markBenchDir(dir, JSON.stringify(SHAPE));
  }
  const cfg = { hidden: SHAPE.hidden, layers: SHAPE.layers, intermediate: SHAPE.intermediate };
  // per-sentence token counts, with the engine's own tokenizer
  const e0 = await createEngine();
  const probe = createBertModel(e0, (await readModelFiles(dir)).files);
  const { lengths } = probe.tokenizer.encodeBatch(texts, 256);
  probe.free();
  const nTokens = lengths.reduce((a, b) => a + b, 0);
  const totalFlop = Array.from(lengths).reduce((a, T) => a + flopsFor(T, cfg), 0);
  console.log(`corpus: ${texts.length} sentences, ${nTokens} tokens (mean ${(nTokens / texts.length).toFixed(1)}); ${(totalFlop / 1e9).toFixed(1)} GFLOP per pass`);

  const peak = await gemmPeak(rounds);
  console.log('\nGEMM micro-benchmark (this run, one thread):');
  for (const p of peak) console.log(`  ${p.name.padEnd(4)} ${p.label.padEnd(16)} ${p.rate.toFixed(1)} G${p.name === 'int8' ? 'OP' : 'FLOP'}/s`);
  const samplePeak = await peakSampler();

  let onnx = flag(flags, 'onnx', process.env.EMBEDSCAPE_BENCH_ONNX);
  if (!onnx && existsSync(path.join(dir, 'onnx', 'model.onnx'))) onnx = path.join(dir, 'onnx', 'model.onnx');
  if (!onnx) {
    console.log(`\npeer skipped: no ONNX export of the bench model. Make one with\n  /usr/bin/python3 ../shared/tools/export_onnx.py --model ${dir}\n(needs Debian python3-torch python3-onnx), or pass --onnx=FILE.`);
  }

  // Per thread count: every engine loaded and warmed up, then the rounds interleave them, so that
  // load from other processes hits all of them alike.
  const rows = [];
  for (const threads of threadsList) {
    const pool = new WorkerPool({ size: threads });
    const engines = [];
    for (const dtype of dtypes) {
      const model = await loadModel(dir, { pool, dtype });
      await model.embed(texts.slice(0, 64 * threads)); // warm every worker (V8 tiers up)
      engines.push({ who: 'embedscape', dtype, threads, times: [], run: async () => model.embed(texts), model });
    }
    // the peer at batch 1 and at batch 32 (its own process each): the comparison is with its faster one
    const peers = [];
    if (onnx) {
      for (const batch of [1, 32]) {
        const peer = fork(fileURLToPath(new URL('./_embed_peer.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        peers.push(peer);
        const ask = (msg) => new Promise((resolve, reject) => {
          peer.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
          peer.send(msg);
        });
        try {
          await ask({ init: { onnx, dir, threads, texts, hidden: SHAPE.hidden, batch } });
          const first = { wantVectors: true };
          engines.push({ who: 'transformers.js (onnxruntime-web wasm)', batch, dtype: 'f32', threads, times: [], run: async () => {
            const r = await ask({ run: true, ...first });
            if (first.wantVectors) { first.wantVectors = false; peerVectors = r.vectors; }
            return { secs: r.secs };
          } });
        } catch (err) {
          console.log(`transformers.js/ORT-web batch ${batch}, ${threads} thread(s): failed: ${err.message}`);
        }
      }
    }
    let peerVectors = null, oursVectors = null;
    for (let r = 0; r < rounds; r++) {
      for (const e of engines) {
        const pk = samplePeak();
        const t0 = performance.now();
        const out = await e.run();
        const secs = out.secs ?? (performance.now() - t0) / 1000;
        e.times.push(secs);
        // share of the GEMM peak sampled just before, on as many cores as the engine uses
        (e.ofPeak ??= []).push((totalFlop / secs / 1e9) / ((e.dtype === 'q8' ? pk.i8 : pk.f32) * threads));
        if (e.dtype === 'f32' && e.who === 'embedscape' && out.data) oursVectors = out.data;
      }
    }
    for (const e of engines) {
      const secs = median(e.times);
      rows.push({ who: e.who, batch: e.batch, dtype: e.dtype, threads, secs, ofPeak: median(e.ofPeak) });
      console.log(`${e.who}${e.batch ? ` batch ${e.batch}` : ''} ${e.dtype} ${threads} thread(s): ${(texts.length / secs).toFixed(1)} sentences/s, ${(nTokens / secs).toFixed(0)} tokens/s, ${(totalFlop / secs / 1e9).toFixed(1)} GFLOP/s`);
      await e.model?.dispose();
    }
    if (peerVectors && oursVectors) {
      let worst = 0;
      for (let i = 0; i < oursVectors.length; i++) worst = Math.max(worst, Math.abs(peerVectors[i] - oursVectors[i]));
      console.log(`  max |difference| embedscape f32 vs transformers.js/ORT-web: ${worst.toExponential(2)} over ${texts.length} vectors`);
    }
    for (const peer of peers) { peer.send({ exit: true }); await new Promise((r) => peer.once('exit', r)); }
    pool.dispose();
  }

  console.log('\n"of GEMM peak": GFLOP/s achieved / (the best of our GEMM micro-benchmark shapes, f32 or int8, sampled just');
  console.log('before each round × threads); median over rounds. Ratios to transformers.js: median times of interleaved rounds,');
  console.log('against its faster configuration (batch 1 or batch 32) at the same thread count.');
  console.log('\n| engine | dtype | threads | sentences/s | tokens/s | GFLOP/s | of GEMM peak | vs transformers.js f32, best batch (same threads) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const peer = rows.filter((p) => p.who !== 'embedscape' && p.threads === r.threads).sort((a, b) => a.secs - b.secs)[0];
    const gf = totalFlop / r.secs / 1e9;
    const vsPeak = r.who === 'embedscape' ? `${(100 * r.ofPeak).toFixed(0)} % (${r.dtype === 'q8' ? 'int8' : 'f32'})` : '';
    const vsPeer = peer && r.who === 'embedscape' ? `${(peer.secs / r.secs).toFixed(2)}x` : '';
    console.log(`| ${r.who}${r.batch ? ` (batch ${r.batch})` : ''} | ${r.dtype} | ${r.threads} | ${(texts.length / r.secs).toFixed(1)} | ${(nTokens / r.secs).toFixed(0)} | ${gf.toFixed(1)} | ${vsPeak} | ${vsPeer} |`);
  }
}
