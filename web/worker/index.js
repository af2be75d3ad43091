// index.js — the engine-level functions (in-process, on one Engine, no worker pool) for tests and
// tools ("embedscape/engine"). Importing this loads the WebAssembly engine.
export { createEngine, Engine } from './engine.js';
export { createTokenizer } from './tokenizer.js';
export { createBertModel, EMBED_CHUNK_TOKENS } from './bert.js';
export { similarityMatrixWith, similarityToWith, topKWith, topKAllWith } from './similarity.js';
export { runUmapWith, knnSearchWith, findAbParamsWith, createUmapWith, umapGraphWith, UmapFit, transformOntoWith } from './umap.js';
export {
  hdbscanPrepare, hdbscanSelect, hdbscanFree, hdbscanRun, normalizeHdbscanOptions,
  hdbscanNeighbors, hdbscanNeighborsFree, hdbscanPrepareFromNeighbors, hdbscanBytes,
} from './hdbscan.js';
