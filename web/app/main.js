// main.js — the page's controller: input → embedding → one vector → similarity → UMAP map →
// HDBSCAN clusters → keywords → exports. Heavy work runs in the engine's worker pool (every stage
// function of embedscape.js does); this thread only moves results into the DOM and the canvas.
//
// Stages form a chain; changing a control reruns the stage it belongs to and the ones after it:
//   texts ─▶ embed ─▶ umap (n_neighbors, min_dist) ─▶ clusterer (min_samples) ─▶ cluster (min_cluster_size) ─▶ keywords
// Each stage takes an AbortSignal from begin(stage), which also cancels the stages after it, so a
// result that arrives after its inputs changed is dropped. Cutting the cluster tree is quick and is
// coalesced instead (see runCluster).

import * as api from '../embedscape.js';
import { MapView } from '../lib/mapview.js';
import { clusterColor, divergingColor } from '../lib/palette.js';
import { $, el, clear, swatch, fmtInt, fmtDuration, fmtBytes, shorten, download } from './dom.js';
import { toCsv, toMarkdown, clusterTitle } from './exports.js';
import * as source from './modelsource.js';

const SEED = 42;
const STAGES = ['embed', 'umap', 'clusterer'];
const reducedMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Everything the page knows. `vectors` is null for a map opened from a file. */
const state = {
  texts: [],
  vectors: null, // Matrix n x dim
  xy: null, // Matrix n x 2
  clusterer: null,
  labels: null, // Int32Array
  probabilities: null,
  outlierScores: null,
  clusters: [], // [{label, size, keywords}]
  modelName: null,
  origin: null, // 'embed' | 'mapfile'
  params: { umap: {}, hdbscan: {} },
  timings: {},
};

let model = null;
let modelPromise = null;
let pickedModel = null; // a folder the user chose
const controllers = {};
const view = new MapView($('map'), {
  onHover: showTooltip,
  onClick: (hit) => showNeighbours(hit ? hit.index : -1),
});
// the map's colours follow the page's colour scheme (CSS variables --map-bg and --map-ink)
function applyScheme() {
  const cs = getComputedStyle(document.documentElement);
  view.background = cs.getPropertyValue('--map-bg').trim() || '#ffffff';
  view.foreground = cs.getPropertyValue('--map-ink').trim() || '#1d2330';
  view.redraw();
}
if (typeof matchMedia === 'function') matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', applyScheme);
applyScheme();
// for the curious (and for tests): the page's state is inspectable from the console
globalThis.embedscape = { state, view, api };

// ------------------------------------------------------------------------------------------------ status

function setPhase(phase) {
  document.body.dataset.phase = phase;
  // Cancel stops whatever long work is running: loading the model, embedding, the layout
  $('cancel-btn').disabled = !['model', 'embedding', 'layout'].includes(phase);
}

function status(msg) {
  $('status').textContent = msg ?? '';
}

function showError(e) {
  const msg = typeof e === 'string' ? e : (e?.message ?? String(e));
  if (e && typeof e === 'object' && e.stack && e.name !== 'EmbedscapeError') console.warn(e);
  $('error-text').textContent = msg;
  $('error').hidden = false;
}

function hideError() {
  $('error').hidden = true;
}

/** Resolves after the next frame: lets the browser paint between two big DOM updates. */
const nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

const isAbort = (e) => e && (e.name === 'AbortError' || e instanceof api.AbortError);

/** Cancels this stage and the ones after it; returns a signal for a fresh run of this stage. */
function begin(stage) {
  for (const s of STAGES.slice(STAGES.indexOf(stage))) {
    controllers[s]?.abort();
    controllers[s] = null;
  }
  const c = new AbortController();
  controllers[stage] = c;
  return c.signal;
}

function need(name) {
  if (typeof api[name] !== 'function') throw new Error(`this build of embedscape lacks ${name}() — rebuild or update the page`);
  return api[name];
}

// ------------------------------------------------------------------------------------------------ 1. input

let loaded = null; // {texts, joined}: texts from a file or a sample, as shown in the textarea

function currentTexts() {
  const value = $('texts').value;
  if (loaded && loaded.joined === value) return loaded.texts.filter((t) => t.trim() !== '');
  return value.split(/\r\n|\n|\r/).filter((t) => t.trim() !== '');
}

function setTexts(texts, what) {
  const joined = texts.map((t) => t.replace(/[\r\n]+/g, ' ')).join('\n');
  loaded = { texts, joined };
  $('texts').value = joined;
  updateCount();
  if (what) status(`${what}: ${fmtInt(texts.length)} texts. Press “Embed and map”.`);
}

function updateCount() {
  const n = currentTexts().length;
  $('text-count').textContent = `${fmtInt(n)} text${n === 1 ? '' : 's'}`;
  $('embed-btn').disabled = n < 3;
  $('embed-btn').title = n < 3 ? 'A map needs at least 3 texts' : '';
  if (n >= 3) warmUp();
}

