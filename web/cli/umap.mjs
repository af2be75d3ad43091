// umap.mjs — `embedscape umap`: UMAP of the rows of a .npy matrix into a .npy of [n, n_components],
// with umap-learn's defaults (metric cosine, since the inputs are usually sentence embeddings).
// With --transform Z.npy --transform-output W.npy the rows of Z are then placed on that map with
// umap-learn's UMAP.transform semantics (the fitted graph and layout, the layout fixed); Y is the
// same map as without them.

import { formatNpy } from '../lib/io.js';
import { UMAP_OPTIONS, cliOptions, pick } from '../lib/options.js';
import { umap } from '../lib/umap.js';
import { createSession } from '../lib/session.js';
import { option } from './common.mjs';
import { readMatrix, openOutput } from './files.mjs';
import { UsageError } from './errors.mjs';

export const summary = 'UMAP projection of the rows of a matrix (.npy in, .npy out), umap-learn\'s defaults; --transform places new rows on it';
export const usage = '--input X.npy --output Y.npy [--transform Z.npy --transform-output W.npy] [--n-neighbors N --min-dist D --n-components C --metric M --seed S --n-epochs E --init I ...]';
export const options = [
  option.input('X.npy', 'float32 matrix [n, d]'),
  option.output('Y.npy', 'float32 matrix [n, n_components]'),
  { name: 'transform', type: 'string', metavar: 'Z.npy', help: 'new rows [m, d] to place on the fitted map (umap-learn\'s transform)' },
  { name: 'transform-output', type: 'string', metavar: 'W.npy', help: 'where the new rows land, float32 [m, n_components] (written whole or not at all)' },
  ...cliOptions(UMAP_OPTIONS),
  option.quiet(),
];

export async function run(opts, io) {
  const transform = opts.transform, placedFile = opts['transform-output'] ?? opts.transformOutput;
  if ((transform === undefined) !== (placedFile === undefined)) throw new UsageError('--transform and --transform-output go together');
  const out = await openOutput(opts.output);
  const placedOut = placedFile !== undefined ? await openOutput(placedFile, { flag: '--transform-output' }) : null;
  let session = null;
  try {
    const x = await readMatrix(opts.input);
    const z = transform !== undefined ? await readMatrix(transform, '--transform') : null;
    if (z && z.dim !== x.dim) throw new UsageError(`--transform has ${z.dim} columns, --input ${x.dim}`);
    const tty = !opts.quiet && io.stderr.isTTY;
    let last = 0;
    const onProgress = tty ? (e) => {
      if (e.status !== 'layout') return; // the kNN search's parts
      const now = Date.now();
      if (now - last > 200 || e.epoch === e.nEpochs) { io.stderr.write(`\rumap: epoch ${e.epoch}/${e.nEpochs}${e.epoch === e.nEpochs ? '\n' : ''}`); last = now; }
    } : undefined;
    const params = pick(UMAP_OPTIONS, opts);
    let y;
    if (!z) {
      y = await umap(x, { ...params, onProgress });
    } else {
      // the fitted UMAP stays in a session's worker, where the new rows are placed
      session = await createSession();
      session.setTexts(Array.from({ length: x.n }, () => ''));
      session.setVectors(x);
      session.setOptions({ umap: params });
      const r = await session.run({ until: 'layout', onProgress });
      y = r.xy;
      const placed = await session.place(z, { seed: params.seed });
      await placedOut.write(formatNpy(placed.embedding.data, [placed.embedding.n, placed.embedding.dim]));
    }
    await out.write(formatNpy(y.data, [y.n, y.dim]));
    await out.commit();
    if (placedOut) await placedOut.commit();
  } finally {
    await session?.dispose();
    await out.discard();
    await placedOut?.discard();
  }
}
