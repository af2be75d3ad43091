// plot.js — the canvases of the workshop's steps (opening, angles, graph, forces, sweep): a canvas
// sized to its box at the device's pixel ratio and redrawn when the box changes (a step scrolling
// into view, a narrow screen) or the colour scheme does; the page's colours (CSS variables, light and
// dark); and a point plot (points fitted to the box, optional weighted edges, hover by nearest point).
// The explorer map (web/lib/mapview.js) zooms, pans, searches and selects; these only show and point.

import { clusterColor } from '../lib/palette.js';

/** The page's colours for drawing (they follow prefers-color-scheme). */
export function themeColors() {
  const cs = getComputedStyle(document.documentElement);
  const v = (name, fallback) => cs.getPropertyValue(name).trim() || fallback;
  return {
    bg: v('--map-bg', '#ffffff'), ink: v('--map-ink', '#1d2330'), ink2: v('--ink-2', '#4a5263'), muted: v('--muted', '#6b7385'),
    line: v('--line', '#e2e5ec'), line2: v('--line-2', '#cfd4de'), accent: v('--accent', '#2f5fd0'), danger: v('--danger', '#b3261e'),
    surface: v('--surface', '#f7f8fb'), sans: v('--sans', 'sans-serif'), mono: v('--mono', 'monospace'),
  };
}

const surfaces = new Set();
if (typeof matchMedia === 'function') {
  matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', () => { for (const s of surfaces) s.request(); });
}

/**
 * A canvas that draws itself with draw(ctx, width, height, colors) (CSS pixels) whenever it is asked
 * to (request(): once per animation frame at most) and when its box or the colour scheme changes.
 */
export class Surface {
  constructor(canvas, draw) {
    this.canvas = canvas;
    this.drawFn = draw;
    this.w = 0;
    this.h = 0;
    this.dpr = 1;
    this._frame = 0;
    // the observer reports the box (also once at the start) without forcing a layout
    this._observer = typeof ResizeObserver === 'function' ? new ResizeObserver((entries) => this._resize(entries.at(-1).contentRect)) : null;
    this._observer?.observe(canvas);
    surfaces.add(this);
    if (!this._observer) this._resize();
  }

  _resize(box) {
    const r = box ?? this.canvas.getBoundingClientRect();
    const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
    const w = Math.round(r.width), h = Math.round(r.height);
    if (w === this.w && h === this.h && dpr === this.dpr) return;
    this.w = w; this.h = h; this.dpr = dpr;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.now(); // at once: a resized canvas is blank until drawn
  }

  /** Draws in the next animation frame (several requests in one frame draw once). */
  request() {
    if (this._frame) return;
    const raf = globalThis.requestAnimationFrame ?? ((f) => setTimeout(f, 16));
    this._frame = raf(() => { this._frame = 0; this.now(); });
  }

  /** Draws now (and not again in the next frame for an earlier request()). */
  now() {
    if (this._frame) { (globalThis.cancelAnimationFrame ?? clearTimeout)(this._frame); this._frame = 0; }
    if (!this.w || !this.h) return;
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const colors = themeColors();
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, this.w, this.h);
    this.drawFn(ctx, this.w, this.h, colors);
  }

  dispose() {
    this._observer?.disconnect();
    surfaces.delete(this);
  }
}

/** Bounds of 2-D points (n*2 values): {x0, x1, y0, y1}. */
export function boundsOf(data, n = data.length / 2) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = data[2 * i], y = data[2 * i + 1];
    if (x < x0) x0 = x; if (x > x1) x1 = x;
    if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  if (!(x1 >= x0)) return { x0: 0, x1: 1, y0: 0, y1: 1 };
  return { x0, x1, y0, y1 };
}

/** Point radius for n points: large for a handful, small for thousands. */
export const pointRadius = (n) => Math.max(1.6, Math.min(7, 7 - 1.45 * Math.log10(Math.max(1, n))));

/**
 * Points (and optionally edges) fitted to a canvas. Set `points` (Float32Array n*2, e.g. a layout),
 * `colors` (a colour per point, or a cluster label per point: numbers use the map's palette),
 * `edges` ({a, b, w}: undirected pairs and weights 0..1, drawn with opacity = weight), `ring` (a Set
 * of points to circle) and `focus` (a point whose edges stand out), then request().
 */
export class PointPlot {
  constructor(canvas, { onHover, padding = 18, overlay } = {}) {
    this.points = null;
    this.n = 0;
    this.frame = null;
    this.colors = null;
    this.edges = null;
    this.edgeAlpha = 0.75;
    this.ring = null;
    this.focus = -1;
    this.dim = null; // a Set of points drawn faded (the others stand out)
    this.padding = padding;
    this.overlay = overlay; // (ctx, plot, colors) drawn last
    this.surface = new Surface(canvas, (ctx, w, h, c) => this._draw(ctx, w, h, c));
    if (onHover) {
      canvas.addEventListener('pointermove', (e) => onHover(this.pick(e.offsetX, e.offsetY), e));
      canvas.addEventListener('pointerleave', () => onHover(-1));
    }
  }

  get canvas() { return this.surface.canvas; }

