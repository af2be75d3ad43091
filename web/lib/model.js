// model.js — sentence embeddings with a BERT model folder (all-MiniLM-L6-v2 and any BERT-shaped
// sentence-transformers model): text in, the vectors sentence-transformers gives, out.
//
//   import { loadModel } from './embedscape.js';
//   const model = await loadModel('models/all-MiniLM-L6-v2/', { onProgress: (p) => console.log(p.status) });
//   const { data, n, dim } = await model.embed(['The sun is shining', 'Bring an umbrella']);
//   model.dispose();
//
// The folder's files are read once (with download progress), then sent to every worker of the pool;
// each worker builds the tokenizer and the model in its own engine. A call to embed() splits the texts
// into batches spread over the workers; each worker tokenizes and embeds its batches. Every text's
// vector is computed by the same operations whatever batch or worker it lands in, so the result is
// bit-identical for any number of threads.
//
// Engine-level (in-process, no workers): createBertModel(engine, files, {dtype}) → BertModel with
// embedIds(ids, lengths), embedTexts(texts) and embedUtf8(bytes, lens) (tokenize + embed in one engine
// call: the ids stay in the engine).

import { EmbedscapeError, AbortError } from './engine.js';
import { openFolder } from './folder.js';
import { getDefaultPool, WorkerPool } from './pool.js';
import { createTokenizer, TOKENIZER_FILES } from './tokenizer.js';

/** Weight dtypes: auto (as stored: int8 when the file holds I8 weights, else f32), f32, f16, q8. */
export const MODEL_DTYPES = ['auto', 'f32', 'f16', 'q8'];
const DTYPE_CODE = { auto: 0, f32: 1, f16: 2, q8: 3 };
const DTYPE_NAME = { 1: 'f32', 2: 'f16', 3: 'q8' };
const POOLING = ['mean', 'cls', 'max'];

/** The model files of a folder the engine reads (tokenizer files come from TOKENIZER_FILES). */
export const BERT_FILES = ['config.json', 'modules.json', '1_Pooling/config.json', 'sentence_bert_config.json', 'model.safetensors'];

function dtypeCode(dtype = 'auto') {
  const c = DTYPE_CODE[dtype];
  if (c === undefined) throw new EmbedscapeError(`dtype must be one of ${MODEL_DTYPES.join(', ')}, got '${dtype}'`);
  return c;
}

function toBytes(v) {
  if (v == null) return null;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (typeof v === 'string') return new TextEncoder().encode(v);
  throw new EmbedscapeError('model files must be bytes (Uint8Array/ArrayBuffer) or strings');
}

/**
 * @typedef {object} BertConfig
 * @property {number} layers @property {number} hidden @property {number} heads @property {number} intermediate
 * @property {number} vocab @property {number} maxPositions @property {number} typeVocab @property {number} layerNormEps
 * @property {number} maxSeqLength tokens per text including [CLS]/[SEP]
 * @property {'mean'|'cls'|'max'} pooling @property {boolean} normalize
 * @property {'f32'|'f16'|'q8'} dtype what the linear layers run in (f16 runs as f32 on f16-rounded weights)
 * @property {number} weightMiB
 */

/**
 * Builds a model (and, when the files have one, its tokenizer) inside an engine.
 * @param {import('./engine.js').Engine} engine
 * @param {Record<string, Uint8Array|ArrayBuffer|string|null|undefined>} files by name in the folder
 * @param {{dtype?: 'auto'|'f32'|'f16'|'q8'}} [opts]
 */
