// options.js — every option of every stage, defined once: its type, range, default and help. The JS
// API validates with it, the CLI builds its option tables (and --help) from it, the page reads its
// defaults, and the declarations test checks the .d.ts against it. No imports but errors.js: it is
// safe on the main thread, in workers, in the component and in Node.
//
//   const o = checkOptions(UMAP_OPTIONS, { nNeighbors: 30 }, 'umap');   // frozen, defaults filled in
//   checkOptions(HDBSCAN_OPTIONS, { min_cluster_size: 3 }, 'hdbscan');
//     -> EmbedscapeError: hdbscan: unknown option 'min_cluster_size' (did you mean 'minClusterSize'?)
//
// Spec fields: type 'int' | 'number' | 'choice' | 'bool' | 'string' | 'function' | 'object' | 'any'; default (undefined = "decided
// later", e.g. nEpochs from n); min / max (inclusive; exclusiveMin for "> min"); choices; help; cli
// (false = not a command-line option); nullable (null accepted and kept, meaning "automatic").

import { EmbedscapeError } from './errors.js';

/** Largest value a C `int` option takes in the engine. */
export const INT_MAX = 2 ** 31 - 1;
/** Seeds are 0 … 2^32 - 1, numpy's random_state range, so a Python script can use the same one. */
export const SEED_MAX = 2 ** 32 - 1;

/** Keys every long call accepts besides its own options (they are never forwarded to the engine). */
export const RUN_OPTIONS = Object.freeze({
  signal: { type: 'object', help: 'an AbortSignal: the call rejects with signal.reason when it fires' },
  onProgress: { type: 'function', help: 'called with {status, done, total, ...} as the work proceeds' },
  pool: { type: 'object', help: 'the WorkerPool to run in (default: the shared pool)' },
});

const spec = (o) => Object.freeze(o);

export const UMAP_OPTIONS = Object.freeze({
  nNeighbors: spec({ type: 'int', default: 15, min: 2, max: INT_MAX, help: 'size of the local neighbourhood, the point itself included (clamped to n - 1)' }),
  minDist: spec({ type: 'number', default: 0.1, min: 0, help: 'how tightly points may pack together in the map (at most spread)' }),
  spread: spec({ type: 'number', default: 1, min: 0, exclusiveMin: true, help: 'scale of the embedded points' }),
  nComponents: spec({ type: 'int', default: 2, min: 1, max: 64, help: 'output dimensions' }),
  metric: spec({ type: 'choice', default: 'cosine', choices: ['cosine', 'euclidean'], help: 'distance in the input space' }),
  nEpochs: spec({ type: 'int', default: undefined, min: 1, max: INT_MAX, help: 'optimisation epochs (default: 500 for up to 10 000 points, else 200)' }),
  seed: spec({ type: 'int', default: 42, min: 0, max: SEED_MAX, help: 'random seed, 0 … 2^32-1: the same input, options and seed give the same bytes' }),
  init: spec({ type: 'choice', default: 'spectral', choices: ['spectral', 'random'], help: 'initial layout (spectral falls back to random where it cannot run)' }),
  learningRate: spec({ type: 'number', default: 1, min: 0, exclusiveMin: true, help: 'initial SGD learning rate' }),
  negativeSampleRate: spec({ type: 'int', default: 5, min: 0, max: 1000, help: 'negative samples per positive sample' }),
  localConnectivity: spec({ type: 'number', default: 1, min: 0, help: 'nearest neighbours assumed connected' }),
  setOpMixRatio: spec({ type: 'number', default: 1, min: 0, max: 1, help: '1 = fuzzy union, 0 = fuzzy intersection' }),
  repulsionStrength: spec({ type: 'number', default: 1, min: 0, help: 'weight of the negative samples (gamma)' }),
  a: spec({ type: 'number', default: null, nullable: true, min: 0, exclusiveMin: true, cli: false, help: 'curve parameter a (default: fitted from minDist and spread)' }),
  b: spec({ type: 'number', default: null, nullable: true, min: 0, exclusiveMin: true, cli: false, help: 'curve parameter b (default: fitted from minDist and spread)' }),
  knn: spec({ type: 'choice', default: 'auto', choices: ['auto', 'exact', 'approx'], help: 'nearest-neighbour search: exact up to knnExactMaxN points, NN-descent above (auto)' }),
  knnExactMaxN: spec({ type: 'int', default: 8192, min: 1, max: INT_MAX, cli: false, help: 'largest n for which auto runs the exact search' }),
});

