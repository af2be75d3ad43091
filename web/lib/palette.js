// palette.js — colours for clusters on the map, the legend and exports. Cluster k (k >= 0) gets a
// fixed colour (so a cluster keeps its colour when the same label comes back); noise (-1) is grey.
// The first colours are chosen to stay apart for common colour-vision deficiencies and to be
// readable on white; past them, hues step by the golden angle.

/** Colour of noise points (label -1). */
export const NOISE_COLOR = '#a3a9b3';

const BASE = [
  '#2f6fdb', // blue
  '#e8743b', // orange
  '#1a9e77', // green
  '#d6336c', // raspberry
  '#7b4fd6', // violet
  '#c9a100', // mustard
  '#1597b8', // teal
  '#8c564b', // brown
  '#5b8f1f', // olive green
  '#e377c2', // pink
  '#264b8c', // navy
  '#b5462a', // brick
  '#3fb6a0', // sea green
  '#9a6fe0', // lavender
  '#6f7d12', // moss
  '#d9822b', // amber
];

const cache = new Map();

function hslToHex(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * c).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

/**
 * Colour (#rrggbb) of a cluster label; -1 (noise) is grey.
 * @param {number} label
 */
export function clusterColor(label) {
  if (label < 0) return NOISE_COLOR;
  if (label < BASE.length) return BASE[label];
  let c = cache.get(label);
  if (!c) {
    const h = (label * 137.508) % 360;
    const l = 0.42 + 0.12 * ((label * 7) % 3) / 2;
    c = hslToHex(h, 0.62, l);
    cache.set(label, c);
  }
  return c;
}

/** [r, g, b] (0..255) of a #rrggbb colour. */
export function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * A diverging colour for a value in [-1, 1] (blue for negative, white at 0, red for positive):
 * used to draw an embedding vector as a strip.
 * @param {number} v
 */
export function divergingColor(v) {
  const t = Math.max(-1, Math.min(1, v));
  const lo = [33, 102, 172], mid = [247, 247, 247], hi = [178, 24, 43];
  const end = t < 0 ? lo : hi;
  const a = Math.abs(t);
  const c = mid.map((m, i) => Math.round(m + (end[i] - m) * a));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
