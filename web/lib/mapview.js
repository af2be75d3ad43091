// mapview.js — a 2-D point map drawn on one <canvas>: clusters in colour, noise in grey, zoom and
// pan (wheel, drag, two-finger pinch, keyboard), hover and click hit-testing through a grid index,
// search and highlighting, sharp on high-DPI screens, PNG export. It touches no DOM but the canvas it
// is given (tooltips, legends and panels belong to whoever uses it: the page and <embedscape-map>).
//
//   import { MapView } from './mapview.js';
//   const view = new MapView(canvas, {
//     onHover: (hit) => hit ? showTip(hit.text, hit.clientX, hit.clientY) : hideTip(),
//     onClick: (hit) => hit && showNeighbours(hit.index),
//   });
//   view.setData({ xy, labels, probabilities, texts });   // xy: Matrix {data, n, dim >= 2}
//   view.setLabels(newLabels, newProbabilities);           // recolour only
//   view.setPositions(snapshot);                           // move points (layout settling)
//   view.search('football');                               // highlights matches, returns their indices
//   const blob = await view.toPNG();
//   view.dispose();
//
// Coordinates: data space has y up; screen space is CSS pixels, y down. The view keeps a centre (data)
// and a scale (CSS px per data unit); the backing store is CSS size x devicePixelRatio.

import { clusterColor, NOISE_COLOR, hexToRgb } from './palette.js';

const DRAG_THRESHOLD = 4; // CSS px a pointer may move and still count as a click
const HIT_RADIUS = 8; // CSS px around a point that counts as hovering it
const MIN_SCALE_FACTOR = 0.2; // relative to the fitted scale
const MAX_SCALE_FACTOR = 400;

/**
 * @typedef {{data: Float32Array|Float64Array|number[], n: number, dim: number}} Matrix
 * @typedef {{index: number, text: string|undefined, label: number|null, probability: number,
 *   x: number, y: number, clientX: number, clientY: number}} Hit
 *   label: null while the map has no labels; x, y: the point's position in CSS px relative to the
 *   canvas; clientX/Y: in the viewport
 */

