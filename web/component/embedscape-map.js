// embedscape-map.js — <embedscape-map>: a saved embedscape map (the JSON `embedscape map` or the page
// writes) in any web page, with one tag:
//
//   <script type="module" src="https://…/web/component/embedscape-map.js"></script>
//   <embedscape-map src="topics.map.json"><a href="topics.map.json">The map as JSON</a></embedscape-map>
//
// It draws the points coloured by cluster, with hover (the text and its cluster), zoom and pan (wheel,
// drag, pinch, keyboard, buttons), search, and a legend of clusters named by their keywords. It needs
// no model and no WebAssembly: only the map JSON is downloaded, and only when the element is scrolled
// near the viewport. It takes the width of its container and the height its container or its own CSS
// gives it (else 16:10), follows prefers-color-scheme, keeps its styles in a shadow root, and offers
// the cluster table as a text alternative ("Table" button; the canvas is described as an image).
// Children are shown until the map is ready (a link or a picture for readers without JavaScript).
//
// Attributes:
//   src      URL of the map JSON (relative to the page)
//   model    optional: URL of a model folder, or a Hugging Face Hub id; shows a box to place your own
//            text on the map, embedded live in the reader's browser (loads embedscape.js and the model
//            only when first used) and placed as umap-learn's transform places a new point: among
//            its nearest texts of the map, optimised against the fixed layout. A map saved with its
//            vectors (`embedscape map --vectors`, the page's "with vectors") is placed on at once;
//            without them the reader's browser embeds the map's texts first (once).
//   theme    auto (default: follows prefers-color-scheme) | light | dark
//   loading  lazy (default: when scrolled near) | eager
//   label    accessible name of the map (default: "Map of N texts in K clusters")
// A map file is checked by parseMapFile (web/lib/mapfile.js) as hostile input; a bad one shows its
// reason in place of the map and the element stays usable.
// Every attribute is also a property (el.src = 'other.map.json' loads another map; src and model read
//   back resolved, as <img src> does). Properties and methods: .map (the map shown, parsed), .view (the
//   MapView), setMap(json) (show a map object without fetching), search(query) → matching indices,
//   fit(), reload().
// Events: "embedscape-load" (detail {n, clusters}), "embedscape-error" (detail {message}),
//   "embedscape-place" (detail {text, x, y, nearest}) after a reader's text was placed.
//
// Drawing, hit testing and zoom are web/lib/mapview.js, shared with the page.

import { MapView } from '../lib/mapview.js';
import { clusterColor, NOISE_COLOR } from '../lib/palette.js';
import { parseMapFile, mapUmapOptions } from '../lib/mapfile.js';