async function loadSample(name) {
  if (!name) return;
  try {
    const r = await fetch(new URL(`../samples/${name}`, import.meta.url));
    if (!r.ok) throw new Error(`could not load the sample ${name}: HTTP ${r.status}`);
    setTexts(api.parseTexts(new Uint8Array(await r.arrayBuffer()), name), 'Sample loaded');
  } catch (e) {
    showError(e);
  }
}

async function openTextFile(file) {
  hideError();
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (/\.json$/i.test(file.name)) { await openMap(bytes, file.name); return; }
    const texts = api.parseTexts(bytes, file.name);
    if (!texts.length) throw new Error(`${file.name} has no texts`);
    setTexts(texts, `Loaded ${file.name}`);
  } catch (e) {
    showError(e);
  }
}

function setupInput() {
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
    if (f) await openMap(new Uint8Array(await f.arrayBuffer()), f.name);
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
  $('embed-btn').addEventListener('click', () => startEmbedding());
  $('error-close').addEventListener('click', hideError);
  updateCount();
}

// ------------------------------------------------------------------------------------------------ model

function setModelBadge(text, ok = false) {
  const b = $('model-badge');
  b.textContent = text;
  b.classList.toggle('ok', ok);
}

function modelProgress(label) {
  const row = $('model-progress-row');
  row.hidden = false;
  $('model-panel').hidden = false;
  return ({ loaded, total }) => {
    $('model-progress').max = total || 1;
    $('model-progress').value = loaded;
    $('model-progress-text').textContent = total ? `${label}: ${fmtBytes(loaded)} of ${fmtBytes(total)}` : `${label}: ${fmtBytes(loaded)}`;
  };
}

/** Waits for the user to choose: download from the Hub, or pick files. Resolves to {folder, label}. */
function askForModel({ bytes, reachable }, reason = '') {
  const panel = $('model-panel');
  panel.hidden = false;
  $('model-actions').hidden = false;
  const dl = $('model-download');
  dl.hidden = false;
  dl.textContent = reachable ? `Download ${source.MODEL_NAME} (${fmtBytes(bytes)})` : 'Try the download again';
  dl.dataset.bytes = String(bytes);
  if (reason && !/[.!?]$/.test(reason)) reason += '.';
  const where = `Put a copy in models/${source.MODEL_NAME}/ next to this page, or choose it here (the model folder, or its files: config.json, tokenizer.json, model.safetensors and the rest).`;
  $('model-message').textContent = [reason,
    reachable
      ? `The page needs the model ${source.HUB_REPO} (${fmtBytes(bytes)}). Download it once from Hugging Face — your browser keeps it for next time — or choose a copy you already have.`
      : `The page needs the model ${source.HUB_REPO} (about ${fmtBytes(bytes)}), but Hugging Face cannot be reached from here (offline?). ${where}`,
  ].filter(Boolean).join(' ');
  (reachable ? dl : $('model-folder')).focus();
  return new Promise((resolve) => { pendingChoice = resolve; });
}
let pendingChoice = null;

let localModel = null; // looking for a model folder next to the page, once: a promise of its URL or null

/**
 * Where the model comes from; asks the user when no source answers. With {quiet: true} it neither
 * asks nor looks for a folder next to the page (each miss is a 404 in the console): null then.
 */
async function resolveModelFolder({ quiet = false } = {}) {
  if (pickedModel) return { folder: pickedModel, label: 'reading the files' };
  const fromQuery = source.modelFromQuery();
  if (fromQuery) return { folder: source.urlFolder(fromQuery), label: 'loading the model' };
  if (quiet) return (await source.hubModelCached()) ? { folder: source.hubFolder(), label: 'reading the model from the browser cache' } : null;
  localModel ??= source.findLocalModel(source.localCandidates());
  const local = await localModel;
  if (local) return { folder: source.urlFolder(local), label: 'loading the model' };
  if (await source.hubModelCached()) return { folder: source.hubFolder(), label: 'reading the model from the browser cache' };
  return askForModel(await source.hubDownloadSize());
}

/** Loads the model from the first source that works; asks the user when none does. */
async function loadModelLoop(first = null) {
  const loadModel = need('loadModel');
  let choice = first ?? await resolveModelFolder();
  for (;;) {
    setModelBadge('model: loading…');
    const onBytes = modelProgress(choice.label);
    try {
      const m = await loadModel(source.withProgress(choice.folder, onBytes, choice.expected ?? 0), {
        onProgress: (p) => {
          if (p?.status === 'load') $('model-progress-text').textContent = `starting the model in ${p.workers ?? 'the'} worker${p.workers === 1 ? '' : 's'}…`;
        },
      });
      $('model-panel').hidden = true;
      $('model-progress-row').hidden = true;
      return m;
    } catch (e) {
      if (isAbort(e)) throw e;
      pickedModel = null;
      $('model-progress-row').hidden = true;
      setModelBadge('model: not loaded');
      choice = await askForModel(await source.hubDownloadSize(), `The model could not be loaded: ${e.message}`);
    }
  }
}

