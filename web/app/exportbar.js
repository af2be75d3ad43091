// exportbar.js — step 7, "Take it with you": the map as a picture, a table, a saved map, the
// clusters as Markdown and a Python script that rebuilds the map (the file formats are exports.js,
// web/lib/mapfile.js and web/lib/python.js).

import { $, download } from './dom.js';
import { toCsv, toMarkdown } from './exports.js';
import { pythonScript } from '../lib/python.js';

const BUTTONS = ['export-png', 'export-csv', 'export-json', 'export-md', 'export-py'];

function baseName() {
  const d = new Date();
  const pad = (v) => String(v).padStart(2, '0');
  return `embedscape-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

export function mount(app) {
  const s = app.state;
  const mapData = () => ({
    texts: s.texts, xy: s.xy, labels: s.labels, probabilities: s.probabilities, outlierScores: s.outlierScores,
    clusters: s.clusters, model: s.modelName, params: s.params,
  });
  const enable = (on) => { for (const id of BUTTONS) $(id).disabled = !on; };
  app.on('reset', () => enable(false));
  app.on('ready', () => enable(!!s.labels));
  app.on('map-opened', () => enable(true));
  $('export-png').addEventListener('click', async () => {
    try { download(await app.view.toPNG({ scale: 2 }), `${baseName()}.png`); } catch (e) { app.error(e); }
  });
  $('export-csv').addEventListener('click', () => {
    download(new Blob([toCsv(mapData())], { type: 'text/csv;charset=utf-8' }), `${baseName()}.csv`);
  });
  $('export-json').addEventListener('click', () => {
    const m = app.api.createMapFile(mapData());
    download(new Blob([JSON.stringify(m)], { type: 'application/json' }), `${baseName()}.map.json`);
  });
  $('export-py').addEventListener('click', () => {
    const name = baseName();
    const py = pythonScript(app.api.createMapFile(mapData()), { mapFile: `${name}.map.json`, scriptFile: `${name}.py` });
    download(new Blob([py], { type: 'text/x-python;charset=utf-8' }), `${name}.py`);
  });
  $('export-md').addEventListener('click', () => {
    download(new Blob([toMarkdown(mapData())], { type: 'text/markdown;charset=utf-8' }), `${baseName()}.md`);
  });
}
