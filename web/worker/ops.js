// ops.js — every operation a pool worker runs, by the OP names of web/lib/protocol.js. Each worker-side
// stage module exports its own table of handlers `async (ctx, args) => result` (see dispatch.js for
// ctx); this file only merges them and says which ones only read state.

import { OP } from '../lib/protocol.js';
import { coreOps } from './core.js';
import { tokenizerOps } from './tokenizer.js';
import { bertOps } from './bert.js';
import { similarityOps } from './similarity.js';
import { umapOps } from './umap.js';
import { hdbscanOps } from './hdbscan.js';
import { sessionOps } from './session.js';

export const ops = { ...coreOps, ...tokenizerOps, ...bertOps, ...similarityOps, ...umapOps, ...hdbscanOps, ...sessionOps };

for (const name of Object.keys(ops)) {
  if (!Object.values(OP).includes(name)) throw new Error(`worker operation '${name}' is not an OP of protocol.js`);
}
for (const name of Object.values(OP)) {
  if (!ops[name]) throw new Error(`OP '${name}' of protocol.js has no worker operation`);
}

/** Operations that only read state: they may run while a long task of the same worker yields. */
export const READ_ONLY = new Set([OP.INFO, OP.SESSION_QUERY]);
