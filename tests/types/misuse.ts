// misuse.ts — calls the declarations must reject: each `@ts-expect-error` line has to be an error,
// else tests/types.test.mjs fails (proving the types are not `any`).

import { loadModel, umap, hdbscan, createClusterer, clusterKeywords, createMapFile, parseMapFile, topK, WorkerPool, createSession } from '../../web/embedscape.js';
import type { Matrix } from '../../web/embedscape.js';
import type { EmbedscapeMap } from '../../web/component/embedscape-map.js';

export async function misuse(m: Matrix): Promise<void> {
  // @ts-expect-error dtype is 'auto' | 'f32' | 'f16' | 'q8'
  await loadModel('models/x', { dtype: 'int4' });
  const model = await loadModel('models/x');
  // @ts-expect-error texts are strings
  await model.embed([1, 2]);
  // @ts-expect-error progress has no `percent`
  await model.embed(['a'], { onProgress: (p) => p.percent });
  // @ts-expect-error a typo in an option name
  await umap(m, { nNeigbors: 15 });
  // @ts-expect-error the Python spelling is not the option's name
  await umap(m, { n_neighbors: 15 });
  // @ts-expect-error progress comes through onProgress (there is no onEpoch)
  await umap(m, { onEpoch: () => {} });
  // @ts-expect-error metric is 'cosine' | 'euclidean'
  await umap(m, { metric: 'manhattan' });
  // @ts-expect-error the result is a Matrix, not an array of points
  const xy: number[][] = await umap(m);
  // @ts-expect-error method is 'eom' | 'leaf'
  await hdbscan(m, { method: 'dbscan' });
  const r = await hdbscan(m);
  // @ts-expect-error labels are an Int32Array
  const labels: string[] = r.labels;
  const c = await createClusterer(m);
  // @ts-expect-error minSamples is fixed by createClusterer
  await c.cluster({ minSamples: 3 });
  // @ts-expect-error clusterKeywords is synchronous
  await clusterKeywords(['a'], [0]).then((k) => k);
  // @ts-expect-error createMapFile needs labels
  createMapFile({ texts: ['a'], xy: m });
  // @ts-expect-error a parsed map's n is a number
  const n: string = parseMapFile('{}').n;
  // @ts-expect-error k is a number
  await topK(m, 0, '5');
  // @ts-expect-error size is a number
  new WorkerPool({ size: 'four' });
  const s = await createSession();
  // @ts-expect-error clusterOn is 'layout' | 'layout5'
  s.setOptions({ clusterOn: 'map' });
  // @ts-expect-error until names a stage
  await s.run({ until: 'everything' });
  // @ts-expect-error the component's events carry typed details
  document.createElement('embedscape-map').addEventListener('embedscape-load', (e) => e.detail.points);
  // @ts-expect-error setMap takes a map object
  (document.querySelector('embedscape-map') as EmbedscapeMap).setMap([1, 2]);
  // @ts-expect-error theme is one of auto, light, dark
  (document.querySelector('embedscape-map') as EmbedscapeMap).theme = 'blue';
  void xy; void labels; void n;
}