/** True for a #rrggbb background darker than mid-grey (names are then drawn light). */
function isDark(color) {
  if (typeof color !== 'string' || !/^#[0-9a-f]{6}$/i.test(color)) return false;
  const [r, g, b] = hexToRgb(color);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

export class MapView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onHover?: (hit: Hit|null) => void, onClick?: (hit: Hit|null) => void,
   *   onViewChange?: (view: {scale: number, cx: number, cy: number, fitted: boolean}) => void,
   *   colorOf?: (label: number) => string, background?: string|null, foreground?: string,
 *   unlabelledColor?: string,
   *   pointSize?: number, clusterNames?: Map<number, string>|null}} [opts]
   *   background: fill colour (null = transparent; PNG export then uses white);
   *   pointSize: radius in CSS px (default: chosen from the number of points)
   */
  constructor(canvas, opts = {}) {
    if (!canvas || typeof canvas.getContext !== 'function') throw new TypeError('MapView needs a <canvas> element');
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.opts = opts;
    this.colorOf = opts.colorOf ?? clusterColor;
    this.background = opts.background === undefined ? '#ffffff' : opts.background;
    this.foreground = opts.foreground ?? '#1d2330';
    this.unlabelledColor = opts.unlabelledColor ?? '#51607e';
    this.n = 0;
    this.xs = new Float32Array(0);
    this.ys = new Float32Array(0);
    this.labels = new Int32Array(0);
    this.probabilities = null;
    this.texts = [];
    this.clusterNames = opts.clusterNames ?? null;
    this.highlighted = null; // Uint8Array mask or null
    this.hovered = -1;
    this.selected = -1;
    this.cx = 0; this.cy = 0; this.scale = 1; this.fitScale = 1;
    this.fitted = true; // follow the data (fit on every setPositions) until the user moves the view
    this.cssW = 0; this.cssH = 0; this.dpr = 1;
    this._frame = 0;
    this._grid = null;
    this._pointers = new Map();
    this._gesture = null;
    this._listeners = [];
    this._lastMove = null;

    canvas.style.touchAction = 'none';
    this._listen(canvas, 'pointerdown', (e) => this._onPointerDown(e));
    this._listen(canvas, 'pointermove', (e) => this._onPointerMove(e));
    this._listen(canvas, 'pointerup', (e) => this._onPointerUp(e));
    this._listen(canvas, 'pointercancel', (e) => this._onPointerUp(e, true));
    this._listen(canvas, 'pointerleave', (e) => { if (e.pointerType === 'mouse' && !this._pointers.size) this._setHover(-1, e); });
    this._listen(canvas, 'wheel', (e) => this._onWheel(e), { passive: false });
    this._listen(canvas, 'keydown', (e) => this._onKey(e));
    this._listen(canvas, 'dblclick', (e) => { e.preventDefault(); this.fitView(); });

    if (typeof ResizeObserver !== 'undefined') {
      this._resizeObserver = new ResizeObserver(() => this.resize());
      this._resizeObserver.observe(canvas);
    }
    this.resize();
  }

  _listen(target, type, fn, options) {
    target.addEventListener(type, fn, options);
    this._listeners.push(() => target.removeEventListener(type, fn, options));
  }

  // ------------------------------------------------------------------------------------ data

  /**
   * Replaces all points. Labels default to 0 (one colour); probabilities to 1.
   * @param {{xy: Matrix, labels?: ArrayLike<number>|null, probabilities?: ArrayLike<number>|null,
   *   texts?: string[]}} d
   */
  setData(d) {
    const { xy } = d;
    if (!xy || !(xy.dim >= 2) || !(xy.n >= 0)) throw new TypeError('setData: xy must be a Matrix {data, n, dim >= 2}');
    this.n = xy.n;
    this.texts = d.texts ?? [];
    this.hovered = -1;
    this.selected = -1;
    this.highlighted = null;
    this._copyPositions(xy);
    this.setLabels(d.labels ?? null, d.probabilities ?? null, { redraw: false });
    this.fitView();
  }

  /**
   * Moves the points (same n), e.g. a snapshot of a layout that is still settling. The view follows
   * the points (refits) unless the user has zoomed or panned since the last fitView().
   * @param {Matrix} xy
   */
  setPositions(xy) {
    if (xy.n !== this.n) throw new RangeError(`setPositions: ${xy.n} points, the map has ${this.n}`);
    this._copyPositions(xy);
    if (this.fitted) this.fitView();
    else this.redraw();
  }

  _copyPositions(xy) {
    const n = xy.n, dim = xy.dim, src = xy.data;
    if (this.xs.length !== n) { this.xs = new Float32Array(n); this.ys = new Float32Array(n); }
    for (let i = 0; i < n; i++) { this.xs[i] = src[i * dim]; this.ys[i] = src[i * dim + 1]; }
    this._grid = null;
  }

  /**
   * Recolours the points: labels[i] = cluster of point i (-1 = noise); probabilities (0..1) fade
   * weak members. Without labels (null) every point is drawn in one neutral colour.
   * @param {ArrayLike<number>|null} labels @param {ArrayLike<number>|null} [probabilities]
   */
  setLabels(labels, probabilities = null, { redraw = true } = {}) {
    this.labels = new Int32Array(this.n);
    this.hasLabels = !!labels;
    if (labels) {
      if (labels.length !== this.n) throw new RangeError(`setLabels: ${labels.length} labels for ${this.n} points`);
      this.labels.set(labels);
    }
    this.probabilities = probabilities ? Float32Array.from(probabilities) : null;
    if (redraw) this.redraw();
  }

  /** Names drawn at each cluster's centre (Map label -> short text), or null for none. */
  setClusterNames(names) {
    this.clusterNames = names;
    this.redraw();
  }

  /**
   * Emphasises some points and fades the rest; null or an empty list clears it.
   * @param {Iterable<number>|null} indices
   */
  highlight(indices) {
    if (!indices) { this.highlighted = null; this.redraw(); return; }
    const mask = new Uint8Array(this.n);
    let any = false;
    for (const i of indices) if (i >= 0 && i < this.n) { mask[i] = 1; any = true; }
    this.highlighted = any ? mask : null;
    this.redraw();
  }

  /**
   * Highlights the points whose text contains the query (case-insensitive); an empty query clears.
   * @param {string} query @returns {number[]} indices of the matches
   */
  search(query) {
    const q = (query ?? '').trim().toLowerCase();
    if (!q) { this.highlight(null); return []; }
    const hits = [];
    for (let i = 0; i < this.n; i++) {
      const t = this.texts[i];
      if (typeof t === 'string' && t.toLowerCase().includes(q)) hits.push(i);
    }
    this.highlighted = new Uint8Array(this.n);
    for (const i of hits) this.highlighted[i] = 1;
    this.redraw();
    return hits;
  }

  /** Marks one point as selected (a ring), -1 for none. */
  select(index) {
    this.selected = index >= 0 && index < this.n ? index : -1;
    this.redraw();
  }

  // ------------------------------------------------------------------------------------ view

  /** Fits all points in the canvas and follows them again as they move. */
  fitView() {
    this.fitted = true;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const x = this.xs[i], y = this.ys[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < minX) minX = x; if (x > maxX) maxX = x;
      if (y < minY) minY = y; if (y > maxY) maxY = y;
    }
    if (minX > maxX) { minX = -1; maxX = 1; minY = -1; maxY = 1; }
    const pad = Math.min(40, Math.max(12, Math.min(this.cssW, this.cssH) * 0.06));
    const w = Math.max(1, this.cssW - 2 * pad), h = Math.max(1, this.cssH - 2 * pad);
    const dx = Math.max(maxX - minX, 1e-9), dy = Math.max(maxY - minY, 1e-9);
    this.scale = Math.min(w / dx, h / dy);
    if (!Number.isFinite(this.scale) || this.scale <= 0) this.scale = 1;
    this.fitScale = this.scale;
    this.cx = (minX + maxX) / 2;
    this.cy = (minY + maxY) / 2;
    this._viewChanged();
  }

  /**
   * Zooms by a factor around a point given in CSS px relative to the canvas (default: its centre).
   */
  zoomBy(factor, px = this.cssW / 2, py = this.cssH / 2) {
    const [dx, dy] = this.toData(px, py);
    const s = Math.min(this.fitScale * MAX_SCALE_FACTOR, Math.max(this.fitScale * MIN_SCALE_FACTOR, this.scale * factor));
    this.scale = s;
    // keep the data point under (px, py) fixed
    this.cx = dx - (px - this.cssW / 2) / s;
    this.cy = dy + (py - this.cssH / 2) / s;
    this.fitted = false;
    this._viewChanged();
  }

  /** Pans by a distance in CSS px. */
  panBy(dxPx, dyPx) {
    this.cx -= dxPx / this.scale;
    this.cy += dyPx / this.scale;
    this.fitted = false;
    this._viewChanged();
  }

  /** Screen (CSS px relative to the canvas) of a data point. */
  toScreen(x, y) {
    return [(x - this.cx) * this.scale + this.cssW / 2, this.cssH / 2 - (y - this.cy) * this.scale];
  }

  /** Data coordinates of a screen point (CSS px relative to the canvas). */
  toData(px, py) {
    return [(px - this.cssW / 2) / this.scale + this.cx, this.cy - (py - this.cssH / 2) / this.scale];
  }

  /** Screen position (CSS px relative to the canvas) of point i. */
  pointPosition(i) {
    return this.toScreen(this.xs[i], this.ys[i]);
  }

  _viewChanged() {
    this.opts.onViewChange?.({ scale: this.scale / this.fitScale, cx: this.cx, cy: this.cy, fitted: this.fitted });
    this.redraw();
  }

  /** Re-reads the canvas' CSS size and the device pixel ratio; call after layout changes. */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = (typeof devicePixelRatio === 'number' && devicePixelRatio > 0) ? devicePixelRatio : 1;
    const w = Math.round(rect.width) || this.canvas.width || 300;
    const h = Math.round(rect.height) || this.canvas.height || 150;
    if (w === this.cssW && h === this.cssH && dpr === this.dpr) return;
    const oldW = this.cssW, oldH = this.cssH;
    this.cssW = w; this.cssH = h; this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    if (this.fitted || !oldW || !oldH) this.fitView();
    else this.redraw();
  }

  // ------------------------------------------------------------------------------------ hit testing

  _buildGrid() {
    const n = this.n;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = this.xs[i], y = this.ys[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < minX) minX = x; if (x > maxX) maxX = x;
      if (y < minY) minY = y; if (y > maxY) maxY = y;
    }
    if (minX > maxX) { minX = maxX = minY = maxY = 0; }
    const g = Math.max(1, Math.min(512, Math.ceil(Math.sqrt(n / 4))));
    const cw = Math.max((maxX - minX) / g, 1e-12), ch = Math.max((maxY - minY) / g, 1e-12);
    const cellOf = new Int32Array(n);
    const counts = new Int32Array(g * g + 1);
    for (let i = 0; i < n; i++) {
      const x = this.xs[i], y = this.ys[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) { cellOf[i] = -1; continue; }
      const gx = Math.min(g - 1, Math.floor((x - minX) / cw));
      const gy = Math.min(g - 1, Math.floor((y - minY) / ch));
      const c = gy * g + gx;
      cellOf[i] = c;
      counts[c + 1]++;
    }
    for (let c = 0; c < g * g; c++) counts[c + 1] += counts[c];
    const start = counts.slice();
    const items = new Int32Array(n);
    for (let i = 0; i < n; i++) if (cellOf[i] >= 0) items[start[cellOf[i]]++] = i;
    this._grid = { g, minX, minY, cw, ch, cellStart: counts, items };
  }

  /**
   * The point nearest to a screen position (CSS px relative to the canvas) within the hit radius,
   * or -1. Points drawn on top (later, highlighted) win ties.
   */
  pick(px, py, radius = HIT_RADIUS) {
    if (!this.n) return -1;
    if (!this._grid) this._buildGrid();
    const { g, minX, minY, cw, ch, cellStart, items } = this._grid;
    const [x, y] = this.toData(px, py);
    const r = radius / this.scale;
    const gx0 = Math.max(0, Math.floor((x - r - minX) / cw)), gx1 = Math.min(g - 1, Math.floor((x + r - minX) / cw));
    const gy0 = Math.max(0, Math.floor((y - r - minY) / ch)), gy1 = Math.min(g - 1, Math.floor((y + r - minY) / ch));
    let best = -1, bestD = r * r;
    for (let gy = gy0; gy <= gy1; gy++) {
      for (let gx = gx0; gx <= gx1; gx++) {
        const c = gy * g + gx;
        for (let k = cellStart[c]; k < cellStart[c + 1]; k++) {
          const i = items[k];
          const ddx = this.xs[i] - x, ddy = this.ys[i] - y;
          const d = ddx * ddx + ddy * ddy;
          if (d <= bestD) { bestD = d; best = i; }
        }
      }
    }
    return best;
  }

  _hit(i, e) {
    if (i < 0) return null;
    const [x, y] = this.pointPosition(i);
    const rect = this.canvas.getBoundingClientRect();
    return {
      index: i,
      text: this.texts[i],
      label: this.hasLabels ? this.labels[i] : null,
      probability: this.probabilities ? this.probabilities[i] : 1,
      x, y,
      clientX: rect.left + x,
      clientY: rect.top + y,
      pointerType: e?.pointerType ?? 'keyboard',
    };
  }

  _setHover(i, e) {
    if (i === this.hovered) return;
    this.hovered = i;
    this.opts.onHover?.(this._hit(i, e));
    this.redraw();
  }

  // ------------------------------------------------------------------------------------ input

  _local(e) {
    const rect = this.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  _onPointerDown(e) {
    if (e.button !== undefined && e.button !== 0 && e.pointerType === 'mouse') return;
    this.canvas.setPointerCapture?.(e.pointerId);
    const [px, py] = this._local(e);
    this._pointers.set(e.pointerId, { px, py, startX: px, startY: py });
    if (this._pointers.size === 1) this._gesture = { moved: false };
    else {
      this._gesture = { moved: true, pinch: this._pinchState() };
    }
  }

  _pinchState() {
    const [a, b] = [...this._pointers.values()];
    return { dist: Math.hypot(a.px - b.px, a.py - b.py), mx: (a.px + b.px) / 2, my: (a.py + b.py) / 2 };
  }

  _onPointerMove(e) {
    const [px, py] = this._local(e);
    const p = this._pointers.get(e.pointerId);
    if (!p) {
      if (e.pointerType === 'mouse' || e.pointerType === 'pen') this._setHover(this.pick(px, py), e);
      return;
    }
    const g = this._gesture;
    if (this._pointers.size >= 2 && g?.pinch) {
      p.px = px; p.py = py;
      const now = this._pinchState();
      if (g.pinch.dist > 0 && now.dist > 0) this.zoomBy(now.dist / g.pinch.dist, now.mx, now.my);
      this.panBy(now.mx - g.pinch.mx, now.my - g.pinch.my);
      g.pinch = now;
      return;
    }
    if (!g.moved && Math.hypot(px - p.startX, py - p.startY) > DRAG_THRESHOLD) g.moved = true;
    if (g.moved) {
      this.panBy(px - p.px, py - p.py);
      if (this.hovered >= 0) this._setHover(-1, e);
    }
    p.px = px; p.py = py;
  }

  _onPointerUp(e, cancelled = false) {
    const p = this._pointers.get(e.pointerId);
    if (!p) return;
    this._pointers.delete(e.pointerId);
    this.canvas.releasePointerCapture?.(e.pointerId);
    const g = this._gesture;
    if (this._pointers.size === 1 && g?.pinch) {
      // one finger left after a pinch: keep panning with it, no click
      this._gesture = { moved: true };
      return;
    }
    if (this._pointers.size === 0) {
      this._gesture = null;
      if (!cancelled && g && !g.moved) {
        const [px, py] = this._local(e);
        const i = this.pick(px, py, e.pointerType === 'touch' ? HIT_RADIUS * 2 : HIT_RADIUS);
        if (e.pointerType === 'touch') this._setHover(i, e);
        this.opts.onClick?.(this._hit(i, e));
      }
    }
  }

  _onWheel(e) {
    e.preventDefault();
    const [px, py] = this._local(e);
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    const factor = Math.exp(-e.deltaY * unit * 0.0015);
    this.zoomBy(factor, px, py);
  }

  _onKey(e) {
    const step = 40;
    let handled = true;
    switch (e.key) {
      case '+': case '=': this.zoomBy(1.25); break;
      case '-': case '_': this.zoomBy(0.8); break;
      case '0': this.fitView(); break;
      case 'ArrowLeft': this.panBy(step, 0); break;
      case 'ArrowRight': this.panBy(-step, 0); break;
      case 'ArrowUp': this.panBy(0, step); break;
      case 'ArrowDown': this.panBy(0, -step); break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  }

  // ------------------------------------------------------------------------------------ drawing

  /** Schedules a redraw on the next animation frame (cheap to call often). */
  redraw() {
    if (this._frame) return;
    if (typeof requestAnimationFrame === 'function') {
      this._frame = requestAnimationFrame(() => { this._frame = 0; this.draw(); });
    } else {
      this.draw();
    }
  }

  _radius() {
    if (this.opts.pointSize) return this.opts.pointSize;
    const n = this.n;
    const base = n <= 300 ? 5 : n <= 2000 ? 4 : n <= 10000 ? 2.6 : n <= 50000 ? 1.8 : 1.3;
    // grow a little when zoomed in, so dense areas open up
    return base * Math.min(2, Math.max(1, Math.sqrt(this.scale / this.fitScale) * 0.8));
  }

  /** Draws now (normally called through redraw()). */
  draw(ctx = this.ctx, { dpr = this.dpr, background = this.background } = {}) {
    const W = this.cssW, H = this.cssH;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (background) {
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, W, H);
    } else {
      ctx.clearRect(0, 0, W, H);
    }
    const n = this.n;
    if (!n) return;
    const r = this._radius();
    const fast = n > 20000;
    const hl = this.highlighted;
    const s = this.scale, ox = W / 2 - this.cx * s, oy = H / 2 + this.cy * s;

    // Group by alpha level and colour so each group is one path: faded and noise first (underneath).
    const groups = new Map();
    for (let i = 0; i < n; i++) {
      const l = this.labels[i];
      const p = this.probabilities ? this.probabilities[i] : 1;
      const level = hl && !hl[i] ? 0 : l < 0 ? 1 : p >= 0.66 ? 3 : 2;
      const key = level * 1e7 + (l < 0 ? 0 : l + 1);
      let a = groups.get(key);
      if (!a) { a = []; groups.set(key, a); }
      a.push(i);
    }
    const keys = [...groups.keys()].sort((a, b) => a - b);
    const alphaOf = [0.13, 0.55, 0.6, 0.9];
    for (const key of keys) {
      const level = Math.floor(key / 1e7), label = (key % 1e7) - 1;
      const idx = groups.get(key);
      const color = !this.hasLabels ? this.unlabelledColor : label < 0 ? NOISE_COLOR : this.colorOf(label);
      ctx.globalAlpha = alphaOf[level];
      ctx.fillStyle = color;
      const rr = label < 0 ? r * 0.8 : r;
      ctx.beginPath();
      for (const i of idx) {
        const x = this.xs[i] * s + ox, y = oy - this.ys[i] * s;
        if (x < -rr || y < -rr || x > W + rr || y > H + rr) continue;
        if (fast) ctx.rect(x - rr, y - rr, 2 * rr, 2 * rr);
        else { ctx.moveTo(x + rr, y); ctx.arc(x, y, rr, 0, Math.PI * 2); }
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;

    // highlighted points get a thin outline so they stand out on any colour
    if (hl) {
      ctx.strokeStyle = this.foreground;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        if (!hl[i]) continue;
        const x = this.xs[i] * s + ox, y = oy - this.ys[i] * s;
        ctx.moveTo(x + r + 1.5, y);
        ctx.arc(x, y, r + 1.5, 0, Math.PI * 2);
      }
      ctx.stroke();
    }

    if (this.clusterNames && this.clusterNames.size) this._drawClusterNames(ctx, r);

    for (const [i, ring] of [[this.selected, 3.5], [this.hovered, 2.5]]) {
      if (i < 0 || i >= n) continue;
      const x = this.xs[i] * s + ox, y = oy - this.ys[i] * s;
      ctx.beginPath();
      ctx.arc(x, y, r + ring, 0, Math.PI * 2);
      ctx.lineWidth = 2;
      ctx.strokeStyle = this.background && this.background !== 'transparent' ? this.background : '#ffffff';
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(x, y, r + ring + 1.5, 0, Math.PI * 2);
      ctx.lineWidth = 2;
      ctx.strokeStyle = this.foreground;
      ctx.stroke();
    }
  }

  _drawClusterNames(ctx, r) {
    // each name at its cluster's median point (robust to stray members); big clusters first, and a
    // name that would overlap one already drawn is left out (the legend still has it)
    const members = new Map();
    for (let i = 0; i < this.n; i++) {
      const l = this.labels[i];
      if (l < 0 || !this.clusterNames.has(l)) continue;
      let m = members.get(l);
      if (!m) { m = { xs: [], ys: [] }; members.set(l, m); }
      m.xs.push(this.xs[i]); m.ys.push(this.ys[i]);
    }
    const median = (a) => { a.sort((p, q) => p - q); return a[a.length >> 1]; };
    const dark = isDark(this.background);
    ctx.font = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    const placed = [];
    const order = [...members.entries()].sort((a, b) => b[1].xs.length - a[1].xs.length);
    for (const [l, m] of order) {
      if (placed.length >= 40) break;
      const name = String(this.clusterNames.get(l));
      if (!name) continue;
      const [x, y] = this.toScreen(median(m.xs), median(m.ys));
      if (x < 0 || y < 0 || x > this.cssW || y > this.cssH) continue;
      const label = name.length > 40 ? name.slice(0, 39) + '…' : name;
      const yy = y - r - 12;
      const w = ctx.measureText(label).width + 8, h = 16;
      const box = [x - w / 2, yy - h / 2, x + w / 2, yy + h / 2];
      if (placed.some((q) => box[0] < q[2] && box[2] > q[0] && box[1] < q[3] && box[3] > q[1])) continue;
      placed.push(box);
      ctx.lineWidth = 4;
      ctx.strokeStyle = dark ? 'rgba(0,0,0,0.75)' : 'rgba(255,255,255,0.9)';
      ctx.strokeText(label, x, yy);
      const [cr, cg, cb] = hexToRgb(this.colorOf(l));
      // darken (light background) or lighten (dark background) the cluster colour for legibility
      const k = dark ? 0.45 : 0.62;
      ctx.fillStyle = dark
        ? `rgb(${Math.round(cr + (255 - cr) * k)},${Math.round(cg + (255 - cg) * k)},${Math.round(cb + (255 - cb) * k)})`
        : `rgb(${Math.round(cr * k)},${Math.round(cg * k)},${Math.round(cb * k)})`;
      ctx.fillText(label, x, yy);
    }
  }

  /**
   * The map as a PNG image at the canvas' resolution (times `scale`), on an opaque background.
   * @param {{scale?: number, background?: string}} [opts]
   * @returns {Promise<Blob>}
   */
  toPNG(opts = {}) {
    const k = opts.scale ?? 1;
    const bg = opts.background ?? this.background ?? '#ffffff';
    const dpr = this.dpr * k;
    const w = Math.round(this.cssW * dpr), h = Math.round(this.cssH * dpr);
    let out;
    if (typeof OffscreenCanvas !== 'undefined') out = new OffscreenCanvas(w, h);
    else { out = this.canvas.ownerDocument.createElement('canvas'); out.width = w; out.height = h; }
    const saved = this.hovered;
    this.hovered = -1; // no hover ring in the picture
    this.draw(out.getContext('2d'), { dpr, background: bg });
    this.hovered = saved;
    if (out.convertToBlob) return out.convertToBlob({ type: 'image/png' });
    return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG export failed'))), 'image/png'));
  }

  /** Removes the listeners; the canvas is left as it is. */
  dispose() {
    if (this._frame && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this._frame);
    this._frame = 0;
    this._resizeObserver?.disconnect();
    for (const off of this._listeners) off();
    this._listeners = [];
  }
}