/** The loaded model; the first call loads it. Cancelling stops waiting, not the loading. */
function getModel(signal) {
  if (model) return Promise.resolve(model);
  if (!modelPromise) {
    modelPromise = loadModelLoop();
    modelPromise.catch(() => { modelPromise = null; });
  }
  if (!signal) return modelPromise;
  return Promise.race([modelPromise, new Promise((_, reject) => {
    if (signal.aborted) reject(new api.AbortError());
    signal.addEventListener('abort', () => reject(new api.AbortError()), { once: true });
  })]);
}

let warming = false;

/**
 * Gets ready while the user looks at their texts: starts the workers (each compiles the engine) and,
 * when the model is at hand without asking or searching (?model= address, browser cache), loads it.
 */
async function warmUp() {
  if (warming || model || modelPromise || typeof api.loadModel !== 'function') return;
  warming = true;
  try {
    api.getDefaultPool().broadcast('info', {}).catch(() => {});
    const choice = await resolveModelFolder({ quiet: true });
    if (!choice || model || modelPromise) return;
    modelPromise = loadModelLoop(choice);
    modelPromise.then((m) => { model = m; showModel(m); }, () => { modelPromise = null; });
  } catch {
    // nothing lost: the Embed button tries again and says what is wrong
  } finally {
    warming = false;
  }
}

function showModel(m) {
  state.modelName = m.name ?? source.MODEL_NAME;
  setModelBadge(`model: ${state.modelName} · ${m.dim ?? '?'} dimensions`, true);
  $('foot-model').textContent = state.modelName;
}

/** The user chose a source in the model panel. */
function chooseModel(choice) {
  const f = pendingChoice;
  pendingChoice = null;
  if (f) f(choice);
  else if (choice.folder) pickedModel = choice.folder;
}

function setupModel() {
  $('model-download').addEventListener('click', () => {
    $('model-download').hidden = true;
    chooseModel({ folder: source.hubFolder(), label: 'downloading from Hugging Face', expected: Number($('model-download').dataset.bytes) || 0 });
  });
  const pick = async (e) => {
    const files = [...(e.target.files ?? [])]; // copied: clearing the input empties its FileList
    e.target.value = '';
    if (!files?.length) return;
    try {
      const folder = await source.pickedFolder(files);
      pickedModel = folder;
      chooseModel({ folder, label: 'reading the files' });
    } catch (err) {
      showError(err);
    }
  };
  $('model-folder').addEventListener('change', pick);
  $('model-files').addEventListener('change', pick);
}

// ------------------------------------------------------------------------------------------------ 2. embed

/** Slider ranges follow the number of texts (n_neighbors < n, cluster sizes <= n). */
function fitSliders(n) {
  const set = (id, max) => {
    const input = $(id);
    input.max = String(Math.max(Number(input.min), max));
    if (Number(input.value) > Number(input.max)) input.value = input.max;
    $(`${id}-out`).textContent = id === 'min-dist' ? Number(input.value).toFixed(2) : input.value;
  };
  set('n-neighbors', Math.min(100, n - 1));
  set('min-cluster-size', Math.min(100, n));
  set('min-samples', Math.min(100, n - 1));
}

function resetResults() {
  state.vectors = null; state.xy = null; state.labels = null; state.probabilities = null;
  state.outlierScores = null; state.clusters = [];
  state.clusterer?.dispose?.();
  state.clusterer = null;
  for (const id of ['export-png', 'export-csv', 'export-json', 'export-md']) $(id).disabled = true;
  $('search').disabled = true;
  hideNeighbours();
}

async function startEmbedding() {
  hideError();
  const texts = currentTexts();
  if (texts.length < 3) { showError('A map needs at least 3 texts (one per line).'); return; }
  const signal = begin('embed');
  resetResults();
  state.texts = texts;
  state.origin = 'embed';
  fitSliders(texts.length);
  state.timings = { start: performance.now() };
  setPhase('model');
  $('embed-btn').disabled = true;
  const bar = $('embed-progress');
  bar.value = 0;
  for (const id of ['embed-done', 'embed-rate', 'embed-left', 'embed-took']) $(id).textContent = '–';
  try {
    status('Getting the model ready…');
    const m = await getModel(signal);
    model = m;
    state.timings.model = (performance.now() - state.timings.start) / 1000;
    showModel(m);
    if (signal.aborted) return;
    setPhase('embedding');
    status(`Embedding ${fmtInt(texts.length)} texts…`);
    const t0 = performance.now();
    let lastPaint = 0;
    const vectors = await m.embed(texts, {
      signal,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastPaint < 60 && p.done < p.total) return;
        lastPaint = now;
        const secs = (now - t0) / 1000;
        bar.max = p.total || texts.length;
        bar.value = p.done;
        $('embed-done').textContent = `${fmtInt(p.done)} / ${fmtInt(p.total ?? texts.length)}`;
        if (p.tokens && secs > 0) $('embed-rate').textContent = fmtInt(Math.round(p.tokens / secs));
        if (p.done > 0 && p.done < p.total) $('embed-left').textContent = fmtDuration((secs / p.done) * (p.total - p.done));
      },
    });
    if (signal.aborted) return;
    const took = (performance.now() - t0) / 1000;
    state.timings.embed = took;
    bar.max = 1; bar.value = 1;
    $('embed-done').textContent = `${fmtInt(vectors.n)} / ${fmtInt(vectors.n)}`;
    $('embed-left').textContent = '0 s';
    $('embed-took').textContent = fmtDuration(took);
    state.vectors = vectors;
    $('query-text').disabled = false;
    $('query-go').disabled = false;
    fillTextSelects();
    showVector(0);
    await nextFrame();
    showSimilarity(0);
    await runUmap();
  } catch (e) {
    if (isAbort(e)) { status('Cancelled.'); setPhase('cancelled'); }
    else { showError(e); setPhase('error'); status(''); }
  } finally {
    $('embed-btn').disabled = false;
    updateCount();
  }
}

