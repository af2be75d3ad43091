// embedscape.d.ts — TypeScript declarations of the public JavaScript API (web/embedscape.js).
//
// Every name the module exports at run time is declared here (tests/types.test.mjs checks that the
// two sets are equal), with the option objects, their defaults, the result shapes and the progress
// payloads as implemented by the stage modules in web/lib/.
//
//   import { loadModel, umap, hdbscan, clusterKeywords, createMapFile } from 'embedscape';
//   const model = await loadModel('models/all-MiniLM-L6-v2/');
//   const vectors = await model.embed(texts, { onProgress: (p) => console.log(p.done, p.total) });
//   const xy = await umap(vectors, { nNeighbors: 15, minDist: 0.1, seed: 42 });
//   const { labels, probabilities } = await hdbscan(xy, { minClusterSize: 5 });
//   const clusters = clusterKeywords(texts, labels, { topN: 10 });
//   const map = createMapFile({ texts, xy, labels, probabilities, clusters, model: model.name });

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
type I8Array = ReturnType<Int8Array['slice']>;
type U8Array = ReturnType<Uint8Array['slice']>;

/** A Matrix embedscape returns (its data is a fresh Float32Array over an ArrayBuffer). */
export type ResultMatrix = Matrix<F32Array>;

/** Points HDBSCAN accepts: a Matrix, a matrix of float64 / plain numbers, or an array of rows. */
export type Points =
  | Matrix
  | { data: Float64Array | number[]; n: number; dim: number }
  | ArrayLike<number>[];

/** A query for the similarity functions: a row index of the matrix, or a vector of `dim` numbers. */
export type Query = number | Float32Array | Float64Array | readonly number[];

/** Where a model folder is: a path (Node), a URL (http(s):, or file: in Node), files in memory, or an open Folder. */
export type ModelSource = string | URL | MemoryFolderSource | Folder;

/**
 * Files held in memory, by name relative to the model folder (e.g. `'1_Pooling/config.json'`).
 * Names from `<input webkitdirectory>` (`'folder/sub/file'`) work too: a common top folder is stripped.
 */
export interface MemoryFolderSource {
  files: Record<string, Uint8Array | ArrayBuffer | ArrayBufferView | Blob>;
  /** name used in messages (default: the stripped top folder, else "model") */
  name?: string;
}

/** Bytes of a download or file read so far; `total` is 0 when the server sends no length. */
export interface ByteProgress {
  loaded: number;
  total: number;
}

/** Options every pool-backed call takes. */
export interface PoolOptions {
  /** the worker pool to run in (default: getDefaultPool(), one worker per core) */
  pool?: WorkerPool;
  /** cancels the work: the promise rejects with an AbortError */
  signal?: AbortSignal;
}

// =============================================================================================== engine

/** An error reported by the engine or by the JS layer for a user mistake (never a bug). */
export declare class EmbedscapeError extends Error {
  constructor(message: string, opts?: { status?: number; cause?: unknown });
  name: 'EmbedscapeError';
  /** engine status code (see STATUS), 0 when the error comes from JS */
  status: number;
}

