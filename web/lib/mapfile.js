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
//   "clusters": [{"label": int, "size": int, "keywords": [{"word": string, "score": number}]}],
//   "vectors": {"encoding": "int8", "dim": d, "scale": [number, ...], "data": base64}   // optional
// }
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
 *   clusters?: {label: number, size: number, keywords: {word: string, score: number}[]}[],
 *   params?: object, model?: string|null, vectors?: {data: ArrayLike<number>, n: number, dim: number}}} m
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
  if (m.vectors) {
    if (m.vectors.n !== n) throw new EmbedscapeError(`map: ${n} texts but ${m.vectors.n} vectors`);
    out.vectors = encodeVectors(m.vectors);
  }
  return out;
}

/**
 * Validates a parsed map (or its JSON text) and returns it with typed arrays added:
 * {..., n, xy: {data, n, dim: 2}, labelsArray: Int32Array, vectorsMatrix: {data, n, dim} | null (the
 * stored vectors, decoded)}. Throws EmbedscapeError naming the problem.
 */
export function parseMapFile(input) {
  let m = input;
  if (typeof input === 'string') {
    try { m = JSON.parse(input); } catch (e) { throw new EmbedscapeError(`map file is not valid JSON: ${e.message}`); }
  }
  if (!m || typeof m !== 'object') throw new EmbedscapeError('map file: expected a JSON object');
  if (m.format !== MAP_FORMAT) throw new EmbedscapeError(`map file: "format" must be "${MAP_FORMAT}" (is this a map saved by embedscape?)`);
  if (m.version !== MAP_VERSION) throw new EmbedscapeError(`map file: version ${m.version} is not supported (this build reads version ${MAP_VERSION})`);
  for (const k of ['texts', 'x', 'y', 'labels']) if (!Array.isArray(m[k])) throw new EmbedscapeError(`map file: "${k}" must be an array`);
  const n = m.texts.length;
  for (const k of ['x', 'y', 'labels', 'probabilities', 'outlier_scores']) {
    if (m[k] !== undefined && (!Array.isArray(m[k]) || m[k].length !== n)) throw new EmbedscapeError(`map file: "${k}" must have ${n} entries like "texts"`);
  }
  if (m.texts.some((t) => typeof t !== 'string')) throw new EmbedscapeError('map file: every entry of "texts" must be a string');
  const data = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const xi = m.x[i], yi = m.y[i];
    if (typeof xi !== 'number' || typeof yi !== 'number' || !Number.isFinite(xi) || !Number.isFinite(yi)) throw new EmbedscapeError(`map file: point ${i} has no finite x/y`);
    data[2 * i] = xi;
    data[2 * i + 1] = yi;
  }
  const labelsArray = Int32Array.from(m.labels, (v) => (Number.isInteger(v) ? v : NaN));
  if (labelsArray.some((v) => Number.isNaN(v) || v < -1)) throw new EmbedscapeError('map file: "labels" must be integers >= -1');
  const clusters = Array.isArray(m.clusters) ? m.clusters : [];
  const vectorsMatrix = m.vectors === undefined ? null : decodeVectors(m.vectors, n);
  return { ...m, n, clusters, probabilities: m.probabilities ?? Array(n).fill(1), xy: { data, n, dim: 2 }, labelsArray, vectorsMatrix };
}
