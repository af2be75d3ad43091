// input.js — step 1, "Your texts": paste, type, drop or open a .txt/.csv/.jsonl file, pick a sample,
// or open a saved map; the Embed button starts a run. A table keeps every column: the text column is
// chosen automatically (changeable), the others travel with the texts (tooltip, colours, filters,
// exports, the saved map) as long as the box shows the file's texts unchanged.

import { $, el, clear, fmtInt } from './dom.js';
import { parseTable, tableColumns } from '../lib/io.js';
import { isMapBinary } from '../lib/mapbinary.js';

/** More texts than this are not put into the text box (a browser lays out a huge textarea slowly). */
const BOX_MAX_TEXTS = 20000;

export function mount(app) {
  const { api } = app;
  // what the box shows when it came from a file or a sample: {texts, columns, joined, table?, name}
  let loaded = null;

  /** The texts in the box: one per non-blank line (a file's texts when the box shows them unchanged). */
  function currentTexts() {
    if (loaded && (loaded.hiddenBox || loaded.joined === $('texts').value)) return loaded.texts;
    return $('texts').value.split(/\r\n|\n|\r/).filter((t) => t.trim() !== '');
  }
  app.currentTexts = currentTexts;

  /** The other columns of the current texts ([] when the box was edited or holds plain lines). */
  function currentColumns() {
    if (loaded && (loaded.hiddenBox || loaded.joined === $('texts').value)) return loaded.columns ?? [];
    return [];
  }
  app.currentColumns = currentColumns;

  /**
   * Shows texts in the box (one per line). columns: the other columns of the same rows;
   * table: the parsed file, so the text column can be changed.
   */
  function setTexts(texts, what, { columns = [], table = null, name = null, keepAll = false } = {}) {
    const keep = keepAll ? texts : texts.filter((t) => t.trim() !== '');
    const rows = keep.length === texts.length ? null : texts.map((t, i) => (t.trim() !== '' ? i : -1)).filter((i) => i >= 0);
    const cols = rows ? columns.map((c) => ({ ...c, values: rows.map((i) => c.values[i]) })) : columns;
    const hiddenBox = keep.length > BOX_MAX_TEXTS;
    const joined = hiddenBox ? '' : keep.map((t) => t.replace(/[\r\n]+/g, ' ')).join('\n');
    loaded = { texts: keep, columns: cols, joined, table, name, hiddenBox };
    $('texts').value = joined;
    $('texts').readOnly = hiddenBox;
    $('texts').placeholder = hiddenBox ? `${fmtInt(keep.length)} texts${name ? ` from ${name}` : ''} — too many to show here; they are kept as they are.` : $('texts').dataset.placeholder ?? $('texts').placeholder;
    showColumns();
    updateCount();
    if (what) app.status(`${what}: ${fmtInt(keep.length)} texts${cols.length ? ` with ${cols.length} more column${cols.length === 1 ? '' : 's'}` : ''}. Press “Embed and map”.`);
    app.emit('texts-loaded', { texts: keep, what, columns: cols });
  }
  app.setTexts = setTexts;
  $('texts').dataset.placeholder = $('texts').placeholder;

  /** The text-column picker and the note about the other columns. */
  function showColumns() {
    const row = $('text-column-row');
    const t = loaded?.table;
    if (!t || t.fields.length < 2) { row.hidden = true; return; }
    row.hidden = false;
    const sel = clear($('text-column'));
    for (const f of t.fields) sel.append(el('option', { value: f.name, text: f.name }));
    sel.value = loaded.textField;
    const others = loaded.columns.length;
    $('columns-note').textContent = `${others} other column${others === 1 ? '' : 's'} kept: shown when you hover a point, ready to colour and filter the map by, and in every export.`;
  }

  function loadTable(table, name, what) {
    if (!table.textField) throw new Error(`${name} has no columns`);
    const { texts, columns } = tableColumns(table, table.textField);
    if (!texts.length) throw new Error(`${name} has no texts in its column “${table.textField}”`);
    setTexts(texts, what, { columns, table, name });
    loaded.textField = table.textField;
    showColumns();
  }

  $('text-column').addEventListener('change', (e) => {
    const t = loaded?.table;
    if (!t) return;
    try {
      const { texts, columns } = tableColumns(t, e.target.value);
      if (!texts.length) throw new Error(`the column “${e.target.value}” is empty`);
      const name = loaded.name;
      setTexts(texts, `Texts from the column “${e.target.value}”`, { columns, table: t, name });
      loaded.textField = e.target.value;
      showColumns();
    } catch (err) {
      app.error(err);
      $('text-column').value = loaded.textField;
    }
  });

  function updateCount() {
    const n = currentTexts().length;
    $('text-count').textContent = `${fmtInt(n)} text${n === 1 ? '' : 's'}`;
    $('embed-btn').disabled = n < 3;
    $('embed-btn').title = n < 3 ? 'A map needs at least 3 texts' : '';
    // after every step has mounted (the first count runs while this one mounts, before model.js)
    if (n >= 3) queueMicrotask(() => app.warmUp?.());
    app.emit('texts-changed', { n });
  }
  app.updateCount = updateCount;

  async function loadSample(name) {
    if (!name) return;
    try {
      const r = await fetch(new URL(`../samples/${name}`, import.meta.url));
      if (!r.ok) throw new Error(`could not load the sample ${name}: HTTP ${r.status}`);
      setTexts(api.parseTexts(new Uint8Array(await r.arrayBuffer()), name), 'Sample loaded', { name });
    } catch (e) {
      app.error(e);
    }
  }

  async function openTextFile(file) {
    app.hideError();
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (/\.(json|embedscape)$/i.test(file.name) || isMapBinary(bytes)) { await app.openMap(bytes, file.name); return; }
      if (/\.(csv|jsonl|ndjson)$/i.test(file.name)) { loadTable(parseTable(bytes, file.name), file.name, `Loaded ${file.name}`); return; }
      const texts = api.parseTexts(bytes, file.name);
      if (!texts.length) throw new Error(`${file.name} has no texts`);
      setTexts(texts, `Loaded ${file.name}`, { name: file.name });
    } catch (e) {
      app.error(e);
    }
  }
  app.openTextFile = openTextFile;

  function startEmbedding() {
    app.hideError();
    const texts = currentTexts();
    if (texts.length < 3) { app.error('A map needs at least 3 texts (one per line).'); return; }
    const s = app.state;
    s.texts = texts;
    s.columns = currentColumns();
    s.source = { name: loaded?.name ?? null, textField: loaded?.textField ?? null };
    s.origin = 'embed';
    s.vectors = null; s.xy = null; s.labels = null; s.probabilities = null; s.outlierScores = null; s.clusters = []; s.condensedTree = null;
    s.timings = { start: performance.now() };
    app.emit('reset', { texts });
    $('embed-btn').disabled = true;
    return app.run('embed').finally(() => { $('embed-btn').disabled = false; updateCount(); });
  }
  app.startEmbedding = startEmbedding;

  $('texts').addEventListener('input', () => { updateCount(); if (loaded && loaded.joined !== $('texts').value) $('text-column-row').hidden = true; });
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
  $('notice-close').addEventListener('click', () => app.hideNotices());
  updateCount();
}
