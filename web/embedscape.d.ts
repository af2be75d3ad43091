// embedscape.d.ts — TypeScript declarations of the public JavaScript API (web/embedscape.js, and
// web/embedscape.node.js in Node.js: the same names).
//
// Every name the module exports at run time is declared here (tests/types.test.mjs checks that the
// two sets are equal), with the option objects, their defaults (web/lib/options.js defines them once;
// the test checks the "(default …)" comments against it), the result shapes and the progress payloads.
// Every long call takes its options last, in one object, with `signal` (cancels: the promise rejects
// with signal.reason, a DOMException named AbortError by default) and `onProgress` (payloads of one
// form: {status, done, total, ...}).
//
//   import { loadModel, createSession } from 'embedscape';
//   const model = await loadModel('models/all-MiniLM-L6-v2/');
//   const session = await createSession({ model });
//   session.setTexts(texts);
//   const { xy, labels, clusters } = await session.run({ onProgress: (p) => console.log(p.status, p.done, p.total) });

// =============================================================================================== shapes

/**
 * A matrix of `n` rows of `dim` float32 values, row-major: row i is `data[i*dim .. (i+1)*dim)`.
 * Embeddings (n x 384 for MiniLM), UMAP layouts (n x nComponents) and HDBSCAN inputs travel as one.
 */
export interface Matrix<Data extends Float32Array = Float32Array> {
  data: Data;
  n: number;
  dim: number;
}

// Typed arrays embedscape creates: over an ordinary ArrayBuffer, so TypeScript >= 5.7 accepts them
// where a BufferSource is needed (new Blob([...]), fetch bodies, crypto) — Float32Array<ArrayBuffer>
// there, plain Float32Array on older TypeScript.
type F32Array = ReturnType<Float32Array['slice']>;
type F64Array = ReturnType<Float64Array['slice']>;
type I32Array = ReturnType<Int32Array['slice']>;
type U8Array = ReturnType<Uint8Array['slice']>;

/** A Matrix embedscape returns (its data is a fresh Float32Array over an ArrayBuffer). */
export type ResultMatrix = Matrix<F32Array>;

/**
 * What every stage accepts as a matrix: a Matrix whose data is any typed array or number[]; rows
 * (number[][] or an array of typed arrays); or a tensor-like {data, dims: [n, dim]} (transformers.js).
 */
export type MatrixLike =
  | Matrix
  | { data: ArrayLike<number>; n: number; dim: number }
  | readonly ArrayLike<number>[]
  | { data: ArrayLike<number>; dims: readonly [number, number] };

/** A query for the similarity functions: a row index of the matrix, or a vector of `dim` numbers. */
export type Query = number | Float32Array | Float64Array | readonly number[];

/**
 * Where a model is: a folder path (Node), a URL (http(s):, or file: in Node), files in memory, an open
 * Folder, or a Hugging Face Hub id ('sentence-transformers/all-MiniLM-L6-v2': downloaded once, into the
 * browser's Cache Storage or Node's cache folder; a local folder of that name wins).
 */
export type ModelSource = string | URL | MemoryFolderSource | Folder;

/** Where a model named by its Hub id is downloaded from. */
export interface HubOptions {
  /** the Hub's address (default: $HF_ENDPOINT in Node, else https://huggingface.co) */
  hubUrl?: string;
  /** branch, tag or commit of the repository (default 'main') */
  revision?: string;
}

/**
 * Files held in memory, by name relative to the model folder (e.g. `'1_Pooling/config.json'`).
 * Names from `<input webkitdirectory>` (`'folder/sub/file'`) work too: a common top folder is stripped.
 */
export interface MemoryFolderSource {
  files: Record<string, Uint8Array | ArrayBuffer | ArrayBufferView | Blob>;
  /** name used in messages (default: the stripped top folder, else "model") */
  name?: string;
}

/** Options of a call that runs in a worker pool. */
export interface CallOptions {
  /** the worker pool to run in (default: getDefaultPool(), one worker per core) */
  pool?: WorkerPool;
  /** cancels the work: the promise rejects with signal.reason */
  signal?: AbortSignal;
}

// =============================================================================================== errors and the pool

