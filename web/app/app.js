// app.js — what the steps of the page share: the state (small results only: the vectors, the graph and
// the trees stay in the session's worker), one event bus, the status line, errors and the phase, and
// the one runner that asks the session to redo what a change made stale. Each step of the page is a
// module with mount(app) (web/app/*.js); main.js only wires them.
//
// Events (app.on(name, fn)): 'texts-loaded' {texts, what}, 'run-start' {reason}, 'progress' (the
// session's progress payloads), 'vectors' {n, dim}, 'layout' {xy}, 'labels', 'keywords', 'ready',
// 'map-opened' {name}, 'reset', 'model' {model} (a run or a step took the loaded model into use),
// 'model-ready' {model, seconds} (the model finished loading, a warm-up included), 'vectors-kept' {n}
// (cache.js filed a run's new vectors in this browser).

import * as api from '../embedscape.js';
import { $, fmtInt, fmtDuration } from './dom.js';

const PHASE_OF = { vectors: 'embedding', layout: 'layout', layout5: 'layout', tree: 'clustering', labels: 'clustering', keywords: 'clustering' };
/** What each stage of a run does, as a failure names it. */
const STAGE_TITLE = {
  vectors: 'Embedding the texts', layout: 'Drawing the map (UMAP)', layout5: 'Laying out the meaning space for the clusters (UMAP)',
  tree: 'Finding clusters (HDBSCAN)', labels: 'Finding clusters (HDBSCAN)', keywords: 'Finding the clusters\' keywords',
};

