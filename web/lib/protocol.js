// protocol.js — the names of the operations a pool worker runs, shared by the main side (web/lib/) and
// the worker side (web/worker/ops.js), so a call and its handler are found with one grep:
//   pool.run(OP.UMAP_RUN, args)   <->   [OP.UMAP_RUN]: async (ctx, args) => …
//
// Messages in:  {id, op, args} to run a task; {cancel: id} to ask a running task to stop.
// Messages out: {ready: true} once when the worker's modules have loaded; {id, progress} any number of
// times, then {id, result} or {id, error: {name, message, status}}.

export const OP = Object.freeze({
  // the engine instance
  INFO: 'info',
  SLEEP_STEPS: 'sleepSteps', // tests the pool's plumbing: progress and cancellation
  // tokenizer and model (state kept per id until freed)
  TOKENIZER_LOAD: 'tokenizer.load',
  TOKENIZER_ENCODE: 'tokenizer.encode',
  TOKENIZER_FREE: 'tokenizer.free',
  BERT_LOAD: 'bert.load',
  BERT_EMBED: 'bert.embed',
  BERT_COUNT: 'bert.count',
  BERT_FREE: 'bert.free',
  // stateless stage calls on data sent with the call
  SIMILARITY_MATRIX: 'similarity.matrix',
  SIMILARITY_TO: 'similarity.to',
  SIMILARITY_TOP_K: 'similarity.topK',
  SIMILARITY_TOP_K_ALL: 'similarity.topKAll',
  KNN: 'knn',
  UMAP_RUN: 'umap.run',
  UMAP_TRANSFORM: 'umap.transform', // new points onto a map: its rows, positions and options sent with the call
  // a kNN search in parts over every worker (umap-parallel.js)
  UMAP_KNN_BEGIN: 'umap.knnBegin',
  UMAP_KNN_PART: 'umap.knnPart',
  UMAP_KNN_STATE: 'umap.knnState',
  UMAP_KNN_MERGE: 'umap.knnMerge',
  UMAP_KNN_IMPORT: 'umap.knnImport',
  UMAP_KNN_LAYOUT: 'umap.knnLayout',
  UMAP_KNN_END: 'umap.knnEnd',
  HDBSCAN_RUN: 'hdbscan.run',
  // a clusterer: a spanning tree kept in one worker, re-cut on demand
  HDBSCAN_PREPARE: 'hdbscan.prepare',
  HDBSCAN_CLUSTER: 'hdbscan.cluster',
  HDBSCAN_FREE: 'hdbscan.free',
  // a pipeline session: texts, vectors, graph, layout and trees kept in the worker by session id
  SESSION_OPEN: 'session.open',
  SESSION_PUT_VECTORS: 'session.putVectors',
  SESSION_EMBED: 'session.embed',
  SESSION_STAGE: 'session.stage',
  SESSION_QUERY: 'session.query',
  SESSION_CLOSE: 'session.close',
});