/** An error reported by the engine or by the JS layer for a user mistake (never a bug). */
export declare class EmbedscapeError extends Error {
  constructor(message: string, opts?: { status?: number; cause?: unknown });
  name: 'EmbedscapeError';
  /** engine status code (see STATUS), 0 when the error comes from JS */
  status: number;
  /** the stage that failed, when the error comes from Session.run() */
  stage?: SessionStage;
}

/** Engine status codes (wasm/src/status.h); EmbedscapeError.status holds one of them. */
export declare const STATUS: Readonly<{
  OK: 0;
  NOMEM: 1;
  ARG: 2;
  FORMAT: 3;
  MODEL: 4;
  NUMERIC: 5;
  CANCELLED: 6;
  INTERNAL: 7;
}>;

/** One worker engine's state: its version, SIMD, its wasm memory and the ids of what it holds. */
export interface WorkerInfo {
  version: string;
  simd: boolean;
  /** bytes of wasm memory (it grows and never shrinks) */
  heapBytes: number;
  /** bytes of it in use by allocations (what a leak makes grow) */
  heapInUse: number;
  state: string[];
}

/**
 * A pool of workers, each with its own engine instance (Web Workers in browsers, worker_threads in
 * Node). Tasks run on the least busy worker; a worker that dies is replaced on its next task.
 */
export declare class WorkerPool {
  constructor(opts?: {
    /** workers (default: the cores; at most 4 per core) */
    size?: number;
    /** where the worker module is, when a bundler or a CDN moved it (default: ./worker/worker.js next to the library) */
    workerUrl?: URL | string;
  });
  /** number of workers */
  readonly size: number;
  /** starts the workers now (they also start on the first task) */
  start(): Promise<void>;
  /** each worker's engine */
  stats(): Promise<WorkerInfo[]>;
  /** stops worker i as if it had crashed (its tasks reject; it restarts on its next task) */
  kill(i: number): void;
  /** calls fn(index, generation) when a worker died (its state is gone); returns an unsubscribe function */
  onWorkerLost(fn: (index: number, generation: number) => void): () => void;
  /** stops every worker; pending tasks reject with an AbortError */
  dispose(): void;
}

/** The pool shared by the API when a call names none. */
export declare function getDefaultPool(): WorkerPool;
/** Replaces the shared pool (disposes the previous one). */
export declare function setDefaultPool(pool: WorkerPool | null): void;
/** The number of workers a pool gets by default: the machine's cores. */
export declare function defaultThreads(): number;

// =============================================================================================== files

/** Parses the texts of a file by its name's extension: .jsonl ("text" field), .csv ("text" column or the first), else one per line. */
export declare function parseTexts(bytes: Uint8Array, name?: string): string[];
/** Parses a .npy float32 (or float64, converted) C-order matrix; a 1-D array becomes [n, 1]. */
export declare function parseNpy(bytes: Uint8Array, name?: string): { data: F32Array; shape: [number, number] };
/** Serialises a float32 matrix as .npy (version 1.0). */
export declare function formatNpy(data: Float32Array | ArrayLike<number>, shape: readonly number[]): U8Array;

/** Bytes of a download or file read so far; `total` is 0 when the server sends no length. */
export interface ByteProgress {
  loaded: number;
  total: number;
}

/** A model folder, read on demand: a missing file is null, never an exception. */
export interface Folder {
  /** the folder's name, for messages */
  name: string;
  /** the files, when known (memory folders), else null */
  list(): string[] | null;
  has(file: string): Promise<boolean>;
  read(file: string, opts?: { onProgress?: (p: ByteProgress) => void; signal?: AbortSignal }): Promise<Uint8Array | null>;
  /** the file parsed as JSON, null when absent */
  readJson(file: string): Promise<any>;
  /** its size in bytes, null when absent or unknown */
  size(file: string): Promise<number | null>;
  /** the folder on disk (Node) */
  path?: string;
  /** the repository, for a folder of the Hugging Face Hub ('org/name') */
  hubId?: string;
}

/** Opens a model folder: a path (Node), a URL, or files in memory ({files}). */
export declare function openFolder(source: ModelSource): Folder;

// =============================================================================================== the map file

export interface Keyword {
  word: string;
  score: number;
}

/** A cluster and its keywords (c-TF-IDF), by label. */
export interface ClusterKeywords {
  label: number;
  /** texts in the cluster */
  size: number;
  keywords: Keyword[];
}

