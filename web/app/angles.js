// angles.js — step 5, "Why angles, not distances": from the attendee's own vectors, the spread of all
// pairwise Euclidean distances and cosine similarities (a histogram each, next to the same pairs'
// distances on the 2-D map), a "compass" of the texts nearest to the chosen query drawn at their true
// angles to it, and a heat-map of the cosine similarities between up to 12 picked texts. Everything
// is computed in the session's worker, where the vectors are.

import { $, el, clear, shorten, fmtInt } from './dom.js';
import { Surface, haloText } from './plot.js';

const COMPASS_K = 8;
const HEAT_MAX = 12;
const deg = (c) => (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;

/** "1-4, 9" -> [0, 1, 2, 3, 8] (1-based numbers in, indices out; at most `max`, each once, within n). */
export function parseRows(text, n, max = HEAT_MAX) {
  const out = [];
  for (const part of String(text).split(/[,;\s]+/).filter(Boolean)) {
    const m = /^(\d+)(?:\s*[-–]\s*(\d+))?$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]), b = m[2] ? Number(m[2]) : a;
    for (let v = Math.min(a, b); v <= Math.max(a, b) && out.length < max; v++) if (v >= 1 && v <= n && !out.includes(v - 1)) out.push(v - 1);
  }
  return out;
}

/** A colour between the background and the accent for t in [0, 1]. */
function mix(bg, fg, t) {
  const rgb = (h) => { const v = parseInt(h.replace('#', ''), 16); return [(v >> 16) & 255, (v >> 8) & 255, v & 255]; };
  const a = rgb(bg), b = rgb(fg);
  return `rgb(${a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(',')})`;
}