export function createApp() {
  const bus = new EventTarget();
  const state = {
    texts: [],
    vectors: null, // {n, dim}: a handle (the numbers stay in the worker); a new object each time texts are embedded
    xy: null, // Matrix n x 2 (the map on screen)
    labels: null, probabilities: null, outlierScores: null,
    clusters: [], // [{label, size, keywords}]
    condensedTree: null,
    clusterSpace: 'layout', // where the clusters on screen were found: 'layout' (the map) or 'layout5' (meaning space)
    modelName: null,
    origin: null, // 'embed' | 'mapfile'
    params: { umap: {}, hdbscan: {} }, // what the map on screen was made with (the library's names)
    timings: {},
  };
  let controller = null;
  const notices = new Map();
  const notKept = new Map(); // what -> {lacking, why}
  const listed = (a) => (a.length < 2 ? a.join('') : `${a.slice(0, -1).join(', ')} and ${a[a.length - 1]}`);

  const app = {
    api,
    state,
    view: null, // the MapView, made by map.js
    session: null,
    model: null,
    /** set by model.js: resolves to the loaded Model */
    getModel: null,
    on(name, fn) { bus.addEventListener(name, (e) => fn(e.detail)); },
    emit(name, detail) { bus.dispatchEvent(new CustomEvent(name, { detail })); },

    setPhase(phase) {
      document.body.dataset.phase = phase;
      $('cancel-btn').disabled = !['model', 'embedding', 'layout', 'clustering'].includes(phase);
    },
    status(msg) { $('status').textContent = msg ?? ''; },
    error(e) {
      const msg = typeof e === 'string' ? e : (e?.message ?? String(e));
      if (e && typeof e === 'object' && e.stack && e.name !== 'EmbedscapeError') console.warn(e);
      $('error-text').textContent = msg;
      $('error').hidden = false;
    },
    hideError() { $('error').hidden = true; },
    /**
     * A message that is no failure (the page works on), under a key: a new one replaces that key's,
     * null removes it.
     */
    notice(key, msg) {
      if (msg) notices.set(key, msg);
      else notices.delete(key);
      $('notice-text').textContent = [...notices.values()].join('\n');
      $('notice').hidden = notices.size === 0;
    },
    hideNotices() { notices.clear(); notKept.clear(); $('notice').hidden = true; },
    /**
     * Something this browser was to keep (the model, vectors, texts) could not be kept: the page works
     * on, and one notice says what is missing next time. what: 'these texts'; lacking: what that costs.
     */
    notKept(what, lacking, e) {
      const why = e?.name === 'QuotaExceededError' ? 'its storage for this page is full' : `storing failed: ${e?.name ?? 'Error'}: ${e?.message ?? e}`;
      notKept.set(what, { lacking, why });
      const items = [...notKept.entries()];
      const one = items.every(([, v]) => v.why === items[0][1].why);
      const things = listed(items.map(([w, v]) => (one ? w : `${w} (${v.why})`)));
      app.notice('kept', `This browser could not keep ${things}${one ? `: ${items[0][1].why}` : ''}. The page works all the same, but ${listed(items.map(([, v]) => v.lacking))}.` +
        (one && e?.name === 'QuotaExceededError' ? ' To keep them, free some space (this site\'s data, in the browser\'s settings).' : ''));
    },
    isAbort: (e) => !!e && e.name === 'AbortError',

    /** Stops whatever runs (model, embedding, layout, clustering); the map on screen stays as it is. */
    cancel() {
      const c = controller;
      c?.abort();
    },

    /** The session for the loaded model (made once); `fresh` texts reset it. */
    async ensureSession(signal) {
      if (!app.model) {
        app.model = await app.getModel(signal);
        app.emit('model', { model: app.model });
      }
      if (!app.session || app.session.model !== app.model) {
        await app.session?.dispose();
        app.session = await api.createSession({ model: app.model, prefetch: true }); // sliders: nearby trees built ahead
      }
      return app.session;
    },

    /**
     * Runs what the current texts and options make stale. reason: 'embed' (new texts), 'options'
     * (a control moved). Returns when the map on screen is up to date (or the run was replaced by a
     * newer one, or cancelled).
     */
    async run(reason) {
      const mine = new AbortController();
      if (reason === 'embed') app.cancel();
      controller = mine;
      const signal = mine.signal;
      const t = state.timings;
      app.emit('run-start', { reason });
      const finished = new Set(); // the stages this run finished
      try {
        const s = reason === 'embed' ? await prepareTexts(signal) : app.session;
        if (!s) return;
        if (reason !== 'embed') applyOptions(s);
        const stageStart = {};
        let current = null;
        const r = await s.run({
          signal,
          onProgress: (p) => {
            if (p.status === 'stage') {
              finished.add(p.stage);
              finishStage(p.stage, s, (performance.now() - stageStart[p.stage]) / 1000);
              current = null;
              return;
            }
            const stage = p.status === 'embed' ? 'vectors' : p.status;
            if (stage !== current && PHASE_OF[stage]) {
              current = stage;
              stageStart[stage] ??= performance.now();
              app.setPhase(PHASE_OF[stage]);
              app.status(stage === 'vectors' ? `Embedding ${fmtInt(state.texts.length)} texts…` : stage === 'layout' ? 'Drawing the map (UMAP)…' : 'Finding clusters (HDBSCAN)…');
            }
            app.emit('progress', p);
          },
        });
        if (signal.aborted) return;
        if (t.start && !t.total && state.origin === 'embed') t.total = (performance.now() - t.start) / 1000;
        for (const st of r.ran) if (stageStart[st] === undefined) stageStart[st] = 0;
        app.setPhase('ready');
        app.status(describe());
        app.emit('ready', {});
      } catch (e) {
        // a layout this run made, whose clusters it did not find: the clusters on screen belong to another map
        if (controller === mine && finished.has(app.session?.options.clusterOn ?? 'layout') && !finished.has('labels') && state.labels) dropClusters();
        if (controller === mine) app.emit('stopped', { error: app.isAbort(e) ? null : e });
        if (app.isAbort(e)) {
          if (controller === mine) { // cancelled by the user, not replaced by a newer run
            app.setPhase('cancelled');
            app.status(`Cancelled. ${shown()}`.trim());
          }
          return;
        }
        app.error(e?.stage && STAGE_TITLE[e.stage] ? `${STAGE_TITLE[e.stage]} failed: ${e.message}` : e);
        app.setPhase('error');
        app.status(shown('still '));
      } finally {
        if (controller === mine) controller = null;
      }
    },
  };

  /** New texts: a fresh session run from the vectors on. */
  async function prepareTexts(signal) {
    app.setPhase('model');
    app.status('Getting the model ready…');
    const t0 = performance.now();
    const s = await app.ensureSession(signal);
    state.timings.model = (performance.now() - t0) / 1000;
    s.setTexts(state.texts);
    // vectors this browser keeps already (cache.js): only the other texts are embedded
    await app.beforeEmbed?.(s, signal);
    applyOptions(s);
    return s;
  }

  /** The options of every control (each step registers its own with app.addOptions). */
  const optionSources = [];
  app.addOptions = (fn) => optionSources.push(fn);
  app.options = () => {
    const o = {};
    for (const fn of optionSources) for (const [k, v] of Object.entries(fn())) o[k] = typeof v === 'object' ? { ...o[k], ...v } : v;
    return o;
  };
  function applyOptions(s) {
    s.setOptions(app.options());
  }

  /** Copies a finished stage's result into the page state and tells the steps. */
  function finishStage(stage, s, secs) {
    const r = s.result;
    const o = s.options;
    const t = state.timings;
    if (stage === 'vectors') {
      t.embed = secs;
      state.vectors = { n: state.texts.length, dim: app.model.dim };
      app.emit('vectors', state.vectors);
    } else if (stage === 'layout') {
      t.umap = secs;
      state.xy = r.xy;
      if (state.origin !== 'mapfile') state.params.umap = { n_neighbors: Math.min(o.umap.nNeighbors, Math.max(2, state.texts.length - 1)), min_dist: o.umap.minDist, metric: o.umap.metric, seed: o.umap.seed };
      app.emit('layout', { xy: r.xy });
    } else if (stage === 'labels') {
      t.cluster = secs;
      state.labels = r.labels;
      state.probabilities = r.probabilities;
      state.outlierScores = r.outlierScores;
      state.condensedTree = r.condensedTree;
      state.clusters = r.clusters.map((c) => ({ ...c }));
      state.params.hdbscan = { min_cluster_size: o.hdbscan.minClusterSize, min_samples: r.minSamples, method: o.hdbscan.method };
      state.clusterSpace = r.clusterSpace;
      app.emit('labels', {});
    } else if (stage === 'keywords') {
      t.keywords = secs;
      state.clusters = r.clusters.map((c) => ({ ...c }));
      app.emit('keywords', {});
    }
  }

  /** Forgets the clusters on screen (they were found for a layout that has been replaced). */
  function dropClusters() {
    Object.assign(state, { labels: null, probabilities: null, outlierScores: null, condensedTree: null, clusters: [] });
    state.params.hdbscan = {};
    app.emit('labels', {});
  }

  /** What a run that stopped early leaves on screen, as the status line says it. */
  function shown(still = '') {
    if (!state.xy) return '';
    if (state.labels) return `The map ${still}shows ${describe(true)}`;
    const u = state.params.umap;
    return `The map shows the layout of ${fmtInt(state.texts.length)} texts (n_neighbors ${u.n_neighbors ?? '–'}, min_dist ${typeof u.min_dist === 'number' ? u.min_dist.toFixed(2) : '–'}), without clusters.`;
  }

  /**
   * What the map on screen belongs to, in one line: its texts, clusters and the settings that made it
   * (so that after a slider change, a cancel or an edit the status line says what is shown).
   * `short`: without the time; `bare`: without the leading words.
   */
  function describe(short = false, bare = false) {
    const nc = state.clusters.length;
    const noise = state.labels ? state.labels.reduce((a, l) => a + (l < 0 ? 1 : 0), 0) : 0;
    const u = state.params.umap, h = state.params.hdbscan;
    const f2 = (v) => (typeof v === 'number' ? v.toFixed(2) : '–');
    const head = `${fmtInt(state.texts.length)} texts · ${nc} cluster${nc === 1 ? '' : 's'} · ${fmtInt(noise)} noise`;
    const settings = `n_neighbors ${u.n_neighbors ?? '–'}, min_dist ${f2(u.min_dist)}, min_cluster_size ${h.min_cluster_size ?? '–'}, min_samples ${h.min_samples ?? '–'}` +
      (state.clusterSpace === 'layout5' ? ', clustered in meaning space' : '');
    const line = `${head} (${settings})`;
    if (short) return bare ? line : `${line}.`;
    const t = state.timings;
    return `The map shows ${line}` + (t.total ? ` · ready in ${fmtDuration(t.total)}` : '') + '.';
  }
  app.describe = describe;
  return app;
}
