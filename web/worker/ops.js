// ops.js — every operation a pool worker can run, by name. Each stage module exports its own
// `<stage>Ops` object of handlers `async (ctx, args) => result` (see worker.js for ctx); this file
// only merges them. Operation names are prefixed by their stage ('umap.run', 'bert.embed', ...).

import { coreOps } from './core.js';
import { tokenizerOps } from './tokenizer.js';
import { modelOps } from './model.js';
import { similarityOps } from './similarity.js';
import { umapOps } from './umap.js';
import { hdbscanOps } from './hdbscan.js';
import { keywordsOps } from './keywords.js';

export const ops = { ...coreOps, ...tokenizerOps, ...modelOps, ...similarityOps, ...umapOps, ...hdbscanOps, ...keywordsOps };
