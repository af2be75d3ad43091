// umap.mjs — `embedscape umap`: UMAP of the rows of a .npy matrix into a .npy of [n, n_components],
// with umap-learn's defaults (metric cosine, since the inputs are usually sentence embeddings).

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { parseNpy, formatNpy } from '../lib/io.js';
import { EmbedscapeError } from '../lib/errors.js';
import { umap } from '../lib/umap.js';

export const summary = 'UMAP projection of the rows of a matrix (.npy in, .npy out), umap-learn\'s defaults';
export const usage = '--input X.npy --output Y.npy [--n-neighbors N --min-dist D --n-components C --metric M --seed S --n-epochs E --init I ...]';
export const options = [
  { name: 'input', type: 'string', required: true, metavar: 'X.npy', help: 'float32 matrix [n, d]' },
  { name: 'output', type: 'string', required: true, metavar: 'Y.npy', help: 'float32 matrix [n, n_components]' },
  { name: 'n-neighbors', type: 'int', default: 15, help: 'size of the local neighbourhood, the point itself included (clamped to n-1)' },
  { name: 'min-dist', type: 'number', default: 0.1, metavar: 'D', help: 'how tightly points may pack in the map' },
  { name: 'spread', type: 'number', default: 1, metavar: 'S', help: 'scale of the embedded points' },
  { name: 'n-components', type: 'int', default: 2, help: 'output dimensions' },
  { name: 'metric', type: 'string', default: 'cosine', choices: ['cosine', 'euclidean'], help: 'distance in the input space' },
  { name: 'seed', type: 'int', default: 42, help: 'random seed: the same input, options and seed give the same bytes' },
  { name: 'n-epochs', type: 'int', metavar: 'N', help: 'optimisation epochs (default: 500 for n <= 10000, else 200)' },
  { name: 'init', type: 'string', default: 'spectral', choices: ['spectral', 'random'], help: 'initial layout (spectral falls back to random for disconnected graphs)' },
  { name: 'learning-rate', type: 'number', default: 1, metavar: 'R', help: 'initial SGD learning rate' },
  { name: 'negative-sample-rate', type: 'int', default: 5, help: 'negative samples per positive sample' },
  { name: 'local-connectivity', type: 'number', default: 1, metavar: 'C', help: 'nearest neighbours assumed connected' },
  { name: 'set-op-mix-ratio', type: 'number', default: 1, metavar: 'R', help: '1 = fuzzy union, 0 = fuzzy intersection' },
  { name: 'knn', type: 'string', default: 'auto', choices: ['auto', 'exact', 'approx'], help: 'nearest-neighbour search: exact up to 8192 points, NN-descent above (auto)' },
  { name: 'quiet', type: 'bool', help: 'no progress on standard error' },
];

export async function run(opts, io) {
  const { data, shape } = parseNpy(new Uint8Array(await readFile(opts.input)), path.basename(opts.input));
  const [n, dim] = shape;
  if (n < 1) throw new EmbedscapeError(`${path.basename(opts.input)}: the matrix has no rows`);
  if (opts.nNeighbors < 2) throw new EmbedscapeError(`--n-neighbors must be >= 2, got ${opts.nNeighbors}`);
  if (opts.nComponents < 1) throw new EmbedscapeError(`--n-components must be >= 1, got ${opts.nComponents}`);
  if (opts.nEpochs !== undefined && opts.nEpochs < 1) throw new EmbedscapeError(`--n-epochs must be >= 1, got ${opts.nEpochs}`);
  const params = {
    nNeighbors: opts.nNeighbors, minDist: opts.minDist, spread: opts.spread, nComponents: opts.nComponents,
    metric: opts.metric, seed: opts.seed, nEpochs: opts.nEpochs, init: opts.init, learningRate: opts.learningRate,
    negativeSampleRate: opts.negativeSampleRate, localConnectivity: opts.localConnectivity,
    setOpMixRatio: opts.setOpMixRatio, knn: opts.knn,
  };
  const tty = !opts.quiet && io.stderr.isTTY;
  let last = 0;
  const y = await umap({ data, n, dim }, {
    ...params,
    onProgress: tty ? (e) => {
      const now = Date.now();
      if (now - last > 200 || e.done === e.total) { io.stderr.write(`\rumap: epoch ${e.done}/${e.total}${e.done === e.total ? '\n' : ''}`); last = now; }
    } : undefined,
  });
  await writeFile(opts.output, formatNpy(y.data, [y.n, y.dim]));
}
