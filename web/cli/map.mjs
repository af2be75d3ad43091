// map.mjs — `embedscape map`: the whole pipeline in one command, texts in, a map JSON out.
//   texts ──embed──▶ vectors ──UMAP──▶ 2-D ──HDBSCAN──▶ clusters ──c-TF-IDF──▶ keywords ──▶ map.json
// The map JSON (web/lib/mapfile.js) opens in the page and in <embedscape-map> without the model.

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { EmbedscapeError } from '../lib/errors.js';
import { parseTexts } from '../lib/io.js';
import { createMapFile } from '../lib/mapfile.js';
import { pythonScript } from '../lib/python.js';
import { WorkerPool, getDefaultPool, defaultThreads } from '../lib/pool.js';
import { loadModel } from '../lib/model.js';
import { createSession } from '../lib/session.js';

export const summary = 'the whole pipeline: embed the texts, UMAP them to 2-D, cluster with HDBSCAN, name clusters by keywords, and write a map JSON that the page and <embedscape-map> open without the model';
export const usage = '--model DIR --input F --output map.json [options]';
export const options = [
  { name: 'model', type: 'string', required: true, metavar: 'DIR', help: 'sentence-transformers model folder (see models/README.md)' },
  { name: 'input', type: 'string', required: true, metavar: 'F', help: 'texts: .txt (one per line), .jsonl ("text" field) or .csv ("text" or first column)' },
  { name: 'output', type: 'string', required: true, metavar: 'F', help: 'the map JSON to write' },
  { name: 'dtype', type: 'string', default: 'auto', choices: ['auto', 'f32', 'f16', 'q8'], help: 'weights in the engine: as stored in the folder (auto), or converted on load' },
  { name: 'n-neighbors', type: 'int', default: 15, help: 'UMAP: size of the local neighbourhood' },
  { name: 'min-dist', type: 'number', default: 0.1, help: 'UMAP: how tightly points may pack together' },
  { name: 'metric', type: 'string', default: 'cosine', choices: ['cosine', 'euclidean'], help: 'UMAP: distance between embeddings' },
  { name: 'n-epochs', type: 'int', metavar: 'N', help: 'UMAP: optimisation epochs (default: 500 for up to 10 000 texts, else 200)' },
  { name: 'seed', type: 'int', default: 42, help: 'UMAP: random seed (same seed, same map)' },
  { name: 'min-cluster-size', type: 'int', default: 5, help: 'HDBSCAN: smallest group that counts as a cluster' },
  { name: 'min-samples', type: 'int', metavar: 'N', help: 'HDBSCAN: how conservative the clustering is (default: min-cluster-size)' },
  { name: 'method', type: 'string', default: 'eom', choices: ['eom', 'leaf'], help: 'HDBSCAN: cluster selection (excess of mass or leaves)' },
  { name: 'keywords', type: 'int', default: 10, metavar: 'N', help: 'keywords per cluster (c-TF-IDF)' },
  { name: 'vectors', type: 'bool', default: false, help: 'also store the texts\' vectors in the map (int8 with a scale per row, about 0.52 KB per text at 384 dimensions): <embedscape-map> then places a reader\'s sentence without embedding the map again' },
  { name: 'python', type: 'string', metavar: 'F', help: 'also write a Python script that rebuilds the map with sentence-transformers, umap-learn and hdbscan (same parameters and seed)' },
  { name: 'threads', type: 'int', metavar: 'N', help: 'worker threads (default: the number of cores)' },
  { name: 'quiet', type: 'bool', default: false, help: 'no progress on stderr' },
];

function progressLine(io, quiet) {
  const tty = !!io.stderr.isTTY;
  let last = '';
  let lastT = 0;
  return {
    step(label, done, total) {
      if (quiet) return;
      const pct = total ? Math.floor((100 * done) / total) : 100;
      const s = `${label}: ${pct}%`;
      if (tty) {
        const now = Date.now();
        if (now - lastT < 100 && done < total) return;
        lastT = now;
        io.stderr.write(`\r${s}   `);
        if (done >= total) io.stderr.write('\n');
      } else if (done >= total && s !== last) {
        io.stderr.write(`${label}: done\n`);
      }
      last = s;
    },
    note(s) { if (!quiet) io.stderr.write(s + '\n'); },
  };
}