/** A cluster of a saved map: its keywords, and the name and description given to it (if any). */
export interface MapCluster extends ClusterKeywords {
  name?: string;
  description?: string;
}

/** What produced a map, for the record (the Python libraries' parameter names). */
export interface MapParams {
  umap?: Record<string, unknown>;
  hdbscan?: Record<string, unknown>;
}

/** The saved map (JSON): everything the page and <embedscape-map> need to draw it without the model. */
export interface MapFile {
  format: 'embedscape-map';
  version: 1;
  /** ISO date */
  created: string;
  model: string | null;
  params: MapParams;
  texts: string[];
  x: number[];
  y: number[];
  /** -1 = noise */
  labels: number[];
  probabilities: number[];
  outlier_scores?: number[];
  clusters: MapCluster[];
  /** the texts' vectors, when the map was saved with them (createMapFile({vectors}), `embedscape map --vectors`) */
  vectors?: MapVectors;
}

/**
 * A map's vectors, compactly: row i is int8 values times scale[i] (max |v| / 127 of the row), the
 * n*dim int8 values base64-encoded row-major; about 0.52 KB per text at 384 dimensions.
 */
export interface MapVectors {
  encoding: 'int8';
  dim: number;
  scale: number[];
  data: string;
}

/** New points placed on a map: their positions, and each one's k nearest texts of the map with their membership strengths (m*k, nearest first). */
export interface PlacedPoints {
  embedding: Matrix;
  indices: I32Array;
  weights: F32Array;
  k: number;
}

/** A map as parseMapFile accepts it: the required fields, the rest optional. */
export type MapFileData = Pick<MapFile, 'format' | 'version' | 'texts' | 'x' | 'y' | 'labels'> &
  Partial<Omit<MapFile, 'format' | 'version' | 'texts' | 'x' | 'y' | 'labels'>>;

export interface CreateMapFileInput {
  texts: readonly string[];
  /** n x 2 (or more: the first two columns) */
  xy: Matrix;
  labels: ArrayLike<number>;
  probabilities?: ArrayLike<number>;
  outlierScores?: ArrayLike<number>;
  /** default: sizes from the labels, no keywords */
  clusters?: MapCluster[];
  params?: MapParams;
  model?: string | null;
  /** the texts' embeddings, to store compactly (see MapVectors) */
  vectors?: Matrix;
}

/** A validated map with typed arrays added. */
export interface ParsedMapFile extends Omit<MapFile, 'created' | 'model' | 'params'> {
  created?: string;
  model?: string | null;
  params?: MapParams;
  n: number;
  xy: ResultMatrix;
  labelsArray: I32Array;
  /** the stored vectors, decoded (null when the map has none) */
  vectorsMatrix: ResultMatrix | null;
}

/**
 * Builds a map object, ready for JSON.stringify (coordinates and probabilities rounded to 5 digits).
 * Throws EmbedscapeError when the lengths of texts, xy and labels disagree.
 */
export declare function createMapFile(m: CreateMapFileInput): MapFile;
/**
 * Validates a map (a parsed object, or its JSON text) as hostile input and returns a checked copy with
 * typed arrays added (unknown fields kept). Throws EmbedscapeError naming the field and index of the
 * first violation, e.g. `map file: labels[17] must be an integer >= -1, got "x"`.
 */
export declare function parseMapFile(input: unknown): ParsedMapFile;
/**
 * A short Python script (sentence-transformers + umap-learn + hdbscan, the map's parameters and seed)
 * that rebuilds the map from its texts: `python rebuild_map.py map.json [--vectors V.npy]`.
 */
export declare function pythonScript(map: Pick<MapFile, 'model' | 'params'> & { texts?: string[] }, opts?: { mapFile?: string; scriptFile?: string }): string;

// =============================================================================================== tokenizer

/** The BERT WordPiece tokenizer of a model folder (the engine's, exact to Hugging Face's tokenizers), in one worker. */
export interface Tokenizer {
  /** the folder's name */
  readonly name: string;
  /** the model's maximum length in ids (0 = none) */
  readonly maxLength: number;
  readonly vocabSize: number;
  /** ids the model adds around each text ([CLS] and [SEP]: 2) */
  readonly nSpecial: number;
  /** ids of one text, [CLS]/[SEP] included */
  encode(text: string, opts?: EncodeOptions): Promise<I32Array>;
  /** ids of many texts back to back, and the number of ids of each */
  encodeBatch(texts: string | readonly string[], opts?: EncodeOptions): Promise<{ ids: I32Array; lengths: I32Array }>;
  /** id of a vocabulary token, -1 when it is not in the vocabulary */
  tokenToId(token: string): Promise<number>;
  /** frees it in its worker */
  dispose(): Promise<void>;
}

