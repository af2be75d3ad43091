// mapfile.js — the saved map: everything the page and <embedscape-map> need to draw a map without
// the model. Written by `embedscape map`, the page's "Export map JSON", read by both.
//
// Format (JSON, columnar so that 100 000 points stay compact):
// {
//   "format": "embedscape-map", "version": 1,
//   "created": ISO date, "model": model name or null,
//   "params": {"umap": {...}, "hdbscan": {...}},      // what produced it, for the record
//   "texts": [string, ...],                             // n texts
//   "x": [number, ...], "y": [number, ...],             // 2-D coordinates
//   "labels": [int, ...],                               // cluster per point, -1 = noise
//   "probabilities": [number, ...],                     // HDBSCAN membership strength, 0..1
//   "outlier_scores": [number, ...],                    // GLOSH, 0..1 (optional)
//   "clusters": [{"label": int, "size": int, "keywords": [{"word": string, "score": number}],
//                 "name": string, "description": string}],  // name and description optional
//   "columns": [{"name": string, "type": "number"|"string", "values": [...]}]  // the other columns of
//                                                       // the input rows (optional; null = no value)
//   "vectors": {"encoding": "int8", "dim": d, "scale": [number, ...], "data": base64}   // optional
// }
// Big maps have a binary form with the same content (the vectors aside): mapbinary.js.
// "vectors" (opt-in: createMapFile({vectors}), `embedscape map --vectors`) keeps the texts' embeddings
// compactly, so that a reader's sentence can be placed on the map without embedding its texts again:
// row i is int8 values q (base64 of n*d bytes, row-major) times scale[i] (= max |v| / 127 of the row,
// 7 significant digits): about 0.52 KB per text for 384 dimensions (4/3 bytes per value), within
// scale/2 of the float32 vector in every component (cosine to it > 0.9999 for sentence embeddings).

import { EmbedscapeError } from './errors.js';

export const MAP_FORMAT = 'embedscape-map';
export const MAP_VERSION = 1;

export const VECTOR_ENCODING = 'int8';

/** Bytes -> base64, in chunks (no Buffer: the same in browsers and Node). */
function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text, where) {
  let bin;
  try { bin = atob(text); } catch { throw new EmbedscapeError(`${where}: "data" is not base64`); }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * A matrix of vectors in the map's compact form: int8 per value with a scale per row.
 * @param {{data: ArrayLike<number>, n: number, dim: number}} m
 * @returns {{encoding: 'int8', dim: number, scale: number[], data: string}}
 */
export function encodeVectors(m) {
  const { n, dim, data } = m;
  const q = new Int8Array(n * dim);
  const scale = new Array(n);
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(data[i * dim + j]));
    if (!Number.isFinite(max)) throw new EmbedscapeError(`map: vector ${i} has a value that is not finite`);
    const s = max > 0 ? Number((max / 127).toPrecision(7)) : 0;
    scale[i] = s;
    for (let j = 0; j < dim; j++) q[i * dim + j] = s > 0 ? Math.max(-127, Math.min(127, Math.round(data[i * dim + j] / s))) : 0;
  }
  return { encoding: VECTOR_ENCODING, dim, scale, data: toBase64(new Uint8Array(q.buffer)) };
}

/** The vectors of a map's "vectors" field as a float32 Matrix (n rows), checked. */
export function decodeVectors(v, n) {
  const where = 'map file: "vectors"';
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new EmbedscapeError(`${where} must be an object {encoding, dim, scale, data}`);
  if (v.encoding !== VECTOR_ENCODING) throw new EmbedscapeError(`${where}: encoding ${JSON.stringify(v.encoding)} is not supported (this build reads "${VECTOR_ENCODING}")`);
  if (!Number.isInteger(v.dim) || v.dim < 1 || v.dim > 65536) throw new EmbedscapeError(`${where}: "dim" must be a whole number from 1 to 65536, got ${JSON.stringify(v.dim)}`);
  if (!Array.isArray(v.scale) || v.scale.length !== n) throw new EmbedscapeError(`${where}: "scale" must have ${n} entries like "texts"`);
  const bad = v.scale.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0);
  if (bad >= 0) throw new EmbedscapeError(`${where}: scale ${bad} must be a finite number >= 0, got ${JSON.stringify(v.scale[bad])}`);
  if (typeof v.data !== 'string') throw new EmbedscapeError(`${where}: "data" must be a base64 string`);
  const bytes = fromBase64(v.data, where);
  if (bytes.length !== n * v.dim) throw new EmbedscapeError(`${where}: "data" holds ${bytes.length} values, expected ${n} texts x ${v.dim} dimensions = ${n * v.dim}`);
  const q = new Int8Array(bytes.buffer);
  const data = new Float32Array(n * v.dim);
  for (let i = 0; i < n; i++) {
    const s = v.scale[i];
    for (let j = 0; j < v.dim; j++) data[i * v.dim + j] = q[i * v.dim + j] * s;
  }
  return { data, n, dim: v.dim };
}

