// forces.js — step 8, "UMAP, step 2: the forces": the layout settling, played back from the per-epoch
// snapshots the session keeps (session.snapshot(epoch), result.snapshotEpochs) at a pace one can watch
// whatever the size — by default the whole settling lasts a few seconds even when computing it took a
// fraction of one — with play / pause / step / scrub / speed, and the graph's edges drawn as springs
// if wanted. Playback is separate from the computation: the finished map is on screen (step 9) as soon
// as it is computed. Under prefers-reduced-motion the finished layout is shown and nothing plays.

import { $, fmtInt } from './dom.js';
import { PointPlot } from './plot.js';
import { undirectedEdges } from './graph.js';

/** Seconds the whole settling takes at speed 1. */
export const PLAY_SECONDS = 6;
/** Playback time t (0..1) -> epochs done (0..1): slow at first, where the layout moves most. */
const EASE = 1.7;
/** Snapshots kept on this side at most (bytes); the rest are asked for again. */
const CACHE_BYTES = 24 << 20;
const reducedMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

export function mount(app) {
  const state = app.state;
  const plot = new PointPlot($('forces-canvas'), { padding: 18 });
  let epochs = []; // the kept epochs, ascending
  let nEpochs = 0;
  const cache = new Map(); // epoch -> Float32Array
  const pending = new Map(); // epoch -> Promise
  let index = 0; // the snapshot asked for (an index into epochs)
  let shown = null; // {epoch, data}: what the canvas shows
  let playing = false, clock = 0, last = 0, frame = 0;
  let layoutId = 0;
  let edgesOf = null; // the graph's edges (loaded when springs are asked for)
  let autoplayed = false;
  let visible = false;

  const scrub = $('fx-scrub');

  function fetchSnapshot(epoch) {
    if (cache.has(epoch)) return Promise.resolve(cache.get(epoch));
    if (pending.has(epoch)) return pending.get(epoch);
    const id = layoutId;
    const p = app.session.snapshot(epoch).then((s) => {
      pending.delete(epoch);
      if (id !== layoutId) return null;
      const per = s.data.byteLength;
      while (cache.size && (cache.size + 1) * per > CACHE_BYTES) cache.delete(cache.keys().next().value);
      cache.set(s.epoch, s.data);
      return s.data;
    }, (e) => { pending.delete(epoch); throw e; });
    pending.set(epoch, p);
    return p;
  }

  /** Shows snapshot `i` (an index into the kept epochs) as soon as it is here. */
  async function showIndex(i) {
    if (!epochs.length) return;
    index = Math.max(0, Math.min(epochs.length - 1, i));
    scrub.value = String(index);
    const epoch = epochs[index];
    $('fx-epoch').textContent = `epoch ${fmtInt(epoch)} of ${fmtInt(nEpochs)}`;
    const id = layoutId;
    let data;
    try { data = await fetchSnapshot(epoch); } catch (e) { if (!app.isAbort(e)) app.error(e); return; }
    if (!data || id !== layoutId || epochs[index] !== epoch) return;
    shown = { epoch, data };
    plot.setPoints(data); // the frame follows the points: the shape forming is what to watch
    // a few ahead, so that playing does not wait
    if (playing) for (let k = 1; k <= 3 && index + k < epochs.length; k++) fetchSnapshot(epochs[index + k]).catch(() => {});
  }

  function setPlaying(on) {
    playing = on && epochs.length > 1;
    $('fx-play').textContent = playing ? 'Pause' : 'Play';
    $('fx-play').setAttribute('aria-pressed', String(playing));
    if (playing) {
      if (index >= epochs.length - 1) { index = 0; }
      clock = (index / (epochs.length - 1)) ** (1 / EASE) * PLAY_SECONDS;
      last = performance.now();
      frame ||= requestAnimationFrame(tick);
    }
  }

  function tick(now) {
    frame = 0;
    if (!playing) return;
    clock += ((now - last) / 1000) * Number($('fx-speed').value);
    last = now;
    const i = Math.min(epochs.length - 1, Math.floor(Math.min(1, clock / PLAY_SECONDS) ** EASE * (epochs.length - 1)));
    if (i !== index || !shown || shown.epoch !== epochs[i]) showIndex(i);
    if (i >= epochs.length - 1) { setPlaying(false); return; }
    frame = requestAnimationFrame(tick);
  }

  async function springs() {
    if (!$('fx-springs').checked) { plot.edges = null; plot.request(); return; }
    if (!edgesOf) {
      const id = layoutId;
      try {
        const g = await app.session.graph();
        if (id !== layoutId) return;
        edgesOf = undirectedEdges(g);
      } catch (e) { if (!app.isAbort(e)) app.error(e); return; }
    }
    plot.edges = edgesOf;
    plot.edgeAlpha = 0.5;
    plot.request();
  }

  app.on('layout', async () => {
    const r = app.session?.result;
    layoutId++;
    cache.clear();
    pending.clear();
    edgesOf = null;
    setPlaying(false);
    epochs = (r?.snapshotEpochs ?? []).slice().sort((a, b) => a - b);
    nEpochs = r?.layoutInfo?.nEpochs ?? epochs[epochs.length - 1] ?? 0;
    const enabled = epochs.length > 1;
    for (const id of ['fx-play', 'fx-step', 'fx-back', 'fx-end', 'fx-scrub', 'fx-springs', 'fx-speed']) $(id).disabled = !enabled;
    if (!enabled) { $('fx-epoch').textContent = 'no snapshots'; return; }
    scrub.max = String(epochs.length - 1);
    plot.colors = state.labels && state.labels.length === state.xy.n ? state.labels : null;
    const took = app.state.timings.umap;
    const secs = !took ? 'a moment' : took < 1 ? `${Math.max(1, Math.round(took * 1000))} ms` : `${took.toFixed(1)} s`;
    $('forces-caption').textContent = `${fmtInt(epochs.length)} snapshots of epochs 0 (the starting layout) to ${fmtInt(nEpochs)} · computed in ${secs}, played back in ${PLAY_SECONDS} s at 1×.`;
    springs();
    autoplayed = false;
    if (reducedMotion) { showIndex(epochs.length - 1); return; }
    await showIndex(0);
    if (visible) { autoplayed = true; setPlaying(true); }
  });
  app.on('labels', () => { if (state.labels && epochs.length) { plot.colors = state.labels; plot.request(); } });
  app.on('reset', () => { layoutId++; setPlaying(false); epochs = []; shown = null; plot.edges = null; plot.setPoints(null); $('fx-epoch').textContent = ''; $('forces-caption').textContent = ''; });
  app.on('map-opened', () => {
    $('forces-caption').textContent = 'A saved map keeps only the finished layout: embed the texts to watch it settle.';
    for (const id of ['fx-play', 'fx-step', 'fx-back', 'fx-end', 'fx-scrub', 'fx-springs', 'fx-speed']) $(id).disabled = true;
  });

  // start playing when the step comes into view (once per layout)
  if (typeof IntersectionObserver === 'function') {
    new IntersectionObserver((entries) => {
      visible = entries.some((e) => e.isIntersecting);
      if (visible && !autoplayed && !reducedMotion && epochs.length > 1 && index === 0) { autoplayed = true; setPlaying(true); }
    }, { threshold: 0.4 }).observe($('forces-canvas'));
  }

  $('fx-play').addEventListener('click', () => setPlaying(!playing));
  $('fx-step').addEventListener('click', () => { setPlaying(false); showIndex(index + 1); });
  $('fx-back').addEventListener('click', () => { setPlaying(false); showIndex(index - 1); });
  $('fx-end').addEventListener('click', () => { setPlaying(false); showIndex(epochs.length - 1); });
  scrub.addEventListener('input', () => { setPlaying(false); showIndex(Number(scrub.value)); });
  $('fx-springs').addEventListener('change', springs);

  app.workshop ??= {};
  app.workshop.forces = { get shown() { return shown; }, get epochs() { return epochs; }, get playing() { return playing; }, showIndex, plot };
}
