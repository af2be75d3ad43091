// umap.mjs — `embedscape umap`: UMAP of the rows of a .npy matrix into a .npy of [n, n_components],
// with umap-learn's defaults (metric cosine, since the inputs are usually sentence embeddings).

import { formatNpy } from '../lib/io.js';
import { UMAP_OPTIONS, cliOptions, pick } from '../lib/options.js';
import { umap } from '../lib/umap.js';
import { option } from './common.mjs';
import { readMatrix, openOutput } from './files.mjs';

export const summary = 'UMAP projection of the rows of a matrix (.npy in, .npy out), umap-learn\'s defaults';
export const usage = '--input X.npy --output Y.npy [--n-neighbors N --min-dist D --n-components C --metric M --seed S --n-epochs E --init I ...]';
export const options = [
  option.input('X.npy', 'float32 matrix [n, d]'),
  option.output('Y.npy', 'float32 matrix [n, n_components]'),
  ...cliOptions(UMAP_OPTIONS),
  option.quiet(),
];

export async function run(opts, io) {
  const out = await openOutput(opts.output);
  try {
    const x = await readMatrix(opts.input);
    const tty = !opts.quiet && io.stderr.isTTY;
    let last = 0;
    const y = await umap(x, {
      ...pick(UMAP_OPTIONS, opts),
      onProgress: tty ? (e) => {
        const now = Date.now();
        if (now - last > 200 || e.epoch === e.nEpochs) { io.stderr.write(`\rumap: epoch ${e.epoch}/${e.nEpochs}${e.epoch === e.nEpochs ? '\n' : ''}`); last = now; }
      } : undefined,
    });
    await out.write(formatNpy(y.data, [y.n, y.dim]));
    await out.commit();
  } finally {
    await out.discard();
  }
}