/** Raised when an AbortSignal (or disposing the pool) stops long work. */
export declare class AbortError extends Error {
  /** @param message default "cancelled" */
  constructor(message?: string);
  name: 'AbortError';
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

/**
 * One instance of the WebAssembly engine (its own memory) and the helpers stage code uses to call it.
 * Pointers are unsigned 32-bit byte offsets into the wasm heap. Heap views are re-read on every access
 * (memory growth replaces the buffer): never keep one across a call that may allocate.
 */
export declare class Engine {
  /** @param module the instantiated Emscripten module */
  constructor(module: any);
  /** the Emscripten module */
  M: any;
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  /** message of the last failure inside the engine */
  lastError(): string;
  /**
   * Throws unless status is 0: an AbortError for STATUS.CANCELLED, else an EmbedscapeError with the
   * engine's message (prefixed by `context`).
   */
  check(status: number, context?: string): void;
  /** Calls the exported C function `_name` and checks its status (throws on failure). */
  call(name: string, ...args: number[]): void;
  /** Calls the exported C function `_name` and returns its raw result. */
  raw(name: string, ...args: number[]): number;
  /** Allocates n bytes (n may be 0); throws an EmbedscapeError (STATUS.NOMEM) when the heap is full. */
  malloc(n: number): number;
  /** Frees a pointer from malloc/copyIn/cstr (0 is ignored). */
  free(p: number): void;
  /** Copies a typed array or ArrayBuffer into a fresh allocation; returns its pointer. */
  copyIn(data: ArrayBufferView | ArrayBuffer): number;
  /** A NUL-terminated UTF-8 copy of a string; free it with free(). */
  cstr(s: string): number;
  /** Reads a NUL-terminated UTF-8 string. */
  str(p: number): string;
  /** Copies n float32 values out of the heap. */
  readF32(p: number, n: number): F32Array;
  /** Copies n float64 values out of the heap. */
  readF64(p: number, n: number): F64Array;
  /** Copies n int32 values out of the heap. */
  readI32(p: number, n: number): I32Array;
  /** Copies n bytes out of the heap. */
  readU8(p: number, n: number): U8Array;
  getI32(p: number): number;
  getU32(p: number): number;
  getF32(p: number): number;
  getF64(p: number): number;
  /** Runs fn with temporary allocations that are freed afterwards, whatever happens. */
  scoped<T>(fn: (alloc: (n: number) => number, copy: (data: ArrayBufferView | ArrayBuffer) => number) => T): T;
  /** bytes currently reserved by the wasm memory (grows, never shrinks) */
  heapSize(): number;
  /** true when the engine was built with 128-bit SIMD kernels */
  hasSimd(): boolean;
  /** the engine's version string */
  version(): string;
}

/** Instantiates a fresh engine in this thread (an independent wasm instance with its own memory). */
export declare function createEngine(): Promise<Engine>;

// =============================================================================================== pool

/** Options of WorkerPool.run / broadcast. */
export interface PoolRunOptions {
  /** called with each progress payload the operation reports (its shape depends on the operation) */
  onProgress?: (progress: any) => void;
  /** asks the worker to stop the task; the promise then rejects with an AbortError */
  signal?: AbortSignal;
  /** index of the worker to run on (modulo the pool size; default: the least busy one) */
  worker?: number;
  /** buffers in `args` to move to the worker instead of copying them (they become unusable here) */
  transfer?: ArrayBuffer[];
}

/**
 * A pool of workers (Web Workers in browsers, worker_threads in Node), each with its own engine.
 * No SharedArrayBuffer, so no cross-origin isolation headers are needed. Workers start on first use
 * and do not keep Node alive while idle.
 */
export declare class WorkerPool {
  constructor(opts?: {
    /** number of workers (default: defaultThreads(), the number of cores) */
    size?: number;
    /** the worker module (default: web/worker.js next to this module; in a browser, one from another
     *  origin, e.g. a CDN, starts through a same-origin Blob module that imports it) */
    workerUrl?: URL | string;
  });
  /** number of workers (the requested size until they have started; 0 = not yet known) */
  readonly size: number;
  /**
   * Runs one operation (a handler of the `*Ops` objects, e.g. 'umap.run') on one worker.
   * `args` is structured-cloned. Rejects with an EmbedscapeError (or AbortError) on failure.
   */
  run<T = unknown>(op: string, args?: unknown, opts?: PoolRunOptions): Promise<T>;
  /** Runs the same operation on every worker; resolves to the results in worker order. */
  broadcast<T = unknown>(op: string, args?: unknown, opts?: Omit<PoolRunOptions, 'worker'>): Promise<T[]>;
  /** Stops every worker; pending tasks reject with an AbortError. The pool cannot be used again. */
  dispose(): void;
}

/** The pool the high-level functions use when no `pool` is given (created on first use). */
export declare function getDefaultPool(): WorkerPool;
/** Replaces the shared pool (e.g. to choose its size); disposes the previous one. */
export declare function setDefaultPool(pool: WorkerPool | null): void;
/** Number of workers to use by default: the cores of the machine (navigator.hardwareConcurrency in browsers). */
export declare function defaultThreads(): Promise<number>;

/** What a worker operation receives (inside the worker). */
export interface WorkerContext {
  /** the worker's engine */
  engine: Engine;
  /** state kept across tasks in this worker (loaded models, prepared clusterers), by key */
  state: Map<string, any>;
  /** sends a progress payload to the caller's onProgress */
  progress(p: unknown): void;
  /** true once the caller's AbortSignal fired */
  aborted(): boolean;
  /** lets the worker receive messages (a cancel) before continuing */
  yield(): Promise<void>;
}

/** A worker operation: returns its result, or `{result, transfer}` to move buffers to the caller. */
export type WorkerOp = (ctx: WorkerContext, args: any) => Promise<unknown>;

// =============================================================================================== io

/** Decodes bytes as UTF-8 exactly as TextDecoder does (invalid bytes become U+FFFD, a BOM is dropped). */
export declare function decodeUtf8(bytes: ArrayBufferView | ArrayBuffer): string;
/** Splits text into lines (\n, \r\n or \r), dropping one trailing empty line. */
export declare function splitLines(text: string): string[];
/** Parses CSV (RFC 4180: quotes, doubled quotes, newlines inside quotes) into rows of fields. */
export declare function parseCsv(text: string): string[][];
/**
 * Reads texts from a file's bytes, chosen by the name's extension:
 * `.jsonl`/`.ndjson`: a string "text" field per line (blank lines skipped); `.csv`: the "text" column,
 * else the first column; anything else: one text per line. Throws EmbedscapeError on bad JSON lines.
 * @param name file name, for the extension and messages (default "input.txt")
 */
export declare function parseTexts(bytes: Uint8Array, name?: string): string[];
/**
 * Parses a .npy file holding a float32 (or float64, converted) C-order array of 1 or 2 dimensions.
 * A 1-D array of n values has shape [n, 1]. Throws EmbedscapeError naming the problem.
 */
export declare function parseNpy(bytes: Uint8Array, name?: string): { data: F32Array; shape: [number, number] };
/** Serialises float32 values as a C-order .npy file (version 1.0) of the given shape. */
export declare function formatNpy(data: Float32Array | ArrayLike<number>, shape: readonly number[]): U8Array;

// =============================================================================================== map file

/** A cluster and its keywords, as clusterKeywords returns them and map files store them. */
export interface ClusterKeywords {
  /** the cluster's label (>= 0) */
  label: number;
  /** number of texts with that label */
  size: number;
  /** best first */
  keywords: Keyword[];
}

/** One keyword of a cluster and its c-TF-IDF score. */
export interface Keyword {
  word: string;
  score: number;
}

/** What produced a map, for the record (the CLI writes umap-learn / hdbscan parameter names). */
export interface MapParams {
  umap?: Record<string, unknown>;
  hdbscan?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The saved map: JSON written by `embedscape map` and the page, read by the page and <embedscape-map>. */
export interface MapFile {
  format: 'embedscape-map';
  version: 1;
  /** ISO date */
  created: string;
  /** model name, or null */
  model: string | null;
  params: MapParams;
  /** n texts */
  texts: string[];
  /** 2-D coordinates, n each */
  x: number[];
  y: number[];
  /** cluster of each point, -1 = noise */
  labels: number[];
  /** HDBSCAN membership strength in [0, 1] */
  probabilities: number[];
  /** GLOSH outlier scores in [0, 1] (optional) */
  outlier_scores?: number[];
  clusters: ClusterKeywords[];
}

/** The least a map object needs to be read (parseMapFile, <embedscape-map>.setMap). */
export type MapFileData = Pick<MapFile, 'format' | 'version' | 'texts' | 'x' | 'y' | 'labels'> &
  Partial<Omit<MapFile, 'format' | 'version' | 'texts' | 'x' | 'y' | 'labels'>>;

/** What createMapFile builds a map from. */
export interface CreateMapFileInput {
  texts: readonly string[];
  /** coordinates, n rows of dim >= 2 (the first two columns are used) */
  xy: Matrix;
  /** one per text, -1 = noise */
  labels: ArrayLike<number>;
  /** default: 1 for every point */
  probabilities?: ArrayLike<number>;
  outlierScores?: ArrayLike<number>;
  /** default: one entry per label with no keywords */
  clusters?: ClusterKeywords[];
  params?: MapParams;
  /** default null */
  model?: string | null;
}

/** A validated map with typed arrays added. */
export interface ParsedMapFile extends Omit<MapFile, 'created' | 'model' | 'params'> {
  created?: string;
  model?: string | null;
  params?: MapParams;
  /** number of points */
  n: number;
  /** the coordinates as a Matrix (n x 2) */
  xy: ResultMatrix;
  labelsArray: I32Array;
}

export declare const MAP_FORMAT: 'embedscape-map';
export declare const MAP_VERSION: 1;
/**
 * Builds a map object, ready for JSON.stringify (coordinates and probabilities rounded to 5 digits).
 * Throws EmbedscapeError when the lengths of texts, xy and labels disagree.
 */
export declare function createMapFile(m: CreateMapFileInput): MapFile;
/**
 * Validates a map (a parsed object, or its JSON text) and adds typed arrays. Throws EmbedscapeError
 * naming the problem (bad JSON, wrong format or version, lengths, non-finite coordinates, labels < -1).
 */
export declare function parseMapFile(input: unknown): ParsedMapFile;

// =============================================================================================== folder

/** A model folder opened by openFolder: files read on demand; a missing file is null, not an error. */
export interface Folder {
  /** the folder's name (for messages and the model's name) */
  name: string;
  /** the file names when known (files in memory), else null */
  list(): string[] | null;
  has(file: string): Promise<boolean>;
  /** the file's bytes, or null when it does not exist */
  read(file: string, opts?: { onProgress?: (p: ByteProgress) => void; signal?: AbortSignal }): Promise<Uint8Array | null>;
  /** the parsed JSON file, or null when it does not exist (EmbedscapeError when it is not JSON) */
  readJson(file: string): Promise<any>;
  /** the file's size in bytes, or null when unknown or absent */
  size(file: string): Promise<number | null>;
}

/** The files a sentence-transformers folder may hold, in the order a loader wants them. */
export declare const MODEL_FILES: readonly string[];
/** Opens a model folder (a path in Node, a URL, or files in memory); an open Folder is returned as is. */
export declare function openFolder(source: ModelSource): Folder;

// =============================================================================================== tokenizer

/** Bytes of a tokenizer or model file: bytes, or text (encoded as UTF-8). */
export type FileBytes = Uint8Array | ArrayBuffer | ArrayBufferView | string;

/**
 * The maximum number of ids per text, with [CLS]/[SEP]: undefined/null/-1 = the model's own
 * (sentence_bert_config.json max_seq_length, else tokenizer_config.json model_max_length),
 * 0 = no truncation, N = at most N ids. `{maxLength}` works too.
 */
export type MaxLength = number | null | undefined | { maxLength?: number | null };

/** The BERT WordPiece tokenizer of a model folder (the engine's, exact to Hugging Face's tokenizers). */
export interface Tokenizer {
  /** the engine's tokenizer handle */
  readonly ptr: number;
  readonly engine: Engine;
  /** the model's maximum length in ids (0 = none) */
  readonly maxLength: number;
  readonly vocabSize: number;
  /** ids added around each text ([CLS] and [SEP]: 2) */
  readonly nSpecial: number;
  /** The ids of one text, e.g. Int32Array [101, 1996, 3103, 2003, 9716, 102]. */
  encode(text: string, maxLength?: MaxLength): I32Array;
  /** Ids of many texts in one call: all ids back to back, and the number of ids of each text. */
  encodeBatch(texts: readonly string[], maxLength?: MaxLength): { ids: I32Array; lengths: I32Array };
  /** the id of a vocabulary token, -1 when absent */
  tokenToId(token: string): number;
  /** releases the engine memory (the tokenizer is unusable afterwards) */
  free(): void;
}

/** The files a tokenizer is built from, by name in the model folder. */
export declare const TOKENIZER_FILES: readonly string[];
/**
 * Builds a tokenizer inside an engine from the model folder's files (any subset of TOKENIZER_FILES;
 * tokenizer.json or vocab.txt is required).
 */
export declare function createTokenizer(engine: Engine, files: Record<string, FileBytes | null | undefined>): Tokenizer;
/** Reads the tokenizer files of a folder (vocab.txt only when there is no tokenizer.json). */
export declare function readTokenizerFiles(source: ModelSource): Promise<Record<string, Uint8Array>>;
/**
 * Loads the tokenizer of a model folder, in-process (tokenizing needs no workers).
 * @param opts.engine the engine to build it in (default: a new one)
 */
export declare function loadTokenizer(source: ModelSource, opts?: { engine?: Engine }): Promise<Tokenizer>;
/** Worker operations of the tokenizer. */
export declare const tokenizerOps: { readonly 'tokenizer.encodeBatch': WorkerOp };

// =============================================================================================== model

/** Weight types: 'auto' = as stored (int8 when the file holds I8 weights, else f32). */
export type ModelDtype = 'auto' | 'f32' | 'f16' | 'q8';

/** A loaded BERT model's shape and settings. */
export interface BertConfig {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  typeVocab: number;
  layerNormEps: number;
  /** ids per text including [CLS]/[SEP] */
  maxSeqLength: number;
  pooling: 'mean' | 'cls' | 'max';
  /** whether embeddings are L2-normalised (a Normalize module in modules.json) */
  normalize: boolean;
  /** what the linear layers run in (f16 runs as f32 on f16-rounded weights) */
  dtype: 'f32' | 'f16' | 'q8';
  /** MiB of weights the engine keeps */
  weightMiB: number;
}

/** Progress of loadModel: file downloads, then loading into the workers, then ready. */
export type LoadProgress =
  | { status: 'download'; file: string; loaded: number; total: number }
  | { status: 'load'; workers: number }
  | { status: 'ready'; config: BertConfig };

export interface LoadModelOptions extends PoolOptions {
  /** make a private pool of this many workers, disposed with the model (default: the shared pool) */
  threads?: number;
  /** weight type to run in (default 'auto') */
  dtype?: ModelDtype;
  onProgress?: (p: LoadProgress) => void;
}

/** Progress of Model.embed, reported about 5 times a second and after every batch. */
export interface EmbedProgress {
  /** texts embedded so far */
  done: number;
  /** texts in the call */
  total: number;
  /** tokens embedded so far */
  tokens: number;
  /** seconds since the call started */
  elapsed: number;
}

export interface EmbedOptions {
  onProgress?: (p: EmbedProgress) => void;
  /** cancels: the promise rejects with an AbortError */
  signal?: AbortSignal;
  /** texts per task sent to a worker (default 32) */
  batchSize?: number;
}

/** A sentence-transformers model loaded into the workers of a pool. */
export interface Model {
  /** the folder's name, e.g. "all-MiniLM-L6-v2" */
  readonly name: string;
  readonly config: BertConfig;
  /** embedding size (config.hidden, 384 for MiniLM) */
  readonly dim: number;
  /**
   * Embeds texts: an n x dim Matrix, the vectors sentence-transformers gives (bit-identical for any
   * number of workers). Throws EmbedscapeError for non-string texts or after dispose().
   */
  embed(texts: readonly string[], opts?: EmbedOptions): Promise<ResultMatrix>;
  /** frees the model in every worker (and the pool when the model made its own) */
  dispose(): Promise<void>;
}

/** A model built in-process inside one engine (no workers). */
export interface BertModel {
  readonly ptr: number;
  readonly engine: Engine;
  readonly config: BertConfig;
  readonly dim: number;
  /** the model folder's tokenizer, null when the files had none */
  readonly tokenizer: Tokenizer | null;
  /** ids: all texts' ids back to back; lengths: ids per text. Returns n*dim floats. */
  embedIds(ids: ArrayLike<number>, lengths: ArrayLike<number>): F32Array;
  /** tokenizes and embeds: n*dim floats and the number of tokens */
  embedTexts(texts: readonly string[]): { data: F32Array; tokens: number };
  /** tokenizes and embeds UTF-8 texts packed back to back (text i is lens[i] bytes) in one engine call */
  embedUtf8(bytes: Uint8Array, lens: ArrayLike<number>): { data: F32Array; lengths: Int32Array; tokens: number };
  /** the last hidden state (n_tokens x dim) of one text's ids */
  hidden(ids: ArrayLike<number>): F32Array;
  free(): void;
}

/** One tensor of a safetensors file. */
export interface SafetensorsTensor {
  name: string;
  /** 'F32', 'F16', 'BF16', 'I8', 'I32', 'I64', ... */
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** Weight dtypes loadModel accepts. */
export declare const MODEL_DTYPES: readonly ModelDtype[];
/** The model files of a folder the engine reads (tokenizer files: TOKENIZER_FILES). */
export declare const BERT_FILES: readonly string[];
/**
 * Builds a model (and its tokenizer, when the files have one) inside an engine, in-process.
 * Needs config.json and model.safetensors.
 */
export declare function createBertModel(
  engine: Engine,
  files: Record<string, FileBytes | null | undefined>,
  opts?: { dtype?: ModelDtype },
): BertModel;
/** Reads the files of a model folder once; onProgress gets the 'download' payloads of LoadProgress. */
export declare function readModelFiles(
  source: ModelSource,
  opts?: { onProgress?: (p: Extract<LoadProgress, { status: 'download' }>) => void; signal?: AbortSignal },
): Promise<{ name: string; files: Record<string, Uint8Array> }>;
/**
 * Loads a sentence-transformers model folder into every worker of a pool.
 *
 *   const model = await loadModel('models/all-MiniLM-L6-v2/', { onProgress: (p) => console.log(p.status) });
 */
export declare function loadModel(source: ModelSource, opts?: LoadModelOptions): Promise<Model>;
/** Reads the tensors of a safetensors file (header checks only). */
export declare function parseSafetensors(bytes: Uint8Array): {
  tensors: SafetensorsTensor[];
  metadata: Record<string, string> | null;
};
/** Writes a safetensors file, tensors in the given order. */
export declare function writeSafetensors(tensors: SafetensorsTensor[], metadata?: Record<string, string>): U8Array;
/** float -> IEEE half bits, round to nearest even. */
export declare function f32ToF16Bits(x: number): number;
/** IEEE half bits -> float. */
export declare function f16BitsToF32(h: number): number;
/** float -> bfloat16 bits, round to nearest even. */
export declare function f32ToBf16Bits(x: number): number;
/** Per-output-row int8 quantisation as the engine does it: q * scale[row] approximates w. */
export declare function quantizeRowsQ8(
  w: Float32Array | ArrayLike<number>,
  rows: number,
  cols: number,
): { q: I8Array; scale: F32Array };
/** A smaller copy of model.safetensors: every float tensor as F16, or the encoder's linear weights as int8 ('q8'). */
export declare function convertSafetensors(bytes: Uint8Array, dtype: 'f16' | 'q8'): U8Array;
/** Worker operations of the model. */
export declare const modelOps: {
  readonly 'bert.load': WorkerOp;
  readonly 'bert.embed': WorkerOp;
  readonly 'bert.free': WorkerOp;
};

// =============================================================================================== similarity

/** A row and its cosine similarity to a query. */
export interface Neighbor {
  index: number;
  score: number;
}

/**
 * Cosine similarity of every pair of rows (scikit-learn's cosine_similarity; a zero row is
 * 0-similar to everything): n*n values, row-major, symmetric.
 */
export declare function cosineSimilarity(matrix: Matrix, opts?: PoolOptions): Promise<F32Array>;
/** Cosine similarity of a query (row index or vector of dim numbers) to every row: n values. */
export declare function similarityTo(matrix: Matrix, query: Query, opts?: PoolOptions): Promise<F32Array>;
/**
 * The k rows most similar to a query, best first (ties: lower index first). A query given by row
 * index is left out of its own list.
 */
export declare function topK(matrix: Matrix, query: Query, k: number, opts?: PoolOptions): Promise<Neighbor[]>;
/** topK for every row at once (each row leaves itself out): n lists. */
export declare function topKAll(matrix: Matrix, k: number, opts?: PoolOptions): Promise<Neighbor[][]>;
/** In-process cosineSimilarity. */
export declare function similarityMatrixWith(engine: Engine, matrix: Matrix): F32Array;
/** In-process similarityTo. */
export declare function similarityToWith(engine: Engine, matrix: Matrix, query: Query): F32Array;
/** In-process topK. */
export declare function topKWith(engine: Engine, matrix: Matrix, query: Query, k: number): Neighbor[];
/** In-process topKAll. */
export declare function topKAllWith(engine: Engine, matrix: Matrix, k: number): Neighbor[][];
/** The largest relative difference between the SIMD kernels and their scalar twins (for tests). */
export declare function kernelSelfTestWith(engine: Engine): number;
/** Worker operations of the similarity stage. */
export declare const similarityOps: {
  readonly 'similarity.matrix': WorkerOp;
  readonly 'similarity.to': WorkerOp;
  readonly 'similarity.topK': WorkerOp;
  readonly 'similarity.topKAll': WorkerOp;
  readonly 'similarity.selftest': WorkerOp;
};

// =============================================================================================== umap

export type UmapMetric = 'cosine' | 'euclidean';

/** UMAP parameters, with umap-learn's meaning and defaults (metric: cosine, for sentence embeddings). */
export interface UmapOptions {
  /** size of the local neighbourhood (default 15) */
  nNeighbors?: number;
  /** how tightly points may pack in the layout (default 0.1) */
  minDist?: number;
  /** scale of the embedded points (default 1) */
  spread?: number;
  /** dimensions of the layout (default 2) */
  nComponents?: number;
  /** distance in the input space (default 'cosine') */
  metric?: UmapMetric;
  /** random seed: same seed, same layout (default 42) */
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
  a?: number;
  /** curve parameter b (default: fitted from spread and minDist) */
  b?: number;
  /** largest n for which knn 'auto' searches exactly (default 8192) */
  knnExactMaxN?: number;
}

/** Reported after every UMAP epoch. */
export interface UmapEpoch {
  /** epochs done (1-based) */
  epoch: number;
  nEpochs: number;
  /** same as epoch (progress-bar friendly) */
  done: number;
  /** same as nEpochs */
  total: number;
  /** a snapshot of the layout, at most ~30 times a second and always with the last epoch */
  embedding?: ResultMatrix;
}

export interface UmapRunOptions extends PoolOptions {
  /** called after every epoch (a page can draw the layout settling from `embedding`) */
  onEpoch?: (e: UmapEpoch) => void;
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

/** Hooks of the in-process runUmapWith. */
export interface UmapHooks {
  onEpoch?: (e: UmapEpoch) => void;
  /** polled between epochs; true stops with an AbortError */
  aborted?: () => boolean;
  /** awaited about every 25 ms to let other work in */
  yield?: () => Promise<void>;
  /** least milliseconds between two embedding snapshots (default 33) */
  snapshotMs?: number;
}

export interface KnnOptions {
  /** neighbours per row, the row itself included (default 15) */
  k?: number;
  /** default 'cosine' */
  metric?: UmapMetric;
  /** default 'auto' */
  method?: 'auto' | 'exact' | 'approx';
  /** seed of NN-descent (default 42) */
  seed?: number;
}

/** k nearest neighbours of every row: row i lists i itself first, then its k-1 nearest rows. */
export interface KnnResult {
  /** n*k row indices */
  indices: I32Array;
  /** n*k distances */
  distances: F32Array;
  n: number;
  k: number;
}

/** umap() defaults (nEpochs undefined = chosen from n). */
export declare const UMAP_DEFAULTS: Readonly<{
  nNeighbors: number;
  minDist: number;
  spread: number;
  nComponents: number;
  metric: UmapMetric;
  seed: number;
  nEpochs: number | undefined;
  init: 'spectral' | 'random';
  learningRate: number;
  negativeSampleRate: number;
  localConnectivity: number;
  setOpMixRatio: number;
  repulsionStrength: number;
  knn: 'auto' | 'exact' | 'approx';
}>;
/**
 * UMAP of the rows of a matrix, in one worker of the pool: an n x nComponents Matrix.
 * Throws EmbedscapeError for unknown or invalid options (before starting a worker).
 */
export declare function umap(matrix: Matrix, opts?: UmapOptions, run?: UmapRunOptions): Promise<ResultMatrix>;
/** k nearest neighbours of every row, in one worker of the pool. */
export declare function knnSearch(matrix: Matrix, opts?: KnnOptions, run?: PoolOptions): Promise<KnnResult>;
/** In-process UMAP. */
export declare function runUmapWith(
  engine: Engine,
  matrix: Matrix,
  opts?: UmapOptions,
  hooks?: UmapHooks,
): Promise<{ embedding: ResultMatrix; info: UmapInfo }>;
/** In-process kNN. */
export declare function knnSearchWith(engine: Engine, matrix: Matrix, opts?: KnnOptions): KnnResult;
/** a and b of the layout's curve, fitted from spread (default 1) and minDist (default 0.1), as umap-learn. */
export declare function findAbParamsWith(engine: Engine, spread?: number, minDist?: number): { a: number; b: number };
/** Worker operations of UMAP. */
export declare const umapOps: {
  readonly 'umap.run': WorkerOp;
  readonly 'umap.knn': WorkerOp;
};

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

/** Selection options of Clusterer.cluster (minSamples and the algorithm were fixed by createClusterer). */
export interface ClusterOptions extends Omit<HdbscanOptions, 'minSamples' | 'algorithm'> {
  signal?: AbortSignal;
}

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

/** An in-process result also has the float64 values and the core distances. */
export interface HdbscanEngineResult extends HdbscanResult {
  coreDistances: F64Array;
  probabilities64: F64Array;
  outlierScores64: F64Array;
}

/** Options with every default filled in (normalizeHdbscanOptions). */
export type NormalizedHdbscanOptions = Required<HdbscanOptions>;

/** A spanning tree prepared inside an engine (hdbscanPrepare); ptr is 0 once freed. */
export interface HdbscanHandle {
  ptr: number;
  n: number;
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
export declare function hdbscan(
  points: Points,
  opts?: HdbscanOptions,
  run?: PoolOptions & {
    /** accepted for symmetry with the other stages; HDBSCAN reports no progress yet */
    onProgress?: (p: unknown) => void;
  },
): Promise<HdbscanResult>;
/**
 * Builds the spanning tree once for repeated clustering.
 * @param opts.minSamples default 5
 */
export declare function createClusterer(
  points: Points,
  opts?: { minSamples?: number; algorithm?: HdbscanAlgorithm },
  run?: PoolOptions,
): Promise<Clusterer>;
/** Validates options and fills the defaults (minSamples defaults to minClusterSize, as the library). */
export declare function normalizeHdbscanOptions(opts?: HdbscanOptions): NormalizedHdbscanOptions;
/** In-process: builds the spanning tree; free the handle with hdbscanFree. */
export declare function hdbscanPrepare(
  engine: Engine,
  points: Points,
  opts: { minSamples: number; algorithm?: HdbscanAlgorithm },
): HdbscanHandle;
/** In-process: frees a handle from hdbscanPrepare (sets its ptr to 0). */
export declare function hdbscanFree(engine: Engine, handle: HdbscanHandle | null | undefined): void;
/** In-process: condensation and selection on a prepared handle. */
export declare function hdbscanSelect(engine: Engine, handle: HdbscanHandle, opts?: HdbscanOptions): HdbscanEngineResult;
/** In-process one-shot HDBSCAN (prepare, select, free). */
export declare function hdbscanRun(engine: Engine, points: Points, opts?: HdbscanOptions): HdbscanEngineResult;
/** Neighbours kept inside an engine for many minSamples (hdbscanNeighbors); ptr is 0 once freed. */
export interface HdbscanNeighbors {
  ptr: number;
  n: number;
  /** the largest minSamples it serves */
  kMax: number;
  /** points left after collapsing exact duplicates */
  nDistinct: number;
  /** engine memory it holds */
  bytes: number;
}
/** In-process: duplicates collapsed, a kd-tree and kMax nearest neighbours, once; free with hdbscanNeighborsFree. */
export declare function hdbscanNeighbors(engine: Engine, points: Points, opts: { kMax: number }): HdbscanNeighbors;
/** In-process: frees neighbours (trees made from them stay valid). */
export declare function hdbscanNeighborsFree(engine: Engine, nb: HdbscanNeighbors | null | undefined): void;
/** In-process: the tree hdbscanPrepare would build, for minSamples <= kMax, from kept neighbours. */
export declare function hdbscanPrepareFromNeighbors(
  engine: Engine,
  nb: HdbscanNeighbors,
  opts: { minSamples: number; algorithm?: HdbscanAlgorithm },
): HdbscanHandle & { bytes: number };
/** In-process: engine memory a handle holds (its tree and its last selection's results). */
export declare function hdbscanBytes(engine: Engine, handle: HdbscanHandle): number;
/** Worker operations of HDBSCAN. */
export declare const hdbscanOps: {
  readonly 'hdbscan.run': WorkerOp;
  readonly 'hdbscan.prepare': WorkerOp;
  readonly 'hdbscan.cluster': WorkerOp;
  readonly 'hdbscan.free': WorkerOp;
};

// =============================================================================================== keywords

export interface KeywordOptions {
  /** keywords per cluster (default 8) */
  topN?: number;
  /** words left out: 'english' (default), a list or Set of words, or null/false for none */
  stopWords?: 'english' | readonly string[] | ReadonlySet<string> | null | false;
  /** BERTopic's ClassTfidfTransformer bm25_weighting (default false) */
  bm25Weighting?: boolean;
  /** BERTopic's ClassTfidfTransformer reduce_frequent_words: square root of tf (default false) */
  reduceFrequentWords?: boolean;
}

/** English function words that carry no topic. */
export declare const ENGLISH_STOP_WORDS: ReadonlySet<string>;
/**
 * Words of a text as scikit-learn's CountVectorizer sees them (lowercased runs of 2+ word
 * characters), without stop words (default ENGLISH_STOP_WORDS; null keeps all).
 */
export declare function wordTokens(text: string, stopWords?: ReadonlySet<string> | null): string[];
/**
 * Keywords of every cluster by class-based TF-IDF (BERTopic's c-TF-IDF), clusters by label; noise
 * (-1) counts in the IDF but is not reported. Pure JavaScript, synchronous.
 */
export declare function clusterKeywords(texts: readonly string[], labels: ArrayLike<number>, opts?: KeywordOptions): ClusterKeywords[];
/** Worker operations of keywords (none: it runs in-process). */
export declare const keywordsOps: Readonly<Record<string, never>>;

// Only the names marked `export` above are exported (without this line a .d.ts exports all of them).
export {};
