// ops.js — every operation a pool worker can run, by name. Each stage module exports its own `ops`
// object of handlers `async (ctx, args) => result` (see worker.js for ctx); this file only merges them.

import { ops as coreOps } from './core.js';
import { ops as tokenizerOps } from './tokenizer.js';

export const ops = { ...coreOps, ...tokenizerOps };
