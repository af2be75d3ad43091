// estimate.js — next to the Embed button, before it is pressed: how long the run will take on this
// machine, from the speeds measured here. Every run that embeds measures, from the session's own
// progress messages:
//   embedding   tokens per second (the interval the embed progress reports); the tokens to embed are
//               counted by the loaded model in a worker (model.countTokens), and before it has loaded
//               estimated from the characters with the tokens per character the runs measured;
//   UMAP epochs seconds per text and epoch (the epochs after the first, scaled to all of them; the
//               5-D layout of "meaning space" counts as a second UMAP);
//   the rest    everything else from the click to the map (the model's session, the cache lookup, the
//               kNN, graph and initial layout, HDBSCAN, keywords, the views' questions to the worker):
//               a line a + b·n fitted to the runs of different sizes (runs of one size: their time,
//               grown with n as the quick test's pipeline grows).
// Before any run, a quick test when the model has loaded (32 of the texts embedded, the pipeline on
// made-up vectors of 300 and 1 200 points with 20 epochs) gives a first guess, and says so; it also
// gives the rest's growth with n until runs of two sizes have measured it. Texts whose vectors this
// browser keeps (cache.js) cost nothing. The speeds are kept in localStorage by model identity
// (cache.js) and number of workers, so that a reload estimates at once.

import { $, fmtInt, fmtDuration } from './dom.js';
import { modelIdentity, knownTexts } from './cache.js';

const STORE = 'embedscape-speeds';
const RUNS_KEPT = 8; // per model and worker count
const RECORDS_KEPT = 6;
const RECENT = 4; // runs whose embedding and epoch speeds are averaged
const DEBOUNCE_MS = 300;
const QUICK_TEXTS = 32;
const QUICK_SIZES = [300, 1200];
const QUICK_EPOCHS = 20;
const RUNNING = ['model', 'embedding', 'layout', 'clustering'];

// ------------------------------------------------------------------ the model of a run's time (pure)

/**
 * The line a + b·x through points [x, seconds], least squares on relative errors (a 2 s stage and a
 * 20 s one count alike), with a, b >= 0. null without points.
 */
export function fitLine(points) {
  if (!points.length) return null;
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const [x, y] of points) {
    const w = 1 / Math.max(y, 1e-3) ** 2;
    sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y;
  }
  const det = sw * sxx - sx * sx;
  let a = sy / sw, b = 0;
  if (det > 1e-12 * sw * sxx) {
    b = (sw * sxy - sx * sy) / det;
    a = (sy - b * sx) / sw;
  }
  if (b < 0) return { a: sy / sw, b: 0 };
  if (a < 0) return { a: 0, b: sxy / sxx };
  return { a, b };
}

const sumRatio = (items, num, den) => {
  let p = 0, q = 0;
  for (const it of items) { p += num(it); q += den(it); }
  return q > 0 ? p / q : null;
};

/**
 * The speeds a record of measurements gives: {tokensPerSecond, tokensPerChar, epochSeconds (per text
 * and epoch), rest: {a, b}, quick: whether they come from the quick test only, runs}. null when
 * nothing was measured.
 */
export function speedsOf(rec) {
  if (!rec) return null;
  const runs = rec.runs ?? [];
  const q = rec.quick ?? null;
  const embedded = runs.filter((r) => r.tokens > 0 && r.embed > 0).slice(-RECENT);
  const laid = runs.filter((r) => r.epochX > 0 && r.epochs > 0).slice(-RECENT);
  const tokensPerSecond = sumRatio(embedded, (r) => r.tokens, (r) => r.embed) ?? (q ? q.tokens / q.embed : null);
  const tokensPerChar = sumRatio(embedded, (r) => r.tokens - 2 * r.texts, (r) => r.chars) ?? (q ? (q.tokens - 2 * q.texts) / q.chars : null);
  const epochSeconds = sumRatio(laid, (r) => r.epochs, (r) => r.epochX) ?? (q ? q.epochs / q.epochX : null);
  const quickLine = q ? fitLine(q.rest) : null;
  let rest = null;
  const measured = runs.filter((r) => r.rest !== null && r.rest !== undefined);
  if (measured.length) {
    const ns = measured.map((r) => r.n);
    if (Math.max(...ns) >= 2 * Math.min(...ns)) rest = fitLine(measured.map((r) => [r.n, r.rest]));
    else {
      // runs of one size: their time, grown with n as the quick test's pipeline grows (the page's own
      // work around the pipeline taken to grow alike); without the quick test, the same time
      const n1 = ns.reduce((s, v) => s + v, 0) / ns.length;
      const r1 = measured.reduce((s, r) => s + r.rest, 0) / measured.length;
      const q1 = quickLine ? quickLine.a + quickLine.b * n1 : 0;
      rest = q1 > 0 ? { a: (quickLine.a * r1) / q1, b: (quickLine.b * r1) / q1 } : { a: r1, b: 0 };
    }
  } else rest = quickLine;
  if (tokensPerSecond === null || epochSeconds === null || !rest) return null;
  return { tokensPerSecond, tokensPerChar: Math.max(0.05, tokensPerChar ?? 0.25), epochSeconds, rest, quick: !runs.length, runs: runs.length };
}