function setupEmbed() {
  $('cancel-btn').addEventListener('click', () => {
    for (const s of STAGES) controllers[s]?.abort();
    mapPhase('');
    status('Cancelled.');
    setPhase('cancelled');
  });
}

// ------------------------------------------------------------------------------------------------ 3. one vector

function fillTextSelects() {
  for (const id of ['vector-select', 'query-select']) {
    const sel = $(id);
    clear(sel);
    state.texts.forEach((t, i) => sel.append(el('option', { value: i, text: `${i + 1}. ${shorten(t, 100)}` })));
    sel.disabled = false;
    sel.value = '0';
  }
}

function showVector(i) {
  const v = state.vectors;
  if (!v) return;
  const row = v.data.subarray(i * v.dim, (i + 1) * v.dim);
  let norm = 0, maxAbs = 0;
  for (const x of row) { norm += x * x; maxAbs = Math.max(maxAbs, Math.abs(x)); }
  $('vector-caption').textContent = `${v.dim} numbers · length ${Math.sqrt(norm).toFixed(3)} · largest |value| ${maxAbs.toFixed(3)}`;
  $('vector-numbers').textContent = '[' + Array.from(row, (x) => (x >= 0 ? ' ' : '') + x.toFixed(4)).join(', ') + ' ]';
  // one pixel per dimension, stretched by CSS (image-rendering: pixelated keeps the bands sharp)
  const c = $('vector-strip');
  c.width = v.dim;
  c.height = 1;
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(v.dim, 1);
  const scale = maxAbs > 0 ? 1 / maxAbs : 1;
  for (let d = 0; d < v.dim; d++) {
    const [r, g, b] = divergingColor(row[d] * scale).match(/\d+/g).map(Number);
    img.data.set([r, g, b, 255], 4 * d);
  }
  ctx.putImageData(img, 0, 0);
}

// ------------------------------------------------------------------------------------------------ 4. similarity

let simRequest = 0;

/**
 * Fills the similarity table: every text against a query, which is a text's index or a new sentence.
 * @param {number|string} query
 */
async function showSimilarity(query) {
  const v = state.vectors;
  if (!v) return;
  const req = ++simRequest;
  const i = typeof query === 'number' ? query : -1;
  try {
    let scores;
    if (typeof query === 'string') {
      // a sentence of one's own: embed it with the same model, compare its vector with every text
      const q = await model.embed([query]);
      if (req !== simRequest) return;
      scores = await need('similarityTo')(v, q.data);
    } else if (typeof api.similarityTo === 'function') scores = await api.similarityTo(v, i);
    else if (typeof api.topK === 'function') {
      const top = await api.topK(v, i, v.n);
      scores = new Float32Array(v.n).fill(NaN);
      for (const { index, score } of top) scores[index] = score;
    } else throw new Error('this build lacks the similarity stage');
    if (req !== simRequest) return;
    $('sim-caption').textContent = `Compared with: “${typeof query === 'string' ? query : shorten(state.texts[i], 120)}”` +
      (typeof query === 'string' ? ' (your sentence)' : '');
    const order = Array.from(scores.keys()).filter((j) => Number.isFinite(scores[j])).sort((a, b) => scores[b] - scores[a] || a - b);
    const shown = order.slice(0, 25);
    const body = clear($('sim-body'));
    shown.forEach((j, rank) => {
      const s = scores[j];
      const bar = el('span', { className: 'scorebar', 'aria-hidden': 'true' }, el('span'));
      bar.firstChild.style.width = `${Math.max(0, Math.min(1, s)) * 100}%`;
      body.append(el('tr', { className: j === i ? 'self' : null },
        el('td', { text: String(rank + 1) }),
        el('td', { className: 'score' }, s.toFixed(3), bar),
        el('td', { className: 'text-cell', text: state.texts[j] })));
    });
    if (order.length > shown.length) {
      body.append(el('tr', {}, el('td', { colspan: 3, className: 'muted', text: `… and ${fmtInt(order.length - shown.length)} less similar texts` })));
    }
  } catch (e) {
    if (!isAbort(e)) showError(e);
  }
}

// ------------------------------------------------------------------------------------------------ 5. map: UMAP

function readUmapParams() {
  const n = state.texts.length;
  const want = Number($('n-neighbors').value);
  return { nNeighbors: Math.max(2, Math.min(want, n - 1)), minDist: Number($('min-dist').value), seed: SEED, nComponents: 2, metric: 'cosine' };
}

