// tokenizer.js (worker side) — the BERT WordPiece tokenizer of a model folder, built in an engine (the
// C tokenizer, exact to Hugging Face's tokenizers). The main-side API is web/lib/tokenizer.js.
//
//   const tok = createTokenizer(engine, files);        // files: {'tokenizer.json': bytes, ...}
//   tok.encode('The sun is shining');                  // Int32Array [101, 1996, 3103, 2003, 9716, 102]
//   const { ids, lengths } = tok.encodeBatch(texts);   // all ids concatenated + one length per text
//
// maxLength everywhere (a number, or {maxLength}): undefined/null/-1 = the model's own (sentence_bert_config.json max_seq_length,
// else tokenizer_config.json model_max_length), 0 = no truncation, N = at most N ids with [CLS]/[SEP].

import { EmbedscapeError } from './engine.js';
import { TOKENIZER_FILES } from '../lib/modelfiles.js';
import { OP } from '../lib/protocol.js';
import { toBytes, filesToBytes } from '../lib/bytes.js';

const encoder = new TextEncoder();


function checkMaxLength(maxLength) {
  if (maxLength && typeof maxLength === 'object') maxLength = maxLength.maxLength; // {maxLength} works too
  if (maxLength === undefined || maxLength === null) return -1;
  if (!Number.isInteger(maxLength) || maxLength < -1 || maxLength > 0x7fffffff) {
    throw new EmbedscapeError(`maxLength must be a whole number >= 0 (0 = no truncation), got ${maxLength}`);
  }
  return maxLength;
}

/**
 * @typedef {object} Tokenizer
 * @property {number} ptr the engine's tokenizer handle
 * @property {import('./engine.js').Engine} engine
 * @property {number} maxLength the model's maximum length in ids (0 = none)
 * @property {number} vocabSize
 * @property {number} nSpecial ids the model adds around each text ([CLS] and [SEP]: 2)
 * @property {(text: string, maxLength?: number|{maxLength?: number}) => Int32Array} encode
 * @property {(texts: string[], maxLength?: number|{maxLength?: number}) => {ids: Int32Array, lengths: Int32Array}} encodeBatch
 * @property {(token: string) => number} tokenToId -1 when the token is not in the vocabulary
 * @property {() => void} free releases the engine memory (the tokenizer is unusable afterwards)
 */

/**
 * Builds a tokenizer inside an engine from the bytes of the model folder's files (any subset of
 * TOKENIZER_FILES; tokenizer.json or vocab.txt is required).
 * @param {import('./engine.js').Engine} engine
 * @param {Record<string, Uint8Array|ArrayBuffer|string|null|undefined>} files
 * @returns {Tokenizer}
 */
