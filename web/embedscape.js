// embedscape.js — the public JavaScript API, one ES module for pages, Web Workers and Node >= 20.
// The CLI (web/cli.mjs), the page (web/index.html) and the web component are thin users of it.
//
// Vectors travel as a Matrix: {data: Float32Array (row-major, n*dim), n, dim}.
// Heavy stages run in a pool of workers (one engine instance each, no SharedArrayBuffer needed);
// pass {pool} to choose one, else a shared pool sized to the machine's cores is used.
// Long calls take {onProgress, signal}: progress callbacks and cancellation with an AbortSignal.
//
//   import { loadModel, umap, hdbscan } from './embedscape.js';
//   const model = await loadModel('models/all-MiniLM-L6-v2/');
//   const vectors = await model.embed(texts, { onProgress: (p) => console.log(p.done, p.total) });
//   const xy = await umap(vectors, { nNeighbors: 15, minDist: 0.1, seed: 42 });
//   const { labels } = await hdbscan(xy, { minClusterSize: 5 });
//
// Stage modules contribute the functions re-exported here:
//   tokenizer.js  loadTokenizer(source) -> Tokenizer {encode(text, {maxLength}) -> Int32Array, ...}
//   model.js      loadModel(source, opts) -> Model {embed(texts, opts) -> Matrix, dim, config, dispose()}
//   similarity.js cosineSimilarity(matrix) -> Float32Array (n*n); topK(matrix, queryIndex, k)
//   umap.js       umap(matrix, opts, {onEpoch, signal, pool}) -> Matrix (n x nComponents)
//   hdbscan.js    hdbscan(points, opts, {pool}) -> {labels, probabilities, outlierScores, ...};
//                 createClusterer(points, opts) for fast re-clustering as min_cluster_size changes
//   keywords.js   clusterKeywords(texts, labels, opts) -> [{label, size, keywords: [{word, score}]}]
//   mapfile.js    createMapFile(...) / parseMapFile(json): the saved map format

export { createEngine, Engine, EmbedscapeError, AbortError, STATUS } from './lib/engine.js';
export { WorkerPool, getDefaultPool, setDefaultPool, defaultThreads } from './lib/pool.js';
export { parseTexts, parseNpy, formatNpy, decodeUtf8, splitLines, parseCsv } from './lib/io.js';
export * from './lib/mapfile.js';
export { openFolder, MODEL_FILES } from './lib/folder.js';
export * from './lib/tokenizer.js';
export * from './lib/model.js';
export * from './lib/similarity.js';
export * from './lib/umap.js';
export * from './lib/hdbscan.js';
export * from './lib/keywords.js';
