// embed.mjs — `embedscape embed`: sentence embeddings of each text as a float32 .npy [n, dim], computed
// as the model folder says (all-MiniLM-L6-v2: mean pooling over the real tokens, then L2 normalised).

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { parseTexts, formatNpy } from '../lib/io.js';
import { EmbedscapeError } from '../lib/errors.js';
import { loadModel } from '../lib/model.js';
import { WorkerPool, defaultThreads } from '../lib/pool.js';

export const summary = 'sentence embeddings of each text (float32 .npy, shape [n, dim]), as sentence-transformers computes them';
export const usage = '--model DIR --input F --output V.npy [--dtype f32|f16|q8] [--threads N]';
export const options = [
  { name: 'model', type: 'string', required: true, metavar: 'DIR', help: 'model folder (config.json, model.safetensors, tokenizer.json, sentence-transformers files)' },
  { name: 'input', type: 'string', required: true, metavar: 'F', help: 'texts: .txt (one per line), .jsonl ("text" field) or .csv ("text" or first column)' },
  { name: 'output', type: 'string', required: true, metavar: 'V.npy', help: 'where to write the vectors' },
  { name: 'dtype', type: 'string', choices: ['f32', 'f16', 'q8'], help: 'weights to compute with: f32, f16 (f32 arithmetic on half-precision weights) or q8 (int8 weights and activations); default: as stored in the folder' },
  { name: 'threads', type: 'int', metavar: 'N', help: 'worker threads (default: the number of cores)' },
  { name: 'quiet', type: 'bool', help: 'no progress on standard error' },
];

export async function run(opts, io) {
  if (opts.threads !== undefined && opts.threads < 1) throw new EmbedscapeError(`--threads must be at least 1, got ${opts.threads}`);
  if (!/\.npy$/i.test(opts.output)) throw new EmbedscapeError(`--output must be a .npy file, got '${opts.output}'`);
  const texts = parseTexts(new Uint8Array(await readFile(opts.input)), path.basename(opts.input));
  const threads = opts.threads ?? await defaultThreads();
  const pool = new WorkerPool({ size: Math.max(1, Math.min(threads, texts.length || 1)) });
  const tty = !opts.quiet && io.stderr.isTTY;
  const say = (s) => { if (!opts.quiet) io.stderr.write(s); };
  let model = null;
  try {
    model = await loadModel(opts.model, { pool, dtype: opts.dtype ?? 'auto' });
    const t0 = performance.now();
    const m = await model.embed(texts, {
      onProgress: (p) => { if (tty) say(`\rembedding ${p.done}/${p.total} texts (${Math.round(p.tokens / Math.max(p.elapsed, 1e-3))} tokens/s)`); },
    });
    const secs = (performance.now() - t0) / 1000;
    await writeFile(opts.output, formatNpy(m.data, [m.n, m.dim]));
    say(`${tty ? '\r' : ''}embedded ${m.n} texts → ${opts.output} [${m.n}, ${m.dim}] in ${secs.toFixed(2)} s (${model.config.dtype}, ${pool.size} thread${pool.size === 1 ? '' : 's'})\n`);
  } finally {
    if (model) await model.dispose().catch(() => {});
    pool.dispose();
  }
}
