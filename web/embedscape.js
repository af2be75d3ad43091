// embedscape.js — the public JavaScript API (browsers, bundlers, Web Workers; Node.js gets
// embedscape.node.js through the package's "node" export condition, the same API on worker_threads).
// Nothing here loads the WebAssembly engine: it runs in a pool of workers (web/worker/), started on
// the first call that needs one. Every name exported below is documented in README.md and declared in
// embedscape.d.ts (tests/types.test.mjs keeps the three in step); internals are on the
// "embedscape/internals" subpath (web/internals.js) for tests and tools.
//
//   import { loadModel, umap, hdbscan, createSession } from 'embedscape';
//   const model = await loadModel('models/all-MiniLM-L6-v2/');
//   const vectors = await model.embed(texts, { onProgress: (p) => console.log(p.done, p.total) });
//   const xy = await umap(vectors, { nNeighbors: 15, minDist: 0.1, seed: 42 });
//   const { labels } = await hdbscan(xy, { minClusterSize: 5 });

export { EmbedscapeError, STATUS } from './lib/errors.js';
export { WorkerPool, getDefaultPool, setDefaultPool, defaultThreads } from './lib/pool.js';
export { openFolder } from './lib/folder.js';
export { loadModel } from './lib/model.js';
export { loadTokenizer } from './lib/tokenizer.js';
export { cosineSimilarity, similarityTo, topK } from './lib/similarity.js';
export { umap, fitUmap, umapFromLayout } from './lib/umap.js';
export { hdbscan, createClusterer } from './lib/hdbscan.js';
export { clusterKeywords } from './lib/keywords.js';
export { createSession } from './lib/session.js';
export { createMapFile, parseMapFile } from './lib/mapfile.js';
export { pythonScript } from './lib/python.js';
export { parseTexts, parseNpy, formatNpy } from './lib/io.js';
export { UMAP_DEFAULTS, HDBSCAN_DEFAULTS } from './lib/options.js';