export interface EncodeOptions {
  /** at most this many ids per text ([CLS]/[SEP] included); 0 = no truncation (default: the model's max_seq_length) */
  maxLength?: number;
  signal?: AbortSignal;
}

/** Loads the tokenizer of a model folder (or Hub id: only its tokenizer files are downloaded) into one worker of the pool. */
export declare function loadTokenizer(source: ModelSource, opts?: CallOptions & HubOptions): Promise<Tokenizer>;

// =============================================================================================== model

export type ModelDtype = 'auto' | 'f32' | 'f16' | 'q8';

/** What the loaded model is (from config.json and the sentence-transformers files). */
export interface BertConfig {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  typeVocab: number;
  layerNormEps: number;
  /** tokens per text including [CLS]/[SEP] */
  maxSeqLength: number;
  pooling: 'mean' | 'cls' | 'max';
  /** L2-normalised vectors (a Normalize module) */
  normalize: boolean;
  /** what the linear layers run in (f16 runs as f32 on f16-rounded weights) */
  dtype: 'f32' | 'f16' | 'q8';
  weightMiB: number;
}

export type LoadProgress =
  | { status: 'download'; file: string; done: number; total: number; loaded: number }
  | { status: 'load'; done: number; total: number; workers: number }
  | { status: 'ready'; done: number; total: number; config: BertConfig };

export interface LoadModelOptions extends CallOptions, HubOptions {
  /** a private pool of this many workers, disposed with the model (default: the shared pool) */
  threads?: number;
  /** weights to compute with (default 'auto': as stored in the folder) */
  dtype?: ModelDtype;
  onProgress?: (p: LoadProgress) => void;
}

export interface EmbedProgress {
  status: 'embed';
  /** texts done */
  done: number;
  total: number;
  tokens: number;
  /** seconds since the call */
  elapsed: number;
}

export interface EmbedOptions {
  onProgress?: (p: EmbedProgress) => void;
  signal?: AbortSignal;
}

/** A sentence-transformers model loaded into the workers of a pool. */
export interface Model {
  /** an id that names the model in its workers */
  readonly id: string;
  /** the folder's name, e.g. "all-MiniLM-L6-v2" */
  readonly name: string;
  readonly config: BertConfig;
  /** SHA-256 over the folder's files (null without Web Crypto): with the name and dtype, the identity of this model's vectors */
  readonly fingerprint: string | null;
  /** embedding size (config.hidden, 384 for MiniLM) */
  readonly dim: number;
  readonly pool: WorkerPool;
  /**
   * Embeds one text or many: an n x dim Matrix (n = 1 for a string), the vectors sentence-transformers
   * gives, bit-identical for any number of workers.
   */
  embed(texts: string | readonly string[], opts?: EmbedOptions): Promise<ResultMatrix>;
  /**
   * ids per text as embed() counts them ([CLS]/[SEP] and the truncation to max_seq_length included),
   * counted in one worker without embedding
   */
  countTokens(texts: string | readonly string[], opts?: { signal?: AbortSignal }): Promise<Int32Array>;
  /** makes sure worker i holds the model (it is loaded again into a replaced worker) */
  ensure(i: number, signal?: AbortSignal): Promise<void>;
  /** frees the model in every worker (and the pool when the model made its own) */
  dispose(): Promise<void>;
}

/** Loads a sentence-transformers model (a folder or a Hub id) into every worker of a pool. */
export declare function loadModel(source: ModelSource, opts?: LoadModelOptions): Promise<Model>;

// =============================================================================================== similarity

/** A row and its cosine similarity to a query. */
export interface Neighbor {
  index: number;
  score: number;
}

