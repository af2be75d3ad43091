// exportbar.js — step 7, "Take it with you": the map as a picture (PNG with a title, the legend, the
// settings and the model; SVG for print), a table, a saved map (JSON, or binary for big maps) and the
// clusters as Markdown, and a Python script that rebuilds the map (the file formats are exports.js,
// web/lib/mapfile.js, web/lib/mapbinary.js and web/lib/python.js).

import { $, download, fmtInt, fmtBytes } from './dom.js';
import { toCsv, toMarkdown, clusterTitle } from './exports.js';
import { clusterColor, NOISE_COLOR } from '../lib/palette.js';
import { formatMapBinaryAsync } from '../lib/mapbinary.js';
import { pythonScript } from '../lib/python.js';

const BUTTONS = ['export-png', 'export-csv', 'export-json', 'export-md', 'export-svg', 'export-bin', 'export-py'];

function baseName() {
  const d = new Date();
  const pad = (v) => String(v).padStart(2, '0');
  return `embedscape-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

export function mount(app) {
  const s = app.state;
  const mapData = () => ({
    texts: s.texts, xy: s.xy, labels: s.labels, probabilities: s.probabilities, outlierScores: s.outlierScores,
    clusters: s.clusters, model: s.modelName, params: s.params, columns: s.columns ?? [],
  });

  /** Title, legend and notes of the pictures: what a reader needs to make sense of the map. */
  function decoration() {
    const n = s.texts.length;
    const u = s.params.umap ?? {}, h = s.params.hdbscan ?? {};
    const nc = s.clusters.length;
    const legend = app.colorLegend
      ? app.colorLegend.items
      : [...s.clusters].sort((a, b) => b.size - a.size || a.label - b.label).map((c) => ({
        color: clusterColor(c.label),
        text: `${c.name || (c.keywords ?? []).slice(0, 3).map((k) => k.word).join(', ') || clusterTitle(c.label)} (${fmtInt(c.size)})`,
      }));
    const noise = s.labels ? s.labels.reduce((a, l) => a + (l < 0 ? 1 : 0), 0) : 0;
    if (!app.colorLegend && noise) legend.push({ color: NOISE_COLOR, text: `noise (${fmtInt(noise)})` });
    const shown = app.filterMask ? app.filterMask.reduce((a, v) => a + v, 0) : n;
    return {
      title: s.source?.name ? `Map of ${s.source.name}` : 'Map of meaning',
      subtitle: `${fmtInt(n)} texts · ${nc} cluster${nc === 1 ? '' : 's'}${shown < n ? ` · ${fmtInt(shown)} shown by the filters` : ''}${app.selection ? ` · ${fmtInt(app.selection.count)} selected` : ''}`,
      legendTitle: app.colorLegend ? app.colorLegend.title : 'Clusters',
      legend,
      notes: [
        `model: ${s.modelName ?? 'unknown'} · UMAP n_neighbors ${u.n_neighbors ?? '–'}, min_dist ${u.min_dist ?? '–'} · HDBSCAN min_cluster_size ${h.min_cluster_size ?? '–'}, min_samples ${h.min_samples ?? '–'}`,
        `made with embedscape on ${new Date().toISOString().slice(0, 10)}${app.filters?.length ? ` · filters: ${app.filters.map((f) => f.column).join(', ')}` : ''}`,
      ],
    };
  }
  app.pictureDecoration = decoration;

  const enable = (on) => {
    for (const id of BUTTONS) $(id).disabled = !on;
    // vectors exist for a map made here (or opened with them): about 524 bytes per text of 384 numbers
    const withVectors = on && !!s.vectors && !!app.session;
    $('export-vectors').disabled = !withVectors;
    if (!withVectors) $('export-vectors').checked = false;
    $('export-vectors-size').textContent = withVectors ? `(+${fmtBytes(s.texts.length * (Math.ceil((4 * s.vectors.dim) / 3) + 12))})` : '';
  };
  app.on('reset', () => enable(false));
  app.on('ready', () => enable(!!s.labels));
  app.on('labels', () => { if (!s.labels) enable(false); }); // the clusters of a replaced layout were dropped
  app.on('map-opened', () => enable(true));
  $('export-png').addEventListener('click', async () => {
    try { download(await app.view.toPNG({ scale: 2, ...decoration() }), `${baseName()}.png`); } catch (e) { app.error(e); }
  });
  $('export-svg').addEventListener('click', () => {
    try { download(new Blob([app.view.toSVG(decoration())], { type: 'image/svg+xml' }), `${baseName()}.svg`); } catch (e) { app.error(e); }
  });
  $('export-csv').addEventListener('click', () => {
    download(new Blob([toCsv(mapData())], { type: 'text/csv;charset=utf-8' }), `${baseName()}.csv`);
  });
  $('export-json').addEventListener('click', async () => {
    try {
      const data = mapData();
      if ($('export-vectors').checked && s.vectors && app.session) {
        const n = s.texts.length;
        data.vectors = { data: await app.session.vectorsOf(Array.from({ length: n }, (_, i) => i)), n, dim: s.vectors.dim };
      }
      download(new Blob([JSON.stringify(app.api.createMapFile(data))], { type: 'application/json' }), `${baseName()}.map.json`);
    } catch (e) { app.error(e); }
  });
  $('export-py').addEventListener('click', () => {
    const name = baseName();
    const py = pythonScript(app.api.createMapFile(mapData()), { mapFile: `${name}.map.json`, scriptFile: `${name}.py` });
    download(new Blob([py], { type: 'text/x-python;charset=utf-8' }), `${name}.py`);
  });
  $('export-bin').addEventListener('click', async () => {
    try {
      const bytes = await formatMapBinaryAsync(mapData());
      download(new Blob([bytes], { type: 'application/octet-stream' }), `${baseName()}.embedscape`);
    } catch (e) { app.error(e); }
  });
  $('export-md').addEventListener('click', () => {
    download(new Blob([toMarkdown(mapData())], { type: 'text/markdown;charset=utf-8' }), `${baseName()}.md`);
  });
}
