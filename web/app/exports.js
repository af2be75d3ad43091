// exports.js — the page's export formats as plain functions of the map's data (no DOM), so they can
// be tested outside a browser: CSV (text, x, y, cluster, probability) and Markdown (one heading per
// cluster with its keywords, its texts as a list). The map JSON is mapfile.js' createMapFile.

const csvField = (v) => {
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

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
 * One row per text: text, x, y, cluster (-1 = noise), probability, then the texts' other columns.
 * RFC 4180 quoting, CRLF line ends; text cells that could run as spreadsheet formulas are
 * neutralised (neutralizeCell).
 * @param {{texts: string[], xy: {data: ArrayLike<number>, n: number, dim: number},
 *   labels: ArrayLike<number>, probabilities?: ArrayLike<number>|null,
 *   columns?: {name: string, type: string, values: ArrayLike<string|number|null>}[]}} m
 * @returns {string}
 */
export function toCsv(m) {
  const ours = ['text', 'x', 'y', 'cluster', 'probability'];
  const cols = m.columns ?? [];
  const rows = [[...ours, ...columnHeads(cols, ours)].map(textField).join(',')];
  const d = m.xy.dim;
  for (let i = 0; i < m.texts.length; i++) {
    const p = m.probabilities ? m.probabilities[i] : 1;
    const extra = cols.map((c) => {
      const v = c.values[i];
      if (v === null || v === undefined) return '';
      return typeof v === 'number' ? String(v) : textField(v);
    });
    rows.push([textField(m.texts[i]), num(m.xy.data[i * d], 5), num(m.xy.data[i * d + 1], 5), m.labels[i], num(p, 4), ...extra].join(','));
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
  const cols = m.columns ?? [];
  const oneLine = (t) => String(t).replace(/\s*[\r\n]+\s*/g, ' ');
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
    const words = (info.get(l)?.keywords ?? []).map((k) => k.word).filter(Boolean);
    const head = `## ${clusterTitle(l)} (${texts.length} text${texts.length === 1 ? '' : 's'})`;
    out.push(head, '');
    if (l >= 0 && words.length) out.push(`Keywords: ${words.join(', ')}`, '');
    for (const t of texts) out.push(cols.length ? `- ${t}` : `- ${oneLine(t)}`);
    out.push('');
  }
  return out.join('\n');
}
