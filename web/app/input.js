// input.js — step 1, "Your texts": paste, type, drop or open a .txt/.csv/.jsonl file, pick a sample,
// or open a saved map; the Embed button starts a run.

import { $, fmtInt } from './dom.js';

export function mount(app) {
  const { api } = app;
  let loaded = null; // {texts, joined}: texts from a file or a sample, as shown in the textarea

  /** The texts in the box: one per non-blank line (a file's texts when the box shows them unchanged). */
  function currentTexts() {
    const value = $('texts').value;
    if (loaded && loaded.joined === value) return loaded.texts.filter((t) => t.trim() !== '');
    return value.split(/\r\n|\n|\r/).filter((t) => t.trim() !== '');
  }
  app.currentTexts = currentTexts;

  function setTexts(texts, what) {
    const joined = texts.map((t) => t.replace(/[\r\n]+/g, ' ')).join('\n');
    loaded = { texts, joined };
    $('texts').value = joined;
    updateCount();
    if (what) app.status(`${what}: ${fmtInt(texts.length)} texts. Press “Embed and map”.`);
    app.emit('texts-loaded', { texts, what });
  }
  app.setTexts = setTexts;

  function updateCount() {
    const n = currentTexts().length;
    $('text-count').textContent = `${fmtInt(n)} text${n === 1 ? '' : 's'}`;
    $('embed-btn').disabled = n < 3;
    $('embed-btn').title = n < 3 ? 'A map needs at least 3 texts' : '';
    if (n >= 3) app.warmUp?.();
  }

  async function loadSample(name) {
    if (!name) return;
    try {
      const r = await fetch(new URL(`../samples/${name}`, import.meta.url));
      if (!r.ok) throw new Error(`could not load the sample ${name}: HTTP ${r.status}`);
      setTexts(api.parseTexts(new Uint8Array(await r.arrayBuffer()), name), 'Sample loaded');
    } catch (e) {
      app.error(e);
    }
  }

  async function openTextFile(file) {
    app.hideError();
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (/\.json$/i.test(file.name)) { await app.openMap(bytes, file.name); return; }
      const texts = api.parseTexts(bytes, file.name);
      if (!texts.length) throw new Error(`${file.name} has no texts`);
      setTexts(texts, `Loaded ${file.name}`);
    } catch (e) {
      app.error(e);
    }
  }

  function startEmbedding() {
    app.hideError();
    const texts = currentTexts();
    if (texts.length < 3) { app.error('A map needs at least 3 texts (one per line).'); return; }
    const s = app.state;
    s.texts = texts;
    s.origin = 'embed';
    s.vectors = null; s.xy = null; s.labels = null; s.probabilities = null; s.outlierScores = null; s.clusters = []; s.condensedTree = null;
    s.timings = { start: performance.now() };
    app.emit('reset', { texts });
    $('embed-btn').disabled = true;
    app.run('embed').finally(() => { $('embed-btn').disabled = false; updateCount(); });
  }

  $('texts').addEventListener('input', updateCount);
  $('sample-select').addEventListener('change', (e) => loadSample(e.target.value));
  $('file-input').addEventListener('change', (e) => {
    const f = e.target.files?.[0];
    if (f) openTextFile(f);
    e.target.value = '';
  });
  $('map-input').addEventListener('change', async (e) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (f) await app.openMap(new Uint8Array(await f.arrayBuffer()), f.name);
  });
  const zone = $('drop-zone');
  const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  zone.addEventListener('dragover', (e) => { if (hasFiles(e)) { e.preventDefault(); zone.classList.add('dragging'); } });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    zone.classList.remove('dragging');
    const f = e.dataTransfer?.files?.[0];
    if (!f) return;
    e.preventDefault();
    openTextFile(f);
  });
  // a file dropped anywhere else must not navigate away from the page
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  $('embed-btn').addEventListener('click', startEmbedding);
  $('error-close').addEventListener('click', () => app.hideError());
  updateCount();
}
