// usage.ts — a realistic use of the public API, type-checked (never run) by tests/types.test.mjs
// against web/embedscape.d.ts and web/component/embedscape-map.d.ts: strict, zero diagnostics.

import {
  loadModel, loadTokenizer, cosineSimilarity, similarityTo, topK, umap, hdbscan, createClusterer,
  clusterKeywords, createMapFile, parseMapFile, pythonScript, parseTexts, parseNpy, formatNpy, createSession,
  WorkerPool, setDefaultPool, getDefaultPool, defaultThreads, EmbedscapeError, STATUS,
  UMAP_DEFAULTS, HDBSCAN_DEFAULTS, openFolder,
} from '../../web/embedscape.js';
import type {
  Matrix, Model, EmbedProgress, LoadProgress, UmapProgress, KnnProgress, UmapOptions, HdbscanOptions, HdbscanResult,
  ClusterKeywords, MapFile, Neighbor, Tokenizer, Session, SessionProgress, SessionStage,
} from '../../web/embedscape.js';
import { EmbedscapeMap, readMap } from '../../web/component/embedscape-map.js';
import type { EmbedscapePlaceDetail } from '../../web/component/embedscape-map.js';
// the package's own names resolve to the same declarations (package.json "exports" / "types")
import type { Matrix as PackageMatrix } from 'embedscape';
import type { EmbedscapeMap as PackageElement } from 'embedscape/component';

export const samePackage = (m: Matrix, el: EmbedscapeMap): [PackageMatrix, PackageElement] => [m, el];