/** UMAP's epochs when the options leave them to it (wasm/src/umap.c default_epochs). */
export const defaultEpochs = (n) => (n <= 10000 ? 500 : 200);

/**
 * Seconds a run would take: n texts; the tokens still to embed, counted by the model, or else the
 * lengths (UTF-16 units) of the texts still to embed; the epochs; the UMAPs it runs (2 with meaning
 * space); and the model's loading when it is not loaded yet.
 * @returns {{seconds: number, tokens: number, parts: {load: number, embed: number, epochs: number, rest: number}}}
 */
export function predict(speeds, { n, tokens = null, lengths = [], nEpochs, layouts = 1, maxSeqLength = 0, load = 0 }) {
  if (tokens === null) {
    tokens = 0;
    for (const len of lengths) {
      const t = 2 + speeds.tokensPerChar * len; // [CLS] and [SEP] around each text
      tokens += maxSeqLength > 0 ? Math.min(maxSeqLength, t) : t;
    }
  }
  const parts = {
    load,
    embed: tokens / speeds.tokensPerSecond,
    epochs: layouts * speeds.epochSeconds * n * nEpochs,
    rest: speeds.rest.a + speeds.rest.b * n,
  };
  return { seconds: parts.load + parts.embed + parts.epochs + parts.rest, tokens, parts };
}

// ------------------------------------------------------------------ kept in this browser

function readStore() {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(STORE) ?? 'null');
    if (v && typeof v === 'object' && v.records && v.last) return v;
  } catch { /* no storage, or not ours: start afresh */ }
  return { records: {}, last: {} };
}

function writeStore(store) {
  const keys = Object.keys(store.records);
  if (keys.length > RECORDS_KEPT) {
    keys.sort((a, b) => (store.records[a].time ?? 0) - (store.records[b].time ?? 0));
    for (const k of keys.slice(0, keys.length - RECORDS_KEPT)) delete store.records[k];
  }
  try {
    globalThis.localStorage?.setItem(STORE, JSON.stringify(store));
  } catch { /* full or forbidden: the speeds live as long as the page */ }
}

// ------------------------------------------------------------------ the quick test

/** n made-up vectors of dim numbers in 12 loose groups (a seeded generator: the same every time). */
function madeUpVectors(n, dim) {
  let s = 0x9e3779b9;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const centres = Float32Array.from({ length: 12 * dim }, () => rand() * 2 - 1);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = centres[(i % 12) * dim + j] + (rand() - 0.5) * 0.8;
  return { data, n, dim };
}

const madeUpTexts = (n) => Array.from({ length: n }, (_, i) => `w${i % 12} v${i % 37} u${i % 101}`);

/** Times one session run: {total, epochs (all of them, from the epochs after the first), epochX, embed, tokens}. */
export function runTimer(n) {
  const t0 = performance.now();
  const layouts = new Map(); // status -> {t0, d0, t1, d1, total}
  let embedStart = null, tokens = 0, vectorsAt = null;
  return {
    progress(p) {
      const now = performance.now();
      if (p.status === 'embed') {
        if (embedStart === null) embedStart = now - (p.elapsed ?? 0) * 1000;
        tokens = Math.max(tokens, p.tokens ?? 0);
      } else if ((p.status === 'layout' || p.status === 'layout5') && p.total > 0 && p.done > 0) {
        const l = layouts.get(p.status);
        if (!l) layouts.set(p.status, { t0: now, d0: p.done, t1: now, d1: p.done, total: p.total });
        else { l.t1 = now; l.d1 = p.done; }
      }
    },
    vectors() { vectorsAt = performance.now(); },
    finish(extra = 0) {
      const total = (performance.now() - t0) / 1000 - extra;
      let epochs = 0, epochX = 0;
      for (const l of layouts.values()) {
        if (l.d1 <= l.d0) continue;
        epochs += ((l.t1 - l.t0) / (l.d1 - l.d0) / 1000) * l.total;
        epochX += n * l.total;
      }
      const embed = embedStart !== null && vectorsAt !== null ? Math.max(0, (vectorsAt - embedStart) / 1000) : 0;
      return { total, epochs, epochX, embed, tokens };
    },
  };
}

