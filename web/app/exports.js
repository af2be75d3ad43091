// exports.js — the page's export formats as plain functions of the map's data (no DOM), so they can
// be tested outside a browser: CSV (text, x, y, cluster, probability) and Markdown (one heading per
// cluster with its keywords, its texts as a list). The map JSON is mapfile.js' createMapFile.

const csvField = (v) => {
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const num = (v, digits) => (Number.isFinite(v) ? String(Math.round(v * 10 ** digits) / 10 ** digits) : '');

/**
 * One row per text: text, x, y, cluster (-1 = noise), probability. RFC 4180 quoting, CRLF line ends.
 * @param {{texts: string[], xy: {data: ArrayLike<number>, n: number, dim: number},
 *   labels: ArrayLike<number>, probabilities?: ArrayLike<number>|null}} m
 * @returns {string}
 */
export function toCsv(m) {
  const rows = ['text,x,y,cluster,probability'];
  const d = m.xy.dim;
  for (let i = 0; i < m.texts.length; i++) {
    const p = m.probabilities ? m.probabilities[i] : 1;
    rows.push([csvField(m.texts[i]), num(m.xy.data[i * d], 5), num(m.xy.data[i * d + 1], 5), m.labels[i], num(p, 4)].join(','));
  }
  return rows.join('\r\n') + '\r\n';
}

/** The name a cluster is shown under: "Cluster 3". */
export function clusterTitle(label) {
  return label < 0 ? 'Noise' : `Cluster ${label}`;
}

/**
 * The clusters as Markdown, ready to paste into a language model: a heading per cluster (largest
 * first) with its size and keywords, then its texts as a list; noise last. Line breaks inside a text
 * become spaces so every text stays one list item.
 * @param {{texts: string[], labels: ArrayLike<number>,
 *   clusters?: {label: number, size: number, keywords?: {word: string}[]}[], title?: string}} m
 * @returns {string}
 */
export function toMarkdown(m) {
  const groups = new Map();
  for (let i = 0; i < m.texts.length; i++) {
    const l = m.labels[i];
    if (!groups.has(l)) groups.set(l, []);
    groups.get(l).push(m.texts[i]);
  }
  const info = new Map((m.clusters ?? []).map((c) => [c.label, c]));
  const order = [...groups.keys()].filter((l) => l >= 0).sort((a, b) => groups.get(b).length - groups.get(a).length || a - b);
  if (groups.has(-1)) order.push(-1);
  const nClusters = order.filter((l) => l >= 0).length;
  const out = [`# ${m.title ?? 'Clusters'}`, '',
    `${m.texts.length} texts in ${nClusters} cluster${nClusters === 1 ? '' : 's'}` +
    (groups.has(-1) ? `, ${groups.get(-1).length} left as noise (not in any cluster).` : '.'), ''];
  for (const l of order) {
    const texts = groups.get(l);
    const words = (info.get(l)?.keywords ?? []).map((k) => k.word).filter(Boolean);
    const head = `## ${clusterTitle(l)} (${texts.length} text${texts.length === 1 ? '' : 's'})`;
    out.push(head, '');
    if (l >= 0 && words.length) out.push(`Keywords: ${words.join(', ')}`, '');
    for (const t of texts) out.push(`- ${String(t).replace(/\s*[\r\n]+\s*/g, ' ')}`);
    out.push('');
  }
  return out.join('\n');
}
