// convert.mjs — `embedscape convert`: a smaller copy of a model folder that loads the same way.
//   f16: every float tensor stored as IEEE half (half the bytes; vectors within ~1e-4 of f32).
//   q8:  the encoder's linear-layer weights as int8 with one F32 scale per output row, in tensors
//        `<weight name>` (I8) and `<weight name>_scale` (F32, [rows]); embeddings F16; LayerNorm and
//        biases F32. The engine runs such a folder on its int8 GEMM (i32x4.dot_i16x8).
// Every other file of the folder (config, tokenizer, sentence-transformers files) is copied unchanged.

import { readFile, writeFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

import { EmbedscapeError } from '../lib/errors.js';
import { convertSafetensors } from '../lib/safetensors.js';
import { loadModel } from '../lib/model.js';
import { MODEL_FILES } from '../lib/modelfiles.js';

export const summary = 'write a smaller copy of a model folder: f16 (half-precision weights) or q8 (int8 linear layers with per-row scales)';
export const usage = '--model DIR --dtype f16|q8 --output DIR';
export const options = [
  { name: 'model', type: 'string', required: true, metavar: 'DIR', help: 'model folder with model.safetensors' },
  { name: 'dtype', type: 'string', required: true, choices: ['f16', 'q8'], help: 'what to store the weights as' },
  { name: 'output', type: 'string', required: true, metavar: 'DIR', help: 'folder to write (created; must not be the input folder)' },
  { name: 'quiet', type: 'bool', help: 'no summary on standard error' },
];

// Copies the folder's other files (not other weight formats), with fresh permissions.
async function copyTree(src, dst) {
  await mkdir(dst, { recursive: true });
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name), d = path.join(dst, e.name);
    if (e.isDirectory()) { if (e.name !== 'onnx' && !e.name.startsWith('.')) await copyTree(s, d); }
    else if (e.isFile() && e.name !== 'model.safetensors' && !/\.(onnx|bin|h5|msgpack|ot|pt|pth)$/.test(e.name)) await writeFile(d, await readFile(s));
  }
}

export async function run(opts, io) {
  const src = path.resolve(opts.model), dst = path.resolve(opts.output);
  if (src === dst) throw new EmbedscapeError('--output must be a different folder than --model');
  let st;
  try { st = await readFile(path.join(src, 'model.safetensors')); } catch (e) {
    if (e.code === 'ENOENT') throw new EmbedscapeError(`${opts.model}: no model.safetensors in the model folder`);
    throw e;
  }
  const bytes = new Uint8Array(st.buffer, st.byteOffset, st.byteLength);
  const out = convertSafetensors(bytes, opts.dtype);
  // Check that the result loads before writing anything.
  // Check that the result loads (in a worker, as every use will) before writing anything.
  const files = {};
  for (const f of MODEL_FILES) {
    const b = f === 'model.safetensors' ? out : await readFile(path.join(src, f)).catch(() => null);
    if (b) files[f] = b;
  }
  if (!files['config.json']) throw new EmbedscapeError(`${opts.model}: no config.json in the model folder`);
  await (await loadModel({ files, name: path.basename(src) }, { threads: 1 })).dispose();
  await copyTree(src, dst);
  await writeFile(path.join(dst, 'model.safetensors'), out);
  if (!opts.quiet) {
    const mb = (n) => (n / 1048576).toFixed(1);
    io.stderr.write(`wrote ${path.join(opts.output, 'model.safetensors')}: ${mb(out.length)} MiB (${opts.dtype}; was ${mb(bytes.length)} MiB)\n`);
  }
}