const CSS = `
:host {
  --es-bg: #ffffff; --es-fg: #1d2330; --es-muted: #5d6675; --es-border: #d7dbe2; --es-panel: #f5f6f8;
  --es-accent: #2f6fdb; --es-tip-bg: #1d2330; --es-tip-fg: #ffffff;
  display: block; position: relative; box-sizing: border-box; width: 100%;
  aspect-ratio: 16 / 10; min-height: 280px;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--es-fg); background: var(--es-bg);
  border: 1px solid var(--es-border); border-radius: 8px; overflow: hidden;
  contain: layout paint;
}
:host([data-theme="dark"]) {
  --es-bg: #151922; --es-fg: #e4e8ef; --es-muted: #a0a8b6; --es-border: #363d4b; --es-panel: #1d222d;
  --es-accent: #7aa7ff; --es-tip-bg: #eef1f6; --es-tip-fg: #151922;
}
:host([data-narrow]) { aspect-ratio: 4 / 5; }
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
.root { position: absolute; inset: 0; display: flex; flex-direction: column; }
.bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px 8px;
  border-bottom: 1px solid var(--es-border); background: var(--es-panel); }
.bar input[type="search"], .live input { flex: 1 1 10em; min-width: 6em; font: inherit; color: inherit;
  background: var(--es-bg); border: 1px solid var(--es-border); border-radius: 6px; padding: 3px 8px; }
button { font: inherit; color: inherit; background: var(--es-bg); border: 1px solid var(--es-border);
  border-radius: 6px; padding: 2px 9px; cursor: pointer; min-width: 2em; }
button:hover { border-color: var(--es-accent); }
button[aria-pressed="true"] { background: var(--es-accent); color: var(--es-bg); border-color: var(--es-accent); }
:focus-visible { outline: 2px solid var(--es-accent); outline-offset: 1px; }
.count { color: var(--es-muted); font-size: 12px; white-space: nowrap; }
.body { flex: 1 1 auto; min-height: 0; display: flex; }
.narrow .body { flex-direction: column; }
.stage { position: relative; flex: 1 1 auto; min-width: 0; min-height: 0; }
canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; cursor: grab; }
canvas:active { cursor: grabbing; }
.legend { flex: 0 0 auto; width: clamp(150px, 28%, 260px); overflow: auto; margin: 0; padding: 6px;
  list-style: none; border-left: 1px solid var(--es-border); background: var(--es-panel); font-size: 13px; }
.narrow .legend { width: auto; max-height: 34%; border-left: 0; border-top: 1px solid var(--es-border); }
.legend li { margin: 0; }
.legend button { display: flex; gap: 7px; align-items: flex-start; width: 100%; text-align: left;
  border: 1px solid transparent; background: none; padding: 3px 5px; }
.legend button:hover, .legend button[aria-pressed="true"] { border-color: var(--es-border); background: var(--es-bg); }
.legend button[aria-pressed="true"] { color: inherit; }
.swatch { flex: 0 0 auto; width: 11px; height: 11px; border-radius: 50%; margin-top: 4px; }
.legend .size { color: var(--es-muted); font-size: 12px; margin-left: auto; padding-left: 4px; }
.tip { position: absolute; z-index: 2; pointer-events: none; max-width: min(340px, 80%); padding: 6px 9px;
  border-radius: 6px; background: var(--es-tip-bg); color: var(--es-tip-fg); font-size: 13px;
  box-shadow: 0 2px 10px rgba(0,0,0,.25); white-space: pre-wrap; overflow-wrap: anywhere; }
.tip .meta { display: block; margin-top: 3px; opacity: .75; font-size: 12px; }
.table { flex: 1 1 auto; overflow: auto; padding: 8px 10px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding-bottom: 6px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--es-border); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td ul { margin: 0; padding-left: 1.1em; }
.status { position: absolute; inset: 0; display: flex; flex-direction: column; gap: 8px; align-items: center;
  justify-content: center; padding: 16px; text-align: center; color: var(--es-muted); }
.status[data-kind="error"] { color: #c0392b; }
.live { display: flex; gap: 6px; align-items: center; padding: 6px 8px; border-top: 1px solid var(--es-border);
  background: var(--es-panel); flex-wrap: wrap; }
.live output { flex: 1 1 100%; color: var(--es-muted); font-size: 12px; }
.pin { position: absolute; z-index: 1; width: 18px; height: 18px; margin: -9px 0 0 -9px; border-radius: 50%;
  border: 3px solid var(--es-fg); background: var(--es-bg); pointer-events: none; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
`;

const TEMPLATE = `
<div class="root" part="root">
  <div class="bar" part="toolbar" hidden>
    <input type="search" placeholder="Search texts…" aria-label="Search the texts on the map">
    <span class="count" aria-live="polite"></span>
    <button type="button" data-act="in" title="Zoom in" aria-label="Zoom in">+</button>
    <button type="button" data-act="out" title="Zoom out" aria-label="Zoom out">−</button>
    <button type="button" data-act="fit" title="Show everything" aria-label="Show the whole map">⤢</button>
    <button type="button" data-act="table" aria-pressed="false" title="The clusters as a table">Table</button>
  </div>
  <div class="body" hidden>
    <div class="stage" part="map">
      <canvas tabindex="0" role="img"></canvas>
      <div class="tip" role="tooltip" hidden></div>
      <div class="pin" hidden></div>
    </div>
    <div class="table" part="table" hidden></div>
    <ul class="legend" part="legend" aria-label="Clusters"></ul>
  </div>
  <form class="live" part="live" hidden>
    <input type="text" aria-label="Your text" placeholder="Type a sentence to place it on the map…">
    <button type="submit">Place</button>
    <output aria-live="polite"></output>
  </form>
  <div class="status" part="status"><slot>Loading map…</slot></div>
</div>
`;

