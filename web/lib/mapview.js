// mapview.js — a 2-D point map on a <canvas>: clusters (or any colouring) in colour, noise in grey,
// zoom and pan (wheel, drag, two-finger pinch, keyboard), hover and click through a grid index, lasso
// and box selection (mouse, touch, keyboard: the points in view), search, highlighting and filtering,
// cluster names placed without collisions, point labels when few points are in view, sharp on
// high-DPI screens, PNG and SVG export. It touches no DOM but the canvas it is given and, for maps
// too big for Canvas 2D, one WebGL2 canvas it puts right underneath (same place, same size; the
// given canvas then carries only names, rings and the lasso). Tooltips, legends and panels belong to
// whoever uses it: the page and <embedscape-map>.
//
//   import { MapView } from './mapview.js';
//   const view = new MapView(canvas, {
//     onHover: (hit) => hit ? showTip(hit.text, hit.clientX, hit.clientY) : hideTip(),
//     onClick: (hit) => hit && showNeighbours(hit.index),
//     onSelect: ({ mask, count, polygon, additive }) => ...,   // a lasso, a box or "the points in view"
//   });
//   view.setData({ xy, labels, probabilities, texts });   // xy: Matrix {data, n, dim >= 2}
//   view.setLabels(newLabels, newProbabilities);           // recolour by cluster
//   view.setColors({ index, palette, alpha });             // or by anything else (a column); null = by cluster
//   view.setFilter(mask);                                  // only these points are shown (null = all)
//   view.setSelection(mask);                               // these stand out, the rest fades (null = none)
//   view.setPositions(snapshot);                           // move points (layout settling)
//   view.search('football');                               // highlights matches, returns their indices
//   view.mode = 'lasso';                                   // 'pan' (default) | 'lasso' | 'box'
//   view.flyTo(i);                                         // centre and zoom on point i
//   const blob = await view.toPNG({ title, legend, notes }); const svg = view.toSVG({ ... });
//   view.dispose();
//
// Renderers: 'auto' (default) draws up to WEBGL_FROM points with Canvas 2D and more with WebGL2 when
// the browser has it; 'webgl2' and '2d' force one. Both draw the same picture: discs for a few
// points, and a density layer (each pixel coloured by the points on it, its strength by how many)
// when the points on screen outnumber the pixels. Nothing per point runs on the main thread while
// panning in WebGL2: the points are uploaded once, a frame sets a few uniforms.
//
// Coordinates: data space has y up; screen space is CSS pixels, y down. The view keeps a centre (data)
// and a scale (CSS px per data unit); backing stores are CSS size x devicePixelRatio.

import { clusterColor, NOISE_COLOR, hexToRgb } from './palette.js';

const DRAG_THRESHOLD = 4; // CSS px a pointer may move and still count as a click
const HIT_RADIUS = 8; // CSS px around a point that counts as hovering it
const MIN_SCALE_FACTOR = 0.2; // relative to the fitted scale
const MAX_SCALE_FACTOR = 4000;
const WEBGL_FROM = 20000; // 'auto': Canvas 2D up to this many points, WebGL2 above
const DENSITY_RATIO = 0.5; // density layer when points on screen exceed this share of the CSS pixels
const DENSITY_CHUNK = 150000; // more points than this go to the GPU in a random order (any prefix is a fair sample)
const LAYERED_FROM = 50000; // more points than this are drawn into layers, a slice per frame
const LAYER_CHUNK = 40000; // points drawn per frame into a layer, to start with
const LAYER_FIRST_SLICE = 8000; // the first slice of a picture for a new view (then paced by the GPU)
const POINT_LABELS_MAX = 120; // point labels when at most this many points are in view
const NAMES_MAX = 60; // cluster names drawn at most
const ALPHA = { faded: 0.13, noise: 0.55, weak: 0.6, strong: 0.9 };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/**
 * @typedef {{data: Float32Array|Float64Array|number[], n: number, dim: number}} Matrix
 * @typedef {{index: number, text: string|undefined, label: number|null, probability: number,
 *   x: number, y: number, clientX: number, clientY: number, pointerType: string}} Hit
 *   label: null while the map has no labels; x, y: the point's position in CSS px relative to the
 *   canvas; clientX/Y: in the viewport
 * @typedef {{mask: Uint8Array, count: number, polygon: number[][], additive: boolean, kind: 'lasso'|'box'|'view'}} Selection
 *   polygon: the region in data coordinates ([x, y] corners)
 */

