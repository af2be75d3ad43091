// exports.js — the page's export formats as plain functions of the map's data (no DOM), so they can
// be tested outside a browser: CSV (text, x, y, cluster, probability, cluster_name) and Markdown (one
// heading per cluster with its name, description and keywords, its texts as a list), and which texts
// represent a cluster best. The map JSON is mapfile.js' createMapFile (names included).

const csvField = (v) => {
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** A text on one line (line breaks become spaces), for Markdown. */
export const oneLine = (t) => String(t).replace(/\s*[\r\n]+\s*/g, ' ');

/**
 * A text cell that a spreadsheet would run as a formula (it begins with =, +, -, @, a tab or a
 * carriage return: OWASP's CSV-injection rule) gets a leading apostrophe, which spreadsheets show as
 * text and do not evaluate. Other cells are unchanged.
 */
export function neutralizeCell(s) {
  const t = String(s);
  return /^[=+\-@\t\r]/.test(t) ? `'${t}` : t;
}
const textField = (v) => csvField(neutralizeCell(v));

/** The extra columns' header names, renamed where they would repeat one of ours. */
function columnHeads(columns, ours) {
  const used = new Set(ours);
  return (columns ?? []).map((c) => {
    let name = c.name;
    while (used.has(name)) name = `${name} (column)`;
    used.add(name);
    return name;
  });
}

const num = (v, digits) => (Number.isFinite(v) ? String(Math.round(v * 10 ** digits) / 10 ** digits) : '');

/**
 * One row per text: text, x, y, cluster (-1 = noise), probability, cluster_name (the name given to
 * the cluster, else empty), then the texts' other columns. RFC 4180 quoting, CRLF line ends; text
 * cells that could run as spreadsheet formulas are neutralised (neutralizeCell).
 * @param {{texts: string[], xy: {data: ArrayLike<number>, n: number, dim: number},
 *   labels: ArrayLike<number>, probabilities?: ArrayLike<number>|null, clusters?: {label: number, name?: string}[],
 *   columns?: {name: string, type: string, values: ArrayLike<string|number|null>}[]}} m
 * @returns {string}
 */
export function toCsv(m) {
  const ours = ['text', 'x', 'y', 'cluster', 'probability', 'cluster_name'];
  const cols = m.columns ?? [];
  const rows = [[...ours, ...columnHeads(cols, ours)].map(textField).join(',')];
  const d = m.xy.dim;
  const names = new Map((m.clusters ?? []).map((c) => [c.label, c.name ?? '']));
  for (let i = 0; i < m.texts.length; i++) {
    const p = m.probabilities ? m.probabilities[i] : 1;
    const name = names.get(m.labels[i]) ?? '';
    const extra = cols.map((c) => {
      const v = c.values[i];
      if (v === null || v === undefined) return '';
      return typeof v === 'number' ? String(v) : textField(v);
    });
    rows.push([textField(m.texts[i]), num(m.xy.data[i * d], 5), num(m.xy.data[i * d + 1], 5), m.labels[i], num(p, 4), name === '' ? '' : textField(name), ...extra].join(','));
  }
  return rows.join('\r\n') + '\r\n';
}

/** The name a cluster is shown under: the name given to it, else "Cluster 3" ("Noise" for -1). */
export function clusterTitle(label, name) {
  if (label < 0) return 'Noise';
  return name ? name : `Cluster ${label}`;
}

/**
 * The texts that represent each cluster best, best first: the highest membership probability, then
 * the lowest outlier score (the nearest to the cluster's dense core), then the earliest. One pass over
 * the texts, keeping the best k of each cluster (a million texts stay quick).
 * @param {{labels: ArrayLike<number>, probabilities?: ArrayLike<number>|null, outlierScores?: ArrayLike<number>|null}} m
 * @param {number} [k] at most this many per cluster
 * @returns {Map<number, number[]>} label -> text indices (noise left out)
 */
export function representatives(m, k = 8) {
  const p = (i) => (m.probabilities ? m.probabilities[i] : 1), o = (i) => (m.outlierScores ? m.outlierScores[i] : 0);
  const better = (a, b) => p(a) > p(b) || (p(a) === p(b) && (o(a) < o(b) || (o(a) === o(b) && a < b)));
  const by = new Map();
  for (let i = 0; i < m.labels.length; i++) {
    const l = m.labels[i];
    if (l < 0) continue;
    let top = by.get(l);
    if (!top) { top = []; by.set(l, top); }
    if (top.length === k && !better(i, top[k - 1])) continue;
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && better(i, top[at - 1])) { if (at < k) top[at] = top[at - 1]; at--; }
    top[at] = i;
  }
  return by;
}

/**
 * The clusters as Markdown, ready to paste into a language model: a heading per cluster (largest
 * first) with its size and keywords, then its texts as a list; noise last. Line breaks inside a text
 * become spaces so every text stays one list item.
 * @param {{texts: string[], labels: ArrayLike<number>,
 *   clusters?: {label: number, size: number, keywords?: {word: string}[], name?: string, description?: string}[], title?: string}} m
 * @returns {string}
 */
export function toMarkdown(m) {
  const groups = new Map();
  const cols = m.columns ?? [];
  for (let i = 0; i < m.texts.length; i++) {
    const l = m.labels[i];
    if (!groups.has(l)) groups.set(l, []);
    // the other columns under the text, as a nested item
    const more = cols.map((c) => (c.values[i] === null || c.values[i] === undefined ? null : `${c.name}: ${oneLine(c.values[i])}`)).filter(Boolean);
    groups.get(l).push(more.length ? `${oneLine(m.texts[i])}\n  - ${more.join(' · ')}` : m.texts[i]);
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
    const c = info.get(l);
    const words = (c?.keywords ?? []).map((k) => k.word).filter(Boolean);
    const title = l >= 0 && c?.name ? `Cluster ${l}: ${oneLine(c.name)}` : clusterTitle(l);
    const head = `## ${title} (${texts.length} text${texts.length === 1 ? '' : 's'})`;
    out.push(head, '');
    if (l >= 0 && c?.description) out.push(oneLine(c.description), '');
    if (l >= 0 && words.length) out.push(`Keywords: ${words.join(', ')}`, '');
    for (const t of texts) out.push(cols.length ? `- ${t}` : `- ${oneLine(t)}`);
    out.push('');
  }
  return out.join('\n');
}