function mapPhase(text) {
  $('map-phase').textContent = text ?? '';
}

async function runUmap() {
  if (!state.vectors) return;
  const signal = begin('umap');
  const params = readUmapParams();
  setPhase('layout');
  status('Drawing the map (UMAP)…');
  const t0 = performance.now();
  let first = !state.xy;
  const onEpoch = (info) => {
    if (signal.aborted) return;
    const total = info.nEpochs ?? info.total;
    mapPhase(total ? `settling: epoch ${info.epoch} of ${total}` : 'settling…');
    if (reducedMotion || !info.embedding) return;
    if (first) {
      view.setData({ xy: info.embedding, labels: null, texts: state.texts });
      $('map-empty').hidden = true;
      first = false;
    } else {
      view.setPositions(info.embedding);
    }
  };
  try {
    const xy = await need('umap')(state.vectors, params, { onEpoch, signal });
    if (signal.aborted) return;
    state.timings.umap = (performance.now() - t0) / 1000;
    state.xy = xy;
    state.params.umap = { n_neighbors: params.nNeighbors, min_dist: params.minDist, metric: params.metric, seed: SEED };
    mapPhase('');
    if (first || view.n !== xy.n) {
      view.setData({ xy, labels: null, texts: state.texts });
      $('map-empty').hidden = true;
    } else {
      view.setPositions(xy);
      if (view.fitted) view.fitView();
    }
    $('search').disabled = false;
    await runClusterer();
  } catch (e) {
    mapPhase('');
    // a stopped layout leaves the previous one in place (the one the exports and clusters describe)
    if (state.xy && view.n === state.xy.n) view.setPositions(state.xy);
    if (isAbort(e)) return;
    showError(e);
    setPhase('error');
  }
}

// ------------------------------------------------------------------------------------------------ 5. map: HDBSCAN

function readHdbscanParams() {
  const mcs = Number($('min-cluster-size').value);
  const auto = $('min-samples-auto').checked;
  const ms = auto ? mcs : Number($('min-samples').value);
  return { minClusterSize: mcs, minSamples: Math.max(1, Math.min(ms, Math.max(1, state.texts.length - 1))), method: 'eom' };
}

/** Builds the clusterer for the current points and min_samples, then clusters. */
async function runClusterer() {
  if (!state.xy) return;
  const signal = begin('clusterer');
  const { minSamples } = readHdbscanParams();
  setPhase('clustering');
  const t0 = performance.now();
  try {
    state.clusterer?.dispose?.();
    state.clusterer = null;
    let clusterer;
    if (typeof api.createClusterer === 'function') {
      clusterer = await api.createClusterer(state.xy, { minSamples });
    } else {
      // no incremental clusterer in this build: run the whole of HDBSCAN each time
      const hdbscan = need('hdbscan');
      clusterer = { cluster: (o) => hdbscan(state.xy, { ...o, minSamples }), dispose() {} };
    }
    if (signal.aborted) { clusterer.dispose?.(); return; }
    state.clusterer = clusterer;
    state.clustererMinSamples = minSamples;
    state.timings.clustererBuild = (performance.now() - t0) / 1000;
    await runCluster();
  } catch (e) {
    if (isAbort(e)) return;
    showError(e);
    setPhase('error');
  }
}

let clusterBusy = false;
let clusterGen = 0; // bumped by every request; the loop below runs until it has answered the latest

/**
 * Cuts the clusterer's tree at min_cluster_size. Requests that arrive while one runs are coalesced:
 * the loop answers the latest one, so dragging the slider never queues up stale work.
 */
async function runCluster() {
  clusterGen++;
  if (clusterBusy || !state.clusterer) return;
  clusterBusy = true;
  let answered = -1;
  try {
    while (answered !== clusterGen && state.clusterer) {
      const gen = clusterGen;
      const clusterer = state.clusterer;
      const params = readHdbscanParams();
      if (params.minSamples !== state.clustererMinSamples) {
        // min_samples changed: the core distances change, so a new clusterer is needed
        clusterBusy = false;
        runClusterer();
        return;
      }
      setPhase('clustering');
      const t0 = performance.now();
      let res;
      try {
        res = await clusterer.cluster({ minClusterSize: params.minClusterSize, method: params.method });
      } catch (e) {
        if (clusterer !== state.clusterer || isAbort(e)) continue; // replaced meanwhile: try the new one
        throw e;
      }
      if (clusterer !== state.clusterer || gen !== clusterGen) continue;
      state.labels = Int32Array.from(res.labels);
      state.probabilities = res.probabilities ? Float32Array.from(res.probabilities) : null;
      state.outlierScores = res.outlierScores ? Float32Array.from(res.outlierScores) : null;
      state.params.hdbscan = { min_cluster_size: params.minClusterSize, min_samples: params.minSamples, method: params.method };
      state.timings.cluster = (performance.now() - t0) / 1000;
      state.clusters = summariseClusters(state.labels);
      view.setLabels(state.labels, state.probabilities);
      await updateKeywords(() => gen !== clusterGen || clusterer !== state.clusterer);
      renderClusters();
      if (gen === clusterGen && clusterer === state.clusterer) answered = gen;
    }
    if (answered === clusterGen) finish();
  } catch (e) {
    if (!isAbort(e)) { showError(e); setPhase('error'); }
  } finally {
    clusterBusy = false;
  }
}

