// bert.js (worker side) — sentence embeddings with a BERT model folder (all-MiniLM-L6-v2 and any
// BERT-shaped sentence-transformers model) built in an engine: text in, the vectors sentence-transformers
// gives, out. The main-side API is web/lib/model.js (loadModel).
//
//   const m = createBertModel(engine, files, { dtype: 'q8' });  // files: {'config.json': bytes, ...}
//   const { data, tokens } = m.embedTexts(['The sun is shining']);
//   m.free();
//
// Batching, the one rule: texts are embedded in chunks of consecutive texts of at most EMBED_CHUNK_TOKENS
// tokens (one text alone when it is longer), the same chunks the C forward pass packs (CHUNK_TOKENS in
// wasm/src/bert.c); a worker reports progress and notices a cancel between chunks. No operation mixes
// texts, so a vector does not depend on its chunk, its worker or the number of threads.

import { EmbedscapeError } from './engine.js';
import { OP } from '../lib/protocol.js';
import { toBytes, filesToBytes } from '../lib/bytes.js';
import { createTokenizer } from './tokenizer.js';

const encoder = new TextEncoder();

/** Tokens per chunk (wasm/src/bert.c CHUNK_TOKENS). */
export const EMBED_CHUNK_TOKENS = 1024;

/** Weight dtypes: auto (as stored: int8 when the file holds I8 weights, else f32), f32, f16, q8. */
const DTYPE_CODE = { auto: 0, f32: 1, f16: 2, q8: 3 };
const DTYPE_NAME = { 1: 'f32', 2: 'f16', 3: 'q8' };
const POOLING = ['mean', 'cls', 'max'];

function dtypeCode(dtype = 'auto') {
  const c = DTYPE_CODE[dtype];
  if (c === undefined) throw new EmbedscapeError(`dtype must be one of ${Object.keys(DTYPE_CODE).join(', ')}, got '${dtype}'`);
  return c;
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
  const st = toBytes(files['model.safetensors'], 'model.safetensors');
  if (!st) throw new EmbedscapeError('the model folder has no model.safetensors');
  if (!files['config.json']) throw new EmbedscapeError('the model folder has no config.json');
  const dec = new TextDecoder();
  const text = (f) => (files[f] == null ? null : typeof files[f] === 'string' ? files[f] : dec.decode(toBytes(files[f], f)));
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
     * Embeds texts chunk by chunk (the batching rule above: es_bert_embed_chunk takes one chunk per
     * call; the texts go into the engine once as UTF-8 and their ids never come out) into out (n*dim,
     * default a new array); after each chunk, await hooks.onChunk({done, tokens}) may report progress or
     * throw to stop.
     * @returns {Promise<{data: Float32Array, tokens: number}>}
     */
    async embedChunked(texts, out = new Float32Array(texts.length * dim), hooks = {}) {
      live();
      if (!tokenizer) throw new EmbedscapeError('the model folder has no tokenizer.json or vocab.txt');
      const n = texts.length;
      let cap = 0;
      for (const t of texts) cap += t.length * 3; // UTF-8 needs at most 3 bytes per UTF-16 code unit
      const textPtr = engine.malloc(cap), lensPtr = engine.malloc(4 * n);
      const outPtr = engine.malloc(4 * Math.max(1, n) * dim), lengthsPtr = engine.malloc(4 * n), usedPtr = engine.malloc(4);
      try {
        const heap = engine.u8; // no allocation until the calls below: the view stays valid
        let off = 0;
        for (let i = 0; i < n; i++) {
          const { written } = texts[i].length ? encoder.encodeInto(texts[i], heap.subarray(textPtr + off, textPtr + cap)) : { written: 0 };
          engine.i32[(lensPtr >>> 2) + i] = written;
          off += written;
        }
        let q = 0, bytes = 0, tokens = 0;
        while (q < n) {
          engine.call('es_bert_embed_chunk', ptr, tokenizer.ptr, textPtr + bytes, lensPtr + 4 * q, n - q, EMBED_CHUNK_TOKENS,
            outPtr + 4 * q * dim, lengthsPtr + 4 * q, usedPtr);
          const used = engine.getI32(usedPtr);
          for (let i = q; i < q + used; i++) { tokens += engine.i32[(lengthsPtr >>> 2) + i]; bytes += engine.i32[(lensPtr >>> 2) + i]; }
          q += used;
          await hooks.onChunk?.({ done: q, tokens });
        }
        out.set(engine.f32.subarray(outPtr >>> 2, (outPtr >>> 2) + n * dim));
        return { data: out, tokens };
      } finally {
        for (const p of [textPtr, lensPtr, outPtr, lengthsPtr, usedPtr]) engine.free(p);
      }
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
 * SHA-256 over every file of the folder (name, size and the SHA-256 of its bytes, in name order): what
 * tells two models apart for a cache, whatever their folders are called. Null without Web Crypto.
 */
async function fingerprintOf(files) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  const parts = [];
  for (const name of Object.keys(files).sort()) parts.push(`${name}:${files[name].length}:${hex(await subtle.digest('SHA-256', files[name]))}`);
  return hex(await subtle.digest('SHA-256', encoder.encode(parts.join('\n'))));
}

// ------------------------------------------------------------------ worker operations
// A model lives in the worker's state under `bert:<id>` until OP.BERT_FREE.

/** The model under id in this worker. */
export function loadedModel(ctx, id) {
  const m = ctx.state.get(`bert:${id}`);
  if (!m) throw new EmbedscapeError(`model ${id} is not loaded in this worker`);
  return m;
}

export const bertOps = {
  /** {id, files, dtype} -> the model's config. Files may be Blobs: each worker reads its own copy. */
  [OP.BERT_LOAD]: async (ctx, { id, files, dtype, fingerprint }) => {
    const bytes = await filesToBytes(files);
    ctx.state.get(`bert:${id}`)?.free();
    ctx.state.delete(`bert:${id}`);
    const m = createBertModel(ctx.engine, bytes, { dtype });
    ctx.state.set(`bert:${id}`, m);
    return fingerprint ? { ...m.config, fingerprint: await fingerprintOf(bytes) } : m.config;
  },
  /** {id, texts} -> {data: Float32Array (n*dim), tokens}; progress {status: 'embed', done, total, tokens} per chunk. */
  [OP.BERT_EMBED]: async (ctx, { id, texts }) => {
    const m = loadedModel(ctx, id);
    const r = await m.embedChunked(texts, undefined, {
      onChunk: async ({ done, tokens }) => {
        ctx.progress({ status: 'embed', done, total: texts.length, tokens });
        if (done < texts.length) { await ctx.yield(); ctx.checkAborted(); }
      },
    });
    return { result: r, transfer: [r.data.buffer] };
  },
  /** {id, texts} -> {lengths: Int32Array}: ids per text as embedding counts them (truncated to max_seq_length), nothing embedded. */
  [OP.BERT_COUNT]: async (ctx, { id, texts }) => {
    const m = loadedModel(ctx, id);
    if (!m.tokenizer) throw new EmbedscapeError('the model folder has no tokenizer.json or vocab.txt');
    const { lengths } = m.tokenizer.encodeBatch(texts, m.config.maxSeqLength);
    return { result: { lengths }, transfer: [lengths.buffer] };
  },
  /** {id}: frees the model (no error when it is not loaded). */
  [OP.BERT_FREE]: async (ctx, { id }) => {
    ctx.state.get(`bert:${id}`)?.free();
    ctx.state.delete(`bert:${id}`);
    return true;
  },
};