const round = (v, digits) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/**
 * Builds a map object (JSON-ready).
 * @param {{texts: string[], xy: {data: Float32Array, n: number, dim: number}, labels: ArrayLike<number>,
 *   probabilities?: ArrayLike<number>, outlierScores?: ArrayLike<number>,
 *   clusters?: {label: number, size: number, keywords: {word: string, score: number}[], name?: string, description?: string}[],
 *   params?: object, model?: string|null, columns?: {name: string, type: 'number'|'string', values: (string|number|null)[]}[],
 *   vectors?: {data: ArrayLike<number>, n: number, dim: number}}} m
 *   vectors: the texts' embeddings, stored compactly (see "vectors" above)
 */
export function createMapFile(m) {
  const n = m.texts.length;
  if (m.xy.n !== n || m.xy.dim < 2) throw new EmbedscapeError(`map: ${n} texts but coordinates for ${m.xy.n} points of ${m.xy.dim} dimensions`);
  if (m.labels.length !== n) throw new EmbedscapeError(`map: ${n} texts but ${m.labels.length} labels`);
  const x = new Array(n), y = new Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = round(m.xy.data[i * m.xy.dim], 5);
    y[i] = round(m.xy.data[i * m.xy.dim + 1], 5);
  }
  let clusters = m.clusters;
  if (!clusters) {
    const sizes = new Map();
    for (const l of m.labels) if (l >= 0) sizes.set(l, (sizes.get(l) ?? 0) + 1);
    clusters = [...sizes.keys()].sort((a, b) => a - b).map((label) => ({ label, size: sizes.get(label), keywords: [] }));
  }
  const out = {
    format: MAP_FORMAT,
    version: MAP_VERSION,
    created: new Date().toISOString(),
    model: m.model ?? null,
    params: m.params ?? {},
    texts: m.texts.slice(),
    x,
    y,
    labels: Array.from(m.labels, Number),
    probabilities: m.probabilities ? Array.from(m.probabilities, (v) => round(v, 5)) : Array(n).fill(1),
    clusters,
  };
  if (m.outlierScores) out.outlier_scores = Array.from(m.outlierScores, (v) => round(v, 5));
  if (m.columns?.length) out.columns = m.columns.map((c) => ({ name: c.name, type: c.type, values: Array.from(c.values, (v) => (v === undefined ? null : v)) }));
  if (m.vectors) {
    if (m.vectors.n !== n) throw new EmbedscapeError(`map: ${n} texts but ${m.vectors.n} vectors`);
    out.vectors = encodeVectors(m.vectors);
  }
  return out;
}

// ------------------------------------------------------------------------------------ validation
// A map file is something people e-mail around: every field the page or the component reads is
// checked as hostile input, and every violation names the field and the index. Unknown fields are
// kept (so a map survives a round trip through an older reader) but nothing reads them.

/** Largest label: labels are C ints in the engine. */
const LABEL_MAX = 2 ** 31 - 1;

/** A value as the message shows it: JSON for what JSON can hold, else its type. */
function shown(v) {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v); // NaN and Infinity too (setMap takes objects)
  if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
  let t;
  try { t = JSON.stringify(v); } catch { t = undefined; }
  if (t === undefined) return `a ${typeof v}`;
  if (Array.isArray(v)) return t.length > 40 ? 'an array' : t;
  if (v && typeof v === 'object') return t.length > 40 ? 'an object' : t;
  return t.length > 60 ? `${t.slice(0, 57)}..."` : t;
}

const fail = (what, must, v) => { throw new EmbedscapeError(`map file: ${what} must be ${must}, got ${shown(v)}`); };
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v) => typeof v === 'number' && Number.isInteger(v);

function array(m, key, n) {
  const a = m[key];
  if (!Array.isArray(a)) fail(`"${key}"`, 'an array', a);
  if (n !== undefined && a.length !== n) throw new EmbedscapeError(`map file: "${key}" has ${a.length} entries but "texts" has ${n}; they must be equally long`);
  return a;
}