/** The quick test: a few texts embedded, the pipeline on made-up vectors at two sizes. */
async function quickTest(api, model, texts, signal) {
  const base = texts.length ? texts : ['The sun is shining', 'Bring an umbrella', 'The weather is great', "It's daytime"];
  const sample = Array.from({ length: QUICK_TEXTS }, (_, i) => base[(i * 7919) % base.length]);
  let tokens = 0;
  const t0 = performance.now();
  await model.embed(sample, { signal, onProgress: (p) => { tokens = Math.max(tokens, p.tokens ?? 0); } });
  const embed = (performance.now() - t0) / 1000;
  const chars = sample.reduce((s, t) => s + t.length, 0);
  const s = await api.createSession({ model });
  try {
    const rest = [];
    let epochs = 0, epochX = 0;
    for (const n of QUICK_SIZES) {
      s.setTexts(madeUpTexts(n));
      s.setVectors(madeUpVectors(n, model.dim));
      s.setOptions({ umap: { nEpochs: QUICK_EPOCHS } });
      const timer = runTimer(n);
      await s.run({ signal, onProgress: (p) => timer.progress(p) });
      const r = timer.finish();
      rest.push([n, Math.max(0, r.total - r.epochs)]);
      epochs += r.epochs;
      epochX += r.epochX;
    }
    return { tokens, texts: QUICK_TEXTS, chars, embed, epochs, epochX, rest };
  } finally {
    s.dispose();
  }
}

// ------------------------------------------------------------------ the step