/**
 * A map JSON (see web/lib/mapfile.js for the format) as the component draws it. The checks are
 * parseMapFile's, the one validator of the page and the component (it loads no engine); here the
 * cluster table is completed: sizes counted from the labels, labels it does not list added.
 */
export function readMap(m) {
  const p = parseMapFile(m);
  const labels = p.labelsArray;
  const sizes = new Map();
  for (const l of labels) if (l >= 0) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  const byLabel = new Map(p.clusters.map((c) => [c.label, { label: c.label, size: sizes.get(c.label) ?? 0, keywords: c.keywords }]));
  for (const [l, size] of sizes) if (!byLabel.has(l)) byLabel.set(l, { label: l, size, keywords: [] });
  const clusters = [...byLabel.values()].filter((c) => c.size > 0).sort((a, b) => b.size - a.size || a.label - b.label);
  const given = typeof m === 'string' ? p : m;
  return {
    n: p.n,
    texts: p.texts,
    xy: p.xy,
    labels,
    probabilities: given.probabilities !== undefined ? Float32Array.from(p.probabilities) : null,
    clusters,
    noise: labels.reduce((s, l) => s + (l < 0 ? 1 : 0), 0),
    model: p.model ?? null,
    params: p.params,
    vectors: p.vectorsMatrix,
    source: given,
  };
}

const clusterName = (c, k = 3) => (c.keywords.length ? c.keywords.slice(0, k).map((w) => w.word).join(', ') : `cluster ${c.label}`);

