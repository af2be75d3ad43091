// synthetic-map.mjs — a saved map of any size for tests and benchmarks: n points in k Gaussian
// clusters (plus noise), short texts made of topic words, and extra columns of the kinds people bring
// (a category, a number, a year, a free-text id). Deterministic for a seed; fast enough for 1 000 000
// points (typed arrays, no per-point objects).

import { rng } from './random-bert.mjs';

const TOPICS = ['billing', 'delivery', 'account', 'login', 'refund', 'invoice', 'password', 'shipping', 'warranty', 'battery',
  'screen', 'update', 'crash', 'printer', 'network', 'upgrade', 'coupon', 'return', 'tracking', 'subscription'];
const FILLER = ['my', 'the', 'order', 'is', 'late', 'again', 'please', 'help', 'broken', 'since', 'monday', 'cannot', 'find', 'where', 'why', 'still'];
const PRODUCTS = ['phone', 'laptop', 'tablet', 'watch', 'speaker'];

/**
 * @param {number} n points
 * @param {{k?: number, seed?: number, noise?: number, columns?: boolean}} [o]
 * @returns {{texts: string[], xy: {data: Float32Array, n: number, dim: 2}, labels: Int32Array,
 *   probabilities: Float32Array, clusters: {label: number, size: number, keywords: {word: string, score: number}[]}[],
 *   columns: {name: string, type: 'number'|'string', values: (string|number|null)[]}[]}}
 */
export function syntheticMap(n, o = {}) {
  const k = o.k ?? 20, noise = o.noise ?? 0.05;
  const rand = rng(o.seed ?? 5);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: k }, () => [rand() * 40 - 20, rand() * 40 - 20, 0.6 + rand() * 1.6]);
  const data = new Float32Array(2 * n), labels = new Int32Array(n), probabilities = new Float32Array(n);
  const texts = new Array(n);
  const sizes = new Int32Array(k);
  const product = new Array(n), score = new Array(n), year = new Array(n), id = new Array(n);
  for (let i = 0; i < n; i++) {
    const isNoise = rand() < noise;
    const c = Math.floor(rand() * k);
    const t = TOPICS[c % TOPICS.length];
    if (isNoise) {
      data[2 * i] = rand() * 50 - 25; data[2 * i + 1] = rand() * 50 - 25;
      labels[i] = -1; probabilities[i] = 0;
    } else {
      const [cx, cy, s] = centres[c];
      data[2 * i] = cx + gauss() * s; data[2 * i + 1] = cy + gauss() * s;
      labels[i] = c; probabilities[i] = 0.5 + 0.5 * rand();
      sizes[c]++;
    }
    const w = () => FILLER[Math.floor(rand() * FILLER.length)];
    texts[i] = `${w()} ${t} ${w()} ${w()} ${TOPICS[Math.floor(rand() * TOPICS.length)]} ${w()} #${i}`;
    product[i] = PRODUCTS[(c + (rand() < 0.3 ? 1 : 0)) % PRODUCTS.length];
    score[i] = rand() < 0.02 ? null : Math.round((c / k) * 50 + rand() * 50) / 10;
    year[i] = 2015 + (i % 10);
    id[i] = `T-${100000 + i}`;
  }
  const clusters = [];
  for (let c = 0; c < k; c++) if (sizes[c]) clusters.push({ label: c, size: sizes[c], keywords: [{ word: TOPICS[c % TOPICS.length], score: 0.5 }, { word: 'help', score: 0.1 }] });
  const columns = o.columns === false ? [] : [
    { name: 'product', type: 'string', values: product },
    { name: 'score', type: 'number', values: score },
    { name: 'year', type: 'number', values: year },
    { name: 'ticket', type: 'string', values: id },
  ];
  return { texts, xy: { data, n, dim: 2 }, labels, probabilities, clusters, columns };
}

/** 20-column CSV rows as a support desk exports them: a text column among many others. */
export function wideCsv(rows = 60, seed = 3) {
  const rand = rng(seed);
  const head = ['id', 'created', 'channel', 'product', 'priority', 'agent', 'status', 'country', 'language', 'rating',
    'minutes', 'reopened', 'tags', 'description', 'customer', 'plan', 'seats', 'region', 'sla_hours', 'version'];
  const topics = [['refund', 'charged twice for my order'], ['login', 'cannot sign in after the update'], ['delivery', 'parcel has not arrived yet'], ['battery', 'battery drains overnight']];
  const q = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [head.join(',')];
  for (let i = 0; i < rows; i++) {
    const [tag, text] = topics[i % topics.length];
    const r = [
      i === 5 ? '=HYPERLINK("http://example.invalid","click")' : `T${1000 + i}`, `2024-0${1 + (i % 9)}-1${i % 10}`, ['mail', 'chat', 'phone'][i % 3], ['phone', 'laptop', 'watch'][i % 3],
      ['low', 'normal', 'high'][Math.floor(rand() * 3)], `agent ${i % 5}`, i % 4 ? 'closed' : 'open', ['DE', 'FR', 'US', 'JP'][i % 4], 'en',
      String(1 + (i % 5)), String(Math.round(rand() * 90)), i % 7 === 0 ? 'yes' : 'no', tag,
      i === 7 ? `=1+2 ${text}` : i === 9 ? `@SUM(A1) ${text}` : `Customer says: ${text}, ticket ${i}, "urgent"${i % 11 === 0 ? ', with a, comma' : ''}`,
      `Customer ${i}`, ['free', 'pro', 'team'][i % 3], String(1 + (i % 20)), ['EMEA', 'AMER', 'APAC'][i % 3], String(4 * (1 + (i % 6))), `1.${i % 4}.0`,
    ];
    lines.push(r.map(q).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