/** Cosine similarity of every pair of rows (a zero row is 0-similar to everything): n*n, row-major, symmetric. */
export declare function cosineSimilarity(x: MatrixLike, opts?: CallOptions): Promise<F32Array>;
/** Cosine similarity of a query (row index or vector of dim numbers) to every row: n values. */
export declare function similarityTo(x: MatrixLike, query: Query, opts?: CallOptions): Promise<F32Array>;
/** The k rows most similar to a query, best first (ties: lower index first); a row query leaves itself out. */
export declare function topK(x: MatrixLike, query: Query, k: number, opts?: CallOptions): Promise<Neighbor[]>;

// =============================================================================================== umap

export type UmapMetric = 'cosine' | 'euclidean';

/** UMAP parameters, with umap-learn's meaning and defaults (metric: cosine, for sentence embeddings). */
export interface UmapOptions {
  /** size of the local neighbourhood, the point itself included (default 15) */
  nNeighbors?: number;
  /** how tightly points may pack in the layout (default 0.1) */
  minDist?: number;
  /** scale of the embedded points (default 1) */
  spread?: number;
  /** dimensions of the layout, 1..64 (default 2) */
  nComponents?: number;
  /** distance in the input space (default 'cosine') */
  metric?: UmapMetric;
  /** random seed, 0 … 2^32-1: same seed, same layout (default 42) */
  seed?: number;
  /** optimisation epochs (default: 500 for n <= 10000, else 200) */
  nEpochs?: number;
  /** initial layout (default 'spectral') */
  init?: 'spectral' | 'random';
  /** initial learning rate (default 1) */
  learningRate?: number;
  /** negative samples per positive edge (default 5) */
  negativeSampleRate?: number;
  /** nearest neighbours assumed connected (default 1) */
  localConnectivity?: number;
  /** fuzzy union (1) vs intersection (0) when symmetrising the graph (default 1) */
  setOpMixRatio?: number;
  /** weight of negative samples (default 1) */
  repulsionStrength?: number;
  /** nearest-neighbour search: 'auto' (exact up to knnExactMaxN points, NN-descent above), 'exact' or 'approx' (default 'auto') */
  knn?: 'auto' | 'exact' | 'approx';
  /** curve parameter a (default: fitted from spread and minDist) */
  a?: number | null;
  /** curve parameter b (default: fitted from spread and minDist) */
  b?: number | null;
  /** largest n for which knn 'auto' searches exactly (default 8192) */
  knnExactMaxN?: number;
}

/** Reported after every UMAP epoch. */
/** The kNN search, shared by the pool's workers: a part of a phase done (NN-descent runs rounds). */
export interface KnnProgress {
  status: 'knn';
  phase: 'exact' | 'forest' | 'descent';
  round: number;
  done: number;
  total: number;
}

export interface UmapProgress {
  status: 'layout';
  /** epochs done */
  done: number;
  /** epochs in all */
  total: number;
  /** same as done */
  epoch: number;
  /** same as total */
  nEpochs: number;
  /** a snapshot of the layout, at most ~30 times a second and always with the last epoch */
  embedding?: ResultMatrix;
}

export interface UmapCallOptions extends UmapOptions, CallOptions {
  /** called after every epoch (a page can draw the layout settling from `embedding`) */
  onProgress?: (p: UmapProgress | KnnProgress) => void;
}

/** umap() defaults. */
export declare const UMAP_DEFAULTS: Readonly<{
  nNeighbors: number;
  minDist: number;
  spread: number;
  nComponents: number;
  metric: UmapMetric;
  seed: number;
  init: 'spectral' | 'random';
  learningRate: number;
  negativeSampleRate: number;
  localConnectivity: number;
  setOpMixRatio: number;
  repulsionStrength: number;
  a: number | null;
  b: number | null;
  knn: 'auto' | 'exact' | 'approx';
  knnExactMaxN: number;
}>;

/**
 * UMAP of the rows of x, in one worker of the pool: an n x nComponents Matrix. Unknown or invalid
 * options throw EmbedscapeError before any worker starts.
 */
export declare function umap(x: MatrixLike, opts?: UmapCallOptions): Promise<ResultMatrix>;

/**
 * A UMAP map new points can be placed on (umap-learn's `transform`: their nearest rows of the map,
 * the weighted mean of those positions, then the optimisation against the fixed layout). It holds
 * the map's rows, positions and options on the main side and sends them with each transform.
 */