export function mount(app) {
  const { state } = app;
  const out = $('run-estimate');
  const workers = app.api.getDefaultPool().size;
  const store = readStore();
  let identity = store.last[workers] ?? null; // the model the speeds are for: the last one used until one has loaded
  let model = null; // the loaded model
  let quick = null; // {controller} while the quick test runs
  let run = null; // the run being measured
  let timer = 0, seq = 0;

  const keyOf = (id) => `${workers}|${id}`;
  const record = () => store.records[keyOf(identity ?? 'unknown')] ?? null; // 'unknown': a model without a fingerprint, kept for this page only
  const ensureRecord = () => {
    const k = keyOf(identity ?? 'unknown');
    store.records[k] ??= { runs: [], quick: null, load: null, maxSeqLength: 0 };
    return store.records[k];
  };
  function save() {
    if (!identity) return;
    const rec = ensureRecord();
    rec.time = Date.now();
    store.last[workers] = identity;
    writeStore(store);
  }

  /**
   * The line, and for scripts: data-seconds, data-texts (how many it is for), data-known (of them
   * cached), data-load (seconds of it for loading the model), data-basis ('quick' | 'runs').
   */
  function show(text, p = null, title = '') {
    out.textContent = text;
    out.title = title;
    for (const k of ['seconds', 'texts', 'known', 'load', 'basis']) delete out.dataset[k];
    if (p) Object.assign(out.dataset, { seconds: p.seconds.toFixed(3), texts: String(p.texts), known: String(p.known), load: p.load.toFixed(3), basis: p.basis });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, DEBOUNCE_MS);
  }

  async function update() {
    const mine = ++seq;
    if (RUNNING.includes(document.body.dataset.phase)) return;
    const texts = app.currentTexts();
    const n = texts.length;
    if (n < 3) { show(''); return; }
    const rec = record();
    const speeds = speedsOf(rec);
    if (!speeds) {
      show(quick ? 'measuring this machine’s speed…' : model ? 'no speed measured on this machine yet' : '');
      return;
    }
    // texts this browser keeps vectors of cost nothing to embed
    let known = null;
    try {
      known = await knownTexts(identity, texts);
    } catch { /* no cache: every text is embedded */ }
    if (mine !== seq) return;
    const todo = known ? texts.filter((_, i) => !known[i]) : texts;
    const hits = n - todo.length;
    // the loaded model counts the tokens in a worker; before it has loaded, characters × tokens per character
    let tokens = null;
    if (model) {
      try {
        tokens = (await model.countTokens(todo)).reduce((s, v) => s + v, 0);
      } catch { /* the proxy below */ }
      if (mine !== seq) return;
    }
    const o = app.options();
    const p = predict(speeds, {
      n, tokens, lengths: tokens === null ? todo.map((t) => t.length) : [],
      nEpochs: o.umap?.nEpochs ?? defaultEpochs(n),
      layouts: o.clusterOn === 'layout5' ? 2 : 1,
      maxSeqLength: model?.config?.maxSeqLength ?? rec.maxSeqLength ?? 0,
      load: model || app.model ? 0 : rec.load ?? 0, // a reload: the model is still loading
    });
    const title = [
      speeds.quick ? 'A first guess from a quick test of this machine; the first run measures it properly.' : `Measured on this machine over ${speeds.runs} run${speeds.runs === 1 ? '' : 's'}.`,
      `Embedding: ${fmtInt(Math.round(speeds.tokensPerSecond))} tokens/s, ${tokens === null ? 'about ' : ''}${fmtInt(Math.round(p.tokens))} tokens to embed (${fmtDuration(p.parts.embed)}).`,
      `UMAP: ${(speeds.epochSeconds * 1e6).toFixed(2)} µs per text and epoch (${fmtDuration(p.parts.epochs)}).`,
      `The rest: ${fmtDuration(p.parts.rest)}.`,
      p.parts.load ? `Loading the model: ${fmtDuration(p.parts.load)}.` : '',
      hits ? `${fmtInt(hits)} of the ${fmtInt(n)} texts are known from before and are not embedded again.` : '',
    ].filter(Boolean).join(' ');
    show(`≈ ${fmtDuration(p.seconds)} on this machine${speeds.quick ? ' (first guess)' : ''}`, { seconds: p.seconds, texts: n, known: hits, load: p.parts.load, basis: speeds.quick ? 'quick' : 'runs' }, title);
  }

  async function startQuickTest() {
    if (quick || !model || RUNNING.includes(document.body.dataset.phase)) return;
    const rec = record();
    if (rec?.quick) return;
    const controller = new AbortController();
    quick = { controller };
    schedule();
    try {
      const q = await quickTest(app.api, model, app.currentTexts(), controller.signal);
      if (controller.signal.aborted) return;
      ensureRecord().quick = q;
      save();
    } catch (e) {
      if (!app.isAbort(e)) console.warn('embedscape: the quick speed test failed', e);
    } finally {
      if (quick?.controller === controller) quick = null;
      schedule();
    }
  }

  app.on('model-ready', async ({ model: m, seconds }) => {
    const id = (await modelIdentity(m).catch(() => null)) ?? null;
    model = m;
    identity = id;
    const rec = ensureRecord();
    rec.load = seconds;
    rec.maxSeqLength = m.config?.maxSeqLength ?? 0;
    save();
    schedule();
    if (!rec.quick) setTimeout(startQuickTest, 200);
  });

  // a run that embeds is measured from the click (app.run starts at once) to the map
  app.on('run-start', ({ reason }) => {
    quick?.controller.abort();
    quick = null;
    clearTimeout(timer);
    seq++;
    run = reason === 'embed' ? { timer: runTimer(state.texts.length), n: state.texts.length, texts: state.texts, meaning: app.options().clusterOn === 'layout5' } : null;
  });
  app.on('progress', (p) => run?.timer.progress(p));
  app.on('vectors', () => run?.timer.vectors());
  app.on('stopped', () => { run = null; schedule(); });
  app.on('ready', () => {
    const r = run;
    run = null;
    if (r && r.texts === state.texts) {
      const m = r.timer.finish(state.timings.model ?? 0);
      const embedded = state.cache?.key ? state.cache.missing : null;
      let chars = 0, count = 0;
      if (m.tokens > 0) {
        if (embedded) for (const i of embedded) { chars += r.texts[i].length; count++; }
        else for (const t of r.texts) { chars += t.length; count++; }
      }
      const rec = ensureRecord();
      rec.runs.push({
        n: r.n, tokens: m.tokens, texts: count, chars, embed: m.tokens > 0 ? m.embed : 0, epochs: m.epochs, epochX: m.epochX,
        // a meaning-space run also builds a second kNN graph and initial layout: its rest is not this line's
        rest: r.meaning ? null : Math.max(0, m.total - m.embed - m.epochs),
      });
      if (rec.runs.length > RUNS_KEPT) rec.runs.splice(0, rec.runs.length - RUNS_KEPT);
      save();
      if (model && !rec.quick) setTimeout(startQuickTest, 1500);
    }
    schedule();
  });
  app.on('vectors-kept', schedule);
  app.on('texts-changed', schedule);
  app.on('texts-loaded', schedule);
  for (const id of ['space-map', 'space-meaning']) $(id).addEventListener('change', schedule);
  schedule();
}