export const HDBSCAN_OPTIONS = Object.freeze({
  minClusterSize: spec({ type: 'int', default: 5, min: 2, max: INT_MAX, help: 'smallest group that counts as a cluster' }),
  minSamples: spec({ type: 'int', default: undefined, min: 1, max: INT_MAX, help: 'neighbours that make a point a core point: how conservative the clustering is (default: minClusterSize)' }),
  method: spec({ type: 'choice', default: 'eom', choices: ['eom', 'leaf'], help: 'cluster selection: excess of mass or the leaves of the condensed tree' }),
  allowSingleCluster: spec({ type: 'bool', default: false, help: 'allow the whole data set to be one cluster' }),
  clusterSelectionEpsilon: spec({ type: 'number', default: 0, min: 0, help: 'distance below which clusters are not split (0 = off)' }),
  maxClusterSize: spec({ type: 'int', default: 0, min: 0, max: INT_MAX, help: 'largest cluster excess of mass may select (0 = no limit)' }),
  algorithm: spec({ type: 'choice', default: 'auto', choices: ['auto', 'prims', 'boruvka_kdtree', 'prims_kdtree'], cli: false, help: 'how the spanning tree is found' }),
  condensedTree: spec({ type: 'bool', default: false, cli: false, help: 'also return the condensed tree (for drawing)' }),
});

export const EMBED_OPTIONS = Object.freeze({
  dtype: spec({ type: 'choice', default: 'auto', choices: ['auto', 'f32', 'f16', 'q8'], help: 'weights to compute with: as stored in the folder (auto), f32, f16 (f32 arithmetic on half-precision weights) or q8 (int8 weights and activations)' }),
});

export const KEYWORDS_OPTIONS = Object.freeze({
  topN: spec({ type: 'int', default: 10, min: 0, max: 1000, help: 'keywords per cluster (c-TF-IDF)' }),
});

/** The defaults of a schema, as a frozen object (keys with an undefined default are left out). */
export function defaultsOf(schema) {
  const out = {};
  for (const [k, s] of Object.entries(schema)) if (s.default !== undefined) out[k] = s.default;
  return Object.freeze(out);
}

export const UMAP_DEFAULTS = defaultsOf(UMAP_OPTIONS);
export const HDBSCAN_DEFAULTS = defaultsOf(HDBSCAN_OPTIONS);
export const KEYWORDS_DEFAULTS = defaultsOf(KEYWORDS_OPTIONS);

/** 'min_cluster_size' -> 'minClusterSize' */
export const camelCase = (s) => s.replace(/[_-]([a-z0-9])/g, (_, c) => c.toUpperCase());
/** 'minClusterSize' -> 'min-cluster-size' (the CLI spelling) */
export const kebabCase = (s) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

const show = (v) => (typeof v === 'string' ? `'${v}'` : typeof v === 'bigint' ? `${v}n` : Array.isArray(v) ? 'an array' : v && typeof v === 'object' ? 'an object' : String(v));

/**
 * Checks one value against its spec and returns it (a choice or bool unchanged, a number as is).
 * @param {string} name for the message @param {object} s the spec @param {any} v
 */
