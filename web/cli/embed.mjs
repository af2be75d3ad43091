// embed.mjs — `embedscape embed`: sentence embeddings of each text as a float32 .npy [n, dim], computed
// as the model folder says (all-MiniLM-L6-v2: mean pooling over the real tokens, then L2 normalised).

import path from 'node:path';

import { parseTexts, formatNpy } from '../lib/io.js';
import { EMBED_OPTIONS, cliOptions } from '../lib/options.js';
import { loadModel } from '../lib/model.js';
import { WorkerPool } from '../lib/pool.js';
import { UsageError } from './errors.mjs';
import { option, chooseThreads, TEXTS_HELP } from './common.mjs';
import { readInput, openOutput } from './files.mjs';

export const summary = 'sentence embeddings of each text (float32 .npy, shape [n, dim]), as sentence-transformers computes them';
export const usage = '--model DIR --input F --output V.npy [--dtype auto|f32|f16|q8] [--threads N]';
export const options = [
  option.model(),
  option.input('F', TEXTS_HELP),
  option.output('V.npy', 'where to write the vectors'),
  ...cliOptions(EMBED_OPTIONS),
  option.threads(),
  option.quiet(),
];

export async function run(opts, io) {
  if (!/\.npy$/i.test(opts.output)) throw new UsageError(`--output must be a .npy file, got '${opts.output}'`);
  const out = await openOutput(opts.output);
  let pool = null, model = null;
  try {
    const texts = parseTexts(await readInput(opts.input, '--input'), path.basename(opts.input));
    const threads = chooseThreads(opts.threads, io);
    pool = new WorkerPool({ size: Math.max(1, Math.min(threads, texts.length || 1)) });
    const tty = !opts.quiet && io.stderr.isTTY;
    const say = (s) => { if (!opts.quiet) io.stderr.write(s); };
    model = await loadModel(opts.model, { pool, dtype: opts.dtype });
    const t0 = performance.now();
    const m = await model.embed(texts, {
      onProgress: (p) => { if (tty) say(`\rembedding ${p.done}/${p.total} texts (${Math.round(p.tokens / Math.max(p.elapsed, 1e-3))} tokens/s)`); },
    });
    const secs = (performance.now() - t0) / 1000;
    await out.write(formatNpy(m.data, [m.n, m.dim]));
    await out.commit();
    say(`${tty ? '\r' : ''}embedded ${m.n} texts → ${opts.output} [${m.n}, ${m.dim}] in ${secs.toFixed(2)} s (${model.config.dtype}, ${pool.size} thread${pool.size === 1 ? '' : 's'})\n`);
  } finally {
    if (model) await model.dispose().catch(() => {});
    pool?.dispose();
    await out.discard();
  }
}
