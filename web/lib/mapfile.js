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
//   "columns": [{"name": string, "type": "number"|"string", "values": [...]}]  // the other columns of
//                                                       // the input rows (optional; null = no value)
// }
// Big maps have a binary form with the same content: mapbinary.js.

import { EmbedscapeError } from './errors.js';

export const MAP_FORMAT = 'embedscape-map';
export const MAP_VERSION = 1;

const round = (v, digits) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/**
 * Builds a map object (JSON-ready).
 * @param {{texts: string[], xy: {data: Float32Array, n: number, dim: number}, labels: ArrayLike<number>,
 *   probabilities?: ArrayLike<number>, outlierScores?: ArrayLike<number>,
 *   clusters?: {label: number, size: number, keywords: {word: string, score: number}[]}[],
 *   params?: object, model?: string|null, columns?: {name: string, type: 'number'|'string', values: (string|number|null)[]}[]}} m
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
  return out;
}

/**
 * Validates a parsed map (or its JSON text) and returns it with typed arrays added:
 * {..., n, xy: {data, n, dim: 2}, labelsArray: Int32Array}. Throws EmbedscapeError naming the problem.
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
  if (m.columns !== undefined) checkColumns(m.columns, n);
  return { ...m, n, clusters, probabilities: m.probabilities ?? Array(n).fill(1), xy: { data, n, dim: 2 }, labelsArray };
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