function summariseClusters(labels) {
  const sizes = new Map();
  for (const l of labels) if (l >= 0) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  return [...sizes.keys()].sort((a, b) => a - b).map((label) => ({ label, size: sizes.get(label), keywords: [] }));
}

async function updateKeywords(stale) {
  if (typeof api.clusterKeywords !== 'function' || !state.clusters.length) return;
  const t0 = performance.now();
  const kw = await api.clusterKeywords(state.texts, state.labels, { topN: 10 });
  state.timings.keywords = (performance.now() - t0) / 1000;
  if (stale()) return;
  const byLabel = new Map(kw.map((c) => [c.label, c]));
  for (const c of state.clusters) c.keywords = byLabel.get(c.label)?.keywords ?? [];
}

function finish() {
  const t = state.timings;
  const total = t.start ? (performance.now() - t.start) / 1000 : null;
  if (total !== null && state.origin === 'embed' && !t.total) t.total = total;
  const nc = state.clusters.length;
  const noise = state.labels ? Array.from(state.labels).filter((l) => l < 0).length : 0;
  status(`${fmtInt(state.texts.length)} texts · ${nc} cluster${nc === 1 ? '' : 's'} · ${fmtInt(noise)} noise` +
    (t.total ? ` · map ready in ${fmtDuration(t.total)}` : ''));
  for (const id of ['export-png', 'export-csv', 'export-json', 'export-md']) $(id).disabled = false;
  setPhase('ready');
}

// ------------------------------------------------------------------------------------------------ legend and cluster table

let legendFocus = null; // label highlighted from the legend

function clusterWords(c, n = 4) {
  return (c.keywords ?? []).slice(0, n).map((k) => k.word).join(', ');
}

function renderClusters() {
  const labels = state.labels;
  const list = clear($('legend'));
  const noise = labels ? Array.from(labels).filter((l) => l < 0).length : 0;
  const sorted = [...state.clusters].sort((a, b) => b.size - a.size || a.label - b.label);
  $('cluster-count').textContent = labels ? `(${sorted.length})` : '';
  const item = (label, size, words) => {
    const b = el('button', { type: 'button', 'aria-pressed': legendFocus === label ? 'true' : 'false', 'data-label': label },
      swatch(clusterColor(label)),
      el('span', { className: 'lg-words' },
        el('span', { className: 'lg-title', text: clusterTitle(label) }),
        words ? el('br') : null,
        words ? el('span', { className: 'muted', text: words }) : null),
      el('span', { className: 'lg-size', text: fmtInt(size) }));
    b.addEventListener('click', () => {
      legendFocus = legendFocus === label ? null : label;
      const idx = [];
      if (legendFocus !== null) for (let i = 0; i < labels.length; i++) if (labels[i] === legendFocus) idx.push(i);
      view.highlight(legendFocus === null ? null : idx);
      for (const other of list.querySelectorAll('button')) other.setAttribute('aria-pressed', String(Number(other.dataset.label) === legendFocus));
    });
    list.append(el('li', {}, b));
  };
  for (const c of sorted) item(c.label, c.size, clusterWords(c));
  if (noise) item(-1, noise, 'in no cluster');
  if (!labels) list.append(el('li', { className: 'legend-empty', text: 'Clusters appear once the map is drawn.' }));
  else if (!sorted.length) list.append(el('li', { className: 'legend-empty', text: 'No clusters at these settings: try a smaller min_cluster_size.' }));

  // names on the map: the top two keywords, else the cluster number
  const names = new Map(state.clusters.map((c) => [c.label, clusterWords(c, 2) || clusterTitle(c.label)]));
  view.setClusterNames(names);

  // the table view
  const body = clear($('cluster-body'));
  if (!labels) { body.append(el('tr', {}, el('td', { colspan: 4, className: 'muted', text: 'No clusters yet.' }))); return; }
  const members = new Map();
  for (let i = 0; i < labels.length; i++) {
    if (!members.has(labels[i])) members.set(labels[i], []);
    members.get(labels[i]).push(i);
  }
  const rows = sorted.map((c) => ({ label: c.label, size: c.size, keywords: c.keywords ?? [] }));
  if (noise) rows.push({ label: -1, size: noise, keywords: [] });
  for (const r of rows) {
    // examples: the most confident members first
    const idx = (members.get(r.label) ?? []).slice().sort((a, b) => (state.probabilities ? state.probabilities[b] - state.probabilities[a] : 0) || a - b);
    body.append(el('tr', { 'data-label': r.label },
      el('td', {}, el('span', { className: 'cluster-name' }, swatch(clusterColor(r.label)), clusterTitle(r.label))),
      el('td', { text: fmtInt(r.size) }),
      el('td', {}, r.label < 0 ? el('span', { className: 'muted', text: 'texts in no cluster' }) : r.keywords.slice(0, 8).map((k) => el('span', { className: 'kw', text: k.word }))),
      el('td', {}, el('ul', {}, idx.slice(0, 3).map((i) => el('li', { text: state.texts[i] }))))));
  }
}

