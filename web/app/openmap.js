// openmap.js — opens a saved map (the JSON of "Export map", or `embedscape map`): the texts, the layout
// and the clusters come from the file, no model is needed; a session without vectors holds the layout
// so that the HDBSCAN sliders still answer.

import { fmtInt } from './dom.js';
import { clusterSizes } from '../lib/session.js';
import { isMapBinary, parseMapBinaryAsync } from '../lib/mapbinary.js';

export function mount(app) {
  const { api, state } = app;
  app.openMap = async (bytes, name) => {
    app.hideError();
    let m;
    try {
      // a binary map (big maps) is read in slices that give the thread back; JSON in one parse
      m = isMapBinary(bytes) ? await parseMapBinaryAsync(bytes) : api.parseMapFile(new TextDecoder().decode(bytes));
    } catch (e) {
      app.error(`${name}: ${e.message}`);
      return;
    }
    app.cancel();
    const labels = Int32Array.from(m.labelsArray);
    Object.assign(state, {
      origin: 'mapfile', timings: {}, texts: m.texts, xy: m.xy, vectors: null,
      labels, probabilities: Float32Array.from(m.probabilities),
      outlierScores: m.outlier_scores ? Float32Array.from(m.outlier_scores) : null, condensedTree: null,
      clusters: m.clusters.length ? m.clusters.map((c) => ({ label: c.label, size: c.size, keywords: c.keywords ?? [], ...(c.name ? { name: c.name } : {}), ...(c.description ? { description: c.description } : {}) })) : clusterSizes(labels),
      modelName: m.model ?? null, params: m.params ?? { umap: {}, hdbscan: {} },
      columns: m.columns ?? [], source: { name, textField: null },
    });
    app.emit('reset', { texts: m.texts });
    app.setTexts(m.texts, null, { columns: state.columns, name, keepAll: true });
    app.setHdbscanControls(state.params.hdbscan ?? {}, m.n);
    app.setUmapControls(state.params.umap ?? {});
    app.emit('map-opened', { name, bytes });
    app.setPhase('ready');
    app.status(`Opened ${name}: ${fmtInt(m.n)} texts, ${state.clusters.length} clusters${state.modelName ? ` (made with ${state.modelName})` : ''}. ` +
      'The clusters can be changed here; to change the layout, embed the texts again.');
    // a session on the saved points, so that the HDBSCAN sliders answer
    try {
      await app.session?.dispose();
      app.session = await api.createSession({ prefetch: true });
      app.session.setTexts(m.texts);
      app.session.setLayout(m.xy);
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
    }
  };
}