export async function buildMap(texts: string[], log: (line: string) => void): Promise<MapFile> {
  setDefaultPool(new WorkerPool({ size: Math.min(4, defaultThreads()) }));

  const model: Model = await loadModel('sentence-transformers/all-MiniLM-L6-v2', {
    dtype: 'q8',
    revision: 'main',
    onProgress: (p: LoadProgress) => {
      if (p.status === 'download') log(`${p.file}: ${p.done} / ${p.total} bytes`);
      else if (p.status === 'load') log(`loading into ${p.workers} workers`);
      else log(`ready: ${p.config.layers} layers, ${p.config.hidden} dims, ${p.config.pooling} pooling`);
    },
  });

  const controller = new AbortController();
  const stop = setTimeout(() => controller.abort(), 60_000);
  let vectors: Matrix;
  try {
    vectors = await model.embed(texts, {
      signal: controller.signal,
      onProgress: ({ done, total, tokens, elapsed }: EmbedProgress) =>
        log(`${done}/${total} texts, ${(tokens / elapsed).toFixed(0)} tokens/s`),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') log('embedding took too long');
    else if (e instanceof EmbedscapeError && e.status === STATUS.MODEL) log(`model problem: ${e.message}`);
    throw e;
  } finally {
    clearTimeout(stop);
  }
  const one: Matrix = await model.embed('The sun is shining');
  const dim: number = vectors.dim;
  log(`${vectors.n} x ${dim} (model says ${model.dim}; one text: ${one.n})`);

  // similarity: a Matrix, rows or typed-array rows alike
  const sims: Float32Array = await cosineSimilarity(vectors);
  const toFirst: Float32Array = await similarityTo([[1, 0], [0, 1]], 0);
  const byVector: Neighbor[] = await topK(vectors, vectors.data.subarray(0, dim), 5, { pool: getDefaultPool() });
  log(`${sims[1]} ${toFirst[0]} ${byVector[0]?.index}`);

  // UMAP, drawing the layout as it settles
  const umapOpts: UmapOptions = { ...UMAP_DEFAULTS, nNeighbors: 15, minDist: 0.1, metric: 'cosine', seed: 42 };
  const xy: Matrix = await umap(vectors, {
    ...umapOpts,
    signal: controller.signal,
    onProgress: (e: UmapProgress | KnnProgress) => {
      if (e.status === 'knn') log(`neighbours: ${e.phase} ${e.done}/${e.total}`);
      else if (e.embedding) log(`epoch ${e.done}/${e.total}: ${e.embedding.n} points`);
    },
  });

  // HDBSCAN once, then again from a prepared tree as a slider moves
  const hdbOpts: HdbscanOptions = { ...HDBSCAN_DEFAULTS, minClusterSize: 5, method: 'eom', condensedTree: true };
  const clustered: HdbscanResult = await hdbscan(xy, hdbOpts);
  log(`${clustered.nClusters} clusters by ${clustered.algorithm}; tree rows: ${clustered.condensedTree?.parent.length}`);
  const rows: number[][] = [[0, 0], [0, 1], [5, 5]];
  await hdbscan(rows, { minClusterSize: 2, allowSingleCluster: true });
  const clusterer = await createClusterer(xy, { minSamples: 5 });
  let result: HdbscanResult = await clusterer.cluster({ minClusterSize: 10 });
  result = await clusterer.cluster({ minClusterSize: 25, method: 'leaf', signal: controller.signal });
  await clusterer.dispose();

  const clusters: ClusterKeywords[] = clusterKeywords(texts, result.labels, { topN: 10, stopWords: 'english' });
  for (const c of clusters) log(`cluster ${c.label} (${c.size}): ${c.keywords.map((k) => k.word).join(', ')}`);

  const map: MapFile = createMapFile({
    texts, xy, labels: result.labels, probabilities: result.probabilities, outlierScores: result.outlierScores,
    clusters, model: model.name, params: { umap: { n_neighbors: 15 }, hdbscan: { min_cluster_size: 25 } }, vectors,
  });
  await model.dispose();
  const back = parseMapFile(JSON.stringify(map));
  log(`${back.format} v${back.version}: ${back.n} points, first label ${back.labelsArray[0]}, x0 ${back.xy.data[0]}`);
  if (back.vectorsMatrix) log(`${back.vectorsMatrix.dim} dimensions stored as ${map.vectors?.encoding}`);
  const script: string = pythonScript(map, { mapFile: 'topics.map.json' });
  log(script.split('\n')[0] ?? '');
  return map;
}

export async function pipeline(model: Model, texts: string[], log: (line: string) => void): Promise<void> {
  const session: Session = await createSession({ model });
  session.setTexts(texts);
  session.setOptions({ umap: { nNeighbors: 10 }, hdbscan: { minClusterSize: 8 }, clusterOn: 'layout' });
  const r = await session.run({
    onProgress: (p: SessionProgress) => {
      if (p.status === 'stage') log(`${p.stage} done (${p.done}/${p.total})`);
      else if (p.status === 'embed') log(`${p.tokens} tokens`);
    },
  });
  log(`${r.nClusters} clusters, ${r.xy?.n} points, ran ${r.ran.join(' ')}`);
  session.setOptions({ hdbscan: { minClusterSize: 12 } });
  const next: SessionStage[] = session.plan();
  await session.run({ until: 'labels' });
  const near = await session.similar(0, 5);
  const snap = await session.snapshot(10);
  const g = await session.graph();
  const spread = await session.distanceStats({ maxRows: 500 });
  log(`${g.weights[0]} ${g.knn.indices[1]} ${spread.cosine.p50} ${spread.map?.p95 ?? '-'} ${(await session.labelsIn('layout')).nClusters}`);
  log(`${next.join(',')} ${near[0]?.score} ${snap.epoch} ${(await session.vector(0)).length}`);
  await session.dispose();
}

export async function tokens(bytes: Uint8Array): Promise<void> {
  const texts: string[] = parseTexts(bytes, 'texts.jsonl');
  const tok: Tokenizer = await loadTokenizer({ files: { 'vocab.txt': new Uint8Array(0) } });
  const ids = await tok.encode(texts[0] ?? '', { maxLength: 128 });
  const { lengths } = await tok.encodeBatch(texts, { maxLength: 0 });
  await tok.dispose();
  const npy = formatNpy(new Float32Array(ids.length * 2), [ids.length, 2]);
  const { data, shape } = parseNpy(npy);
  // results are ordinary ArrayBuffer-backed arrays: usable as BufferSource (TypeScript >= 5.7)
  const files: Blob[] = [new Blob([npy], { type: 'application/octet-stream' }), new Blob([data, ids])];
  const folder = openFolder('models/all-MiniLM-L6-v2');
  const cfg: unknown = await folder.readJson('config.json');
  console.log(files.length, lengths.length, data.length, shape[1], cfg);
}

export function mountMap(container: HTMLElement, map: MapFile): EmbedscapeMap {
  const el = document.createElement('embedscape-map');
  el.setAttribute('src', 'topics.map.json');
  el.theme = 'dark';
  el.model = 'sentence-transformers/all-MiniLM-L6-v2';
  const src: string = el.src;
  if (el.loading === 'lazy' && el.label === '') console.log(src);
  el.addEventListener('embedscape-load', (e) => console.log(`${e.detail.n} points, ${e.detail.clusters} clusters`));
  el.addEventListener('embedscape-error', (e) => console.error(e.detail.message));
  el.addEventListener('embedscape-place', (e: CustomEvent<EmbedscapePlaceDetail>) => {
    const best = e.detail.nearest[0];
    if (best) console.log(`"${e.detail.text}" lands at ${e.detail.x}, ${e.detail.y}, near "${best.text}" (${best.sim})`);
  });
  container.append(el);
  el.setMap(map);
  const hits: number[] = el.search('rain');
  el.fit();
  void el.view?.toPNG({ scale: 2 }).then((blob: Blob) => blob.size);
  const found = document.querySelector('embedscape-map');
  if (found instanceof EmbedscapeMap && found.map) console.log(found.map.clusters.length, hits.length, readMap(map).noise);
  return el;
}
