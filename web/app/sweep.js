// sweep.js — step 10, "HDBSCAN: sweep the threshold": a density-threshold slider (λ = 1 / distance)
// that shows, at each level, which points are in which dense group — as it rises, groups split and
// points fall out as noise — next to the engine's condensed tree as an icicle plot (width = points,
// height = λ) with the clusters the excess-of-mass selection keeps outlined and their stability
// written on them: what survives many thresholds is real. min_cluster_size and min_samples (the
// map's sliders) stay live here. Beside it, "on the map or in meaning space": HDBSCAN on the 2-D map
// or on a 5-dimensional UMAP of the vectors, with the points where the two disagree circled.

import { $, el, clear, fmtInt, swatch } from './dom.js';
import { PointPlot, Surface, haloText } from './plot.js';
import { clusterColor, NOISE_COLOR } from '../lib/palette.js';

const fmtLambda = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '∞');

/**
 * The condensed tree (rows parent, child, lambda, childSize, as the engine returns it; ids < n are
 * points, n is the root) as cluster nodes: {n, root, nodes: Map id -> {id, parent, birth, death, size,
 * children, leave: sorted λ of the points leaving it, label, stability}, pointParent, pointLambda}.
 */
export function treeModel(ct, n) {
  const nodes = new Map();
  const node = (id) => {
    let v = nodes.get(id);
    if (!v) { v = { id, parent: -1, birth: 0, death: 0, size: 0, children: [], leave: [], label: -1, stability: 0 }; nodes.set(id, v); }
    return v;
  };
  const root = node(n);
  root.size = n;
  const pointParent = new Int32Array(n).fill(-1);
  const pointLambda = new Float64Array(n);
  for (let r = 0; r < ct.parent.length; r++) {
    const p = ct.parent[r], c = ct.child[r], l = ct.lambda[r];
    const pn = node(p);
    if (l > pn.death) pn.death = l;
    if (c >= n) {
      const cn = node(c);
      cn.parent = p; cn.birth = l; cn.size = ct.childSize[r];
      pn.children.push(c);
    } else {
      pointParent[c] = p;
      pointLambda[c] = l;
      pn.leave.push(l);
    }
  }
  for (const v of nodes.values()) v.leave.sort((a, b) => a - b);
  for (let label = 0; label < ct.clusterNodes.length; label++) {
    const v = nodes.get(ct.clusterNodes[label]);
    if (v) { v.label = label; v.stability = ct.clusterStabilities[label]; }
  }
  return { n, root: n, nodes, pointParent, pointLambda };
}

/**
 * The dense groups at density level λ: for each point the cluster node it is in at that level (the
 * root while nothing has split), or -1 once it has fallen out (its λ is at or below the level).
 */
export function cutAt(model, lambda) {
  const out = new Int32Array(model.n);
  for (let p = 0; p < model.n; p++) {
    if (model.pointParent[p] < 0 || model.pointLambda[p] <= lambda) { out[p] = -1; continue; }
    let v = model.nodes.get(model.pointParent[p]);
    while (v.birth > lambda && v.parent >= 0) v = model.nodes.get(v.parent);
    out[p] = v.id;
  }
  return out;
}

/**
 * Where two clusterings of the same points disagree: clusters of `a` are matched one to one with the
 * clusters of `b` they share most points with; a point agrees when both call it noise or its two
 * clusters are a matched pair. -> {disagree: Int32Array of point indices, matched: Map a -> b}
 */
export function disagreement(a, b) {
  const pairs = new Map();
  for (let i = 0; i < a.length; i++) if (a[i] >= 0 && b[i] >= 0) { const k = `${a[i]},${b[i]}`; pairs.set(k, (pairs.get(k) ?? 0) + 1); }
  const order = [...pairs].sort((x, y) => y[1] - x[1]);
  const matched = new Map(), used = new Set();
  for (const [k] of order) {
    const [x, y] = k.split(',').map(Number);
    if (matched.has(x) || used.has(y)) continue;
    matched.set(x, y); used.add(y);
  }
  const disagree = [];
  for (let i = 0; i < a.length; i++) {
    const ok = a[i] < 0 ? b[i] < 0 : b[i] >= 0 && matched.get(a[i]) === b[i];
    if (!ok) disagree.push(i);
  }
  return { disagree: Int32Array.from(disagree), matched };
}