export function createBertModel(engine, files, opts = {}) {
  const code = dtypeCode(opts.dtype ?? 'auto');
  const st = toBytes(files['model.safetensors']);
  if (!st) throw new EmbedscapeError('the model folder has no model.safetensors');
  if (!files['config.json']) throw new EmbedscapeError('the model folder has no config.json');
  const dec = new TextDecoder();
  const text = (f) => (files[f] == null ? null : typeof files[f] === 'string' ? files[f] : dec.decode(toBytes(files[f])));
  let ptr = 0;
  engine.scoped((alloc, copy) => {
    const strs = ['config.json', 'modules.json', '1_Pooling/config.json', 'sentence_bert_config.json'].map((f) => {
      const s = text(f);
      return s == null ? 0 : copy(new TextEncoder().encode(s + '\0'));
    });
    const stPtr = copy(st);
    const out = alloc(4);
    engine.u32[out >>> 2] = 0;
    engine.call('es_bert_load', ...strs, stPtr, st.length, code, out);
    ptr = engine.getU32(out);
  });
  const config = engine.scoped((alloc) => {
    const p = alloc(48), e = alloc(4);
    engine.call('es_bert_info', ptr, p, e);
    const v = engine.readI32(p, 12);
    return {
      layers: v[0], hidden: v[1], heads: v[2], intermediate: v[3], vocab: v[4], maxPositions: v[5], typeVocab: v[6],
      layerNormEps: engine.getF32(e), maxSeqLength: v[7], pooling: POOLING[v[8]], normalize: v[9] === 1,
      dtype: DTYPE_NAME[v[10]], weightMiB: v[11],
    };
  });
  let tokenizer = null;
  if (files['tokenizer.json'] || files['vocab.txt']) {
    try {
      tokenizer = createTokenizer(engine, files);
    } catch (e) {
      engine.raw('es_bert_free', ptr);
      throw e;
    }
  }
  const dim = config.hidden;
  let freed = false;
  const live = () => { if (freed) throw new EmbedscapeError('this model has been freed'); };

  /** ids: all texts' ids back to back; lengths: ids per text. Returns (n, dim) floats. */
  function embedIds(ids, lengths) {
    live();
    const n = lengths.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += lengths[i];
    if (total !== ids.length) throw new EmbedscapeError(`embedIds: lengths add up to ${total} but ${ids.length} ids were given`);
    return engine.scoped((alloc, copy) => {
      const out = alloc(n * dim * 4);
      engine.call('es_bert_embed', ptr, copy(Int32Array.from(ids)), copy(Int32Array.from(lengths)), n, out);
      return engine.readF32(out, n * dim);
    });
  }

  return {
    ptr, engine, config, dim, tokenizer,
    embedIds,
    /** Tokenizes and embeds texts: {data (n*dim), tokens}. */
    embedTexts(texts) {
      live();
      if (!tokenizer) throw new EmbedscapeError('the model folder has no tokenizer.json or vocab.txt');
      const { ids, lengths } = tokenizer.encodeBatch(texts, config.maxSeqLength);
      return { data: embedIds(ids, lengths), tokens: ids.length };
    },
    /**
     * Tokenizes and embeds texts given as UTF-8 bytes, back to back (text i is lens[i] bytes), in one
     * engine call, so the token ids never cross into JS: the same vectors as embedTexts.
     * @param {Uint8Array} bytes @param {ArrayLike<number>} lens
     * @returns {{data: Float32Array, lengths: Int32Array, tokens: number}} data (n*dim); ids per text
     */
    embedUtf8(bytes, lens) {
      live();
      if (!tokenizer) throw new EmbedscapeError('the model folder has no tokenizer.json or vocab.txt');
      if (!(bytes instanceof Uint8Array)) throw new EmbedscapeError('embedUtf8: bytes must be a Uint8Array');
      const n = lens?.length;
      if (!Number.isInteger(n)) throw new EmbedscapeError('embedUtf8: lens must be an array of byte counts');
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (!Number.isInteger(lens[i]) || lens[i] < 0) throw new EmbedscapeError(`embedUtf8: lens[${i}] must be a whole number >= 0, got ${lens[i]}`);
        total += lens[i];
      }
      if (total > bytes.length) throw new EmbedscapeError(`embedUtf8: lens add up to ${total} bytes but ${bytes.length} were given`);
      return engine.scoped((alloc, copy) => {
        const out = alloc(n * dim * 4), lengthsPtr = alloc(n * 4);
        engine.call('es_bert_embed_texts', ptr, tokenizer.ptr, copy(bytes.subarray(0, total)), copy(Int32Array.from(lens)), n, out, lengthsPtr);
        const lengths = engine.readI32(lengthsPtr, n);
        let tokens = 0;
        for (let i = 0; i < n; i++) tokens += lengths[i];
        return { data: engine.readF32(out, n * dim), lengths, tokens };
      });
    },
    /** Last hidden state (n_tok, dim) of one text's ids. */
    hidden(ids) {
      live();
      return engine.scoped((alloc, copy) => {
        const out = alloc(ids.length * dim * 4);
        engine.call('es_bert_hidden', ptr, copy(Int32Array.from(ids)), ids.length, out);
        return engine.readF32(out, ids.length * dim);
      });
    },
    free() {
      if (freed) return;
      freed = true;
      tokenizer?.free();
      engine.raw('es_bert_free', ptr);
    },
  };
}

