// hdbscan.mjs — `embedscape hdbscan`: HDBSCAN clusters of the rows of a .npy matrix, with the Python
// hdbscan library's meaning and defaults; writes {"labels", "probabilities", "outlier_scores"}.

import { HDBSCAN_OPTIONS, cliOptions, pick } from '../lib/options.js';
import { hdbscan } from '../lib/hdbscan.js';
import { option } from './common.mjs';
import { readMatrix, openOutput } from './files.mjs';

export const summary = 'HDBSCAN clusters of the rows of a matrix (.npy in, JSON out), as the Python hdbscan library computes them';
export const usage = '--input X.npy --output L.json [--min-cluster-size N --min-samples N --method eom|leaf --allow-single-cluster --cluster-selection-epsilon E]';
export const options = [
  option.input('X.npy', 'float32 matrix [n, d] (Euclidean distance between rows)'),
  option.output('L.json', '{"labels": [...], "probabilities": [...], "outlier_scores": [...]}; labels -1 = noise'),
  ...cliOptions(HDBSCAN_OPTIONS, {
    include: ['algorithm'],
    help: { algorithm: 'spanning tree: auto = kd-tree up to 16 dimensions, all pairs above (all give the library\'s own tree)' },
  }),
];

/** JSON numbers for the output: float32 values printed at their shortest round-trip precision. */
function floats(a) {
  const out = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i].toPrecision(8));
  return out;
}

export async function run(opts) {
  const out = await openOutput(opts.output);
  try {
    const x = await readMatrix(opts.input);
    const r = await hdbscan(x, pick(HDBSCAN_OPTIONS, opts));
    await out.write(JSON.stringify({
      labels: Array.from(r.labels),
      probabilities: floats(r.probabilities),
      outlier_scores: floats(r.outlierScores),
    }) + '\n');
    await out.commit();
  } finally {
    await out.discard();
  }
}