export function mount(app) {
  const state = app.state;
  let model = null; // treeModel of the labels on screen
  let colorOf = new Map(); // node id -> colour
  let lambdaCap = 1, lambdaMin = 0; // the axis: from just before the first point falls out to where nearly all have
  let groups = null; // Int32Array: the cut at the slider's λ
  let compare = null; // {other: labels on the map, disagree}

  const points = new PointPlot($('sweep-points'), { padding: 16 });
  const icicle = new Surface($('icicle'), drawIcicle);
  const comparePlot = new PointPlot($('compare-canvas'), { padding: 14 });
  const slider = $('sweep-lambda');
  const STEPS = Number(slider.max);

  const lambdaOf = () => lambdaMin + (Number(slider.value) / STEPS) * (lambdaCap - lambdaMin);
  const stepOf = (l) => Math.round(Math.max(0, Math.min(1, (l - lambdaMin) / (lambdaCap - lambdaMin))) * STEPS);

  // ------------------------------------------------------------------ the threshold
  function build() {
    const ct = state.condensedTree;
    if (!ct || !state.labels || !state.xy) { model = null; groups = null; showEmpty(); return; }
    model = treeModel(ct, state.labels.length);
    // a colour per node: the selected clusters keep their map colours, the others get their own
    colorOf = new Map();
    let other = 0;
    const selected = ct.clusterNodes.length;
    for (const v of [...model.nodes.values()].sort((a, b) => a.id - b.id)) {
      colorOf.set(v.id, v.id === model.root ? null : v.label >= 0 ? clusterColor(v.label) : clusterColor(selected + 16 + other++));
    }
    // the axis ends a little below where most points have fallen out (a few duplicates reach λ = ∞)
    const finite = Array.from(model.pointLambda).filter(Number.isFinite).sort((a, b) => a - b);
    const deaths = [...model.nodes.values()].map((v) => v.death).filter(Number.isFinite);
    const q = finite.length ? finite[Math.min(finite.length - 1, Math.floor(0.98 * (finite.length - 1)))] : 1;
    lambdaCap = Math.max(q, ...deaths.filter((d) => d <= q * 1.5), 1e-6) * 1.05;
    lambdaMin = finite.length ? Math.min(finite[0], ...[...model.nodes.values()].filter((v) => v.id !== model.root).map((v) => v.birth)) * 0.9 : 0;
    if (!(lambdaMin < lambdaCap)) lambdaMin = 0;
    slider.disabled = false;
    update();
  }

  function update() {
    if (!model) return;
    const lambda = lambdaOf();
    groups = cutAt(model, lambda);
    const sizes = new Map();
    let noise = 0;
    for (const g of groups) { if (g < 0) noise++; else sizes.set(g, (sizes.get(g) ?? 0) + 1); }
    const one = sizes.size === 1 && sizes.has(model.root);
    $('sweep-lambda-out').textContent = `λ ${fmtLambda(lambda)}`;
    $('sweep-caption').textContent = Number(slider.value) === 0
      ? `At the lowest density every text is in one group. Move the slider to raise the threshold.`
      : `Density threshold λ = ${fmtLambda(lambda)} (points closer than ${fmtLambda(1 / lambda)} ${state.clusterSpace === 'layout5' ? 'in meaning space' : 'on the map'} are joined): ` +
        (one ? 'still one group' : `${sizes.size} dense group${sizes.size === 1 ? '' : 's'}`) +
        `, ${fmtInt(noise)} text${noise === 1 ? '' : 's'} fallen out as noise.`;
    points.colors = (i) => (groups[i] < 0 ? NOISE_COLOR : colorOf.get(groups[i]) ?? themeInk());
    points.dim = null;
    points.setPoints(state.xy.data);
    icicle.request();
  }
  const themeInk = () => getComputedStyle(document.documentElement).getPropertyValue('--ink-2').trim() || '#4a5263';

  function showEmpty() {
    slider.disabled = true;
    $('sweep-lambda-out').textContent = '';
    $('sweep-caption').textContent = state.origin === 'mapfile'
      ? 'A saved map keeps its clusters but not their tree: move min_cluster_size to cluster it again and see the tree.'
      : 'The tree appears once the texts are clustered.';
    clear($('sweep-stability'));
    points.setPoints(null);
    icicle.request();
  }

  // ------------------------------------------------------------------ the icicle plot
  const icicleGeom = { top: 24, bottom: 10, left: 8, right: 8 };
  const yOf = (lambda, h) => icicleGeom.top + Math.max(0, (Math.min(lambda, lambdaCap) - lambdaMin) / (lambdaCap - lambdaMin)) * (h - icicleGeom.top - icicleGeom.bottom);

  function drawIcicle(ctx, w, h, c) {
    if (!model) { haloText(ctx, 'the condensed tree appears here', 10, h / 2, c, { color: c.muted }); return; }
    const g = icicleGeom;
    const scale = (w - g.left - g.right) / model.n;
    const labels = [];
    const drawNode = (v, x0) => {
      const y0 = yOf(v.birth, h), y1 = yOf(v.death, h);
      const color = colorOf.get(v.id) ?? c.line2;
      ctx.fillStyle = color;
      ctx.globalAlpha = v.label >= 0 ? 0.9 : v.id === model.root ? 0.55 : 0.4;
      // width = the points still in the cluster, row by row of pixels (rows of one width in one rectangle)
      let left = 0, k = 0, runStart = Math.floor(y0), runLeft = 0;
      const end = Math.max(y0 + 1, y1);
      const flush = (y) => {
        const wNow = (v.size - runLeft) * scale;
        if (y > runStart) ctx.fillRect(x0 + (v.size * scale - wNow) / 2, runStart, Math.max(0.5, wNow), y - runStart);
      };
      for (let y = Math.floor(y0); y < end; y++) {
        const lam = lambdaMin + ((y + 1 - g.top) / (h - g.top - g.bottom)) * (lambdaCap - lambdaMin);
        while (k < v.leave.length && v.leave[k] <= lam) { left++; k++; }
        if (left !== runLeft) { flush(y); runStart = y; runLeft = left; }
      }
      flush(Math.ceil(end));
      ctx.globalAlpha = 1;
      if (v.label >= 0) {
        ctx.strokeStyle = c.ink; ctx.lineWidth = 1.5;
        ctx.strokeRect(x0 + 0.5, y0 + 0.5, Math.max(1, v.size * scale - 1), Math.max(2, y1 - y0 - 1));
        labels.push([v, x0 + (v.size * scale) / 2, y0]);
      }
      // children side by side, centred in this node's slot
      const kids = v.children.map((id) => model.nodes.get(id));
      const total = kids.reduce((a, u) => a + u.size, 0);
      let x = x0 + ((v.size - total) * scale) / 2;
      for (const u of kids) { drawNode(u, x); x += u.size * scale; }
    };
    drawNode(model.nodes.get(model.root), g.left);
    for (const [v, x, y] of labels) {
      haloText(ctx, `${v.label}`, x, Math.min(h - 16, y + 14), c, { font: `700 12px ${c.sans}`, align: 'center' });
      if (v.size * scale > 44) haloText(ctx, `stab. ${fmtLambda(v.stability)}`, x, Math.min(h - 4, y + 28), c, { font: `11px ${c.sans}`, align: 'center', color: c.ink2 });
    }
    // the threshold
    const y = yOf(lambdaOf(), h);
    ctx.strokeStyle = c.danger; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
    ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke(); ctx.setLineDash([]);
    haloText(ctx, `λ ${fmtLambda(lambdaMin)}: everything joined · denser ↓`, g.left, 14, c, { color: c.muted });
    haloText(ctx, `λ ${fmtLambda(lambdaOf())}`, w - g.right, Math.max(14, y - 5), c, { color: c.danger, align: 'right', font: `600 12px ${c.sans}` });
  }

  function showStability() {
    const ul = clear($('sweep-stability'));
    if (!model) return;
    const sel = [...model.nodes.values()].filter((v) => v.label >= 0).sort((a, b) => a.label - b.label);
    if (!sel.length) { ul.append(el('li', { className: 'muted', text: 'No cluster survives at these settings: every text is noise. Try a smaller min_cluster_size.' })); return; }
    for (const v of sel) {
      ul.append(el('li', {}, swatch(clusterColor(v.label)),
        `${app.clusterName?.(v.label) ?? `Cluster ${v.label}`}: stability ${fmtLambda(v.stability)} · ${fmtInt(v.size)} texts at birth · from λ ${fmtLambda(v.birth)} to ${fmtLambda(v.death)}`));
    }
  }

  $('icicle').addEventListener('click', (e) => {
    if (!model) return;
    const h = $('icicle').getBoundingClientRect().height;
    const lam = lambdaMin + ((e.offsetY - icicleGeom.top) / (h - icicleGeom.top - icicleGeom.bottom)) * (lambdaCap - lambdaMin);
    slider.value = String(stepOf(lam));
    update();
  });
  slider.addEventListener('input', update);

  // ------------------------------------------------------------------ the HDBSCAN sliders, mirrored
  const mirror = (mineId, theirsId) => {
    const mine = $(mineId), theirs = $(theirsId);
    const sync = () => { mine.min = theirs.min; mine.max = theirs.max; mine.value = theirs.value; mine.disabled = theirs.disabled; $(`${mineId}-out`).textContent = theirs.value; };
    mine.addEventListener('input', () => { theirs.value = mine.value; theirs.dispatchEvent(new Event('input', { bubbles: true })); sync(); });
    theirs.addEventListener('input', sync);
    return sync;
  };
  const syncMcs = mirror('sw-mcs', 'min-cluster-size');
  const syncMs = mirror('sw-ms', 'min-samples');
  $('sw-ms-auto').addEventListener('change', (e) => {
    const theirs = $('min-samples-auto');
    theirs.checked = e.target.checked;
    theirs.dispatchEvent(new Event('change', { bubbles: true }));
    syncMs();
  });
  const syncAll = () => { syncMcs(); syncMs(); $('sw-ms-auto').checked = $('min-samples-auto').checked; $('sw-ms').disabled = $('min-samples').disabled; };
  $('min-samples-auto').addEventListener('change', syncAll);
  $('min-cluster-size').addEventListener('input', syncAll);

  // ------------------------------------------------------------------ on the map or in meaning space
  const space = () => ($('space-meaning').checked ? 'layout5' : 'layout');
  app.addOptions(() => ({ clusterOn: state.origin === 'mapfile' ? 'layout' : space() }));
  for (const id of ['space-map', 'space-meaning']) {
    $(id).addEventListener('change', () => {
      compare = null;
      drawCompare();
      if (state.vectors) app.run('options');
    });
  }

  async function loadCompare() {
    if (state.clusterSpace !== 'layout5' || !app.session || !state.labels) { compare = null; drawCompare(); return; }
    const labels = state.labels;
    try {
      const r = await app.session.labelsIn('layout');
      if (labels !== state.labels) return;
      compare = { other: r.labels, ...disagreement(labels, r.labels) };
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
      return;
    }
    drawCompare();
  }

  function drawCompare() {
    const cap = $('compare-caption');
    $('compare-mark').disabled = !compare;
    if (state.origin === 'mapfile') { cap.textContent = 'A saved map has no vectors: embed the texts to cluster them in meaning space.'; comparePlot.setPoints(null); return; }
    if (!compare || !state.xy) {
      cap.textContent = space() === 'layout5' ? 'Clustering in meaning space…' : 'Now the clusters are found on the 2-D map itself. Choose “in meaning space” to cluster a 5-dimensional UMAP of the vectors instead, and see where the two disagree.';
      comparePlot.ring = null;
      comparePlot.colors = state.labels;
      comparePlot.setPoints(state.xy ? state.xy.data : null);
      return;
    }
    const d = compare.disagree.length;
    const nc2 = new Set(Array.from(compare.other).filter((l) => l >= 0)).size;
    cap.textContent = `Colours: the ${state.clusters.length} clusters found in meaning space (5 dimensions). On the 2-D map alone HDBSCAN finds ${nc2}. ` +
      (d ? `Circled: the ${fmtInt(d)} of ${fmtInt(state.labels.length)} texts the two group differently — what the flat picture hides.`
        : `The two group all ${fmtInt(state.labels.length)} texts the same way: here the flat picture hides nothing.`);
    comparePlot.colors = state.labels;
    comparePlot.ring = new Set(compare.disagree);
    comparePlot.setPoints(state.xy.data);
  }
  $('compare-mark').addEventListener('click', () => {
    if (!compare) return;
    app.view.highlight(Array.from(compare.disagree));
    document.getElementById('step-map')?.scrollIntoView({ block: 'start' });
  });

  app.on('labels', () => { build(); showStability(); loadCompare(); syncAll(); });
  app.on('names', () => showStability());
  app.on('reset', () => { model = null; compare = null; slider.value = '0'; showEmpty(); syncAll(); drawCompare(); });
  app.on('map-opened', () => {
    state.clusterSpace = 'layout';
    $('space-map').checked = true;
    for (const id of ['space-map', 'space-meaning']) $(id).disabled = true;
    model = null; showEmpty(); syncAll(); drawCompare();
  });
  app.on('vectors', () => { for (const id of ['space-map', 'space-meaning']) $(id).disabled = false; });
  syncAll();
  showEmpty();
  drawCompare();

  app.workshop ??= {};
  app.workshop.sweep = {
    get model() { return model; }, get groups() { return groups; }, get lambda() { return lambdaOf(); }, get lambdaCap() { return lambdaCap; },
    get compare() { return compare; },
    /** moves the slider to λ (the nearest step) and returns the λ shown */
    setLambda(l) { slider.value = String(stepOf(l)); update(); return lambdaOf(); },
  };
}
