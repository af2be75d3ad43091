// internals.js — the main-side pieces behind the public API, for tests and tools ("embedscape/internals").
// Not a stable interface. Nothing here loads the engine; the engine-level functions (in-process, on an
// Engine) are in web/worker/index.js ("embedscape/engine").
export * from './lib/options.js';
export * from './lib/pipeline.js';
export { toMatrix } from './lib/matrix.js';
export { OP } from './lib/protocol.js';
export { platform, setPlatform } from './lib/platform.js';
export { MAX_THREADS_PER_CORE } from './lib/pool.js';
export { MODEL_FILES, TOKENIZER_FILES, BERT_FILES } from './lib/modelfiles.js';
export { readModelFiles, shareBoundaries, Model } from './lib/model.js';
export { readTokenizerFiles } from './lib/tokenizer.js';
export { topKAll } from './lib/similarity.js';
export { knnSearch } from './lib/umap.js';
export { Session, clusterSizes } from './lib/session.js';
export { wordTokens, ENGLISH_STOP_WORDS } from './lib/keywords.js';
export { decodeUtf8, splitLines, parseCsv } from './lib/io.js';
export { MAP_FORMAT, MAP_VERSION } from './lib/mapfile.js';
export { abortError, isAbortError } from './lib/errors.js';
export * from './lib/safetensors.js';