export interface UmapFitted {
  /** the map: n x nComponents */
  readonly embedding: Matrix;
  /** the UMAP options of the map (defaults filled in) */
  readonly options: UmapOptions;
  readonly n: number;
  /** where new rows would go; nEpochs defaults to umap-learn's rule, seed to 42 (its transform_seed) */
  transform(points: MatrixLike, opts?: { nEpochs?: number; seed?: number; signal?: AbortSignal; pool?: WorkerPool }): Promise<PlacedPoints>;
  /** drops the map's data (transform then throws) */
  dispose(): void;
}

/** UMAP of the rows of x (as umap()), kept with them so that new points can be placed on it. */
export declare function fitUmap(x: MatrixLike, opts?: UmapCallOptions): Promise<UmapFitted>;

/**
 * A map made before (a saved map): its rows, their positions and the UMAP options it was made with.
 * Placing onto it gives the bytes the fit that made it gives.
 */
export declare function umapFromLayout(x: MatrixLike, embedding: MatrixLike, opts?: UmapOptions & { pool?: WorkerPool }): UmapFitted;

// =============================================================================================== hdbscan

export type HdbscanAlgorithm = 'auto' | 'prims' | 'boruvka_kdtree' | 'prims_kdtree';

/** HDBSCAN parameters, with the meaning of the Python hdbscan library. */
export interface HdbscanOptions {
  /** smallest group that counts as a cluster, >= 2 (default 5) */
  minClusterSize?: number;
  /** neighbours that define a point's core distance (default: minClusterSize) */
  minSamples?: number;
  /** cluster selection: excess of mass or the leaves of the tree (default 'eom') */
  method?: 'eom' | 'leaf';
  /** allow the whole data set as one cluster (default false) */
  allowSingleCluster?: boolean;
  /** distance below which clusters are not split (default 0) */
  clusterSelectionEpsilon?: number;
  /** largest cluster excess of mass may select (default 0 = no limit) */
  maxClusterSize?: number;
  /** how the spanning tree is found (default 'auto') */
  algorithm?: HdbscanAlgorithm;
  /** also return the condensed tree (default false) */
  condensedTree?: boolean;
}

/** hdbscan() defaults (minSamples follows minClusterSize). */
export declare const HDBSCAN_DEFAULTS: Readonly<{
  minClusterSize: number;
  method: 'eom' | 'leaf';
  allowSingleCluster: boolean;
  clusterSelectionEpsilon: number;
  maxClusterSize: number;
  algorithm: HdbscanAlgorithm;
  condensedTree: boolean;
}>;

/** Rows of the condensed tree (ids < n are points, n is the root). */
export interface CondensedTree {
  parent: I32Array;
  child: I32Array;
  lambda: F64Array;
  childSize: I32Array;
  /** the tree node of each cluster, by label */
  clusterNodes: I32Array;
  /** the stability of each cluster, by label */
  clusterStabilities: F64Array;
}

export interface HdbscanResult {
  /** -1 = noise, else 0..nClusters-1 (numbered in condensed-tree order, as the library) */
  labels: I32Array;
  /** membership strength in [0, 1] (0 for noise) */
  probabilities: F32Array;
  /** GLOSH outlier scores in [0, 1] */
  outlierScores: F32Array;
  nClusters: number;
  /** the min_samples used (clamped to n - 1 like the library) */
  minSamples: number;
  /** the spanning-tree algorithm that ran */
  algorithm: Exclude<HdbscanAlgorithm, 'auto'>;
  /** total weight of the minimum spanning tree */
  mstWeightSum: number;
  /** only with condensedTree: true */
  condensedTree?: CondensedTree;
}

/** Selection options of Clusterer.cluster (minSamples and the algorithm were fixed by createClusterer). */
export interface ClusterOptions extends Omit<HdbscanOptions, 'minSamples' | 'algorithm'> {
  signal?: AbortSignal;
}

/**
 * Points prepared for repeated clustering: the spanning tree (which depends only on minSamples) stays
 * in one worker; cluster() reruns only condensation and selection, fast enough for a slider.
 */
export interface Clusterer {
  n: number;
  /** the min_samples used (clamped to n - 1) */
  minSamples: number;
  cluster(opts?: ClusterOptions): Promise<HdbscanResult>;
  /** frees the tree in its worker */
  dispose(): Promise<void>;
}