export async function run(opts, io) {
  if (opts.nNeighbors < 2) throw new EmbedscapeError(`--n-neighbors must be at least 2, got ${opts.nNeighbors}`);
  if (!(opts.minDist >= 0)) throw new EmbedscapeError(`--min-dist must be >= 0, got ${opts.minDist}`);
  if (opts.minClusterSize < 2) throw new EmbedscapeError(`--min-cluster-size must be at least 2, got ${opts.minClusterSize}`);
  if (opts.minSamples !== undefined && opts.minSamples < 1) throw new EmbedscapeError(`--min-samples must be at least 1, got ${opts.minSamples}`);
  if (opts.threads !== undefined && opts.threads < 1) throw new EmbedscapeError(`--threads must be at least 1, got ${opts.threads}`);
  if (opts.keywords < 0) throw new EmbedscapeError(`--keywords must be >= 0, got ${opts.keywords}`);

  const texts = parseTexts(new Uint8Array(await readFile(opts.input)), opts.input);
  if (texts.length === 0) throw new EmbedscapeError(`${opts.input} has no texts`);
  if (texts.length < 3) throw new EmbedscapeError(`${opts.input} has ${texts.length} text${texts.length === 1 ? '' : 's'}: a map needs at least 3`);

  const p = progressLine(io, opts.quiet);
  const ownPool = opts.threads !== undefined;
  const pool = ownPool ? new WorkerPool({ size: opts.threads }) : getDefaultPool();
  const threads = opts.threads ?? await defaultThreads();
  let model = null, session = null;
  try {
    model = await loadModel(opts.model, {
      pool,
      dtype: opts.dtype,
      onProgress: (e) => { if (e.status === 'download' && e.total) p.step('loading model', e.done, e.total); },
    });
    p.note(`embedding ${texts.length} texts with ${model.name ?? path.basename(opts.model)} (${threads} thread${threads === 1 ? '' : 's'})`);
    const nNeighbors = Math.min(opts.nNeighbors, texts.length - 1);
    if (nNeighbors < opts.nNeighbors) p.note(`n_neighbors ${opts.nNeighbors} is more than the ${texts.length} texts allow: using ${nNeighbors}`);
    const umapParams = { nNeighbors, minDist: opts.minDist, metric: opts.metric, seed: opts.seed, nComponents: 2 };
    if (opts.nEpochs !== undefined) umapParams.nEpochs = opts.nEpochs;
    const hdbParams = { minClusterSize: opts.minClusterSize, minSamples: opts.minSamples ?? opts.minClusterSize, method: opts.method };
    session = await createSession({ model });
    session.setTexts(texts);
    session.setOptions({ umap: umapParams, hdbscan: hdbParams, keywords: { topN: opts.keywords } });
    const labels = { embed: 'embedding', layout: 'UMAP' };
    const onProgress = (e) => { if (labels[e.status] && e.total) p.step(labels[e.status], e.done, e.total); };
    // the vectors to store are embedded here and given to the session (the same bytes it would compute)
    const vectors = opts.vectors ? await model.embed(texts, { onProgress }) : null;
    if (vectors) session.setVectors(vectors);
    const r = await session.run({ onProgress });
    const noise = Array.from(r.labels).filter((l) => l < 0).length;
    p.note(`${r.nClusters} cluster${r.nClusters === 1 ? '' : 's'}, ${noise} noise point${noise === 1 ? '' : 's'}`);

    const map = createMapFile({
      texts,
      xy: r.xy,
      labels: r.labels,
      probabilities: r.probabilities,
      outlierScores: r.outlierScores,
      clusters: r.clusters,
      model: model.name ?? path.basename(path.resolve(opts.model)),
      params: {
        umap: { n_neighbors: nNeighbors, min_dist: opts.minDist, metric: opts.metric, seed: opts.seed, ...(opts.nEpochs !== undefined ? { n_epochs: opts.nEpochs } : {}) },
        hdbscan: { min_cluster_size: opts.minClusterSize, min_samples: hdbParams.minSamples, method: opts.method },
      },
      vectors,
    });
    await writeFile(opts.output, JSON.stringify(map) + '\n');
    p.note(`wrote ${opts.output}`);
    if (opts.python) {
      await writeFile(opts.python, pythonScript(map, { mapFile: path.basename(opts.output), scriptFile: path.basename(opts.python) }));
      p.note(`wrote ${opts.python} (python ${path.basename(opts.python)} ${path.basename(opts.output)} rebuilds the map)`);
    }
    return map;
  } finally {
    await session?.dispose();
    await model?.dispose?.();
    if (ownPool) pool.dispose();
  }
}