export function createTokenizer(engine, files) {
  if (!files || typeof files !== 'object') throw new EmbedscapeError('createTokenizer: files must be an object {name: bytes}');
  const bytes = TOKENIZER_FILES.map((name) => toBytes(files[name], name));
  if (!bytes[0] && !bytes[1]) throw new EmbedscapeError('the model folder has neither tokenizer.json nor vocab.txt');
  let ptr = 0;
  engine.scoped((alloc, copy) => {
    const args = [];
    for (const b of bytes) {
      if (b) args.push(copy(b), b.length);
      else args.push(0, 0);
    }
    const out = alloc(4);
    engine.u32[out >>> 2] = 0;
    engine.call('es_tokenizer_create', ...args, out);
    ptr = engine.getU32(out);
  });
  const maxLength = engine.raw('es_tokenizer_max_length', ptr);
  const vocabSize = engine.raw('es_tokenizer_vocab_size', ptr);
  const nSpecial = engine.raw('es_tokenizer_n_special', ptr);
  let freed = false;
  const live = () => {
    if (freed) throw new EmbedscapeError('this tokenizer has been freed');
  };

  /** Encodes many texts with one copy in and one copy out. */
  function encodeBatch(texts, maxLength) {
    live();
    if (!Array.isArray(texts)) throw new EmbedscapeError('encodeBatch: texts must be an array of strings');
    const ml = checkMaxLength(maxLength);
    const n = texts.length;
    let cap = 0;
    for (let i = 0; i < n; i++) {
      const t = texts[i];
      if (typeof t !== 'string') throw new EmbedscapeError(`encodeBatch: text ${i} is not a string`);
      cap += t.length * 3; // UTF-8 needs at most 3 bytes per UTF-16 code unit
    }
    return engine.scoped((alloc) => {
      const textPtr = alloc(cap);
      const lensPtr = alloc(4 * n);
      const outPtr = alloc(4 * n);
      const heap = engine.u8; // no allocation happens until the call below: the view stays valid
      const lens = engine.i32.subarray(lensPtr >>> 2, (lensPtr >>> 2) + n);
      let off = 0;
      for (let i = 0; i < n; i++) {
        const t = texts[i];
        if (t.length === 0) { lens[i] = 0; continue; }
        const { written } = encoder.encodeInto(t, heap.subarray(textPtr + off, textPtr + cap));
        lens[i] = written;
        off += written;
      }
      engine.call('es_tokenizer_encode_batch', ptr, textPtr, lensPtr, n, ml, outPtr);
      const lengths = engine.readI32(outPtr, n);
      const idsPtr = engine.raw('es_tokenizer_batch_ids', ptr) >>> 0;
      const count = engine.raw('es_tokenizer_batch_count', ptr);
      return { ids: engine.readI32(idsPtr, count), lengths };
    });
  }

  return {
    ptr,
    engine,
    maxLength,
    vocabSize,
    nSpecial,
    encode(text, maxLength) {
      if (typeof text !== 'string') throw new EmbedscapeError('encode: text must be a string');
      return encodeBatch([text], maxLength).ids;
    },
    encodeBatch,
    tokenToId(token) {
      live();
      return engine.scoped((alloc) => {
        const b = encoder.encode(String(token));
        const p = alloc(b.length);
        engine.u8.set(b, p);
        return engine.raw('es_tokenizer_token_to_id', ptr, p, b.length);
      });
    },
    free() {
      if (freed) return;
      freed = true;
      engine.raw('es_tokenizer_free', ptr);
    },
  };
}

// ------------------------------------------------------------------ worker operations
// A tokenizer lives in the worker's state under `tokenizer:<id>` until OP.TOKENIZER_FREE.

function loaded(ctx, id) {
  const t = ctx.state.get(`tokenizer:${id}`);
  if (!t) throw new EmbedscapeError(`tokenizer ${id} is not loaded in this worker`);
  return t;
}

export const tokenizerOps = {
  /** {id, files} -> {maxLength, vocabSize, nSpecial} */
  [OP.TOKENIZER_LOAD]: async (ctx, { id, files }) => {
    const bytes = await filesToBytes(files);
    ctx.state.get(`tokenizer:${id}`)?.free();
    const tok = createTokenizer(ctx.engine, bytes);
    ctx.state.set(`tokenizer:${id}`, tok);
    return { maxLength: tok.maxLength, vocabSize: tok.vocabSize, nSpecial: tok.nSpecial };
  },
  /** {id, texts, maxLength} -> {ids, lengths}; or {id, tokens} -> Int32Array of ids (-1 = not in the vocabulary) */
  [OP.TOKENIZER_ENCODE]: async (ctx, { id, texts, maxLength, tokens }) => {
    const tok = loaded(ctx, id);
    if (tokens) return Int32Array.from(tokens, (t) => tok.tokenToId(t));
    const { ids, lengths } = tok.encodeBatch(texts, maxLength);
    return { result: { ids, lengths }, transfer: [ids.buffer, lengths.buffer] };
  },
  [OP.TOKENIZER_FREE]: async (ctx, { id }) => {
    ctx.state.get(`tokenizer:${id}`)?.free();
    ctx.state.delete(`tokenizer:${id}`);
    return true;
  },
};