/** HDBSCAN of points (n x dim), in a pool worker. Throws EmbedscapeError for invalid options. */
export declare function hdbscan(points: MatrixLike, opts?: HdbscanOptions & CallOptions): Promise<HdbscanResult>;
/** Builds the spanning tree once for repeated clustering (minSamples default 5). */
export declare function createClusterer(
  points: MatrixLike,
  opts?: { minSamples?: number; algorithm?: HdbscanAlgorithm } & CallOptions,
): Promise<Clusterer>;

// =============================================================================================== keywords

export interface KeywordOptions {
  /** keywords per cluster (default 10) */
  topN?: number;
  /** words left out: 'english' (default), a list or Set of words, or null/false for none */
  stopWords?: 'english' | readonly string[] | ReadonlySet<string> | null | false;
  /** BERTopic's ClassTfidfTransformer bm25_weighting (default false) */
  bm25Weighting?: boolean;
  /** BERTopic's ClassTfidfTransformer reduce_frequent_words: square root of tf (default false) */
  reduceFrequentWords?: boolean;
}

/**
 * Keywords of every cluster by class-based TF-IDF (BERTopic's c-TF-IDF), clusters by label; noise
 * (-1) counts in the IDF but is not reported. Pure JavaScript, synchronous.
 */
export declare function clusterKeywords(texts: readonly string[], labels: ArrayLike<number>, opts?: KeywordOptions): ClusterKeywords[];

// =============================================================================================== the session

/** The stages of a session, in the order they run. */
export type SessionStage = 'vectors' | 'layout' | 'layout5' | 'tree' | 'labels' | 'keywords';

/** What setOptions takes: each group is merged into the current one. */
export interface SessionOptions {
  umap?: UmapOptions;
  hdbscan?: HdbscanOptions;
  keywords?: { topN?: number };
  /** where HDBSCAN clusters: the 2-D map ('layout'), or a 5-D UMAP of the vectors ('layout5', BERTopic's recipe) */
  clusterOn?: 'layout' | 'layout5';
}

/** What UMAP chose and built. */
export interface UmapInfo {
  nNeighbors: number;
  init: 'spectral' | 'random';
  knn: 'exact' | 'approx';
  /** connected components of the neighbour graph */
  graphComponents: number;
  edges: number;
  a: number;
  b: number;
  nEpochs: number;
}

/** The small results of a session (the vectors, the graph and the trees stay in its worker). */
export interface SessionResult {
  texts: string[];
  /** the 2-D map */
  xy: ResultMatrix | null;
  layoutInfo: UmapInfo | null;
  /** the epochs whose layout snapshot() can show (0 = the initial layout) */
  snapshotEpochs: number[];
  labels: I32Array | null;
  probabilities: F32Array | null;
  outlierScores: F32Array | null;
  nClusters: number;
  clusters: ClusterKeywords[];
  condensedTree: CondensedTree | null;
  minSamples: number | null;
  /** the last tree stage: whether its spanning tree was kept from before (one per min_samples), and its time in the worker */
  tree: { reused: boolean; ms: number } | null;
  clusterSpace: 'layout' | 'layout5';
  /** the stages the last run() computed */
  ran: SessionStage[];
  layout5Info?: UmapInfo;
}

export type SessionProgress =
  | EmbedProgress
  | UmapProgress
  | KnnProgress
  | { status: 'layout5'; done: number; total: number }
  | { status: 'stage'; stage: SessionStage; done: number; total: number };

export interface SessionRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: SessionProgress) => void;
  /** stop after this stage */
  until?: SessionStage;
}

/** The fuzzy k-nearest-neighbour graph UMAP built for a map (Session.graph). */
export interface NeighbourGraph {
  n: number;
  /** n_neighbors after clamping (each kNN row counts the point itself) */
  k: number;
  /** every entry of the symmetric matrix (both directions), row by row, columns ascending */
  rows: I32Array;
  cols: I32Array;
  /** membership strengths in (0, 1] */
  weights: F32Array;
  /** the kNN it was built from: n*k, each row the point itself first, then nearest first */
  knn: { indices: I32Array; distances: F32Array };
}

/** A histogram over [min, max] in equal bins, with percentiles. */
export interface Histogram {
  min: number;
  max: number;
  counts: Uint32Array;
  p5: number;
  p50: number;
  p95: number;
}