export function checkValue(name, s, v) {
  const bad = (what) => { throw new EmbedscapeError(`${name} must be ${what}, got ${show(v)}`); };
  if (v === null && s.nullable) return null;
  switch (s.type) {
    case 'int':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(s.type === 'int' ? 'a whole number' : 'a finite number');
      if (s.type === 'int' && !Number.isInteger(v)) bad('a whole number');
      const range = () => [
        s.min !== undefined ? `${s.exclusiveMin ? '>' : '>='} ${s.min}` : '',
        s.max !== undefined ? `<= ${s.max}` : '',
      ].filter(Boolean).join(' and ');
      if (s.min !== undefined && (s.exclusiveMin ? !(v > s.min) : !(v >= s.min))) bad(`${s.type === 'int' ? 'a whole number' : 'a number'} ${range()}`);
      if (s.max !== undefined && !(v <= s.max)) bad(`${s.type === 'int' ? 'a whole number' : 'a number'} ${range()}`);
      return v;
    }
    case 'choice':
      if (!s.choices.includes(v)) bad(`one of ${s.choices.map((c) => `'${c}'`).join(', ')}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') bad('true or false');
      return v;
    case 'string':
      if (typeof v !== 'string') bad('a string');
      return v;
    case 'function':
      if (typeof v !== 'function') bad('a function');
      return v;
    case 'object':
      if (!v || typeof v !== 'object') bad('an object');
      return v;
    case 'any': // checked where it is used
      return v;
    default:
      throw new EmbedscapeError(`${name}: unknown option type ${s.type}`);
  }
}

/**
 * Validates an options object against a schema: unknown keys are errors (naming the camelCase
 * spelling when a snake_case or kebab-case one was given), every value is checked, defaults are filled
 * in. Keys of `extra` (e.g. RUN_OPTIONS) are accepted and checked too.
 * @template {Record<string, object>} S
 * @param {S} schema @param {object|undefined|null} opts @param {string} where the call, for messages
 * @param {Record<string, object>} [extra]
 * @returns {Readonly<Record<keyof S, any>>}
 */
export function checkOptions(schema, opts, where, extra = RUN_OPTIONS) {
  if (opts !== undefined && opts !== null && (typeof opts !== 'object' || Array.isArray(opts))) {
    throw new EmbedscapeError(`${where}: options must be an object, got ${show(opts)}`);
  }
  const out = {};
  for (const [k, s] of Object.entries(schema)) if (s.default !== undefined) out[k] = s.default;
  for (const [k, v] of Object.entries(opts ?? {})) {
    const s = schema[k] ?? extra?.[k];
    if (!s) {
      const c = camelCase(k);
      const hint = c !== k && (schema[c] || extra?.[c]) ? ` (did you mean '${c}'?)` : '';
      const known = Object.keys(schema).join(', ');
      throw new EmbedscapeError(`${where}: unknown option '${k}'${hint}${hint ? '' : `; known options: ${known}`}`);
    }
    if (v === undefined) continue;
    out[k] = checkValue(`${where}: ${k}`, s, v);
  }
  return Object.freeze(out);
}

/** A copy of o with only the keys of the schema (drops run options such as signal or onProgress). */
export function pick(schema, o) {
  const out = {};
  for (const k of Object.keys(schema)) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * The command-line form of a schema: one entry per option, in schema order, for the CLI's option
 * tables and --help: {name: 'min-cluster-size', key: 'minClusterSize', ...the spec, help}.
 * Options marked cli: false are left out unless listed in `include`; `only` keeps just those keys.
 * In the help texts, the camelCase name of an option becomes its --kebab-case spelling (or its
 * default, for an option the command line does not have); `prefix` goes before every help text.
 * @param {Record<string, object>} schema
 * @param {{only?: string[], include?: string[], exclude?: string[], prefix?: string, help?: Record<string, string>}} [o]
 */
export function cliOptions(schema, { only, include = [], exclude = [], prefix = '', help = {} } = {}) {
  const keys = Object.keys(schema).filter((k) => (only ? only.includes(k) : schema[k].cli !== false || include.includes(k)) && !exclude.includes(k));
  const word = (k) => (keys.includes(k) ? `--${kebabCase(k)}` : schema[k].default !== undefined && schema[k].default !== null ? String(schema[k].default) : k);
  // only camelCase names: plain words such as 'seed' or 'spread' read as words
  const camel = Object.keys(schema).filter((k) => /[A-Z]/.test(k));
  const names = camel.length ? new RegExp(`\\b(${camel.join('|')})\\b`, 'g') : /$^/g;
  return keys.map((k) => Object.freeze({
    ...schema[k], name: kebabCase(k), key: k,
    help: prefix + (help[k] ?? schema[k].help).replace(names, (m) => word(m)),
  }));
}
