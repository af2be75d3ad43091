// node-usage.ts — the API from a Node program compiled without the DOM library (lib es2022 and
// @types/node only): the declarations must not need browser-only types. Type-checked, never run.

import { readFile, writeFile } from 'node:fs/promises';
import { loadModel, umap, hdbscan, clusterKeywords, createMapFile, parseTexts, formatNpy, WorkerPool } from '../../web/embedscape.js';

export async function main(input: string, output: string): Promise<void> {
  const texts = parseTexts(new Uint8Array(await readFile(input)), input);
  const pool = new WorkerPool({ size: 2 });
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  try {
    const model = await loadModel('models/all-MiniLM-L6-v2', { pool, signal: ac.signal });
    const vectors = await model.embed(texts, { signal: ac.signal, onProgress: (p) => process.stderr.write(`\r${p.done}/${p.total}`) });
    await writeFile(output + '.npy', formatNpy(vectors.data, [vectors.n, vectors.dim]));
    const xy = await umap(vectors, { seed: 7, pool, signal: ac.signal });
    const { labels, probabilities } = await hdbscan(xy, { minClusterSize: 5, pool });
    const clusters = clusterKeywords(texts, labels);
    await writeFile(output, JSON.stringify(createMapFile({ texts, xy, labels, probabilities, clusters, model: model.name })));
    await model.dispose();
  } finally {
    pool.dispose();
  }
}