/** The spread of pairwise distances and cosine similarities (Session.distanceStats). */
export interface DistanceStats {
  /** texts in the session */
  n: number;
  /** texts the pairs were taken from (an even sample when n is large) */
  texts: number;
  pairs: number;
  dim: number;
  cosine: Histogram;
  euclidean: Histogram;
  /** the same pairs' distances on the 2-D map, when there is one */
  map: Histogram | null;
}

/**
 * A pipeline session: texts -> vectors -> layout -> tree -> labels -> keywords, with the data in a
 * worker; a change of texts or options reruns only the stages that read it.
 */
export interface Session {
  readonly id: string;
  readonly pool: WorkerPool;
  readonly model: Model | null;
  /** the index of the worker that holds the session's data */
  readonly home: number;
  /** whether runs build nearby min_samples' trees ahead (createSession's prefetch) */
  prefetch: boolean;
  readonly texts: string[];
  readonly options: Required<Pick<SessionOptions, 'clusterOn'>> & { umap: UmapOptions; hdbscan: HdbscanOptions; keywords: { topN: number } };
  readonly result: SessionResult;
  /** the texts to map; everything computed before is stale */
  setTexts(texts: string | readonly string[]): void;
  /** vectors computed elsewhere for the current texts (they are not embedded then) */
  setVectors(vectors: MatrixLike): void;
  /** vectors already known for some of the texts (a cache): only the other texts are embedded */
  setKnownVectors(rows: ArrayLike<number>, data: Float32Array): void;
  /** the vectors of the given texts, row after row */
  vectorsOf(rows: ArrayLike<number>): Promise<F32Array>;
  /**
   * a layout computed elsewhere (a saved map): clustered and queried; with the texts' vectors the
   * similarity queries answer too, and with the UMAP options it was made with, place() and graph()
   */
  setLayout(xy: MatrixLike, opts?: { vectors?: MatrixLike | null; umap?: UmapOptions | null }): void;
  setOptions(opts: SessionOptions): void;
  /** the stages a run() would redo now, in order */
  plan(until?: SessionStage): SessionStage[];
  /** runs the stale stages; a newer run replaces this one (it then rejects with an AbortError); a failed stage rejects with its error, `stage` naming it */
  run(opts?: SessionRunOptions): Promise<SessionResult>;
  /** the vector of text i */
  vector(i: number): Promise<F32Array>;
  /** the k texts most similar to a query (a text index, or a vector), best first */
  similar(query: Query, k?: number): Promise<Neighbor[]>;
  /** cosine similarity of a query to every text */
  similarities(query: Query): Promise<F32Array>;
  /** cosine similarities between the given texts: m*m */
  pairwise(rows: ArrayLike<number>): Promise<F32Array>;
  /** the layout after `epoch` epochs (0 = the initial layout), or the last kept before it */
  snapshot(epoch: number): Promise<{ epoch: number; data: F32Array }>;
  /** the fuzzy k-nearest-neighbour graph UMAP built for the map */
  graph(): Promise<NeighbourGraph>;
  /**
   * where new texts would go on the map (umap-learn's transform: the fitted graph and layout, the
   * layout fixed); texts are embedded with the session's model. A saved map's layout needs its
   * vectors and UMAP options (setLayout(xy, {vectors, umap})).
   */
  place(input: string | readonly string[] | MatrixLike | Float32Array, opts?: { nEpochs?: number; seed?: number; signal?: AbortSignal }): Promise<PlacedPoints>;
  /** histograms of the pairwise distances and cosines of the vectors (of at most maxRows texts, default 1000; bins default 40) */
  distanceStats(opts?: { bins?: number; maxRows?: number }): Promise<DistanceStats>;
  /** the clusters the current HDBSCAN options find in another space (computed already) */
  labelsIn(space: 'layout' | 'layout5'): Promise<{ labels: I32Array; nClusters: number; space: 'layout' | 'layout5' }>;
  /** frees the session in its worker */
  dispose(): Promise<void>;
}

/** A session in one worker of the pool (the model's pool, when a model is given). */
export declare function createSession(opts?: {
  model?: Model;
  pool?: WorkerPool;
  /** after a run, build the spanning trees of nearby min_samples in the background, for sliders (default false) */
  prefetch?: boolean;
}): Promise<Session>;

// Only the names marked `export` above are exported (without this line a .d.ts exports all of them).
export {};