export function mount(app) {
  const state = app.state;
  let stats = null;
  let compass = null; // {label, items: [{index, score}]}
  let heat = null; // {rows, sim}
  let statsReq = 0, compassReq = 0, heatReq = 0;

  // ------------------------------------------------------------------ histograms
  const histogram = (key, label, fmt) => new Surface($(`hist-${key}`), (ctx, w, h, c) => {
    const hgram = stats?.[key];
    if (!hgram) { haloText(ctx, 'appears once your texts are embedded', 10, h / 2, c, { color: c.muted }); return; }
    const pad = { l: 8, r: 8, t: 22, b: 30 };
    const bins = hgram.counts.length;
    const peak = Math.max(1, ...hgram.counts);
    const bw = (w - pad.l - pad.r) / bins;
    const x = (v) => pad.l + ((v - hgram.min) / ((hgram.max - hgram.min) || 1)) * (w - pad.l - pad.r);
    // the middle 90 % of the pairs
    ctx.fillStyle = c.surface;
    ctx.fillRect(x(hgram.p5), pad.t, Math.max(1, x(hgram.p95) - x(hgram.p5)), h - pad.t - pad.b);
    ctx.fillStyle = c.accent;
    for (let b = 0; b < bins; b++) {
      const bh = (hgram.counts[b] / peak) * (h - pad.t - pad.b);
      ctx.fillRect(pad.l + b * bw + 0.5, h - pad.b - bh, Math.max(1, bw - 1), bh);
    }
    ctx.strokeStyle = c.line2; ctx.beginPath(); ctx.moveTo(pad.l, h - pad.b + 0.5); ctx.lineTo(w - pad.r, h - pad.b + 0.5); ctx.stroke();
    haloText(ctx, label, pad.l, 14, c, { font: `600 12px ${c.sans}` });
    haloText(ctx, fmt(hgram.min), pad.l, h - 12, c, { color: c.muted });
    haloText(ctx, fmt(hgram.max), w - pad.r, h - 12, c, { color: c.muted, align: 'right' });
    haloText(ctx, `90 % of pairs: ${fmt(hgram.p5)} – ${fmt(hgram.p95)}`, w / 2, h - 12, c, { color: c.ink2, align: 'center' });
  });
  const hEuclid = histogram('euclidean', 'Euclidean distance', (v) => v.toFixed(2));
  const hCosine = histogram('cosine', 'cosine similarity', (v) => v.toFixed(2));
  const hMap = histogram('map', 'distance on the 2-D map', (v) => v.toFixed(1));

  async function loadStats() {
    if (!state.vectors || !app.session) return;
    const mine = ++statsReq;
    try {
      const s = await app.session.distanceStats();
      if (mine !== statsReq) return;
      stats = s;
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
      return;
    }
    const e = stats.euclidean, m = stats.map;
    const spread = (hg) => (hg.p5 > 0 ? hg.p95 / hg.p5 : Infinity);
    const times = (v) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : fmtInt(Math.round(v))}×` : 'many times');
    $('angles-spread').textContent =
      `${fmtInt(stats.pairs)} pairs of ${fmtInt(stats.texts)} texts${stats.texts < stats.n ? ` (an even sample of the ${fmtInt(stats.n)})` : ''}, ${stats.dim} numbers each. ` +
      `In ${stats.dim} dimensions the far pairs are only ${times(spread(e))} as far apart as the near ones (the 95th against the 5th percentile)` +
      (m ? `; on the 2-D map the same pairs are ${times(spread(m))} apart.` : '.') +
      ' Every vector has length 1, so distance and cosine say the same thing: d = √(2 − 2·cos).';
    hEuclid.request(); hCosine.request(); hMap.request();
    $('hist-map').hidden = !m;
  }

  // ------------------------------------------------------------------ compass
  const compassSurface = new Surface($('compass'), (ctx, w, h, c) => {
    // texts at more than 90° (a negative cosine) point backwards: then the query starts mid-canvas
    const wide = !!compass && compass.items.some((it) => it.score < 0);
    const ox = wide ? w / 2 : 30, oy = h / 2, len = Math.max(20, Math.min(wide ? w / 2 - 40 : w - ox - 40, h / 2 - 16));
    ctx.strokeStyle = c.line; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.arc(ox, oy, len, wide ? 0 : -Math.PI / 2, wide ? 2 * Math.PI : Math.PI / 2); ctx.stroke();
    for (const a of wide ? [30, 60, 90, 120, 150] : [30, 60, 90]) {
      const r = (a * Math.PI) / 180;
      ctx.setLineDash([3, 4]);
      ctx.beginPath(); ctx.moveTo(ox, oy); ctx.lineTo(ox + len * Math.cos(r), oy - len * Math.sin(r)); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(ox, oy); ctx.lineTo(ox + len * Math.cos(r), oy + len * Math.sin(r)); ctx.stroke();
      ctx.setLineDash([]);
      haloText(ctx, `${a}°`, ox + (len + 4) * Math.cos(r), oy - (len + 4) * Math.sin(r), c, { color: c.muted });
    }
    const tip = (angle, color, label, width = 2) => {
      const x = ox + len * Math.cos(angle), y = oy - len * Math.sin(angle);
      ctx.strokeStyle = color; ctx.lineWidth = width;
      ctx.beginPath(); ctx.moveTo(ox, oy); ctx.lineTo(x, y); ctx.stroke();
      ctx.fillStyle = color; ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI); ctx.fill();
      haloText(ctx, label, x + 6, y + 4, c, { font: `600 12px ${c.sans}`, color });
    };
    if (!compass) { tip(0, c.accent, 'query', 3); return; }
    compass.items.forEach((it, r) => {
      const a = (Math.acos(Math.max(-1, Math.min(1, it.score))) * (r % 2 === 0 ? 1 : -1));
      tip(a, c.ink2, String(r + 1), 1.5);
    });
    tip(0, c.accent, 'query', 3);
  });

  async function showCompass(query) {
    if (!state.vectors || !app.session) return;
    const mine = ++compassReq;
    try {
      let q = query, label;
      if (typeof query === 'string') {
        q = (await app.model.embed(query)).data;
        label = `“${shorten(query, 80)}” (your sentence)`;
      } else {
        label = `“${shorten(state.texts[query], 80)}”`;
      }
      const list = (await app.session.similar(q, COMPASS_K + 1)).filter((r) => r.index !== query).slice(0, COMPASS_K);
      if (mine !== compassReq) return;
      compass = { label, items: list };
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
      return;
    }
    $('compass-caption').textContent = `The ${compass.items.length} texts nearest to ${compass.label}, at their true angles to it (above and below the line only to keep them apart):`;
    const ol = clear($('compass-list'));
    for (const it of compass.items) {
      ol.append(el('li', {}, el('span', { className: 'nb-score', text: `${it.score.toFixed(3)} · ${deg(it.score).toFixed(0)}°` }), state.texts[it.index]));
    }
    compassSurface.request();
  }

  // ------------------------------------------------------------------ heat-map
  const heatSurface = new Surface($('heatmap'), (ctx, w, h, c) => {
    if (!heat) { haloText(ctx, 'appears once your texts are embedded', 10, h / 2, c, { color: c.muted }); return; }
    const m = heat.rows.length;
    const head = 28;
    const cell = Math.max(8, Math.floor(Math.min((w - head) / m, (h - head) / m)));
    let lo = 1;
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) if (a !== b) lo = Math.min(lo, heat.sim[a * m + b]);
    if (!(lo < 1)) lo = 0;
    ctx.textBaseline = 'middle';
    const numbers = cell >= 30, numberFont = `${cell >= 44 ? 12 : 10}px ${c.sans}`;
    for (let a = 0; a < m; a++) {
      haloText(ctx, String(heat.rows[a] + 1), head - 6, head + a * cell + cell / 2, c, { color: c.muted, align: 'right' });
      haloText(ctx, String(heat.rows[a] + 1), head + a * cell + cell / 2, head / 2, c, { color: c.muted, align: 'center' });
      for (let b = 0; b < m; b++) {
        const t = Math.max(0, Math.min(1, (heat.sim[a * m + b] - lo) / ((1 - lo) || 1)));
        ctx.fillStyle = mix(c.bg, c.accent, 0.08 + 0.92 * t);
        ctx.fillRect(head + b * cell, head + a * cell, cell - 1, cell - 1);
      }
    }
    if (numbers) {
      ctx.font = numberFont;
      ctx.textAlign = 'center';
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) {
          const v = heat.sim[a * m + b];
          ctx.fillStyle = (v - lo) / ((1 - lo) || 1) > 0.55 ? '#ffffff' : c.ink;
          ctx.fillText(v.toFixed(2), head + b * cell + cell / 2, head + a * cell + cell / 2);
        }
      }
    }
    ctx.textBaseline = 'alphabetic';
  });

  async function showHeat() {
    if (!state.vectors || !app.session) return;
    const rows = parseRows($('heat-rows').value, state.texts.length);
    if (rows.length < 2) { $('heat-note').textContent = 'Pick at least two texts by their numbers, e.g. 1-6, 9.'; return; }
    const mine = ++heatReq;
    try {
      const sim = await app.session.pairwise(rows);
      if (mine !== heatReq) return;
      heat = { rows, sim };
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
      return;
    }
    $('heat-note').textContent = `Cosine similarity of every pair of the ${rows.length} texts (the stronger the colour, the more alike; the diagonal is each text with itself, 1).`;
    const ol = clear($('heat-legend'));
    for (const i of rows) ol.append(el('li', { value: i + 1, text: shorten(state.texts[i], 120) }));
    heatSurface.request();
  }

  app.on('vectors', () => {
    // up to 12 texts spread over the list (the first ones are often alike)
    const n = state.texts.length;
    $('heat-rows').value = n <= HEAT_MAX ? `1-${n}` : Array.from({ length: HEAT_MAX }, (_, i) => Math.floor((i * n) / HEAT_MAX) + 1).join(', ');
    $('heat-rows').disabled = false;
    loadStats();
    showCompass(0);
    showHeat();
  });
  app.on('layout', () => { if (state.vectors) loadStats(); });
  app.on('reset', () => { stats = null; compass = null; heat = null; for (const s of [hEuclid, hCosine, hMap, compassSurface, heatSurface]) s.request(); });
  $('query-select').addEventListener('change', (e) => showCompass(Number(e.target.value)));
  $('query-form').addEventListener('submit', () => {
    const q = $('query-text').value.trim();
    if (q && app.model && state.vectors) showCompass(q);
  });
  let timer = 0;
  $('heat-rows').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(showHeat, 300); });
  app.workshop ??= {};
  app.workshop.angles = { get stats() { return stats; }, get heat() { return heat; }, get compass() { return compass; } };
}
