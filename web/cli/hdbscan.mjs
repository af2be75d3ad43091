// hdbscan.mjs — `embedscape hdbscan`: HDBSCAN clusters of the rows of a .npy matrix, with the Python
// hdbscan library's meaning and defaults; writes {"labels", "probabilities", "outlier_scores"}.

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { parseNpy } from '../lib/io.js';
import { EmbedscapeError } from '../lib/errors.js';
import { hdbscan } from '../lib/hdbscan.js';

export const summary = 'HDBSCAN clusters of the rows of a matrix (.npy in, JSON out), as the Python hdbscan library computes them';
export const usage = '--input X.npy --output L.json [--min-cluster-size N --min-samples N --method eom|leaf --allow-single-cluster --cluster-selection-epsilon E]';
export const options = [
  { name: 'input', type: 'string', required: true, metavar: 'X.npy', help: 'float32 matrix [n, d] (Euclidean distance between rows)' },
  { name: 'output', type: 'string', required: true, metavar: 'L.json', help: '{"labels": [...], "probabilities": [...], "outlier_scores": [...]}; labels -1 = noise' },
  { name: 'min-cluster-size', type: 'int', default: 5, help: 'smallest group that counts as a cluster (>= 2)' },
  { name: 'min-samples', type: 'int', metavar: 'N', help: 'neighbours that define a point\'s core distance (default: min-cluster-size; clamped to n-1)' },
  { name: 'method', type: 'string', default: 'eom', choices: ['eom', 'leaf'], help: 'cluster selection: excess of mass or the leaves of the condensed tree' },
  { name: 'allow-single-cluster', type: 'bool', default: false, help: 'allow the whole data set to be one cluster' },
  { name: 'cluster-selection-epsilon', type: 'number', default: 0, metavar: 'E', help: 'distance below which clusters are merged rather than split (0 = off)' },
  { name: 'algorithm', type: 'string', default: 'auto', choices: ['auto', 'prims', 'prims_kdtree', 'boruvka_kdtree'], help: 'spanning tree: auto = kd-tree up to 16 dimensions, all pairs above (both give the library\'s own tree)' },
];

/** JSON numbers for the output: float32 values printed at their shortest round-trip precision. */
function floats(a) {
  const out = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i].toPrecision(8));
  return out;
}

export async function run(opts, io) {
  const name = path.basename(opts.input);
  const { data, shape } = parseNpy(new Uint8Array(await readFile(opts.input)), name);
  const [n, dim] = shape;
  if (n < 1) throw new EmbedscapeError(`${name}: the matrix has no rows`);
  if (opts.minClusterSize < 2) throw new EmbedscapeError(`--min-cluster-size must be at least 2, got ${opts.minClusterSize}`);
  if (opts.minSamples !== undefined && opts.minSamples < 1) throw new EmbedscapeError(`--min-samples must be at least 1, got ${opts.minSamples}`);
  if (!(opts.clusterSelectionEpsilon >= 0)) throw new EmbedscapeError(`--cluster-selection-epsilon must be >= 0, got ${opts.clusterSelectionEpsilon}`);
  const r = await hdbscan({ data, n, dim }, {
    minClusterSize: opts.minClusterSize, minSamples: opts.minSamples, method: opts.method,
    allowSingleCluster: opts.allowSingleCluster, clusterSelectionEpsilon: opts.clusterSelectionEpsilon,
    algorithm: opts.algorithm,
  });
  const json = JSON.stringify({
    labels: Array.from(r.labels),
    probabilities: floats(r.probabilities),
    outlier_scores: floats(r.outlierScores),
  });
  await writeFile(opts.output, json + '\n');
}