/** True for a #rrggbb background darker than mid-grey (names are then drawn light). */
function isDark(color) {
  if (typeof color !== 'string' || !/^#[0-9a-f]{6}$/i.test(color)) return false;
  const [r, g, b] = hexToRgb(color);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

const rgbOf = (c) => (typeof c === 'string' && /^#[0-9a-f]{6}$/i.test(c) ? hexToRgb(c) : [255, 255, 255]);

/** The text drawn for a cluster name in a label colour: darker (light maps) or lighter (dark maps). */
function inkOf([r, g, b], dark) {
  const k = dark ? 0.45 : 0.62;
  return dark
    ? `rgb(${Math.round(r + (255 - r) * k)},${Math.round(g + (255 - g) * k)},${Math.round(b + (255 - b) * k)})`
    : `rgb(${Math.round(r * k)},${Math.round(g * k)},${Math.round(b * k)})`;
}

function shortText(t, max) {
  const s = String(t ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Points inside a polygon (data coordinates), by rasterising it: exact to 1/1024 of its extent. */
export function pointsInPolygon(xs, ys, n, polygon, allowed = null, makeCanvas = defaultCanvas) {
  const mask = new Uint8Array(n);
  if (!polygon || polygon.length < 3) return { mask, count: 0 };
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [x, y] of polygon) { if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; }
  const w = x1 - x0, h = y1 - y0;
  if (!(w > 0) || !(h > 0)) return { mask, count: 0 };
  const R = 1024;
  const W = Math.max(1, Math.round(w >= h ? R : (R * w) / h)), H = Math.max(1, Math.round(h >= w ? R : (R * h) / w));
  const sx = W / w, sy = H / h;
  const c = makeCanvas(W, H);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = '#fff';
  ctx.beginPath();
  polygon.forEach(([x, y], k) => (k ? ctx.lineTo((x - x0) * sx, (y1 - y) * sy) : ctx.moveTo((x - x0) * sx, (y1 - y) * sy)));
  ctx.closePath();
  ctx.fill();
  const px = ctx.getImageData(0, 0, W, H).data;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i], y = ys[i];
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue;
    if (allowed && !allowed[i]) continue;
    const gx = Math.min(W - 1, ((x - x0) * sx) | 0), gy = Math.min(H - 1, ((y1 - y) * sy) | 0);
    if (px[4 * (gy * W + gx) + 3] > 127) { mask[i] = 1; count++; }
  }
  return { mask, count };
}

function defaultCanvas(w, h) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  return c;
}

// ------------------------------------------------------------------------------------------ WebGL2

const VS = `#version 300 es
in vec2 a_pos; in vec4 a_color; in uint a_flag;
uniform vec2 u_scale; uniform vec2 u_offset; uniform float u_size; uniform int u_pass; uniform float u_fade;
out vec4 v_color; out float v_radius;
void main() {
  bool faded = (a_flag & 1u) != 0u, hidden = (a_flag & 2u) != 0u, small = (a_flag & 4u) != 0u;
  // pass 0: the faded points (underneath), 1: the others, 2: every shown point (density layer)
  if (hidden || (u_pass == 0 && !faded) || (u_pass == 1 && faded)) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); gl_PointSize = 0.0; return; }
  gl_Position = vec4(a_pos * u_scale + u_offset, 0.0, 1.0);
  float s = u_pass == 2 ? 1.0 : (small ? u_size * 0.8 : u_size);
  gl_PointSize = s;
  v_radius = s * 0.5;
  v_color = vec4(a_color.rgb, faded ? u_fade : a_color.a);
}`;

const FS_DISC = `#version 300 es
precision mediump float;
in vec4 v_color; in float v_radius; out vec4 o;
void main() {
  vec2 d = gl_PointCoord * 2.0 - 1.0;
  float r = length(d);
  if (r > 1.0) discard;
  float a = v_color.a * clamp((1.0 - r) * v_radius + 0.5, 0.0, 1.0);
  o = vec4(v_color.rgb * a, a);
}`;

// density: every point adds its colour and a count of 1 (0.15 when faded) to its pixel
const FS_ACC = `#version 300 es
precision highp float;
in vec4 v_color; in float v_radius; out vec4 o;
uniform float u_fade;
void main() { float w = v_color.a < 0.2 ? 0.15 : 1.0; o = vec4(v_color.rgb * w, w); }`;

const VS_QUAD = `#version 300 es
in vec2 a_q; out vec2 v_uv;
void main() { v_uv = a_q * 0.5 + 0.5; gl_Position = vec4(a_q, 0.0, 1.0); }`;

const FS_DENSITY = `#version 300 es
precision highp float;
in vec2 v_uv; out vec4 o; uniform sampler2D u_acc; uniform float u_norm;
void main() {
  vec4 t = texture(u_acc, v_uv) * u_norm;
  if (t.a <= 0.0) discard;
  vec3 c = t.rgb / t.a;
  float a = 1.0 - exp(-0.55 * t.a);
  o = vec4(c * a, a);
}`;

// a finished picture of the points (a layer), moved and scaled to where the view is now
const VS_BLIT = `#version 300 es
in vec2 a_q; out vec2 v_uv; uniform vec4 u_xf;
void main() { v_uv = a_q * 0.5 + 0.5; gl_Position = vec4(a_q * u_xf.xy + u_xf.zw, 0.0, 1.0); }`;
const FS_BLIT = `#version 300 es
precision mediump float;
in vec2 v_uv; out vec4 o; uniform sampler2D u_tex;
void main() { o = texture(u_tex, v_uv); }`;

class GLPoints {
  constructor(canvas) {
    const gl = canvas.getContext('webgl2', { antialias: false, premultipliedAlpha: true, alpha: true, preserveDrawingBuffer: false });
    if (!gl) throw new Error('no WebGL2');
    this.gl = gl;
    this.canvas = canvas;
    this.floatTargets = !!gl.getExtension('EXT_color_buffer_float');
    gl.getExtension('EXT_float_blend');
    const prog = (vs, fs) => {
      const p = gl.createProgram();
      for (const [type, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
        const s = gl.createShader(type);
        gl.shaderSource(s, src);
        gl.compileShader(s);
        if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s)}`);
        gl.attachShader(p, s);
      }
      gl.bindAttribLocation(p, 0, 'a_pos');
      gl.bindAttribLocation(p, 1, 'a_color');
      gl.bindAttribLocation(p, 2, 'a_flag');
      gl.bindAttribLocation(p, 0, 'a_q');
      gl.linkProgram(p);
      if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(p)}`);
      const u = {};
      const nu = gl.getProgramParameter(p, gl.ACTIVE_UNIFORMS);
      for (let i = 0; i < nu; i++) { const name = gl.getActiveUniform(p, i).name; u[name] = gl.getUniformLocation(p, name); }
      return { p, u };
    };
    this.disc = prog(VS, FS_DISC);
    this.acc = prog(VS, FS_ACC);
    this.dens = prog(VS_QUAD, FS_DENSITY);
    this.blit = prog(VS_BLIT, FS_BLIT);
    this.layers = [null, null]; // {tex, fb, w, h}: RGBA8 pictures of the points (front, back)
    this.vao = gl.createVertexArray();
    gl.bindVertexArray(this.vao);
    this.bPos = gl.createBuffer(); this.bCol = gl.createBuffer(); this.bFlag = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, this.bPos); gl.enableVertexAttribArray(0); gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.bCol); gl.enableVertexAttribArray(1); gl.vertexAttribPointer(1, 4, gl.UNSIGNED_BYTE, true, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.bFlag); gl.enableVertexAttribArray(2); gl.vertexAttribIPointer(2, 1, gl.UNSIGNED_BYTE, 0, 0);
    this.qvao = gl.createVertexArray();
    gl.bindVertexArray(this.qvao);
    const q = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, q);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0); gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindVertexArray(null);
    this.n = 0;
    this.fb = null; this.tex = null; this.fbW = 0; this.fbH = 0;
  }

  setPositions(xy) { const gl = this.gl; gl.bindBuffer(gl.ARRAY_BUFFER, this.bPos); gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW); this.n = xy.length / 2; }
  setColors(rgba) { const gl = this.gl; gl.bindBuffer(gl.ARRAY_BUFFER, this.bCol); gl.bufferData(gl.ARRAY_BUFFER, rgba, gl.DYNAMIC_DRAW); }
  setFlags(flags) { const gl = this.gl; gl.bindBuffer(gl.ARRAY_BUFFER, this.bFlag); gl.bufferData(gl.ARRAY_BUFFER, flags, gl.DYNAMIC_DRAW); }

  _target(w, h) {
    const gl = this.gl;
    if (this.fb && this.fbW === w && this.fbH === h) return true;
    if (!this.floatTargets) return false;
    if (this.tex) gl.deleteTexture(this.tex);
    if (this.fb) gl.deleteFramebuffer(this.fb);
    this.tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA16F, w, h, 0, gl.RGBA, gl.HALF_FLOAT, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    this.fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.tex, 0);
    const ok = gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (!ok) { this.floatTargets = false; return false; }
    this.fbW = w; this.fbH = h;
    return true;
  }

  /**
   * Draws a frame: f = {W, H (device px), scale, cx, cy (data), dpr, size (CSS px radius),
   * background [r,g,b]|null, density, fade, from, count}. The density layer accumulates points
   * [from, from + count) into what earlier frames put there (from = 0 starts afresh) and shows the
   * sum scaled to all n: a big map refines over a few frames instead of stalling one.
   */
  draw(f) {
    const gl = this.gl;
    const { W, H } = f;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, W, H);
    const bg = f.background;
    gl.clearColor(bg ? bg[0] / 255 : 0, bg ? bg[1] / 255 : 0, bg ? bg[2] / 255 : 0, bg ? 1 : 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!this.n) return;
    if (f.density && this._target(W, H)) {
      const from = f.from ?? 0, count = Math.min(this.n - from, f.count ?? this.n);
      this._drawTo(null, f);
      gl.viewport(0, 0, W, H);
      this._composite(from + count);
    } else this._discs(f, 0, this.n);
  }

  _uniforms(u, f) {
    const gl = this.gl;
    const sx = (2 * f.scale * f.dpr) / f.W, sy = (2 * f.scale * f.dpr) / f.H;
    gl.uniform2f(u.u_scale, sx, sy);
    gl.uniform2f(u.u_offset, -f.cx * sx, -f.cy * sy);
    gl.uniform1f(u.u_size, 2 * f.size * f.dpr);
    gl.uniform1f(u.u_fade, f.fade);
  }

  /** Discs of points [from, from + count) into the bound framebuffer: faded ones first. */
  _discs(f, from, count) {
    const gl = this.gl;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(this.disc.p);
    this._uniforms(this.disc.u, f);
    gl.bindVertexArray(this.vao);
    for (const pass of [0, 1]) {
      gl.uniform1i(this.disc.u.u_pass, pass);
      if (count > 0) gl.drawArrays(gl.POINTS, from, count);
    }
    gl.bindVertexArray(null);
  }

  /** Adds points [from, from + count) to the float accumulation target (from = 0 clears it). */
  _drawTo(_, f) {
    const gl = this.gl;
    if (!this._target(f.W, f.H)) return;
    const from = f.from ?? 0, count = Math.min(this.n - from, f.count ?? this.n);
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fb);
    gl.viewport(0, 0, f.W, f.H);
    if (from === 0) { gl.clearColor(0, 0, 0, 0); gl.clear(gl.COLOR_BUFFER_BIT); }
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE);
    gl.useProgram(this.acc.p);
    this._uniforms(this.acc.u, f);
    gl.uniform1i(this.acc.u.u_pass, 2);
    gl.bindVertexArray(this.vao);
    if (count > 0) gl.drawArrays(gl.POINTS, from, count);
    gl.bindVertexArray(null);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  }

  /** The accumulated density (drawn points scaled to all n) into the bound framebuffer. */
  _composite(drawn) {
    const gl = this.gl;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(this.dens.p);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.uniform1i(this.dens.u.u_acc, 0);
    gl.uniform1f(this.dens.u.u_norm, this.n / Math.max(1, drawn));
    gl.bindVertexArray(this.qvao);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.bindVertexArray(null);
  }

  /** Layer k (0 or 1) of size w x h: an RGBA8 texture with its framebuffer. */
  layer(k, w, h) {
    const gl = this.gl;
    let l = this.layers[k];
    if (l && l.w === w && l.h === h) return l;
    if (l) { gl.deleteTexture(l.tex); gl.deleteFramebuffer(l.fb); }
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    l = { tex, fb, w, h };
    this.layers[k] = l;
    return l;
  }

  swapLayers() { this.layers.reverse(); }

  /** Marks the end of the work queued so far; busy() tells, without waiting, if the GPU is still at it. */
  fence() {
    const gl = this.gl;
    if (this.sync) gl.deleteSync(this.sync);
    this.sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    gl.flush();
  }

  busy() {
    const gl = this.gl;
    if (!this.sync) return false;
    if (gl.getSyncParameter(this.sync, gl.SYNC_STATUS) !== gl.SIGNALED) return true;
    gl.deleteSync(this.sync);
    this.sync = null;
    return false;
  }

  /**
   * Draws points [from, from + count) of a frame (as draw() does, background left transparent) into
   * layer `k`, on top of what is there (from = 0 clears it first).
   */
  drawInto(k, f) {
    const gl = this.gl;
    const l = this.layer(k, f.W, f.H);
    const from = f.from ?? 0;
    if (f.density) {
      // accumulate into the float target, then put the whole sum so far into the layer
      this._drawTo(null, { ...f, background: null });
      if (f.composite === false) return;
      gl.bindFramebuffer(gl.FRAMEBUFFER, l.fb);
      gl.viewport(0, 0, f.W, f.H);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      this._composite(from + Math.min(this.n - from, f.count ?? this.n));
    } else {
      gl.bindFramebuffer(gl.FRAMEBUFFER, l.fb);
      gl.viewport(0, 0, f.W, f.H);
      if (from === 0) { gl.clearColor(0, 0, 0, 0); gl.clear(gl.COLOR_BUFFER_BIT); }
      this._discs(f, from, Math.min(this.n - from, f.count ?? this.n));
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  }

  /** Shows layer k (drawn for view v0) at the view f: cleared to the background, then the layer moved and scaled. */
  show(k, f, v0) {
    const gl = this.gl, l = this.layers[k];
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, f.W, f.H);
    const bg = f.background;
    gl.clearColor(bg ? bg[0] / 255 : 0, bg ? bg[1] / 255 : 0, bg ? bg[2] / 255 : 0, bg ? 1 : 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!l) return;
    const k2 = f.scale / v0.scale;
    const ox = ((v0.cx - f.cx) * f.scale * f.dpr * 2) / f.W, oy = ((v0.cy - f.cy) * f.scale * f.dpr * 2) / f.H;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(this.blit.p);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, l.tex);
    gl.uniform1i(this.blit.u.u_tex, 0);
    gl.uniform4f(this.blit.u.u_xf, k2, k2, ox, oy);
    gl.bindVertexArray(this.qvao);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.bindVertexArray(null);
  }

  dispose() {
    this.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

// ------------------------------------------------------------------------------------------ the view

export class MapView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onHover?: (hit: Hit|null) => void, onClick?: (hit: Hit|null) => void,
   *   onSelect?: (sel: Selection) => void,
   *   onViewChange?: (view: {scale: number, cx: number, cy: number, fitted: boolean}) => void,
   *   colorOf?: (label: number) => string, background?: string|null, foreground?: string,
   *   unlabelledColor?: string, renderer?: 'auto'|'webgl2'|'2d',
   *   pointSize?: number, clusterNames?: Map<number, string>|null, pointLabels?: boolean}} [opts]
   *   background: fill colour (null = transparent; PNG export then uses white);
   *   pointSize: radius in CSS px (default: chosen from the number of points)
   */
  constructor(canvas, opts = {}) {
    if (!canvas || typeof canvas.getContext !== 'function') throw new TypeError('MapView needs a <canvas> element');
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.opts = opts;
    this.colorOf = opts.colorOf ?? clusterColor;
    this.background = opts.background === undefined ? '#ffffff' : opts.background;
    this.foreground = opts.foreground ?? '#1d2330';
    this.unlabelledColor = opts.unlabelledColor ?? '#51607e';
    this.renderer = opts.renderer ?? 'auto';
    this.pointLabels = opts.pointLabels ?? true;
    this.n = 0;
    this.xs = new Float32Array(0);
    this.ys = new Float32Array(0);
    this.labels = new Int32Array(0);
    this.hasLabels = false;
    this.probabilities = null;
    this.texts = [];
    this.clusterNames = opts.clusterNames ?? null;
    this.colors = null; // {index: Uint16Array, palette: string[], alpha?: number} or null (by cluster)
    this.filter = null; // Uint8Array: 1 = shown
    this.selection = null; // Uint8Array: 1 = selected
    this.highlighted = null; // Uint8Array mask or null
    this.hovered = -1;
    this.selected = -1;
    this.mode = 'pan';
    this.cx = 0; this.cy = 0; this.scale = 1; this.fitScale = 1;
    this.fitted = true; // follow the data (fit on every setPositions) until the user moves the view
    this.cssW = 0; this.cssH = 0; this.dpr = 1;
    this.lastFrame = null; // {renderer, density, ms} of the last frame drawn (for tests and benchmarks)
    this._frame = 0;
    this._grid = null;
    this._bounds = null;
    this._style = null; // per point: rgba (4n) and flags (n), rebuilt when colours or masks change
    this._centres = null;
    this._gl = null; this._glCanvas = null; this._glDirty = { pos: true, style: true };
    this._pointers = new Map();
    this._gesture = null;
    this._lasso = null;
    this._fly = 0;
    this._listeners = [];

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
   * Replaces all points. Labels default to 0 (one colour); probabilities to 1. Colouring, filter and
   * selection are cleared.
   * @param {{xy: Matrix, labels?: ArrayLike<number>|null, probabilities?: ArrayLike<number>|null,
   *   texts?: ArrayLike<string>}} d texts: an array, or anything with length and [i]
   */
  setData(d) {
    const { xy } = d;
    if (!xy || !(xy.dim >= 2) || !(xy.n >= 0)) throw new TypeError('setData: xy must be a Matrix {data, n, dim >= 2}');
    this.n = xy.n;
    this.texts = d.texts ?? [];
    this.hovered = -1;
    this.selected = -1;
    this.highlighted = null;
    this.filter = null;
    this.selection = null;
    this.colors = null;
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
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = src[i * dim], y = src[i * dim + 1];
      this.xs[i] = x; this.ys[i] = y;
      if (x < minX) minX = x; if (x > maxX) maxX = x;
      if (y < minY) minY = y; if (y > maxY) maxY = y;
    }
    this._bounds = minX <= maxX && Number.isFinite(minX + maxX + minY + maxY) ? { minX, maxX, minY, maxY } : null;
    if (!this._bounds && n) this._bounds = this._finiteBounds();
    this._grid = null;
    this._gridJob = null;
    this._centres = null;
    this._glDirty.pos = true;
    // a big map's hover index is built when the page is idle, not inside the first pointer move
    if (n > 20000) this._buildGridSoon();
  }

  _finiteBounds() {
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const x = this.xs[i], y = this.ys[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < minX) minX = x; if (x > maxX) maxX = x;
      if (y < minY) minY = y; if (y > maxY) maxY = y;
    }
    return minX <= maxX ? { minX, maxX, minY, maxY } : null;
  }

  /**
   * Recolours the points by cluster: labels[i] = cluster of point i (-1 = noise); probabilities (0..1)
   * fade weak members. Without labels (null) every point is drawn in one neutral colour.
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
    this._centres = null;
    this._restyle(redraw);
  }

  /**
   * Colours the points by something else than their cluster: point i gets palette[index[i]]
   * (#rrggbb; an index past the palette, e.g. 65535, is a missing value, drawn grey and faint).
   * null goes back to the cluster colours.
   * @param {{index: Uint16Array|ArrayLike<number>, palette: string[], alpha?: number}|null} c
   */
  setColors(c) {
    if (c && c.index.length !== this.n) throw new RangeError(`setColors: ${c.index.length} colours for ${this.n} points`);
    this.colors = c ? { index: c.index, palette: c.palette.slice(), alpha: c.alpha ?? 0.85 } : null;
    this._restyle(true);
  }

  /** Shows only the points whose mask entry is 1 (null: all). Hidden points cannot be hovered or selected. */
  setFilter(mask) {
    if (mask && mask.length !== this.n) throw new RangeError(`setFilter: ${mask.length} entries for ${this.n} points`);
    this.filter = mask ?? null;
    if (this.hovered >= 0 && mask && !mask[this.hovered]) this._setHover(-1);
    this._restyle(true);
  }

  /** Makes the selected points (mask entry 1) stand out, the others fade; null: no selection. */
  setSelection(mask) {
    if (mask && mask.length !== this.n) throw new RangeError(`setSelection: ${mask.length} entries for ${this.n} points`);
    this.selection = mask ?? null;
    this._restyle(true);
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
    if (!indices) { this.highlighted = null; this._restyle(true); return; }
    const mask = new Uint8Array(this.n);
    let any = false;
    for (const i of indices) if (i >= 0 && i < this.n) { mask[i] = 1; any = true; }
    this.highlighted = any ? mask : null;
    this._restyle(true);
  }

  /** Emphasises the points whose mask entry is 1 (null clears): highlight() for a ready mask. */
  highlightMask(mask) {
    if (mask && mask.length !== this.n) throw new RangeError(`highlightMask: ${mask.length} entries for ${this.n} points`);
    this.highlighted = mask ?? null;
    this._restyle(true);
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
    this._restyle(true);
    return hits;
  }

  /** Marks one point as selected (a ring), -1 for none. */
  select(index) {
    this.selected = index >= 0 && index < this.n ? index : -1;
    this.redraw();
  }

  /** Is point i shown (not filtered out)? */
  isShown(i) { return !this.filter || this.filter[i] === 1; }

  /** Per-point colour (rgba, alpha by membership and emphasis) and flags (1 faded, 2 hidden, 4 small). */
  _restyle(redraw) {
    const n = this.n;
    const st = this._style && this._style.rgba.length === 4 * n ? this._style : { rgba: new Uint8Array(4 * n), flags: new Uint8Array(n), pal: [] };
    const { rgba, flags } = st;
    const hl = this.highlighted, sel = this.selection, filt = this.filter, c = this.colors;
    const probs = this.probabilities;
    const noiseRgb = hexToRgb(NOISE_COLOR);
    let pal;
    if (c) pal = c.palette.map(rgbOf);
    const byLabel = new Map();
    const labelRgb = (l) => { let v = byLabel.get(l); if (!v) { v = rgbOf(this.colorOf(l)); byLabel.set(l, v); } return v; };
    const plain = rgbOf(this.unlabelledColor);
    const a255 = (a) => Math.round(a * 255);
    const aStrong = a255(ALPHA.strong), aWeak = a255(ALPHA.weak), aNoise = a255(ALPHA.noise), aCol = a255(c?.alpha ?? 0.85);
    for (let i = 0; i < n; i++) {
      let rgb, a, small = 0;
      if (c) {
        const k = c.index[i];
        if (k < pal.length) { rgb = pal[k]; a = aCol; } else { rgb = noiseRgb; a = aNoise; small = 4; }
      } else if (!this.hasLabels) {
        rgb = plain; a = aStrong;
      } else {
        const l = this.labels[i];
        if (l < 0) { rgb = noiseRgb; a = aNoise; small = 4; } else { rgb = labelRgb(l); a = probs && probs[i] < 0.66 ? aWeak : aStrong; }
      }
      rgba[4 * i] = rgb[0]; rgba[4 * i + 1] = rgb[1]; rgba[4 * i + 2] = rgb[2]; rgba[4 * i + 3] = a;
      const faded = (hl && !hl[i]) || (sel && !sel[i]) ? 1 : 0;
      flags[i] = faded | (filt && !filt[i] ? 2 : 0) | small;
    }
    this._style = st;
    this._glDirty.style = true;
    if (redraw) this.redraw();
  }

  // ------------------------------------------------------------------------------------ view

  /** Fits all points in the canvas and follows them again as they move. */
  fitView() {
    this.fitted = true;
    const b = this._bounds ?? { minX: -1, maxX: 1, minY: -1, maxY: 1 };
    const pad = Math.min(40, Math.max(12, Math.min(this.cssW, this.cssH) * 0.06));
    const w = Math.max(1, this.cssW - 2 * pad), h = Math.max(1, this.cssH - 2 * pad);
    const dx = Math.max(b.maxX - b.minX, 1e-9), dy = Math.max(b.maxY - b.minY, 1e-9);
    this.scale = Math.min(w / dx, h / dy);
    if (!Number.isFinite(this.scale) || this.scale <= 0) this.scale = 1;
    this.fitScale = this.scale;
    this.cx = (b.minX + b.maxX) / 2;
    this.cy = (b.minY + b.maxY) / 2;
    this._viewChanged();
  }

  /** Zooms by a factor around a point given in CSS px relative to the canvas (default: its centre). */
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

  /** Shows a given view: centre (data) and zoom relative to the fitted scale. */
  setView({ cx, cy, zoom }) {
    if (![cx, cy, zoom].every(Number.isFinite) || zoom <= 0) return;
    this.fitView();
    this.cx = cx; this.cy = cy;
    this.scale = this.fitScale * Math.min(MAX_SCALE_FACTOR, Math.max(MIN_SCALE_FACTOR, zoom));
    this.fitted = false;
    this._viewChanged();
  }

  /** The view as setView takes it. */
  getView() { return { cx: this.cx, cy: this.cy, zoom: this.scale / this.fitScale, fitted: this.fitted }; }

  /**
   * Moves to point i (smoothly unless the user prefers reduced motion), zoomed in at least `zoom`
   * times the fitted scale, and rings it.
   */
  flyTo(i, { zoom = 6 } = {}) {
    if (!(i >= 0 && i < this.n)) return;
    this.selected = i;
    const from = { cx: this.cx, cy: this.cy, s: this.scale };
    const to = { cx: this.xs[i], cy: this.ys[i], s: Math.max(this.scale, this.fitScale * zoom) };
    const reduced = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
    const id = ++this._fly;
    this.fitted = false;
    if (reduced || typeof requestAnimationFrame !== 'function') {
      Object.assign(this, { cx: to.cx, cy: to.cy, scale: to.s });
      this._viewChanged();
      return;
    }
    const t0 = performance.now(), T = 450;
    const step = (now) => {
      if (id !== this._fly) return;
      const t = Math.min(1, (now - t0) / T), e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
      const ls = Math.log(from.s) + (Math.log(to.s) - Math.log(from.s)) * e;
      this.scale = Math.exp(ls);
      this.cx = from.cx + (to.cx - from.cx) * e;
      this.cy = from.cy + (to.cy - from.cy) * e;
      this._viewChanged();
      if (t < 1) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
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
    this._lastMove = performance.now();
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
    this._placeGLCanvas();
    if (this.fitted || !oldW || !oldH) this.fitView();
    else this.redraw();
  }

  // ------------------------------------------------------------------------------------ WebGL2 canvas

  /** Which renderer draws the points now: 'webgl2' or '2d'. */
  /** True when nothing is left to do in the background: the picture is finished and the hover index built. */
  get settled() {
    const layers = this._layers;
    return !this._gridJob && (!layers || (!!layers.front && !layers.back));
  }

  get activeRenderer() {
    if (this.renderer === '2d') return '2d';
    if (this.renderer === 'auto' && this.n <= WEBGL_FROM) return '2d';
    return this._ensureGL() ? 'webgl2' : '2d';
  }

  _ensureGL() {
    if (this._gl) return true;
    if (this._glFailed) return false;
    const doc = this.canvas.ownerDocument;
    const parent = this.canvas.parentNode;
    if (!doc || !parent) { this._glFailed = true; return false; }
    try {
      const c = doc.createElement('canvas');
      c.setAttribute('aria-hidden', 'true');
      c.className = 'mapview-gl';
      const s = c.style;
      s.position = 'absolute'; s.pointerEvents = 'none'; s.margin = '0'; s.border = '0'; s.padding = '0';
      this._gl = new GLPoints(c);
      this._glCanvas = c;
      // both canvases positioned, the points' one first: it paints underneath the names and rings
      if (getComputedStyle(this.canvas).position === 'static') this.canvas.style.position = 'relative';
      parent.insertBefore(c, this.canvas);
      this._listen(c, 'webglcontextlost', (e) => { e.preventDefault(); this._dropGL(); this.redraw(); });
      this._glDirty = { pos: true, style: true };
      this._placeGLCanvas();
      return true;
    } catch {
      this._glFailed = true;
      this._gl = null;
      return false;
    }
  }

  _dropGL() {
    this._gl?.dispose();
    this._glCanvas?.remove();
    this._gl = null;
    this._glCanvas = null;
    this._glFailed = true;
  }

  _placeGLCanvas() {
    const c = this._glCanvas;
    if (!c) return;
    this._shown = null; this._shownLayer = null; // resizing clears the canvas
    c.style.left = `${this.canvas.offsetLeft}px`;
    c.style.top = `${this.canvas.offsetTop}px`;
    c.style.width = `${this.cssW}px`;
    c.style.height = `${this.cssH}px`;
    c.width = Math.round(this.cssW * this.dpr);
    c.height = Math.round(this.cssH * this.dpr);
  }

  // ------------------------------------------------------------------------------------ hit testing

  /** Builds the hover index in slices of idle time (a million points take ~40 ms in one go). */
  _buildGridSoon() {
    const idle = globalThis.requestIdleCallback ?? ((f) => setTimeout(f, 50));
    const xs = this.xs, n = this.n, SLICE = 200000;
    const job = { from: 0, cellOf: null };
    this._gridJob = job;
    const step = () => {
      if (this._gridJob !== job) return;
      if (this._grid || this.xs !== xs || this.n !== n) { this._gridJob = null; return; }
      if (!job.cellOf) { Object.assign(job, this._gridShape()); job.cellOf = new Int32Array(n); job.counts = new Int32Array(job.g * job.g + 1); }
      const to = Math.min(n, job.from + SLICE);
      this._gridCells(job, job.from, to);
      job.from = to;
      if (to < n) { idle(step, { timeout: 500 }); return; }
      this._grid = this._gridFinish(job);
      this._gridJob = null;
    };
    idle(step, { timeout: 500 });
  }

  _gridShape() {
    const n = this.n;
    const b = this._bounds ?? { minX: 0, maxX: 0, minY: 0, maxY: 0 };
    const { minX, minY } = b;
    const g = Math.max(1, Math.min(1024, Math.ceil(Math.sqrt(n / 4))));
    const cw = Math.max((b.maxX - minX) / g, 1e-12), ch = Math.max((b.maxY - minY) / g, 1e-12);
    return { g, minX, minY, cw, ch };
  }

  _gridCells(job, from, to) {
    const { g, minX, minY, cw, ch, cellOf, counts } = job;
    const xs = this.xs, ys = this.ys;
    for (let i = from; i < to; i++) {
      const x = xs[i], y = ys[i];
      if (!(x >= minX && y >= minY)) { cellOf[i] = -1; continue; } // NaN
      const gx = Math.min(g - 1, ((x - minX) / cw) | 0);
      const gy = Math.min(g - 1, ((y - minY) / ch) | 0);
      const c = gy * g + gx;
      cellOf[i] = c;
      counts[c + 1]++;
    }
  }

  _gridFinish(job) {
    const { g, minX, minY, cw, ch, cellOf, counts } = job, n = cellOf.length;
    for (let c = 0; c < g * g; c++) counts[c + 1] += counts[c];
    const start = counts.slice();
    const items = new Int32Array(n);
    for (let i = 0; i < n; i++) if (cellOf[i] >= 0) items[start[cellOf[i]]++] = i;
    return { g, minX, minY, cw, ch, cellStart: counts, items };
  }

  _buildGrid() {
    const job = this._gridShape();
    job.cellOf = new Int32Array(this.n); job.counts = new Int32Array(job.g * job.g + 1);
    this._gridCells(job, 0, this.n);
    this._grid = this._gridFinish(job);
  }

  /** Calls fn(i) for the shown points whose position is inside the data rectangle (grid cells). */
  _forEachIn(x0, y0, x1, y1, fn) {
    if (!this._grid) this._buildGrid();
    const { g, minX, minY, cw, ch, cellStart, items } = this._grid;
    const gx0 = Math.max(0, Math.floor((x0 - minX) / cw)), gx1 = Math.min(g - 1, Math.floor((x1 - minX) / cw));
    const gy0 = Math.max(0, Math.floor((y0 - minY) / ch)), gy1 = Math.min(g - 1, Math.floor((y1 - minY) / ch));
    const filt = this.filter;
    for (let gy = gy0; gy <= gy1; gy++) {
      for (let gx = gx0; gx <= gx1; gx++) {
        const c = gy * g + gx;
        for (let k = cellStart[c]; k < cellStart[c + 1]; k++) {
          const i = items[k];
          if (filt && !filt[i]) continue;
          if (fn(i) === false) return;
        }
      }
    }
  }

  /**
   * The shown point nearest to a screen position (CSS px relative to the canvas) within the hit
   * radius, or -1. Points drawn on top (later) win ties.
   */
  pick(px, py, radius = HIT_RADIUS) {
    if (!this.n) return -1;
    const [x, y] = this.toData(px, py);
    const r = radius / this.scale;
    let best = -1, bestD = r * r;
    this._forEachIn(x - r, y - r, x + r, y + r, (i) => {
      const ddx = this.xs[i] - x, ddy = this.ys[i] - y;
      const d = ddx * ddx + ddy * ddy;
      if (d <= bestD) { bestD = d; best = i; }
    });
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

  // ------------------------------------------------------------------------------------ selection

  /** The shown points inside a polygon given in data coordinates: {mask, count}. */
  pointsIn(polygon) {
    return pointsInPolygon(this.xs, this.ys, this.n, polygon, this.filter);
  }

  /** Selects (through onSelect) the shown points inside the current view; the keyboard's lasso. */
  selectInView(additive = false) {
    const [x0, y1] = this.toData(0, 0), [x1, y0] = this.toData(this.cssW, this.cssH);
    this._emitSelect([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], additive, 'view');
  }

  _emitSelect(polygon, additive, kind) {
    const { mask, count } = this.pointsIn(polygon);
    this.opts.onSelect?.({ mask, count, polygon, additive, kind });
  }

  _lassoPolygon(l) {
    if (l.kind === 'box') {
      const [a, b] = [l.points[0], l.points[l.points.length - 1]];
      return [[a[0], a[1]], [b[0], a[1]], [b[0], b[1]], [a[0], b[1]]].map(([px, py]) => this.toData(px, py));
    }
    return l.points.map(([px, py]) => this.toData(px, py));
  }

  // ------------------------------------------------------------------------------------ input

  _local(e) {
    const rect = this.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  _onPointerDown(e) {
    if (e.button !== undefined && e.button !== 0 && e.pointerType === 'mouse') return;
    try { this.canvas.setPointerCapture?.(e.pointerId); } catch { /* a synthetic pointer */ }
    const [px, py] = this._local(e);
    this._pointers.set(e.pointerId, { px, py, startX: px, startY: py });
    this._fly++; // a touch stops a flight
    if (this._pointers.size === 1) {
      const kind = this.mode === 'box' ? 'box' : (this.mode === 'lasso' || e.shiftKey) ? 'lasso' : null;
      this._gesture = { moved: false };
      this._lasso = kind ? { kind, points: [[px, py]], additive: e.shiftKey } : null;
      if (this._lasso && this.hovered >= 0) this._setHover(-1, e);
    } else {
      this._lasso = null; // a second finger: pinch, not a lasso
      this._gesture = { moved: true, pinch: this._pinchState() };
      this.redraw();
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
      // hover waits for the index being built in idle time (a moment after a big map opens)
      if ((e.pointerType === 'mouse' || e.pointerType === 'pen') && (this._grid || !this._gridJob)) this._setHover(this.pick(px, py), e);
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
    if (this._lasso) {
      const pts = this._lasso.points, last = pts[pts.length - 1];
      if (this._lasso.kind === 'box') { if (pts.length > 1) pts.pop(); pts.push([px, py]); } else if (Math.hypot(px - last[0], py - last[1]) >= 2) pts.push([px, py]);
      this.redraw();
    } else if (g.moved) {
      this.panBy(px - p.px, py - p.py);
      if (this.hovered >= 0) this._setHover(-1, e);
    }
    p.px = px; p.py = py;
  }

  _onPointerUp(e, cancelled = false) {
    const p = this._pointers.get(e.pointerId);
    if (!p) return;
    this._pointers.delete(e.pointerId);
    try { this.canvas.releasePointerCapture?.(e.pointerId); } catch { /* a synthetic pointer */ }
    const g = this._gesture;
    if (this._pointers.size === 1 && g?.pinch) {
      // one finger left after a pinch: keep panning with it, no click
      this._gesture = { moved: true };
      return;
    }
    if (this._pointers.size === 0) {
      this._gesture = null;
      const lasso = this._lasso;
      this._lasso = null;
      if (lasso && !cancelled && g?.moved) {
        const poly = this._lassoPolygon(lasso);
        this.redraw();
        if (poly && poly.length >= 3) this._emitSelect(poly, lasso.additive || e.shiftKey, lasso.kind);
        return;
      }
      if (lasso) this.redraw();
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
    this._fly++;
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
      case 's': case 'S': this.selectInView(e.shiftKey); break;
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
    const base = n <= 300 ? 5 : n <= 2000 ? 4 : n <= 10000 ? 2.6 : n <= 50000 ? 1.8 : n <= 200000 ? 1.3 : 1;
    // grow a little when zoomed in, so dense areas open up
    return base * Math.min(2.5, Math.max(1, Math.sqrt(this.scale / this.fitScale) * 0.8));
  }

  /** How many shown points are on screen, estimated from the data's extent (uniform spread). */
  _onScreenEstimate() {
    const b = this._bounds;
    if (!b || !this.n) return 0;
    const [x0, y1] = this.toData(0, 0), [x1, y0] = this.toData(this.cssW, this.cssH);
    const w = Math.max(1e-12, b.maxX - b.minX), h = Math.max(1e-12, b.maxY - b.minY);
    const ix = Math.max(0, Math.min(x1, b.maxX) - Math.max(x0, b.minX)) / w;
    const iy = Math.max(0, Math.min(y1, b.maxY) - Math.max(y0, b.minY)) / h;
    return this.n * Math.min(1, ix) * Math.min(1, iy);
  }

  _density() {
    return this.n > 50000 && this._onScreenEstimate() > DENSITY_RATIO * this.cssW * this.cssH;
  }

  /** Draws now (normally called through redraw()). */
  draw(ctx = this.ctx, { dpr = this.dpr, background = this.background, overlay = true } = {}) {
    const t0 = performance.now();
    const W = this.cssW, H = this.cssH;
    const gl = ctx === this.ctx && this.activeRenderer === 'webgl2';
    if (this._glCanvas) this._glCanvas.hidden = !gl;
    const density = this._density();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (gl) {
      this._drawGL(density);
      ctx.clearRect(0, 0, W, H);
    } else {
      if (background) { ctx.fillStyle = background; ctx.fillRect(0, 0, W, H); } else ctx.clearRect(0, 0, W, H);
      if (this.n) {
        if (density) this._drawDensity2D(ctx, dpr, background);
        else this._drawPoints2D(ctx);
      }
    }
    if (this.n && overlay) this._drawOverlay(ctx);
    if (ctx === this.ctx) this.lastFrame = { renderer: gl ? 'webgl2' : '2d', density, ms: performance.now() - t0 };
  }

  _drawGL(density) {
    const g = this._gl, n = this.n;
    // big maps go to the GPU in a random order, so that the first k points are a fair sample of all
    if (this._glDirty.pos) {
      this._perm = null;
      if (n > DENSITY_CHUNK) {
        let seed = 12345;
        const perm = new Uint32Array(n);
        for (let i = 0; i < n; i++) perm[i] = i;
        for (let i = n - 1; i > 0; i--) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; const j = seed % (i + 1); const t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        this._perm = perm;
      }
      const perm = this._perm;
      const xy = new Float32Array(2 * n);
      for (let k = 0; k < n; k++) { const i = perm ? perm[k] : k; xy[2 * k] = this.xs[i]; xy[2 * k + 1] = this.ys[i]; }
      g.setPositions(xy);
      this._glDirty.pos = false;
      this._glDirty.style = true;
    }
    if (this._glDirty.style) {
      const perm = this._perm, { rgba, flags } = this._style;
      if (perm) {
        const r2 = new Uint8Array(4 * n), f2 = new Uint8Array(n), src = new Uint32Array(rgba.buffer, rgba.byteOffset, n), dst = new Uint32Array(r2.buffer);
        for (let k = 0; k < n; k++) { const i = perm[k]; dst[k] = src[i]; f2[k] = flags[i]; }
        g.setColors(r2); g.setFlags(f2);
      } else { g.setColors(rgba); g.setFlags(flags); }
      this._glDirty.style = false;
      this._styleVersion = (this._styleVersion ?? 0) + 1;
    }
    const c = this._glCanvas;
    const frame = {
      W: c.width, H: c.height, scale: this.scale, cx: this.cx, cy: this.cy, dpr: this.dpr,
      size: this._radius(), background: this.background ? rgbOf(this.background) : null, density, fade: ALPHA.faded,
    };
    if (n <= LAYERED_FROM) { this._present({ cx: this.cx, cy: this.cy, scale: this.scale }); g.draw(frame); return; }
    // Big maps: drawing every point in every frame would keep the GPU (and, waiting for it, this
    // thread) busy for longer than a frame. So a finished picture (the front layer) follows the view
    // while it moves; when the view rests, the next picture is drawn into the back layer a slice of
    // points per frame (shown as it grows when there is no front yet) and replaces the front.
    const styleKey = `${this._styleVersion}|${this.background}|${density}|${frame.W}x${frame.H}`;
    const viewKey = `${this.cx}|${this.cy}|${this.scale}`;
    const viewNow = { cx: this.cx, cy: this.cy, scale: this.scale };
    if (this._layers?.style !== styleKey) this._layers = { style: styleKey, front: null, back: null };
    const L = this._layers;
    const moving = performance.now() - (this._lastMove ?? 0) < 120;
    // One frame does one kind of work, points or a full-canvas pass: on a software GPU each full-canvas
    // pass costs about 30 ms, and the page waits for all of it when it reads the canvas back.
    let showBack = false;
    const grow = () => {
      const b = L.back, f = { ...frame, cx: b.view.cx, cy: b.view.cy, scale: b.view.scale };
      const now = performance.now();
      // GPU back-pressure: the work is queued to the GPU, so the frame times here say nothing of it;
      // a fence does. Nothing new is queued while the last slice is unfinished, and the slice size
      // follows: smaller when the GPU was still busy a frame later, larger when it was done.
      this._chunk ??= LAYER_CHUNK;
      if (g.busy()) { this._chunk = Math.max(2000, Math.round(this._chunk * 0.7)); return; }
      if (!L.front && b.drawn > 0 && now - (b.shownAt ?? 0) > 250) {
        // the first picture, shown as it grows (four times a second): put its density together
        g.drawInto(1, { ...f, from: b.drawn, count: 0, composite: true });
        b.shownAt = now; showBack = true;
        g.fence();
        return;
      }
      this._chunk = Math.min(400000, Math.round(this._chunk * 1.25));
      const count = Math.min(this._chunk, n - b.drawn);
      const last = b.drawn + count >= n;
      // density is put together once, with the last slice (or above, to show the first picture)
      g.drawInto(1, { ...f, from: b.drawn, count, composite: last || b.drawn === 0 });
      if (!L.front && b.drawn === 0) { b.shownAt = now; showBack = true; }
      b.drawn += count;
      if (last) { g.swapLayers(); L.front = b; L.back = null; }
      g.fence();
    };
    if (!L.front) {
      // the first picture is finished for the view it was started at, even while the view moves
      L.back ??= { key: viewKey, view: viewNow, drawn: 0 };
      grow();
    } else if (L.front.key !== viewKey) {
      if (moving) {
        L.back = null;
        clearTimeout(this._restTimer);
        this._restTimer = setTimeout(() => this.redraw(), 130);
        // While the view moves, the picture on the canvas follows it as a CSS transform: even one
        // full-canvas blit per pointer move keeps a software GPU (and this thread) busy 50-190 ms.
        if (this._shown && this._follow(viewNow)) return;
      } else {
        if (!L.back || L.back.key !== viewKey) {
          L.back = { key: viewKey, view: viewNow, drawn: 0 };
          // another view costs another amount per point (zoomed in, discs are larger): start small again
          this._chunk = Math.min(this._chunk ?? LAYER_CHUNK, LAYER_FIRST_SLICE);
        }
        grow();
      }
    }
    // what the canvas shows is redrawn only when it changed: the front (once per view), or the
    // first picture when it was put together this frame
    const frontKey = L.front ? viewKey : null;
    const same = L.front ? (this._shownLayer === L.front && this._shownKey === frontKey && !this._glCanvas.style.transform) : !showBack;
    if (L.front && L.front.key !== viewKey && L.back && this._shown && this._follow(viewNow)) {
      // at rest, while the picture for this view grows: the old one stays, moved by CSS (no blit)
    } else if (!same) {
      this._present(viewNow);
      this._shownLayer = L.front; this._shownKey = frontKey;
      if (L.front) g.show(0, frame, L.front.view);
      else g.show(1, frame, L.back.view);
    } else if (!L.front && this._shown) this._follow(viewNow); // the growing first picture follows a moving view
    if (L.back) this.redraw();
  }

  /** The GL canvas is about to show the picture of `view` as drawn: no CSS transform. */
  _present(view) {
    this._shown = view;
    this._shownLayer = null;
    if (this._glCanvas && this._glCanvas.style.transform) this._glCanvas.style.transform = '';
  }

  /**
   * Moves and scales the picture last presented (for the view `_shown`) to where `view` puts it:
   * a screen point p0 of the old picture goes to a * p0 + b, a = scale / scale0.
   */
  _follow(view) {
    const c = this._glCanvas, v0 = this._shown;
    if (!c || !(v0.scale > 0)) return false;
    const a = view.scale / v0.scale, W = this.cssW, H = this.cssH;
    const bx = (W / 2) * (1 - a) + view.scale * (v0.cx - view.cx);
    const by = (H / 2) * (1 - a) - view.scale * (v0.cy - view.cy);
    c.style.transformOrigin = '0 0';
    c.style.transform = `translate(${bx}px, ${by}px) scale(${a})`;
    return true;
  }

  /** Canvas 2D: one path per colour and alpha, faded points first (underneath). */
  _drawPoints2D(ctx) {
    const n = this.n, W = this.cssW, H = this.cssH;
    const r = this._radius();
    const fast = n > 20000;
    const s = this.scale, ox = W / 2 - this.cx * s, oy = H / 2 + this.cy * s;
    const { rgba, flags } = this._style;
    const groups = new Map();
    for (let i = 0; i < n; i++) {
      const f = flags[i];
      if (f & 2) continue;
      const x = this.xs[i] * s + ox, y = oy - this.ys[i] * s;
      if (x < -r || y < -r || x > W + r || y > H + r) continue;
      // key: faded first, then by alpha, size and colour
      const a = f & 1 ? 0 : rgba[4 * i + 3];
      const key = ((f & 1) ? 0 : 1) * 2 ** 34 + a * 2 ** 26 + ((f & 4) ? 1 : 0) * 2 ** 25 + (rgba[4 * i] << 16 | rgba[4 * i + 1] << 8 | rgba[4 * i + 2]);
      let list = groups.get(key);
      if (!list) { list = []; groups.set(key, list); }
      list.push(i);
    }
    const keys = [...groups.keys()].sort((a, b) => a - b);
    for (const key of keys) {
      const list = groups.get(key);
      const i0 = list[0];
      const faded = flags[i0] & 1, small = flags[i0] & 4;
      ctx.globalAlpha = faded ? ALPHA.faded : rgba[4 * i0 + 3] / 255;
      ctx.fillStyle = `rgb(${rgba[4 * i0]},${rgba[4 * i0 + 1]},${rgba[4 * i0 + 2]})`;
      const rr = small ? r * 0.8 : r;
      ctx.beginPath();
      for (const i of list) {
        const x = this.xs[i] * s + ox, y = oy - this.ys[i] * s;
        if (fast) ctx.rect(x - rr, y - rr, 2 * rr, 2 * rr);
        else { ctx.moveTo(x + rr, y); ctx.arc(x, y, rr, 0, Math.PI * 2); }
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  /** Canvas 2D density layer: the WebGL2 one computed per pixel in JavaScript (same formula). */
  _drawDensity2D(ctx, dpr, background) {
    const Wd = Math.round(this.cssW * dpr), Hd = Math.round(this.cssH * dpr);
    const acc = new Float32Array(Wd * Hd * 4);
    const s = this.scale * dpr, ox = Wd / 2 - this.cx * s, oy = Hd / 2 + this.cy * s;
    const { rgba, flags } = this._style;
    for (let i = 0; i < this.n; i++) {
      const f = flags[i];
      if (f & 2) continue;
      const x = (this.xs[i] * s + ox) | 0, y = (oy - this.ys[i] * s) | 0;
      if (x < 0 || y < 0 || x >= Wd || y >= Hd) continue;
      const w = f & 1 ? 0.15 : 1, k = 4 * (y * Wd + x);
      acc[k] += (rgba[4 * i] / 255) * w; acc[k + 1] += (rgba[4 * i + 1] / 255) * w; acc[k + 2] += (rgba[4 * i + 2] / 255) * w; acc[k + 3] += w;
    }
    const img = ctx.createImageData(Wd, Hd);
    const out = img.data;
    const bg = background ? rgbOf(background) : null;
    for (let p = 0; p < Wd * Hd; p++) {
      const c = acc[4 * p + 3];
      const k = 4 * p;
      if (c <= 0) { if (bg) { out[k] = bg[0]; out[k + 1] = bg[1]; out[k + 2] = bg[2]; out[k + 3] = 255; } continue; }
      const a = 1 - Math.exp(-0.55 * c);
      const r = (acc[k] / c) * 255, g = (acc[k + 1] / c) * 255, b = (acc[k + 2] / c) * 255;
      if (bg) { out[k] = r * a + bg[0] * (1 - a); out[k + 1] = g * a + bg[1] * (1 - a); out[k + 2] = b * a + bg[2] * (1 - a); out[k + 3] = 255; } else { out[k] = r; out[k + 1] = g; out[k + 2] = b; out[k + 3] = a * 255; }
    }
    // putImageData ignores the transform and replaces pixels: draw through a canvas to keep what is under
    const tmp = defaultCanvas(Wd, Hd);
    tmp.getContext('2d').putImageData(img, 0, 0);
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(tmp, 0, 0);
    ctx.restore();
  }

  /**
   * Pins: places on the map that are not points of it (a sentence of the reader's own, placed by
   * UMAP's transform), drawn as a diamond with a label. [{x, y, label}] in data coordinates; [] clears.
   */
  setPins(pins = []) {
    this.pins = (pins ?? []).filter((p) => Number.isFinite(p?.x) && Number.isFinite(p?.y)).map((p) => ({ x: p.x, y: p.y, label: String(p.label ?? '') }));
    this.redraw();
  }

  _drawPin(ctx, x, y, label) {
    const W = this.cssW, H = this.cssH;
    if (x < -20 || y < -20 || x > W + 20 || y > H + 20) return;
    const r = 7;
    ctx.save();
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath();
    ctx.fillStyle = this.foreground;
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = this.background && this.background !== 'transparent' ? this.background : '#ffffff';
    ctx.stroke();
    if (label) {
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.textAlign = 'left'; // beside the diamond (the cluster names leave it centred)
      ctx.textBaseline = 'middle';
      ctx.lineWidth = 3;
      ctx.strokeText(label, x + r + 4, y);
      ctx.fillStyle = this.foreground;
      ctx.fillText(label, x + r + 4, y);
    }
    ctx.restore();
  }

  /** Rings (highlighted, selected, hovered), names, point labels and the lasso, drawn by Canvas 2D. */
  _drawOverlay(ctx) {
    const n = this.n, W = this.cssW, H = this.cssH;
    const r = this._radius();
    const s = this.scale, ox = W / 2 - this.cx * s, oy = H / 2 + this.cy * s;
    const hl = this.highlighted;
    // highlighted points get a thin outline so they stand out on any colour (when there are few)
    if (hl) {
      const shown = [];
      for (let i = 0; i < n && shown.length <= 3000; i++) if (hl[i] && this.isShown(i)) shown.push(i);
      if (shown.length <= 3000) {
        ctx.strokeStyle = this.foreground;
        ctx.lineWidth = 1.2;
        ctx.beginPath();
        for (const i of shown) {
          const x = this.xs[i] * s + ox, y = oy - this.ys[i] * s;
          if (x < -10 || y < -10 || x > W + 10 || y > H + 10) continue;
          ctx.moveTo(x + r + 1.5, y);
          ctx.arc(x, y, r + 1.5, 0, Math.PI * 2);
        }
        ctx.stroke();
      }
    }
    const placed = [];
    if (this.clusterNames && this.clusterNames.size && this.hasLabels && !this.colors) this._drawClusterNames(ctx, placed);
    if (this.pointLabels) this._drawPointLabels(ctx, placed, r);

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
    for (const pin of this.pins ?? []) this._drawPin(ctx, pin.x * s + ox, oy - pin.y * s, pin.label);
    if (this._lasso && this._lasso.points.length > 1) {
      const l = this._lasso;
      ctx.beginPath();
      if (l.kind === 'box') {
        const [a, b] = [l.points[0], l.points[l.points.length - 1]];
        ctx.rect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
      } else {
        l.points.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
        ctx.closePath();
      }
      ctx.fillStyle = isDark(this.background) ? 'rgba(255,255,255,0.08)' : 'rgba(30,60,140,0.08)';
      ctx.fill();
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = this.foreground;
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  /** Per cluster: its median point and a sample of its members (for placing its name). */
  _clusterCentres() {
    if (this._centres) return this._centres;
    const n = this.n, labels = this.labels;
    const counts = new Map();
    for (let i = 0; i < n; i++) { const l = labels[i]; if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1); }
    const SAMPLE = 400;
    const out = new Map();
    const seen = new Map();
    for (const [l, c] of counts) out.set(l, { size: c, stride: Math.max(1, Math.floor(c / SAMPLE)), xs: [], ys: [] });
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      if (l < 0) continue;
      const o = out.get(l);
      const k = (seen.get(l) ?? 0);
      seen.set(l, k + 1);
      if (k % o.stride === 0) { o.xs.push(this.xs[i]); o.ys.push(this.ys[i]); }
    }
    const median = (a) => { const b = Float64Array.from(a).sort(); return b[b.length >> 1]; };
    for (const o of out.values()) { o.x = median(o.xs); o.y = median(o.ys); }
    this._centres = out;
    return out;
  }

  _drawClusterNames(ctx, placed) {
    // names of the biggest clusters first; each at the free spot nearest its centre that covers the
    // fewest points, never over a name already placed (the legend lists every cluster anyway)
    const centres = this._clusterCentres();
    const dark = isDark(this.background);
    ctx.font = `600 12px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    const order = [...centres.entries()].filter(([l]) => this.clusterNames.has(l)).sort((a, b) => b[1].size - a[1].size);
    // where the points are, on a grid of 8 px cells, from every named cluster's sample
    const C = 8, gw = Math.ceil(this.cssW / C) + 1, gh = Math.ceil(this.cssH / C) + 1;
    const occ = new Float32Array(gw * gh);
    for (const [, o] of order.slice(0, NAMES_MAX * 2)) {
      const w = o.size / o.xs.length;
      for (let k = 0; k < o.xs.length; k++) {
        const [x, y] = this.toScreen(o.xs[k], o.ys[k]);
        if (x < 0 || y < 0 || x >= this.cssW || y >= this.cssH) continue;
        occ[((y / C) | 0) * gw + ((x / C) | 0)] += w;
      }
    }
    const covered = (b) => {
      let sum = 0;
      for (let gy = Math.max(0, (b[1] / C) | 0); gy <= Math.min(gh - 1, (b[3] / C) | 0); gy++) {
        for (let gx = Math.max(0, (b[0] / C) | 0); gx <= Math.min(gw - 1, (b[2] / C) | 0); gx++) sum += occ[gy * gw + gx];
      }
      return sum;
    };
    const hits = (b) => placed.some((q) => b[0] < q[2] && b[2] > q[0] && b[1] < q[3] && b[3] > q[1]);
    let drawn = 0;
    for (const [l, o] of order) {
      if (drawn >= NAMES_MAX) break;
      const name = String(this.clusterNames.get(l) ?? '');
      if (!name) continue;
      const [x, y] = this.toScreen(o.x, o.y);
      if (x < -50 || y < -20 || x > this.cssW + 50 || y > this.cssH + 20) continue;
      const label = shortText(name, 40);
      const w = ctx.measureText(label).width + 8, h = 16;
      let best = null;
      for (const [dx, dy] of [[0, -18], [0, 0], [0, 18], [w / 2 + 10, 0], [-w / 2 - 10, 0], [0, -34], [0, 34], [w / 2 + 10, -18], [-w / 2 - 10, -18], [w / 2 + 10, 18], [-w / 2 - 10, 18]]) {
        const cx = x + dx, cy = y + dy;
        const box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
        if (box[0] < 2 || box[1] < 2 || box[2] > this.cssW - 2 || box[3] > this.cssH - 2) continue;
        if (hits(box)) continue;
        const cost = covered(box) + Math.hypot(dx, dy) * 0.05;
        if (!best || cost < best.cost) best = { cost, box, cx, cy };
      }
      if (!best) continue;
      placed.push(best.box);
      drawn++;
      ctx.lineWidth = 4;
      ctx.strokeStyle = dark ? 'rgba(0,0,0,0.75)' : 'rgba(255,255,255,0.9)';
      ctx.strokeText(label, best.cx, best.cy);
      ctx.fillStyle = inkOf(rgbOf(this.colorOf(l)), dark);
      ctx.fillText(label, best.cx, best.cy);
    }
  }

  /** The texts of the points in view next to them, when there are few enough to read. */
  _drawPointLabels(ctx, placed, r) {
    if (!this.n || typeof this.texts?.[0] !== 'string') return;
    const [x0, y1] = this.toData(0, 0), [x1, y0] = this.toData(this.cssW, this.cssH);
    const inView = [];
    let over = false;
    const take = (i) => { if (inView.length >= POINT_LABELS_MAX) { over = true; return false; } inView.push(i); return true; };
    if (this._onScreenEstimate() > POINT_LABELS_MAX * 40) return;
    this._forEachIn(x0, y0, x1, y1, (i) => {
      const x = this.xs[i], y = this.ys[i];
      if (x < x0 || x > x1 || y < y0 || y > y1) return true;
      return take(i);
    });
    if (over || !inView.length) return;
    const dark = isDark(this.background);
    ctx.font = `11px ${FONT}`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    const hits = (b) => placed.some((q) => b[0] < q[2] && b[2] > q[0] && b[1] < q[3] && b[3] > q[1]);
    inView.sort((a, b) => (this.highlighted ? (this.highlighted[b] - this.highlighted[a]) : 0) || a - b);
    for (const i of inView) {
      const [x, y] = this.pointPosition(i);
      const label = shortText(this.texts[i], 32);
      if (!label) continue;
      const w = ctx.measureText(label).width;
      const box = [x + r + 3, y - 7, x + r + 5 + w, y + 7];
      if (box[2] > this.cssW || hits(box)) continue;
      placed.push(box);
      ctx.lineWidth = 3;
      ctx.strokeStyle = dark ? 'rgba(0,0,0,0.7)' : 'rgba(255,255,255,0.85)';
      ctx.strokeText(label, box[0], y);
      ctx.fillStyle = this.foreground;
      ctx.globalAlpha = this._style.flags[i] & 1 ? 0.45 : 0.9;
      ctx.fillText(label, box[0], y);
      ctx.globalAlpha = 1;
    }
  }

  // ------------------------------------------------------------------------------------ export

  /**
   * The map as a PNG image at the canvas' resolution (times `scale`), on an opaque background, drawn
   * by Canvas 2D (the same picture as on screen). With a title, legend or notes the picture gets a
   * header, a legend column and a footer:
   * @param {{scale?: number, background?: string, title?: string, subtitle?: string,
   *   legend?: {color: string, text: string}[], legendTitle?: string, notes?: string[]}} [opts]
   * @returns {Promise<Blob>}
   */
  toPNG(opts = {}) {
    const k = opts.scale ?? 1;
    const bg = opts.background ?? this.background ?? '#ffffff';
    const dpr = this.dpr * k;
    const frame = this._frameLayout(opts);
    const w = Math.round(frame.W * dpr), h = Math.round(frame.H * dpr);
    const out = defaultCanvas(w, h);
    const ctx = out.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, frame.W, frame.H);
    // the map itself, drawn into its place through a canvas of its own size
    const saved = this.hovered;
    this.hovered = -1; // no hover ring in the picture
    const mapCanvas = defaultCanvas(Math.round(this.cssW * dpr), Math.round(this.cssH * dpr));
    this.draw(mapCanvas.getContext('2d'), { dpr, background: bg });
    this.hovered = saved;
    ctx.drawImage(mapCanvas, frame.mapX, frame.mapY, this.cssW, this.cssH);
    this._drawFrame(ctx, frame, opts, bg);
    if (out.convertToBlob) return out.convertToBlob({ type: 'image/png' });
    return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG export failed'))), 'image/png'));
  }

  _frameLayout(opts) {
    const decorated = !!(opts.title || opts.legend?.length || opts.notes?.length);
    if (!decorated) return { W: this.cssW, H: this.cssH, mapX: 0, mapY: 0, decorated };
    const head = opts.title ? (opts.subtitle ? 56 : 38) : 10;
    const legendW = opts.legend?.length ? 250 : 0;
    const legendRows = Math.min(opts.legend?.length ?? 0, Math.floor((this.cssH - 24) / 18));
    const foot = 12 + 16 * (opts.notes?.length ?? 0);
    return { W: this.cssW + legendW + 20, H: head + this.cssH + foot, mapX: 10, mapY: head, legendX: this.cssW + 24, legendW, legendRows, decorated };
  }

  _drawFrame(ctx, f, opts, bg) {
    if (!f.decorated) return;
    const dark = isDark(bg);
    const ink = dark ? '#e6e9ef' : '#1d2330', muted = dark ? '#a0a8b6' : '#5d6675';
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    if (opts.title) {
      ctx.fillStyle = ink;
      ctx.font = `700 18px ${FONT}`;
      ctx.fillText(shortText(opts.title, 90), 12, 26);
      if (opts.subtitle) { ctx.fillStyle = muted; ctx.font = `13px ${FONT}`; ctx.fillText(shortText(opts.subtitle, 130), 12, 46); }
    }
    ctx.strokeStyle = dark ? '#363d4b' : '#d7dbe2';
    ctx.lineWidth = 1;
    ctx.strokeRect(f.mapX + 0.5, f.mapY + 0.5, this.cssW - 1, this.cssH - 1);
    if (opts.legend?.length) {
      let y = f.mapY + 14;
      ctx.font = `700 13px ${FONT}`;
      ctx.fillStyle = ink;
      if (opts.legendTitle) { ctx.fillText(shortText(opts.legendTitle, 32), f.legendX, y); y += 20; }
      ctx.font = `12px ${FONT}`;
      const rows = opts.legend.slice(0, f.legendRows - 1);
      for (const item of rows) {
        ctx.fillStyle = item.color;
        ctx.beginPath(); ctx.arc(f.legendX + 5, y - 4, 5, 0, Math.PI * 2); ctx.fill();
        ctx.fillStyle = ink;
        ctx.fillText(shortText(item.text, 34), f.legendX + 16, y);
        y += 18;
      }
      if (opts.legend.length > rows.length) { ctx.fillStyle = muted; ctx.fillText(`… and ${opts.legend.length - rows.length} more`, f.legendX + 16, y); }
    }
    if (opts.notes?.length) {
      ctx.font = `12px ${FONT}`;
      ctx.fillStyle = muted;
      opts.notes.forEach((line, i) => ctx.fillText(shortText(line, 180), 12, f.mapY + this.cssH + 18 + 16 * i));
    }
  }

  /**
   * The map as SVG for print: one circle per point (vector) up to `maxPoints`, else the density
   * picture as an embedded image; names, title, legend and notes as text. Same options as toPNG.
   * @returns {string}
   */
  toSVG(opts = {}) {
    const bg = opts.background ?? this.background ?? '#ffffff';
    const f = this._frameLayout(opts);
    const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const num = (v) => (Math.round(v * 100) / 100).toString();
    const dark = isDark(bg);
    const ink = dark ? '#e6e9ef' : '#1d2330', muted = dark ? '#a0a8b6' : '#5d6675';
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${f.W}" height="${f.H}" viewBox="0 0 ${f.W} ${f.H}" font-family="system-ui, sans-serif">`,
      `<rect width="100%" height="100%" fill="${esc(bg)}"/>`];
    out.push(`<g transform="translate(${f.mapX} ${f.mapY})"><clipPath id="m"><rect width="${this.cssW}" height="${this.cssH}"/></clipPath><g clip-path="url(#m)">`);
    const { rgba, flags } = this._style ?? { rgba: [], flags: [] };
    const r = this._radius();
    const maxPoints = opts.maxPoints ?? 20000;
    const visible = [];
    for (let i = 0; i < this.n; i++) {
      if (flags[i] & 2) continue;
      const [x, y] = this.pointPosition(i);
      if (x < -r || y < -r || x > this.cssW + r || y > this.cssH + r) continue;
      visible.push(i);
    }
    if (visible.length <= maxPoints) {
      visible.sort((a, b) => (flags[b] & 1) - (flags[a] & 1)); // faded first
      for (const i of visible) {
        const [x, y] = this.pointPosition(i);
        const a = flags[i] & 1 ? ALPHA.faded : rgba[4 * i + 3] / 255;
        out.push(`<circle cx="${num(x)}" cy="${num(y)}" r="${num(flags[i] & 4 ? r * 0.8 : r)}" fill="rgb(${rgba[4 * i]},${rgba[4 * i + 1]},${rgba[4 * i + 2]})" fill-opacity="${a.toFixed(2)}"/>`);
      }
    } else {
      const c = defaultCanvas(Math.round(this.cssW * 2), Math.round(this.cssH * 2));
      const cx = c.getContext('2d');
      cx.setTransform(2, 0, 0, 2, 0, 0);
      this._drawDensity2D(cx, 2, null);
      const url = c.toDataURL ? c.toDataURL('image/png') : null;
      if (url) out.push(`<image width="${this.cssW}" height="${this.cssH}" href="${url}"/>`);
    }
    if (this.clusterNames && this.hasLabels && !this.colors) {
      const centres = this._clusterCentres();
      const order = [...centres.entries()].filter(([l]) => this.clusterNames.has(l)).sort((a, b) => b[1].size - a[1].size).slice(0, NAMES_MAX);
      for (const [l, o] of order) {
        const [x, y] = this.toScreen(o.x, o.y);
        if (x < 0 || y < 0 || x > this.cssW || y > this.cssH) continue;
        out.push(`<text x="${num(x)}" y="${num(y - 14)}" text-anchor="middle" font-size="12" font-weight="600" fill="${inkOf(rgbOf(this.colorOf(l)), dark)}" stroke="${dark ? '#000' : '#fff'}" stroke-width="3" paint-order="stroke">${esc(shortText(this.clusterNames.get(l), 40))}</text>`);
      }
    }
    out.push('</g></g>');
    if (f.decorated) {
      out.push(`<rect x="${f.mapX + 0.5}" y="${f.mapY + 0.5}" width="${this.cssW - 1}" height="${this.cssH - 1}" fill="none" stroke="${dark ? '#363d4b' : '#d7dbe2'}"/>`);
      if (opts.title) out.push(`<text x="12" y="26" font-size="18" font-weight="700" fill="${ink}">${esc(opts.title)}</text>`);
      if (opts.subtitle) out.push(`<text x="12" y="46" font-size="13" fill="${muted}">${esc(opts.subtitle)}</text>`);
      if (opts.legend?.length) {
        let y = f.mapY + 14;
        if (opts.legendTitle) { out.push(`<text x="${f.legendX}" y="${y}" font-size="13" font-weight="700" fill="${ink}">${esc(opts.legendTitle)}</text>`); y += 20; }
        const rows = opts.legend.slice(0, f.legendRows - 1);
        for (const item of rows) {
          out.push(`<circle cx="${f.legendX + 5}" cy="${y - 4}" r="5" fill="${esc(item.color)}"/><text x="${f.legendX + 16}" y="${y}" font-size="12" fill="${ink}">${esc(shortText(item.text, 34))}</text>`);
          y += 18;
        }
        if (opts.legend.length > rows.length) out.push(`<text x="${f.legendX + 16}" y="${y}" font-size="12" fill="${muted}">… and ${opts.legend.length - rows.length} more</text>`);
      }
      (opts.notes ?? []).forEach((line, i) => out.push(`<text x="12" y="${f.mapY + this.cssH + 18 + 16 * i}" font-size="12" fill="${muted}">${esc(line)}</text>`));
    }
    out.push('</svg>');
    return out.join('\n');
  }

  /** Removes the listeners and the WebGL2 canvas; the given canvas is left as it is. */
  dispose() {
    if (this._frame && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this._frame);
    this._frame = 0;
    this._fly++;
    this._resizeObserver?.disconnect();
    for (const off of this._listeners) off();
    this._listeners = [];
    this._gl?.dispose();
    this._glCanvas?.remove();
    this._gl = null;
    this._glCanvas = null;
  }
}