  /** Sets the points; the frame follows them unless one is given (keep it fixed to compare frames). */
  setPoints(data, frame = null) {
    this.points = data;
    this.n = data ? data.length / 2 : 0;
    this.frame = frame ?? (data ? boundsOf(data) : null);
    this.request();
  }

  request() { this.surface.request(); }

  _transform() {
    const { w, h } = this.surface;
    const f = this.frame;
    const p = this.padding;
    const sx = f.x1 > f.x0 ? (w - 2 * p) / (f.x1 - f.x0) : 1;
    const sy = f.y1 > f.y0 ? (h - 2 * p) / (f.y1 - f.y0) : 1;
    const s = Math.max(1e-9, Math.min(sx, sy));
    const ox = (w - s * (f.x1 - f.x0)) / 2 - s * f.x0;
    const oy = (h - s * (f.y1 - f.y0)) / 2 + s * f.y1;
    return { s, ox, oy };
  }

  /** Screen position (CSS pixels in the canvas) of point i. */
  toScreen(i) {
    const { s, ox, oy } = this._transform();
    return [ox + s * this.points[2 * i], oy - s * this.points[2 * i + 1]];
  }

  /** The point nearest to (px, py) within a few pixels, else -1. */
  pick(px, py, radius = 10) {
    if (!this.points || !this.surface.w) return -1;
    const { s, ox, oy } = this._transform();
    let best = -1, bd = radius * radius;
    for (let i = 0; i < this.n; i++) {
      const dx = ox + s * this.points[2 * i] - px, dy = oy - s * this.points[2 * i + 1] - py;
      const d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = i; }
    }
    return best;
  }

  _color(i) {
    const c = this.colors;
    if (!c) return null;
    const v = typeof c === 'function' ? c(i) : c[i];
    return typeof v === 'number' ? clusterColor(v) : v;
  }

  _draw(ctx, w, h, colors) {
    if (!this.points || !this.n) return;
    const { s, ox, oy } = this._transform();
    const P = this.points;
    const X = (i) => ox + s * P[2 * i], Y = (i) => oy - s * P[2 * i + 1];
    const e = this.edges;
    if (e && e.a.length) {
      // one path per opacity step: thousands of edges in a handful of strokes
      const STEPS = 8;
      const paths = Array.from({ length: STEPS }, () => new Path2D());
      const focusPath = new Path2D();
      for (let q = 0; q < e.a.length; q++) {
        const a = e.a[q], b = e.b[q];
        if (a === this.focus || b === this.focus) { focusPath.moveTo(X(a), Y(a)); focusPath.lineTo(X(b), Y(b)); continue; }
        const k = Math.min(STEPS - 1, Math.floor(e.w[q] * STEPS));
        paths[k].moveTo(X(a), Y(a));
        paths[k].lineTo(X(b), Y(b));
      }
      ctx.strokeStyle = colors.ink;
      ctx.lineWidth = 1;
      const faded = this.focus >= 0 ? 0.35 : 1;
      for (let k = 0; k < STEPS; k++) {
        ctx.globalAlpha = this.edgeAlpha * faded * ((k + 0.5) / STEPS);
        ctx.stroke(paths[k]);
      }
      ctx.globalAlpha = 1;
      if (this.focus >= 0) {
        ctx.strokeStyle = colors.accent;
        ctx.lineWidth = 2;
        ctx.stroke(focusPath);
      }
    }
    const r = pointRadius(this.n);
    for (let i = 0; i < this.n; i++) {
      ctx.globalAlpha = this.dim && this.dim.has(i) ? 0.25 : 0.9;
      ctx.fillStyle = this._color(i) ?? colors.accent;
      ctx.beginPath();
      ctx.arc(X(i), Y(i), r, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (this.ring && this.ring.size) {
      ctx.strokeStyle = colors.danger;
      ctx.lineWidth = 2;
      for (const i of this.ring) {
        ctx.beginPath();
        ctx.arc(X(i), Y(i), r + 3.5, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
    if (this.focus >= 0 && this.focus < this.n) {
      ctx.strokeStyle = colors.ink;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(X(this.focus), Y(this.focus), r + 3, 0, 2 * Math.PI);
      ctx.stroke();
    }
    this.overlay?.(ctx, this, colors);
  }
}

/** Draws text with a halo of the background colour so that it reads over points and lines. */
export function haloText(ctx, text, x, y, colors, { font = `12px ${colors.sans}`, color = colors.ink, align = 'left' } = {}) {
  ctx.font = font;
  ctx.textAlign = align;
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3;
  ctx.strokeStyle = colors.bg;
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

/**
 * Calls fn() now if el is on screen (or near it), else the first time it comes near; later calls
 * replace the waiting fn. For steps that build a lot of DOM from every text (cards, a prompt): a
 * saved map of a million texts should not pay for them before anyone scrolls there.
 * @returns {(fn: () => void) => void}
 */
export function whenNear(el, margin = '400px') {
  let pending = null, near = typeof IntersectionObserver !== 'function';
  if (!near) {
    new IntersectionObserver((entries) => {
      near = entries.some((e) => e.isIntersecting);
      if (near && pending) { const f = pending; pending = null; f(); }
    }, { rootMargin: margin }).observe(el);
  }
  return (fn) => { if (near) { pending = null; fn(); } else pending = fn; };
}