// ------------------------------------------------------------------------------------------------ hover, click, search

function showTooltip(hit) {
  const tip = $('tooltip');
  if (!hit) { tip.hidden = true; return; }
  clear(tip);
  const label = hit.label;
  tip.append(el('div', { className: 'tip-text', text: hit.text ?? '' }));
  if (label !== null && label !== undefined) {
    tip.append(el('div', { className: 'tip-meta' }, swatch(clusterColor(label)),
      label < 0 ? 'noise' : `${clusterTitle(label)}${hit.probability < 1 ? ` · membership ${hit.probability.toFixed(2)}` : ''}`));
  }
  tip.hidden = false;
  const wrap = $('map-wrap').getBoundingClientRect();
  const tw = tip.offsetWidth, th = tip.offsetHeight;
  let x = hit.x + 14, y = hit.y + 14;
  if (x + tw > wrap.width - 6) x = hit.x - tw - 14;
  if (y + th > wrap.height - 6) y = hit.y - th - 14;
  tip.style.left = `${Math.max(6, x)}px`;
  tip.style.top = `${Math.max(6, y)}px`;
}

let nbRequest = 0;

function hideNeighbours() {
  $('neighbours-box').hidden = true;
  view.select(-1);
  if (legendFocus === null) view.highlight(null);
}

async function showNeighbours(i) {
  if (i < 0) { hideNeighbours(); return; }
  const req = ++nbRequest;
  const k = Math.min(8, state.texts.length - 1);
  let list;
  try {
    if (state.vectors && typeof api.topK === 'function') {
      list = (await api.topK(state.vectors, i, k + 1)).filter((r) => r.index !== i).slice(0, k);
    } else {
      // a map opened from a file has no vectors: use distance on the map instead
      const d = state.xy.dim, x0 = state.xy.data[i * d], y0 = state.xy.data[i * d + 1];
      list = [];
      for (let j = 0; j < state.xy.n; j++) {
        if (j === i) continue;
        list.push({ index: j, score: Math.hypot(state.xy.data[j * d] - x0, state.xy.data[j * d + 1] - y0), distance: true });
      }
      list.sort((a, b) => a.score - b.score);
      list = list.slice(0, k);
    }
  } catch (e) {
    if (!isAbort(e)) showError(e);
    return;
  }
  if (req !== nbRequest) return;
  $('nb-of').textContent = state.texts[i];
  const ol = clear($('neighbours'));
  for (const r of list) {
    ol.append(el('li', {},
      el('span', { className: 'nb-score', title: r.distance ? 'distance on the map' : 'cosine similarity', text: r.distance ? `d ${r.score.toFixed(2)}` : r.score.toFixed(3) }),
      state.texts[r.index]));
  }
  $('neighbours-box').hidden = false;
  view.select(i);
  view.highlight([i, ...list.map((r) => r.index)]);
}

function setupMap() {
  const bind = (id, fmt) => {
    const input = $(id), out = $(`${id}-out`);
    const show = () => { out.textContent = fmt(Number(input.value)); };
    input.addEventListener('input', show);
    show();
    return input;
  };
  let umapTimer = 0;
  const umapChanged = () => {
    clearTimeout(umapTimer);
    if (!state.vectors) return;
    umapTimer = setTimeout(runUmap, 250);
  };
  bind('n-neighbors', String).addEventListener('input', umapChanged);
  bind('min-dist', (v) => v.toFixed(2)).addEventListener('input', umapChanged);
  bind('min-cluster-size', String).addEventListener('input', () => {
    if ($('min-samples-auto').checked) { $('min-samples').value = $('min-cluster-size').value; $('min-samples-out').textContent = $('min-samples').value; }
    runCluster();
  });
  bind('min-samples', String).addEventListener('input', () => runCluster());
  $('min-samples-auto').addEventListener('change', (e) => {
    $('min-samples').disabled = e.target.checked;
    if (e.target.checked) { $('min-samples').value = $('min-cluster-size').value; $('min-samples-out').textContent = $('min-samples').value; }
    runCluster();
  });
  $('search').addEventListener('input', (e) => {
    const q = e.target.value;
    const hits = view.search(q);
    legendFocus = null;
    $('search-count').textContent = q.trim() ? `${fmtInt(hits.length)} match${hits.length === 1 ? '' : 'es'}` : '';
  });
  $('zoom-in').addEventListener('click', () => view.zoomBy(1.4));
  $('zoom-out').addEventListener('click', () => view.zoomBy(1 / 1.4));
  $('zoom-fit').addEventListener('click', () => view.fitView());
  $('nb-close').addEventListener('click', hideNeighbours);
  $('vector-select').addEventListener('change', (e) => showVector(Number(e.target.value)));
  $('query-select').addEventListener('change', (e) => showSimilarity(Number(e.target.value)));
  $('query-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('query-text').value.trim();
    if (q && model && state.vectors) showSimilarity(q);
  });
}