export class EmbedscapeMap extends HTMLElement {
  static get observedAttributes() { return ['src', 'theme', 'model', 'label']; }

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
      root.innerHTML = TEMPLATE;
    } else {
      root.innerHTML = `<style>${CSS}</style>${TEMPLATE}`;
    }
    const $ = (s) => root.querySelector(s);
    this._el = {
      root: $('.root'), bar: $('.bar'), search: $('.bar input'), count: $('.count'), body: $('.body'),
      stage: $('.stage'), canvas: $('canvas'), tip: $('.tip'), pin: $('.pin'), table: $('.table'),
      legend: $('.legend'), tableBtn: $('[data-act="table"]'), status: $('.status'),
      live: $('.live'), liveInput: $('.live input'), liveOut: $('.live output'), slot: $('.status slot'),
    };
    this.map = null;
    this.view = null;
    this._visible = false;
    this._loadedSrc = null;
    this._abort = null;
    this._activeCluster = null;
    this._live = null; // {model, session} once the model attribute is used
    this._pinAt = null;

    this._el.bar.addEventListener('click', (e) => {
      const act = e.target.closest('button')?.dataset.act;
      if (!act || !this.view) return;
      if (act === 'in') this.view.zoomBy(1.4);
      else if (act === 'out') this.view.zoomBy(1 / 1.4);
      else if (act === 'fit') this.view.fitView();
      else if (act === 'table') this._showTable(this._el.tableBtn.getAttribute('aria-pressed') !== 'true');
    });
    this._el.search.addEventListener('input', () => this.search(this._el.search.value));
    this._el.search.addEventListener('keydown', (e) => { if (e.key === 'Escape') { this._el.search.value = ''; this.search(''); } });
    this._el.legend.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-label]');
      if (b) this._toggleCluster(Number(b.dataset.label));
    });
    this._el.live.addEventListener('submit', (e) => { e.preventDefault(); this._placeText(this._el.liveInput.value); });
    this._el.canvas.addEventListener('keydown', (e) => { if (e.key === 'Escape') this._hideTip(); });

    this._media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    this._onScheme = () => this._applyTheme();
  }

  connectedCallback() {
    this._applyTheme();
    this._media?.addEventListener?.('change', this._onScheme);
    if (typeof ResizeObserver !== 'undefined') {
      this._ro = new ResizeObserver(() => this._layout());
      this._ro.observe(this);
    }
    if (this.getAttribute('loading') === 'eager' || typeof IntersectionObserver === 'undefined') {
      this._visible = true;
      this._maybeLoad();
    } else {
      this._io = new IntersectionObserver((entries) => {
        if (entries.some((en) => en.isIntersecting)) {
          this._io.disconnect();
          this._io = null;
          this._visible = true;
          this._maybeLoad();
        }
      }, { rootMargin: '300px' });
      this._io.observe(this);
    }
  }

  disconnectedCallback() {
    this._media?.removeEventListener?.('change', this._onScheme);
    this._ro?.disconnect();
    this._io?.disconnect();
    this._io = null;
    this._abort?.abort();
  }

  attributeChangedCallback(name, oldValue, value) {
    if (oldValue === value) return;
    if (name === 'theme') this._applyTheme();
    else if (name === 'src') { this._loadedSrc = null; this._maybeLoad(); }
    else if (name === 'model') this._el.live.hidden = !value || !this.map;
    else if (name === 'label' && this.map) this._describe();
  }

  // ------------------------------------------------------------------ attributes as properties (as <img src> does)

  /** The map JSON's URL, resolved against the document ('' without a src attribute). */
  get src() { return this._url('src'); }
  set src(v) { this.setAttribute('src', v); }
  /** The model folder's URL (or Hub id), resolved like src; '' without a model attribute. */
  get model() { return this._url('model'); }
  set model(v) { this.setAttribute('model', v); }
  /** 'auto' (default), 'light' or 'dark'. */
  get theme() { const t = this.getAttribute('theme'); return t === 'light' || t === 'dark' ? t : 'auto'; }
  set theme(v) { this.setAttribute('theme', v); }
  /** 'lazy' (default) or 'eager'. */
  get loading() { return this.getAttribute('loading') === 'eager' ? 'eager' : 'lazy'; }
  set loading(v) { this.setAttribute('loading', v); }
  /** The accessible name given ('' for the default one). */
  get label() { return this.getAttribute('label') ?? ''; }
  set label(v) { this.setAttribute('label', v); }

  _url(name) {
    const v = this.getAttribute(name);
    if (v === null) return '';
    if (name === 'model' && /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(v)) return v; // a Hub id
    try { return new URL(v, this.ownerDocument?.baseURI ?? location.href).href; } catch { return v; }
  }

  /** Loads `src` again. */
  reload() { this._loadedSrc = null; return this._maybeLoad(); }

  /** Highlights the texts containing `query`; returns their indices. */
  search(query) {
    if (!this.view || !this.map) return [];
    this._activeCluster = null;
    this._syncLegend();
    const hits = this.view.search(query);
    this._el.count.textContent = query.trim() ? `${hits.length} match${hits.length === 1 ? '' : 'es'}` : this._countText();
    return hits;
  }

  /** Shows the whole map. */
  fit() { if (this.map) this.view?.fitView(); }

  /**
   * Shows a map object (as saved by embedscape) without fetching anything. A bad map is refused:
   * the reader sees why (in place of the map), "embedscape-error" fires, and the error is thrown;
   * a later setMap or src change shows the next map as usual.
   */
  setMap(json) {
    this._abort?.abort();
    this._loadedSrc = this.getAttribute('src');
    let map;
    try { map = readMap(json); } catch (e) { this._fail(e); throw e; }
    this._render(map);
  }

  // ------------------------------------------------------------------------------------------ loading

  async _maybeLoad() {
    const src = this.getAttribute('src');
    if (!this._visible || !src || src === this._loadedSrc) return;
    this._loadedSrc = src;
    this._abort?.abort();
    const ac = new AbortController();
    this._abort = ac;
    this._setStatus('Loading map…');
    try {
      const url = new URL(src, this.ownerDocument?.baseURI ?? location.href);
      let res;
      try {
        res = await fetch(url, { signal: ac.signal });
      } catch (e) {
        if (ac.signal.aborted) return;
        throw new Error(`could not download ${url.href}${url.protocol === 'file:' ? ' (browsers do not fetch files from a file:// page; serve the folder over http)' : ''}`);
      }
      if (!res.ok) throw new Error(`could not download ${url.href}: HTTP ${res.status}`);
      let json;
      try { json = await res.json(); } catch (e) { throw new Error(`${url.href} is not valid JSON`); }
      if (ac.signal.aborted) return;
      this._render(readMap(json));
    } catch (e) {
      if (ac.signal.aborted) return;
      this._fail(e);
    }
  }

  /** Shows why there is no map (in place of the previous one) and tells the page. */
  _fail(e) {
    this.map = null;
    this._live = null;
    this._pinAt = null;
    const el = this._el;
    el.bar.hidden = true;
    el.body.hidden = true;
    el.live.hidden = true;
    el.pin.hidden = true;
    this._hideTip();
    this._setStatus(`Map not available: ${e.message}`, 'error');
    this.dispatchEvent(new CustomEvent('embedscape-error', { detail: { message: e.message }, bubbles: true, composed: true }));
  }

  _setStatus(text, kind = 'info') {
    const s = this._el.status;
    s.hidden = false;
    s.dataset.kind = kind;
    s.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    // an error replaces the element's own fallback content; loading again brings it back
    if (kind === 'error') s.textContent = text;
    else if (!s.contains(this._el.slot)) s.replaceChildren(this._el.slot);
  }

  _render(map) {
    this.map = map;
    const el = this._el;
    el.status.hidden = true;
    el.bar.hidden = false;
    el.body.hidden = false;
    el.live.hidden = !this.getAttribute('model');
    el.pin.hidden = true;
    this._dropLive();
    this._activeCluster = null;
    if (!this.view) {
      this.view = new MapView(el.canvas, {
        onHover: (hit) => (hit ? this._showTip(hit) : this._hideTip()),
        onClick: (hit) => { this.view.select(hit ? hit.index : -1); if (hit) this._showTip(hit); else this._hideTip(); },
        onViewChange: () => this._placePin(),
        ...this._colors(),
      });
    }
    this.view.setData({ xy: map.xy, labels: map.labels, probabilities: map.probabilities, texts: map.texts });
    this.view.setClusterNames(new Map(map.clusters.map((c) => [c.label, clusterName(c, 2)])));
    el.search.value = '';
    el.count.textContent = this._countText();
    this._buildLegend();
    this._buildTable();
    this._describe();
    this._layout();
    this.dispatchEvent(new CustomEvent('embedscape-load', { detail: { n: map.n, clusters: map.clusters.length }, bubbles: true, composed: true }));
  }

  _countText() {
    const m = this.map;
    return `${m.n} texts · ${m.clusters.length} cluster${m.clusters.length === 1 ? '' : 's'}`;
  }

  _describe() {
    const m = this.map;
    const label = this.getAttribute('label')
      || `Map of ${m.n} texts in ${m.clusters.length} cluster${m.clusters.length === 1 ? '' : 's'}${m.noise ? ` and ${m.noise} unclustered` : ''}`;
    this._el.canvas.setAttribute('aria-label', `${label}. Press the Table button for the clusters as text; + and − zoom, arrows pan, 0 resets.`);
  }

  _buildLegend() {
    const ul = this._el.legend;
    ul.textContent = '';
    const item = (label, color, name, size) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.label = String(label);
      b.setAttribute('aria-pressed', 'false');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = color;
      const nm = document.createElement('span');
      nm.className = 'name';
      nm.textContent = name;
      const sz = document.createElement('span');
      sz.className = 'size';
      sz.textContent = String(size);
      b.append(sw, nm, sz);
      b.title = `${name} — ${size} text${size === 1 ? '' : 's'} (click to highlight)`;
      li.append(b);
      ul.append(li);
    };
    for (const c of this.map.clusters) item(c.label, clusterColor(c.label), clusterName(c), c.size);
    if (this.map.noise) item(-1, NOISE_COLOR, 'unclustered (noise)', this.map.noise);
  }

  _buildTable() {
    const m = this.map;
    const t = document.createElement('table');
    const cap = document.createElement('caption');
    cap.textContent = `${m.clusters.length} cluster${m.clusters.length === 1 ? '' : 's'} of ${m.n} texts${m.model ? ` (model: ${m.model})` : ''}`;
    t.append(cap);
    const head = t.createTHead().insertRow();
    for (const h of ['Cluster', 'Texts', 'Keywords', 'Examples']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }
    const body = t.createTBody();
    const examples = new Map();
    // the most confident members first
    const order = [...m.labels.keys()].sort((a, b) => (m.probabilities ? m.probabilities[b] - m.probabilities[a] : 0) || a - b);
    for (const i of order) {
      const l = m.labels[i];
      const list = examples.get(l) ?? [];
      if (list.length < 3) list.push(m.texts[i]);
      examples.set(l, list);
    }
    const row = (label, name, size, kw) => {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = name;
      tr.append(th);
      const n = tr.insertCell(); n.className = 'num'; n.textContent = String(size);
      tr.insertCell().textContent = kw;
      const ex = tr.insertCell();
      const ul = document.createElement('ul');
      for (const s of examples.get(label) ?? []) {
        const li = document.createElement('li');
        li.textContent = s.length > 160 ? s.slice(0, 159) + '…' : s;
        ul.append(li);
      }
      ex.append(ul);
    };
    for (const c of m.clusters) row(c.label, `Cluster ${c.label}`, c.size, c.keywords.map((k) => k.word).join(', ') || '—');
    if (m.noise) row(-1, 'Unclustered', m.noise, '—');
    this._el.table.textContent = '';
    this._el.table.append(t);
  }

  _showTable(on) {
    const el = this._el;
    el.tableBtn.setAttribute('aria-pressed', String(on));
    el.table.hidden = !on;
    el.stage.hidden = on;
    el.legend.hidden = on;
    if (!on) this.view?.resize();
  }

  _toggleCluster(label) {
    if (!this.view || !this.map) return;
    this._activeCluster = this._activeCluster === label ? null : label;
    this._el.search.value = '';
    if (this._activeCluster === null) {
      this.view.highlight(null);
      this._el.count.textContent = this._countText();
    } else {
      const idx = [];
      this.map.labels.forEach((l, i) => { if (l === label) idx.push(i); });
      this.view.highlight(idx);
      this._el.count.textContent = `${idx.length} in this ${label < 0 ? 'group' : 'cluster'}`;
    }
    this._syncLegend();
  }

  _syncLegend() {
    for (const b of this._el.legend.querySelectorAll('button[data-label]')) {
      b.setAttribute('aria-pressed', String(Number(b.dataset.label) === this._activeCluster));
    }
  }

  _showTip(hit) {
    const tip = this._el.tip;
    const m = this.map;
    if (!m) return;
    const c = m.clusters.find((k) => k.label === hit.label);
    tip.textContent = '';
    const text = hit.text ?? '';
    tip.append(text.length > 400 ? text.slice(0, 399) + '…' : text);
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = hit.label < 0 ? 'unclustered (noise)' : `cluster ${hit.label}: ${c ? clusterName(c) : ''}`;
    tip.append(meta);
    tip.hidden = false;
    const W = this._el.stage.clientWidth, H = this._el.stage.clientHeight;
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    let x = hit.x + 12, y = hit.y + 12;
    if (x + tw > W - 4) x = Math.max(4, hit.x - tw - 12);
    if (y + th > H - 4) y = Math.max(4, hit.y - th - 12);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  _hideTip() { this._el.tip.hidden = true; }

  // ------------------------------------------------------------------------------------------ look

  _theme() {
    const t = this.getAttribute('theme');
    if (t === 'dark' || t === 'light') return t;
    return this._media?.matches ? 'dark' : 'light';
  }

  _colors() {
    return this._theme() === 'dark' ? { background: '#151922', foreground: '#e4e8ef' } : { background: '#ffffff', foreground: '#1d2330' };
  }

  _applyTheme() {
    this.dataset.theme = this._theme();
    if (this.view) {
      const c = this._colors();
      this.view.background = c.background;
      this.view.foreground = c.foreground;
      this.view.redraw();
    }
  }

  _layout() {
    const narrow = this.clientWidth < 560;
    this._el.root.classList.toggle('narrow', narrow);
    this.toggleAttribute('data-narrow', narrow);
    this.view?.resize();
    this._placePin();
  }

  // ------------------------------------------------------------------------------------------ live text

  async _placeText(text) {
    text = text.trim();
    const out = this._el.liveOut;
    const modelUrl = this.model;
    const map = this.map;
    if (!text || !modelUrl || !map) return;
    const button = this._el.live.querySelector('button');
    button.disabled = true;
    try {
      if (!this._live) {
        out.textContent = 'Loading the model…';
        const api = await import('../embedscape.js');
        const model = await api.loadModel(modelUrl);
        try {
          this._live = { model, session: await this._liveSession(api, model, map, out) };
        } catch (e) {
          model.dispose().catch(() => {});
          throw e;
        }
      }
      const { model, session } = this._live;
      const q = (await model.embed(text)).data;
      // umap-learn's transform onto the map's layout (its vectors, positions and UMAP options)
      const placed = await session.place(q);
      const near = (await session.similar(q, 5)).map(({ index, score }) => ({ index, sim: score, text: map.texts[index] }));
      if (this.map !== map) return; // another map was loaded meanwhile
      this._pinAt = [placed.embedding.data[0], placed.embedding.data[1]];
      this._placePin();
      this.view.highlight(near.map((n) => n.index));
      out.textContent = `Closest: ${near.slice(0, 3).map((n) => `“${n.text}” (${n.sim.toFixed(2)})`).join('; ')}`;
      this.dispatchEvent(new CustomEvent('embedscape-place', { detail: { text, x: this._pinAt[0], y: this._pinAt[1], nearest: near }, bubbles: true, composed: true }));
    } catch (e) {
      out.textContent = `Could not place it: ${e.message}`;
    } finally {
      button.disabled = false;
    }
  }

  /**
   * A session on the map's layout with the texts' vectors: the map's own (int8, as saved) when it
   * carries them, else embedded here once. Its worker answers the nearest texts and the placement.
   */
  async _liveSession(api, model, map, out) {
    const umap = mapUmapOptions(map);
    if (!umap) throw new api.EmbedscapeError('this map does not record the UMAP parameters it was made with, so a new text cannot be placed on its layout');
    let vectors = map.vectors;
    if (vectors && vectors.dim !== model.dim) {
      throw new api.EmbedscapeError(`the map's vectors have ${vectors.dim} numbers per text, the model ${model.name ?? ''} gives ${model.dim}: it is not the model the map was made with`);
    }
    if (!vectors) {
      out.textContent = `Embedding the ${map.n} texts of the map (once; a map saved with its vectors needs none of this)…`;
      vectors = await model.embed(map.texts, {
        onProgress: (p) => { if (p.total) out.textContent = `Embedding the texts of the map: ${Math.floor((100 * p.done) / p.total)}%`; },
      });
    }
    const session = await api.createSession({ model });
    try {
      session.setTexts(map.texts);
      session.setLayout(map.xy, { vectors, umap });
      await session.run({ until: 'layout' });
      return session;
    } catch (e) {
      session.dispose().catch(() => {});
      throw e;
    }
  }

  /** Frees the session and model of live placement (a new map needs its texts embedded again). */
  _dropLive() {
    const live = this._live;
    this._live = null;
    live?.session.dispose().catch(() => {});
    live?.model.dispose().catch(() => {});
  }

  _placePin() {
    const pin = this._el.pin;
    if (!this._pinAt || !this.view) { pin.hidden = true; return; }
    const [x, y] = this.view.toScreen(this._pinAt[0], this._pinAt[1]);
    pin.style.left = `${x}px`;
    pin.style.top = `${y}px`;
    pin.hidden = false;
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('embedscape-map')) {
  customElements.define('embedscape-map', EmbedscapeMap);
}
