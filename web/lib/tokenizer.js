// tokenizer.js — the BERT WordPiece tokenizer of a model folder (the engine's C tokenizer, exact to
// Hugging Face's tokenizers), main side: it lives in one worker of a pool; calls are async.
//
//   import { loadTokenizer } from 'embedscape';
//   const tok = await loadTokenizer('models/all-MiniLM-L6-v2/');
//   await tok.encode('The sun is shining');                // Int32Array [101, 1996, 3103, 2003, 9716, 102]
//   const { ids, lengths } = await tok.encodeBatch(texts); // all ids back to back + one length per text
//   await tok.dispose();
//
// maxLength (an option of encode/encodeBatch): undefined = the model's own (sentence_bert_config.json
// max_seq_length, else tokenizer_config.json model_max_length), 0 = no truncation, N = at most N ids
// with [CLS]/[SEP]. The worker side is web/worker/tokenizer.js.

import { EmbedscapeError } from './errors.js';
import { TOKENIZER_FILES } from './folder.js';
import { openModelSource } from './hub.js';
import { getDefaultPool } from './pool.js';
import { OP } from './protocol.js';
import { RUN_OPTIONS, checkOptions, INT_MAX } from './options.js';
import { checkTexts, HUB_OPTIONS } from './model.js';

let nextId = 1;

/** Reads the tokenizer files of a folder: {name, files: {file: Uint8Array}} (vocab.txt only without tokenizer.json). */
export async function readTokenizerFiles(source, opts = {}) {
  const folder = await openModelSource(source, opts);
  const files = {};
  for (const name of TOKENIZER_FILES) {
    if (name === 'vocab.txt' && files['tokenizer.json']) continue;
    const b = await folder.read(name);
    if (b) files[name] = b;
  }
  if (!files['tokenizer.json'] && !files['vocab.txt']) {
    throw new EmbedscapeError(`${folder.name}: no tokenizer.json or vocab.txt in the model folder`);
  }
  return { name: folder.name, files };
}

const ENCODE_OPTIONS = { maxLength: { type: 'int', min: 0, max: INT_MAX, help: 'at most this many ids per text ([CLS]/[SEP] included); 0 = no truncation' } };

/**
 * Loads the tokenizer of a model folder into one worker.
 * @param {string|URL|object} source a folder path (Node), a URL, files in memory, or a Hub id (only the tokenizer files are downloaded)
 * @param {{pool?: import('./pool.js').WorkerPool, signal?: AbortSignal}} [opts]
 */
export async function loadTokenizer(source, opts = {}) {
  const o = checkOptions(HUB_OPTIONS, opts, 'loadTokenizer', { pool: RUN_OPTIONS.pool, signal: RUN_OPTIONS.signal });
  const pool = o.pool ?? getDefaultPool();
  const { name, files } = await readTokenizerFiles(source, o);
  await pool.start();
  const worker = nextId % pool.size;
  const id = `t${nextId++}`;
  let info;
  try {
    info = await pool.run(OP.TOKENIZER_LOAD, { id, files }, { worker, signal: o.signal });
  } catch (e) {
    throw new EmbedscapeError(`model folder ${name}: ${e.message}`, { status: e.status, cause: e });
  }
  let disposed = false;
  const live = () => { if (disposed) throw new EmbedscapeError('this tokenizer has been disposed'); };
  const encodeBatch = async (texts, eo = {}) => {
    live();
    const list = checkTexts(texts, 'encodeBatch');
    const { maxLength, signal } = checkOptions(ENCODE_OPTIONS, eo, 'encodeBatch', { signal: RUN_OPTIONS.signal });
    return pool.run(OP.TOKENIZER_ENCODE, { id, texts: list, maxLength: maxLength ?? -1 }, { worker, signal });
  };
  return {
    name,
    /** the model's maximum length in ids (0 = none) */
    maxLength: info.maxLength,
    vocabSize: info.vocabSize,
    /** ids the model adds around each text ([CLS] and [SEP]: 2) */
    nSpecial: info.nSpecial,
    /** ids of one text. @param {string} text @param {{maxLength?: number}} [eo] */
    async encode(text, eo) {
      if (typeof text !== 'string') throw new EmbedscapeError('encode: text must be a string');
      return (await encodeBatch([text], eo)).ids;
    },
    encodeBatch,
    /** id of a vocabulary token, -1 when it is not in the vocabulary */
    async tokenToId(token) {
      live();
      return (await pool.run(OP.TOKENIZER_ENCODE, { id, tokens: [String(token)] }, { worker }))[0];
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await pool.run(OP.TOKENIZER_FREE, { id }, { worker }).catch(() => {});
    },
  };
}
