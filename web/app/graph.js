// graph.js — step 7, "UMAP, step 1: the graph": the fuzzy k-nearest-neighbour graph UMAP builds from
// the vectors (session.graph(), computed in the worker), drawn on the finished map with each edge as
// opaque as its membership strength; hovering a point shows its k nearest neighbours and their
// weights; n_neighbors (the same option as the map's slider) changes the graph.

import { $, el, clear, fmtInt, shorten } from './dom.js';
import { PointPlot } from './plot.js';

/** Edges drawn at most (the strongest): beyond this a canvas turns into a grey blanket anyway. */
const MAX_EDGES = 40000;

/** Undirected edges (each pair once, i < j) of the symmetric graph, strongest first, at most max. */
export function undirectedEdges(g, max = MAX_EDGES) {
  const order = [];
  for (let q = 0; q < g.rows.length; q++) if (g.rows[q] < g.cols[q]) order.push(q);
  order.sort((x, y) => g.weights[y] - g.weights[x]);
  const m = Math.min(max, order.length);
  const a = new Int32Array(m), b = new Int32Array(m), w = new Float32Array(m);
  for (let t = 0; t < m; t++) { const q = order[t]; a[t] = g.rows[q]; b[t] = g.cols[q]; w[t] = g.weights[q]; }
  return { a, b, w, total: order.length };
}

/** The weight of edge (i, j) in the symmetric graph (0 when there is none): rows are sorted by column. */
export function edgeWeight(g, start, i, j) {
  let lo = start[i], hi = start[i + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1, c = g.cols[mid];
    if (c === j) return g.weights[mid];
    if (c < j) lo = mid + 1; else hi = mid - 1;
  }
  return 0;
}

export function mount(app) {
  const state = app.state;
  let graph = null, start = null, edges = null;
  let req = 0;
  const plot = new PointPlot($('graph-canvas'), { onHover: hover, padding: 22 });

  // the slider here and the map's are one option
  const mine = $('graph-nn'), theirs = $('n-neighbors');
  const sync = () => {
    mine.min = theirs.min; mine.max = theirs.max; mine.value = theirs.value;
    $('graph-nn-out').textContent = theirs.value;
  };
  mine.addEventListener('input', () => {
    theirs.value = mine.value;
    theirs.dispatchEvent(new Event('input', { bubbles: true }));
    $('graph-nn-out').textContent = mine.value;
  });
  theirs.addEventListener('input', sync);

  /** Where the graph is drawn: the finished map, or the layout UMAP starts from (epoch 0). */
  async function positions() {
    if (!$('graph-on-start').checked) return state.xy.data;
    return (await app.session.snapshot(0)).data;
  }

  async function load() {
    if (!state.vectors || !app.session || !state.xy) return;
    const r = ++req;
    let g, xy;
    try { [g, xy] = await Promise.all([app.session.graph(), positions()]); } catch (e) { if (!app.isAbort(e)) app.error(e); return; }
    if (r !== req) return;
    graph = g;
    start = new Int32Array(g.n + 1);
    for (let q = 0; q < g.rows.length; q++) start[g.rows[q] + 1]++;
    for (let i = 0; i < g.n; i++) start[i + 1] += start[i];
    edges = undirectedEdges(g);
    plot.edges = edges;
    plot.colors = state.labels ? state.labels : null;
    plot.focus = -1;
    plot.setPoints(xy);
    const shown = edges.a.length < edges.total ? ` (the ${fmtInt(edges.a.length)} strongest drawn)` : '';
    $('graph-caption').textContent = `n_neighbors ${g.k}: each of the ${fmtInt(g.n)} texts is joined to its ${g.k - 1} nearest others; ` +
      `${fmtInt(edges.total)} edges in all${shown}. Darker lines are stronger connections. Hover a point to read its neighbours.`;
    idle();
  }

  function idle() {
    const box = clear($('graph-info'));
    box.append(el('p', { className: 'muted', text: 'Hover a point: its k nearest neighbours appear here, with the weight of each connection (1 = the nearest, fading with distance).' }));
  }

  function hover(i) {
    if (!graph || i === plot.focus) return;
    plot.focus = i;
    plot.request();
    if (i < 0) { idle(); return; }
    const k = graph.k;
    const own = Array.from(graph.knn.indices.subarray(i * k, (i + 1) * k)).filter((j) => j !== i && j >= 0);
    const box = clear($('graph-info'));
    box.append(el('p', { className: 'nb-of', text: state.texts[i] }));
    const ol = el('ol', { className: 'neighbours' });
    for (const j of own) {
      const w = edgeWeight(graph, start, i, j);
      ol.append(el('li', {}, el('span', { className: 'nb-score', title: 'membership strength of the edge', text: w.toFixed(2) }), shorten(state.texts[j], 140)));
    }
    box.append(ol);
    box.append(el('p', { className: 'muted', text: 'Nearest first. A weight counts both ways: how near the other text is for this one, and this one for it.' }));
    const more = start[i + 1] - start[i] - own.filter((j) => edgeWeight(graph, start, i, j) > 0).length;
    if (more > 0) box.append(el('p', { className: 'muted', text: `and ${more} more text${more === 1 ? '' : 's'} that count${more === 1 ? 's' : ''} this one among ${more === 1 ? 'its' : 'their'} nearest` }));
  }

  app.on('reset', () => { graph = null; req++; plot.edges = null; plot.setPoints(null); $('graph-caption').textContent = ''; sync(); });
  app.on('layout', () => { sync(); load(); });
  app.on('labels', () => { if (graph) { plot.colors = state.labels; plot.request(); } });
  app.on('map-opened', () => { graph = null; plot.edges = null; plot.setPoints(null); $('graph-caption').textContent = 'A saved map has no vectors, so no neighbour graph: embed the texts to see it.'; sync(); });
  for (const id of ['graph-on-map', 'graph-on-start']) $(id).addEventListener('change', () => { if (graph) load(); });
  sync();
  idle();
  app.workshop ??= {};
  app.workshop.graph = { get graph() { return graph; }, get edges() { return edges; }, plot };
}