/**
 * Reads the files of a model folder once: {name: Uint8Array}.
 * @param {string|URL|{files: Record<string, any>}|object} source
 * @param {{onProgress?: (p: object) => void, signal?: AbortSignal}} [opts]
 */
export async function readModelFiles(source, opts = {}) {
  const folder = openFolder(source);
  const files = {};
  const names = [...new Set([...BERT_FILES, ...TOKENIZER_FILES])];
  for (const name of names) {
    if (opts.signal?.aborted) throw new AbortError();
    if (name === 'vocab.txt' && files['tokenizer.json']) continue;
    const b = await folder.read(name, {
      signal: opts.signal,
      onProgress: opts.onProgress && (({ loaded, total }) => opts.onProgress({ status: 'download', file: name, loaded, total })),
    });
    if (b) files[name] = b;
  }
  if (!files['config.json']) throw new EmbedscapeError(`${folder.name}: no config.json in the model folder`);
  if (!files['model.safetensors']) throw new EmbedscapeError(`${folder.name}: no model.safetensors in the model folder`);
  if (!files['tokenizer.json'] && !files['vocab.txt']) throw new EmbedscapeError(`${folder.name}: no tokenizer.json or vocab.txt in the model folder`);
  return { name: folder.name, files };
}

// ------------------------------------------------------------------ safetensors in JS (for convert)

const ST_SIZES = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };

/**
 * Reads the header of a safetensors file (the engine does the strict checks when it loads).
 * @param {Uint8Array} bytes
 * @returns {{tensors: {name: string, dtype: string, shape: number[], bytes: Uint8Array}[], metadata: object|null}}
 */
export function parseSafetensors(bytes) {
  if (bytes.length < 8) throw new EmbedscapeError('model.safetensors is too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  if (hlen > bytes.length - 8) throw new EmbedscapeError('model.safetensors: header length exceeds the file');
  let header;
  try { header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))); } catch (e) {
    throw new EmbedscapeError(`model.safetensors: the header is not valid JSON (${e.message})`);
  }
  const base = 8 + hlen, tensors = [];
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets ?? [];
    const n = (t.shape ?? []).reduce((a, x) => a * x, 1);
    if (!ST_SIZES[t.dtype] || !(b <= e) || base + e > bytes.length || n * ST_SIZES[t.dtype] !== e - b) {
      throw new EmbedscapeError(`model.safetensors: tensor '${name}' has a bad dtype, shape or data_offsets`);
    }
    tensors.push({ name, dtype: t.dtype, shape: t.shape, bytes: bytes.subarray(base + b, base + e) });
  }
  return { tensors, metadata: header.__metadata__ ?? null };
}

/**
 * Writes a safetensors file. Data is laid out in the given order, 8-byte aligned header.
 * @param {{name: string, dtype: string, shape: number[], bytes: Uint8Array}[]} tensors
 * @param {Record<string, string>} [metadata]
 */
export function writeSafetensors(tensors, metadata) {
  const header = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  let h = JSON.stringify(header);
  h += ' '.repeat((8 - ((8 + h.length) % 8)) % 8);
  const hb = new TextEncoder().encode(h);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let o = 8 + hb.length;
  for (const t of tensors) { out.set(t.bytes, o); o += t.bytes.length; }
  return out;
}