// ------------------------------------------------------------------------------------------------ open a saved map

async function openMap(bytes, name) {
  hideError();
  let m;
  try {
    m = api.parseMapFile(api.decodeUtf8(bytes));
  } catch (e) {
    showError(`${name}: ${e.message}`);
    return;
  }
  for (const s of STAGES) controllers[s]?.abort();
  resetResults();
  state.origin = 'mapfile';
  state.timings = {};
  state.texts = m.texts;
  state.xy = m.xy;
  state.labels = Int32Array.from(m.labelsArray);
  state.probabilities = Float32Array.from(m.probabilities);
  state.outlierScores = m.outlier_scores ? Float32Array.from(m.outlier_scores) : null;
  state.clusters = m.clusters.length ? m.clusters.map((c) => ({ label: c.label, size: c.size, keywords: c.keywords ?? [] })) : summariseClusters(state.labels);
  state.modelName = m.model ?? null;
  state.params = m.params ?? { umap: {}, hdbscan: {} };
  setTexts(m.texts);
  fitSliders(m.n);
  // show the parameters it was made with
  const h = state.params.hdbscan ?? {};
  if (h.min_cluster_size) { $('min-cluster-size').value = h.min_cluster_size; $('min-cluster-size-out').textContent = String(h.min_cluster_size); }
  if (h.min_samples) {
    $('min-samples').value = h.min_samples; $('min-samples-out').textContent = String(h.min_samples);
    $('min-samples-auto').checked = h.min_samples === h.min_cluster_size;
    $('min-samples').disabled = $('min-samples-auto').checked;
  }
  const u = state.params.umap ?? {};
  if (u.n_neighbors) { $('n-neighbors').value = u.n_neighbors; $('n-neighbors-out').textContent = String(u.n_neighbors); }
  if (u.min_dist !== undefined) { $('min-dist').value = u.min_dist; $('min-dist-out').textContent = Number(u.min_dist).toFixed(2); }
  for (const id of ['vector-select', 'query-select']) {
    const sel = clear($(id));
    sel.append(el('option', { text: 'a saved map has no vectors — embed the texts to see them' }));
    sel.disabled = true;
  }
  $('query-text').disabled = true;
  $('query-go').disabled = true;
  $('vector-caption').textContent = '';
  $('vector-numbers').textContent = '';
  $('sim-caption').textContent = '';
  clear($('sim-body'));
  view.setData({ xy: state.xy, labels: state.labels, probabilities: state.probabilities, texts: state.texts });
  $('map-empty').hidden = true;
  $('search').disabled = false;
  renderClusters();
  finish();
  status(`Opened ${name}: ${fmtInt(m.n)} texts, ${state.clusters.length} clusters${state.modelName ? ` (made with ${state.modelName})` : ''}. ` +
    'The clusters can be changed here; to change the layout, embed the texts again.');
  // build a clusterer on the saved points so the HDBSCAN sliders answer
  if (typeof api.createClusterer === 'function') {
    try {
      const { minSamples } = readHdbscanParams();
      state.clusterer = await api.createClusterer(state.xy, { minSamples });
      state.clustererMinSamples = minSamples;
    } catch (e) {
      if (!isAbort(e)) showError(e);
    }
  }
}

// ------------------------------------------------------------------------------------------------ exports

function baseName() {
  const d = new Date();
  const pad = (v) => String(v).padStart(2, '0');
  return `embedscape-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

function mapData() {
  return {
    texts: state.texts,
    xy: state.xy,
    labels: state.labels,
    probabilities: state.probabilities,
    outlierScores: state.outlierScores,
    clusters: state.clusters,
    model: state.modelName,
    params: state.params,
  };
}

function setupExports() {
  $('export-png').addEventListener('click', async () => {
    try { download(await view.toPNG({ scale: 2 }), `${baseName()}.png`); } catch (e) { showError(e); }
  });
  $('export-csv').addEventListener('click', () => {
    download(new Blob([toCsv(mapData())], { type: 'text/csv;charset=utf-8' }), `${baseName()}.csv`);
  });
  $('export-json').addEventListener('click', () => {
    const m = api.createMapFile(mapData());
    download(new Blob([JSON.stringify(m)], { type: 'application/json' }), `${baseName()}.map.json`);
  });
  $('export-md').addEventListener('click', () => {
    download(new Blob([toMarkdown(mapData())], { type: 'text/markdown;charset=utf-8' }), `${baseName()}.md`);
  });
}

// ------------------------------------------------------------------------------------------------ start

setupInput();
setupModel();
setupEmbed();
setupMap();
setupExports();
renderClusters();
setPhase('idle');
const q = source.modelFromQuery();
if (q) setModelBadge(`model: ${decodeURIComponent(new URL(q).pathname.split('/').filter(Boolean).pop() ?? 'custom')} (from the address)`);
else setModelBadge(`model: ${source.MODEL_NAME}`);
