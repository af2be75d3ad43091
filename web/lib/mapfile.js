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
//                 "name": string, "description": string}]   // name and description optional
// }

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
 *   clusters?: {label: number, size: number, keywords: {word: string, score: number}[], name?: string, description?: string}[],
 *   params?: object, model?: string|null}} m
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
  clusters.forEach((c, i) => {
    for (const k of ['name', 'description']) {
      if (c && typeof c === 'object' && c[k] !== undefined && typeof c[k] !== 'string') throw new EmbedscapeError(`map file: "clusters[${i}].${k}" must be a string`);
    }
  });
  return { ...m, n, clusters, probabilities: m.probabilities ?? Array(n).fill(1), xy: { data, n, dim: 2 }, labelsArray };
}