/** Largest magnitude a coordinate may have: it is drawn from a Float32Array. */
const FLOAT32_MAX = 3.4028234663852886e38;

function finiteArray(m, key, n, unit) {
  const a = array(m, key, n);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${key}[${i}]`, unit ? 'a number in [0, 1]' : 'a finite number', v);
    if (!unit && !(Math.abs(v) <= FLOAT32_MAX)) fail(`${key}[${i}]`, `a finite number within ±${FLOAT32_MAX.toPrecision(3)} (float32)`, v);
    if (unit && !(v >= 0 && v <= 1)) fail(`${key}[${i}]`, 'a number in [0, 1]', v);
  }
  return a;
}

function checkCluster(c, i, n, seen) {
  const at = `clusters[${i}]`;
  if (!isObject(c)) fail(at, 'an object {label, size, keywords}', c);
  if (!isInt(c.label) || c.label < 0) fail(`${at}.label`, 'an integer >= 0', c.label);
  if (c.label > LABEL_MAX) fail(`${at}.label`, `an integer <= ${LABEL_MAX}`, c.label);
  if (seen.has(c.label)) throw new EmbedscapeError(`map file: ${at}.label ${c.label} is listed twice (also clusters[${seen.get(c.label)}])`);
  seen.set(c.label, i);
  if (!isInt(c.size) || c.size < 0 || c.size > n) fail(`${at}.size`, `an integer from 0 to ${n} (the number of texts)`, c.size);
  const kw = c.keywords ?? [];
  if (!Array.isArray(kw)) fail(`${at}.keywords`, 'an array of {word, score}', c.keywords);
  const keywords = kw.map((k, j) => {
    if (!isObject(k)) fail(`${at}.keywords[${j}]`, 'an object {word, score}', k);
    if (typeof k.word !== 'string') fail(`${at}.keywords[${j}].word`, 'a string', k.word);
    if (typeof k.score !== 'number' || !Number.isFinite(k.score)) fail(`${at}.keywords[${j}].score`, 'a finite number', k.score);
    return { ...k };
  });
  for (const f of ['name', 'description']) if (c[f] !== undefined && typeof c[f] !== 'string') fail(`${at}.${f}`, 'a string', c[f]);
  return { ...c, keywords };
}

/** params and params.umap / params.hdbscan: objects whose values are plain JSON values, not nested. */
function checkParams(params) {
  if (params === undefined || params === null) return {};
  if (!isObject(params)) fail('"params"', 'an object', params);
  const out = { ...params };
  for (const stage of ['umap', 'hdbscan']) {
    const p = params[stage];
    if (p === undefined) continue;
    if (!isObject(p)) fail(`params.${stage}`, 'an object', p);
    for (const [k, v] of Object.entries(p)) {
      const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) fail(`params.${stage}.${k}`, 'a number, string, boolean or null', v);
    }
    out[stage] = { ...p };
  }
  return out;
}

/**
 * Validates a map (a parsed object, or its JSON text) and returns a checked copy with typed arrays
 * added: {...m, n, clusters, probabilities, xy: {data, n, dim: 2}, labelsArray: Int32Array,
 * vectorsMatrix: {data, n, dim} | null (the stored vectors, decoded)}.
 * Throws EmbedscapeError naming the field and the index of the first violation, e.g.
 *   map file: labels[17] must be an integer >= -1, got "x"
 * Imports nothing but errors.js, so the component can use it without the engine.
 */
export function parseMapFile(input) {
  let m = input;
  if (typeof input === 'string') {
    try { m = JSON.parse(input); } catch (e) { throw new EmbedscapeError(`map file is not valid JSON: ${e.message}`); }
  }
  if (!isObject(m)) fail('the top level', 'a JSON object', m);
  if (m.format !== MAP_FORMAT) throw new EmbedscapeError(`map file: "format" must be "${MAP_FORMAT}", got ${shown(m.format)} (is this a map saved by embedscape?)`);
  if (m.version !== MAP_VERSION) throw new EmbedscapeError(`map file: version ${shown(m.version)} is not supported (this build reads version ${MAP_VERSION})`);
  const texts = array(m, 'texts');
  const n = texts.length;
  for (let i = 0; i < n; i++) if (typeof texts[i] !== 'string') fail(`texts[${i}]`, 'a string', texts[i]);
  const x = finiteArray(m, 'x', n, false), y = finiteArray(m, 'y', n, false);
  const labels = array(m, 'labels', n);
  const labelsArray = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (!isInt(v) || v < -1) fail(`labels[${i}]`, 'an integer >= -1', v);
    if (v > LABEL_MAX) fail(`labels[${i}]`, `an integer <= ${LABEL_MAX}`, v);
    labelsArray[i] = v;
  }
  const probabilities = m.probabilities === undefined ? Array(n).fill(1) : finiteArray(m, 'probabilities', n, true);
  if (m.outlier_scores !== undefined) finiteArray(m, 'outlier_scores', n, true);
  if (m.clusters !== undefined && !Array.isArray(m.clusters)) fail('"clusters"', 'an array', m.clusters);
  const seen = new Map();
  const clusters = (m.clusters ?? []).map((c, i) => checkCluster(c, i, n, seen));
  if (m.model !== undefined && m.model !== null && typeof m.model !== 'string') fail('"model"', 'a string or null', m.model);
  if (m.created !== undefined && typeof m.created !== 'string') fail('"created"', 'a string', m.created);
  if (m.columns !== undefined) checkColumns(m.columns, n);
  const data = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) { data[2 * i] = x[i]; data[2 * i + 1] = y[i]; }
  return {
    ...m, texts: texts.slice(), x: x.slice(), y: y.slice(), labels: labels.slice(), probabilities: probabilities.slice(),
    ...(m.outlier_scores !== undefined ? { outlier_scores: m.outlier_scores.slice() } : {}),
    clusters, params: checkParams(m.params), n, xy: { data, n, dim: 2 }, labelsArray,
    vectorsMatrix: m.vectors === undefined ? null : decodeVectors(m.vectors, n),
  };
}

// params.umap keys (umap-learn's names, as the page and `embedscape map` record them) that say how
// the layout was made; anything else there is kept in the file but not used
const UMAP_PARAM_KEYS = ['n_neighbors', 'min_dist', 'spread', 'metric', 'n_epochs', 'init', 'learning_rate',
  'negative_sample_rate', 'local_connectivity', 'set_op_mix_ratio', 'repulsion_strength', 'a', 'b', 'seed'];

/**
 * The UMAP options (the library's camelCase names) a checked map's params.umap records, for placing
 * new texts on its layout (session.setLayout(xy, {vectors, umap}), umapFromLayout). Values are
 * passed on as they are: the options check of the call that uses them rejects a bad one. null when
 * the map records no UMAP parameters (a map from elsewhere: its layout cannot be reproduced).
 */
export function mapUmapOptions(map) {
  const u = map?.params?.umap;
  if (!u || !Object.keys(u).length) return null;
  const out = {};
  for (const k of UMAP_PARAM_KEYS) {
    if (u[k] !== undefined && u[k] !== null) out[k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] = u[k];
  }
  return out;
}

/**
 * Checks the "columns" of a map: an array of {name: non-empty string (each once), type: "number" |
 * "string", values: n entries, numbers (finite) or strings as the type says, or null}.
 * Throws EmbedscapeError naming the column and the index.
 */
export function checkColumns(columns, n) {
  if (!Array.isArray(columns)) throw new EmbedscapeError('map file: "columns" must be an array');
  const names = new Set();
  columns.forEach((c, k) => {
    const at = `columns[${k}]`;
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw new EmbedscapeError(`map file: ${at} must be an object {name, type, values}`);
    if (typeof c.name !== 'string' || !c.name) throw new EmbedscapeError(`map file: ${at}.name must be a non-empty string`);
    if (names.has(c.name)) throw new EmbedscapeError(`map file: ${at}.name "${c.name}" is used twice`);
    names.add(c.name);
    if (c.type !== 'number' && c.type !== 'string') throw new EmbedscapeError(`map file: ${at}.type must be "number" or "string", got ${JSON.stringify(c.type)}`);
    if (!Array.isArray(c.values) || c.values.length !== n) throw new EmbedscapeError(`map file: ${at}.values must be an array of ${n} entries like "texts"`);
    for (let i = 0; i < n; i++) {
      const v = c.values[i];
      if (v === null) continue;
      if (c.type === 'number' ? !(typeof v === 'number' && Number.isFinite(v)) : typeof v !== 'string') {
        throw new EmbedscapeError(`map file: ${at}.values[${i}] must be ${c.type === 'number' ? 'a finite number' : 'a string'} or null, got ${JSON.stringify(v)?.slice(0, 40)}`);
      }
    }
  });
  return columns;
}
