// convert.mjs — `embedscape convert`: a smaller copy of a model folder that loads the same way.
//   f16: every float tensor stored as IEEE half (half the bytes; vectors within ~1e-4 of f32).
//   q8:  the encoder's linear-layer weights as int8 with one F32 scale per output row, in tensors
//        `<weight name>` (I8) and `<weight name>_scale` (F32, [rows]); embeddings F16; LayerNorm and
//        biases F32. The engine runs such a folder on its int8 GEMM (i32x4.dot_i16x8).
// Every other file of the folder (config, tokenizer, sentence-transformers files) is copied unchanged.
// The output is refused when it is, or resolves (through symbolic links) to, the model folder or
// anything inside it, and when it exists (unless --force); it is built in a temporary folder beside
// it and renamed into place only once complete.

import { readdir, mkdir, copyFile, writeFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

import { EmbedscapeError } from '../lib/errors.js';
import { convertSafetensors } from '../lib/safetensors.js';
import { loadModel } from '../lib/model.js';
import { MODEL_FILES } from '../lib/modelfiles.js';
import { option } from './common.mjs';
import { readInput, openOutputFolder, fsError } from './files.mjs';

export const summary = 'write a smaller copy of a model folder: f16 (half-precision weights) or q8 (int8 linear layers with per-row scales)';
export const usage = '--model DIR --dtype f16|q8 --output DIR [--force]';
export const options = [
  option.model('model folder with model.safetensors'),
  { name: 'dtype', type: 'choice', required: true, choices: ['f16', 'q8'], help: 'what to store the weights as' },
  { name: 'output', type: 'string', required: true, metavar: 'DIR', help: 'folder to create (not the model folder nor inside it; built beside it and renamed when complete)' },
  { name: 'force', type: 'bool', default: false, help: 'write into --output even if it exists (its files of the same names are replaced)' },
  option.quiet('no summary on standard error'),
];

// Copies the folder's other files (not other weight formats).
async function copyTree(src, dst) {
  await mkdir(dst, { recursive: true });
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name), d = path.join(dst, e.name);
    if (e.isDirectory()) { if (e.name !== 'onnx' && !e.name.startsWith('.')) await copyTree(s, d); }
    else if (e.isFile() && e.name !== 'model.safetensors' && !/\.(onnx|bin|h5|msgpack|ot|pt|pth)$/.test(e.name)) await copyFile(s, d);
  }
}

export async function run(opts, io) {
  let src;
  try { src = await realpath(opts.model); } catch (e) {
    if (e?.code === 'ENOENT') throw new EmbedscapeError(`model folder not found: ${opts.model}`);
    throw fsError(e, 'read', `--model ${opts.model}`);
  }
  const weights = path.join(src, 'model.safetensors');
  if (!(await stat(weights).catch(() => null))?.isFile()) throw new EmbedscapeError(`${opts.model}: no model.safetensors in the model folder`);
  const out = await openOutputFolder(opts.output, { force: opts.force, protect: [{ path: src, name: `--model ${opts.model}` }] });
  try {
    const bytes = await readInput(weights);
    const config = await readInput(path.join(src, 'config.json')).catch(() => null);
    if (!config) throw new EmbedscapeError(`${opts.model}: no config.json in the model folder`);
    const converted = convertSafetensors(bytes, opts.dtype);
    // Check that the result loads (in a worker, as every use will) before writing anything.
    const files = { 'config.json': config, 'model.safetensors': converted };
    for (const f of MODEL_FILES) if (!files[f]) { const b = await readInput(path.join(src, f)).catch(() => null); if (b) files[f] = b; }
    await (await loadModel({ files, name: path.basename(src) }, { threads: 1 })).dispose();
    try {
      await copyTree(src, out.path);
      await writeFile(path.join(out.path, 'model.safetensors'), converted);
    } catch (e) { throw fsError(e, 'write', `--output ${opts.output}`); }
    await out.commit();
    if (!opts.quiet) {
      const mb = (n) => (n / 1048576).toFixed(1);
      io.stderr.write(`wrote ${path.join(opts.output, 'model.safetensors')}: ${mb(converted.length)} MiB (${opts.dtype}; was ${mb(bytes.length)} MiB)\n`);
    }
  } finally {
    await out.discard();
  }
}
