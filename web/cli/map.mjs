// map.mjs — `embedscape map`: the whole pipeline in one command, texts in, a map JSON out.
//   texts ──embed──▶ vectors ──UMAP──▶ 2-D ──HDBSCAN──▶ clusters ──c-TF-IDF──▶ keywords ──▶ map.json
// The map JSON (web/lib/mapfile.js) opens in the page and in <embedscape-map> without the model.

import path from 'node:path';

import { EmbedscapeError } from '../lib/errors.js';
import { parseTexts } from '../lib/io.js';
import { createMapFile } from '../lib/mapfile.js';
import { pythonScript } from '../lib/python.js';
import { UMAP_OPTIONS, HDBSCAN_OPTIONS, EMBED_OPTIONS, KEYWORDS_OPTIONS, cliOptions, pick } from '../lib/options.js';
import { WorkerPool, getDefaultPool } from '../lib/pool.js';
import { loadModel } from '../lib/model.js';
import { createSession } from '../lib/session.js';
import { option, chooseThreads, TEXTS_HELP } from './common.mjs';
import { readInput, openOutput } from './files.mjs';

export const summary = 'the whole pipeline: embed the texts, UMAP them to 2-D, cluster with HDBSCAN, name clusters by keywords, and write a map JSON that the page and <embedscape-map> open without the model';
export const usage = '--model DIR --input F --output map.json [options]';
export const options = [
  option.model('sentence-transformers model folder (see models/README.md)'),
  option.input('F', TEXTS_HELP),
  option.output('F', 'the map JSON to write'),
  ...cliOptions(EMBED_OPTIONS),
  ...cliOptions(UMAP_OPTIONS, { exclude: ['nComponents'], prefix: 'UMAP: ' }),
  ...cliOptions(HDBSCAN_OPTIONS, { prefix: 'HDBSCAN: ' }),
  { ...cliOptions(KEYWORDS_OPTIONS, { only: ['topN'] })[0], name: 'keywords', metavar: 'N' },
  { name: 'vectors', type: 'bool', default: false, help: 'also store the texts\' vectors in the map (int8 with a scale per row, about 0.52 KB per text at 384 dimensions): <embedscape-map> then places a reader\'s sentence without embedding the map again' },
  { name: 'python', type: 'string', metavar: 'F', help: 'also write a Python script that rebuilds the map with sentence-transformers, umap-learn and hdbscan (same parameters and seed)' },
  option.threads(),
  option.quiet('no progress on stderr'),
];

const snake = (k) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

/** The options of a stage as the map records them: `always` keys, plus any other one not at its default. */
function recorded(schema, used, always) {
  const out = {};
  for (const [k, v] of Object.entries(used)) {
    if (v !== undefined && (always.includes(k) || v !== schema[k]?.default)) out[snake(k)] = v;
  }
  return out;
}

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
  const out = await openOutput(opts.output);
  const py = opts.python !== undefined ? await openOutput(opts.python, { flag: '--python' }) : null;
  const ownPool = opts.threads !== undefined;
  const threads = chooseThreads(opts.threads, io);
  const pool = ownPool ? new WorkerPool({ size: threads }) : getDefaultPool();
  let model = null, session = null;
  try {
    const texts = parseTexts(await readInput(opts.input, '--input'), opts.input);
    if (texts.length === 0) throw new EmbedscapeError(`${opts.input} has no texts`);
    if (texts.length < 3) throw new EmbedscapeError(`${opts.input} has ${texts.length} text${texts.length === 1 ? '' : 's'}: a map needs at least 3`);

    const p = progressLine(io, opts.quiet);
    model = await loadModel(opts.model, {
      pool,
      dtype: opts.dtype,
      onProgress: (e) => { if (e.status === 'download' && e.total) p.step('loading model', e.done, e.total); },
    });
    p.note(`embedding ${texts.length} texts with ${model.name ?? path.basename(opts.model)} (${threads} thread${threads === 1 ? '' : 's'})`);
    const nNeighbors = Math.min(opts.nNeighbors, texts.length - 1);
    if (nNeighbors < opts.nNeighbors) p.note(`n_neighbors ${opts.nNeighbors} is more than the ${texts.length} texts allow: using ${nNeighbors}`);
    const umapParams = { ...pick(UMAP_OPTIONS, opts), nNeighbors, nComponents: 2 };
    const hdbParams = { ...pick(HDBSCAN_OPTIONS, opts), minSamples: opts.minSamples ?? opts.minClusterSize };
    // the whole pipeline is a session: the same stages, and the same rule, as the page
    session = await createSession({ model });
    session.setTexts(texts);
    session.setOptions({ umap: umapParams, hdbscan: hdbParams, keywords: { topN: opts.topN } });
    const labels = { embed: 'embedding', layout: 'UMAP' };
    const onProgress = (e) => { if (labels[e.status] && e.total) p.step(labels[e.status], e.done, e.total); };
    // vectors to store are embedded here and given to the session (the bytes it would compute itself)
    const vectors = opts.vectors ? await model.embed(texts, { onProgress }) : null;
    if (vectors) session.setVectors(vectors);
    const r = await session.run({ onProgress });
    const { xy, clusters } = r;
    const h = r;
    const nClusters = clusters.length;
    const noise = Array.from(h.labels).filter((l) => l < 0).length;
    p.note(`${nClusters} cluster${nClusters === 1 ? '' : 's'}, ${noise} noise point${noise === 1 ? '' : 's'}`);

    const { nComponents, ...umapRecord } = umapParams;
    const map = createMapFile({
      texts,
      xy,
      labels: h.labels,
      probabilities: h.probabilities,
      outlierScores: h.outlierScores,
      clusters,
      model: model.name ?? path.basename(path.resolve(opts.model)),
      params: {
        umap: recorded(UMAP_OPTIONS, umapRecord, ['nNeighbors', 'minDist', 'metric', 'seed']),
        hdbscan: recorded(HDBSCAN_OPTIONS, hdbParams, ['minClusterSize', 'minSamples', 'method']),
      },
      vectors,
    });
    await out.write(JSON.stringify(map) + '\n');
    if (py) await py.write(pythonScript(map, { mapFile: path.basename(opts.output), scriptFile: path.basename(opts.python) }));
    await out.commit();
    p.note(`wrote ${opts.output}`);
    if (py) {
      await py.commit();
      p.note(`wrote ${opts.python} (python ${path.basename(opts.python)} ${path.basename(opts.output)} rebuilds the map)`);
    }
    return map;
  } finally {
    await session?.dispose();
    await model?.dispose?.();
    if (ownPool) pool.dispose();
    await out.discard();
    await py?.discard();
  }
}