const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);

/** float → IEEE half bits, round to nearest even (overflow → ±Inf). */
export function f32ToF16Bits(x) {
  f32buf[0] = x;
  const bits = u32buf[0], sign = (bits >>> 16) & 0x8000, ax = bits & 0x7fffffff;
  if (ax >= 0x7f800000) return sign | 0x7c00 | (ax > 0x7f800000 ? 0x200 : 0);
  if (ax >= 0x477ff000) return sign | 0x7c00;
  if (ax < 0x38800000) {
    if (ax < 0x33000000) return sign;
    const e = ax >>> 23, man = (ax & 0x7fffff) | 0x800000, shift = 126 - e;
    let half = man >>> shift;
    const rem = man & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let h = (ax - 0x38000000) >>> 13;
  const rem = ax & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** IEEE half bits → float. */
export function f16BitsToF32(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** float → bfloat16 bits, round to nearest even. */
export function f32ToBf16Bits(x) {
  f32buf[0] = x;
  const b = u32buf[0];
  if ((b & 0x7fffffff) > 0x7f800000) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function tensorToF32(t) {
  const n = t.shape.reduce((a, x) => a * x, 1), out = new Float32Array(n);
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  if (t.dtype === 'F32') for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  else if (t.dtype === 'F16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32(dv.getUint16(2 * i, true));
  else if (t.dtype === 'BF16') for (let i = 0; i < n; i++) { u32buf[0] = dv.getUint16(2 * i, true) << 16; out[i] = f32buf[0]; }
  else if (t.dtype === 'F64') for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
  else return null;
  return out;
}

function f32Bytes(a) {
  const out = new Uint8Array(a.length * 4), dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(4 * i, a[i], true);
  return out;
}

function f16Bytes(a) {
  const out = new Uint8Array(a.length * 2), dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setUint16(2 * i, f32ToF16Bits(a[i]), true);
  return out;
}

/** The linear-layer weights q8 stores as int8 (everything the GEMMs multiply by). */
const Q8_WEIGHT = /(^|\.)encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)\.weight$/;

/**
 * Per-output-row int8 quantisation, as the engine does it: scale = max|w_row| / 127,
 * q = round-half-even(w · (127 / max|w_row|)), so q · scale ≈ w.
 * @param {Float32Array} w (rows, cols) @returns {{q: Int8Array, scale: Float32Array}}
 */
export function quantizeRowsQ8(w, rows, cols) {
  const q = new Int8Array(rows * cols), scale = new Float32Array(rows);
  const f = Math.fround;
  for (let i = 0; i < rows; i++) {
    let mx = 0;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, Math.abs(w[i * cols + j]));
    const inv = mx > 0 ? f(127 / mx) : 0;
    scale[i] = f(mx / 127);
    for (let j = 0; j < cols; j++) {
      const v = f(w[i * cols + j] * inv);
      let r = Math.round(v);
      if (r - v === 0.5 && (r & 1)) r -= 1; // half to even
      q[i * cols + j] = Math.max(-127, Math.min(127, r));
    }
  }
  return { q, scale };
}

/**
 * A smaller copy of model.safetensors. f16: every float tensor as F16. q8: the linear-layer weights
 * of the encoder as I8 with a per-output-row F32 scale tensor named `<weight name>_scale`
 * (value = int8 × scale), embeddings as F16, LayerNorm parameters and biases kept F32.
 * @param {Uint8Array} bytes model.safetensors @param {'f16'|'q8'} dtype
 * @returns {Uint8Array}
 */
export function convertSafetensors(bytes, dtype) {
  if (dtype !== 'f16' && dtype !== 'q8') throw new EmbedscapeError(`convert: dtype must be f16 or q8, got '${dtype}'`);
  const { tensors, metadata } = parseSafetensors(bytes);
  const out = [];
  for (const t of tensors) {
    const v = tensorToF32(t);
    if (!v) { out.push(t); continue; } // integer buffers (e.g. position_ids) as they are
    if (dtype === 'q8' && Q8_WEIGHT.test(t.name) && t.shape.length === 2) {
      const [rows, cols] = t.shape;
      const { q, scale } = quantizeRowsQ8(v, rows, cols);
      out.push({ name: t.name, dtype: 'I8', shape: t.shape, bytes: new Uint8Array(q.buffer) });
      out.push({ name: `${t.name}_scale`, dtype: 'F32', shape: [rows], bytes: f32Bytes(scale) });
    } else if (dtype === 'f16' || (t.shape.length === 2 && /embeddings\./.test(t.name))) {
      out.push({ name: t.name, dtype: 'F16', shape: t.shape, bytes: f16Bytes(v) });
    } else {
      out.push({ name: t.name, dtype: 'F32', shape: t.shape, bytes: f32Bytes(v) });
    }
  }
  return writeSafetensors(out, { ...(metadata ?? {}), format: 'pt', 'embedscape.dtype': dtype });
}

let nextModelId = 1;
const PROGRESS_MS = 200;

/**
 * @typedef {{data: Float32Array, n: number, dim: number}} Matrix
 * @typedef {object} Model
 * @property {string} name @property {number} dim @property {BertConfig} config
 * @property {(texts: string[], opts?: {onProgress?: (p: {done: number, total: number, tokens: number, elapsed: number}) => void, signal?: AbortSignal, batchSize?: number}) => Promise<Matrix>} embed
 * @property {() => Promise<void>} dispose frees the model in every worker (and the pool when the model made its own)
 */

/**
 * Loads a sentence-transformers model folder into every worker of a pool.
 * @param {string|URL|{files: Record<string, Uint8Array|ArrayBuffer|Blob>}} source folder path (Node), URL, or files
 * @param {{pool?: WorkerPool, threads?: number, dtype?: 'auto'|'f32'|'f16'|'q8', onProgress?: (p: object) => void, signal?: AbortSignal}} [opts]
 *   threads: make a private pool of that many workers (default: the shared pool, one worker per core)
 * @returns {Promise<Model>}
 */
export async function loadModel(source, opts = {}) {
  dtypeCode(opts.dtype ?? 'auto');
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new EmbedscapeError(`threads must be a whole number >= 1, got ${opts.threads}`);
  }
  const ownPool = !opts.pool && opts.threads !== undefined;
  const pool = opts.pool ?? (ownPool ? new WorkerPool({ size: opts.threads }) : getDefaultPool());
  const id = `m${nextModelId++}-${Math.random().toString(36).slice(2, 8)}`;
  let loaded = false;
  try {
    const { name, files } = await readModelFiles(source, opts);
    opts.onProgress?.({ status: 'load', workers: pool.size });
    const infos = await pool.broadcast('bert.load', { id, files, dtype: opts.dtype ?? 'auto' }, { signal: opts.signal });
    loaded = true;
    const config = infos[0];
    opts.onProgress?.({ status: 'ready', config });
    return makeModel({ id, name, config, pool, ownPool });
  } catch (e) {
    if (loaded || !ownPool) await pool.broadcast('bert.free', { id }).catch(() => {});
    if (ownPool) pool.dispose();
    throw e;
  }
}

function makeModel({ id, name, config, pool, ownPool }) {
  let disposed = false;
  const dim = config.hidden;
  return {
    name, config, dim,
    async embed(texts, opts = {}) {
      if (disposed) throw new EmbedscapeError('this model has been disposed');
      if (!Array.isArray(texts)) throw new EmbedscapeError('embed: texts must be an array of strings');
      for (let i = 0; i < texts.length; i++) {
        if (typeof texts[i] !== 'string') throw new EmbedscapeError(`embed: text ${i} is not a string`);
      }
      const batchSize = opts.batchSize ?? 32;
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new EmbedscapeError(`batchSize must be a whole number >= 1, got ${batchSize}`);
      const { signal, onProgress } = opts;
      if (signal?.aborted) throw new AbortError();
      const n = texts.length;
      const data = new Float32Array(n * dim);
      const t0 = performance.now();
      const batches = [];
      for (let i = 0; i < n; i += batchSize) batches.push([i, Math.min(n, i + batchSize)]);
      // per batch: sentences and tokens done so far (from the worker's progress), for a smooth count
      const doneIn = new Float64Array(batches.length), tokIn = new Float64Array(batches.length);
      const state = () => {
        let done = 0, tokens = 0;
        for (let b = 0; b < batches.length; b++) { done += doneIn[b]; tokens += tokIn[b]; }
        return { done, total: n, tokens, elapsed: (performance.now() - t0) / 1000 };
      };
      let lastReport = 0;
      const report = () => { lastReport = performance.now(); onProgress?.(state()); };
      const timer = onProgress ? setInterval(() => { if (performance.now() - lastReport >= PROGRESS_MS) report(); }, PROGRESS_MS) : null;
      let next = 0, failed = null;
      const lanes = Math.max(1, Math.min(pool.size || 1, batches.length));
      const lane = async (w) => {
        while (!failed && next < batches.length) {
          const b = next++;
          const [s, e] = batches[b];
          const r = await pool.run('bert.embed', { id, texts: texts.slice(s, e) }, {
            worker: w, signal,
            onProgress: (p) => { doneIn[b] = p.done; tokIn[b] = p.tokens; if (performance.now() - lastReport >= PROGRESS_MS) report(); },
          });
          data.set(r.data, s * dim);
          doneIn[b] = e - s;
          tokIn[b] = r.tokens;
          report();
        }
      };
      try {
        await Promise.all(Array.from({ length: lanes }, (_, w) => lane(w).catch((err) => { failed ??= err; })));
        if (failed) throw failed;
        if (signal?.aborted) throw new AbortError();
      } finally {
        if (timer) clearInterval(timer);
      }
      return { data, n, dim };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      try {
        await pool.broadcast('bert.free', { id });
      } finally {
        if (ownPool) pool.dispose();
      }
    },
  };
}

// Worker operations. A model lives in the worker's state under `bert:<id>` until 'bert.free'.
// Within one 'bert.embed' task the texts are run in sub-batches of at most SUB_TOKENS tokens so the
// worker can report progress and notice a cancel between them.
const SUB_TOKENS = 256;

function abortError() {
  const e = new Error('cancelled');
  e.name = 'AbortError';
  return e;
}

export const modelOps = {
  /** args {id, files, dtype} → the model's config. */
  'bert.load': async (ctx, { id, files, dtype }) => {
    const key = `bert:${id}`;
    ctx.state.get(key)?.free();
    ctx.state.delete(key);
    const m = createBertModel(ctx.engine, files, { dtype });
    ctx.state.set(key, m);
    return m.config;
  },
  /** args {id, texts} → {data: Float32Array (n*dim), tokens}. */
  'bert.embed': async (ctx, { id, texts }) => {
    const m = ctx.state.get(`bert:${id}`);
    if (!m) throw new EmbedscapeError(`model ${id} is not loaded in this worker`);
    if (!m.tokenizer) throw new EmbedscapeError('the model folder has no tokenizer');
    const { ids, lengths } = m.tokenizer.encodeBatch(texts, m.config.maxSeqLength);
    const n = lengths.length, dim = m.dim;
    const data = new Float32Array(n * dim);
    let q = 0, off = 0;
    while (q < n) {
      let q1 = q, t = 0;
      while (q1 < n && (q1 === q || t + lengths[q1] <= SUB_TOKENS)) t += lengths[q1++];
      data.set(m.embedIds(ids.subarray(off, off + t), lengths.subarray(q, q1)), q * dim);
      off += t;
      q = q1;
      ctx.progress({ done: q, tokens: off });
      if (q < n) {
        await ctx.yield();
        if (ctx.aborted()) throw abortError();
      }
    }
    return { result: { data, tokens: ids.length }, transfer: [data.buffer] };
  },
  /** args {id}: frees the model (no error when it is not loaded). */
  'bert.free': async (ctx, { id }) => {
    const key = `bert:${id}`;
    ctx.state.get(key)?.free();
    ctx.state.delete(key);
    return true;
  },
};
