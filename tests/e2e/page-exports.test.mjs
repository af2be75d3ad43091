// The page's export formats (web/app/exports.js) on awkward texts: CSV round-trips through the
// project's own CSV reader, Markdown has one heading per cluster and one list item per text.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { toCsv, toMarkdown, clusterTitle, neutralizeCell } from '../../web/app/exports.js';
import { parseCsv, parseTexts } from '../../web/lib/io.js';

const texts = [
  'plain text',
  'a "quoted" word, and a comma',
  'two\nlines',
  '<img src=x onerror=alert(1)>',
  '  leading and trailing spaces  ',
  '=1+2 looks like a formula',
  'ünïcödé and emoji 🙂',
];
const labels = [0, 0, 1, -1, 1, 0, -1];
const probabilities = [1, 0.5, 0.25, 0, 0.75, 1, 0];
const xy = { data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13.123456]), n: 7, dim: 2 };

test('CSV export: header, exact texts, coordinates, clusters, probabilities', () => {
  const csv = toCsv({ texts, xy, labels, probabilities });
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], ['text', 'x', 'y', 'cluster', 'probability']);
  assert.equal(rows.length, texts.length + 1);
  rows.slice(1).forEach((r, i) => {
    assert.equal(r[0], neutralizeCell(texts[i]), 'exact, but a formula gets an apostrophe');
    assert.equal(Number(r[1]), Math.round(xy.data[2 * i] * 1e5) / 1e5);
    assert.ok(Math.abs(Number(r[2]) - xy.data[2 * i + 1]) < 1e-5);
    assert.equal(Number(r[3]), labels[i]);
    assert.equal(Number(r[4]), probabilities[i]);
  });
  // the project's own text reader takes the "text" column back (formulas as neutralised)
  assert.deepEqual(parseTexts(new TextEncoder().encode(csv), 'export.csv'), texts.map(neutralizeCell));
});

test('CSV export: cells a spreadsheet would run as formulas are neutralised (OWASP), in texts, columns and headers', () => {
  const risky = ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', '\rCR', '=HYPERLINK("http://x","y")'];
  const safe = ['plain', ' =not first', 'a=b', '1-2'];
  for (const v of risky) assert.equal(neutralizeCell(v), `'${v}`, JSON.stringify(v));
  for (const v of safe) assert.equal(neutralizeCell(v), v, JSON.stringify(v));
  const all = [...risky, ...safe];
  const n = all.length;
  const csv = toCsv({
    texts: all, xy: { data: new Float32Array(2 * n).fill(-1.5), n, dim: 2 }, labels: all.map(() => -1),
    columns: [{ name: '=head', type: 'string', values: all }, { name: 'num', type: 'number', values: all.map((_, i) => -i) }],
  });
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], ['text', 'x', 'y', 'cluster', 'probability', "'=head", 'num']);
  rows.slice(1).forEach((r, i) => {
    assert.equal(r[0], neutralizeCell(all[i]));
    assert.equal(r[5], neutralizeCell(all[i]));
    assert.equal(r[6], String(-i), 'numbers are numbers, not neutralised');
    assert.equal(r[1], '-1.5', 'coordinates stay numbers');
    for (const cell of [r[0], r[5]]) assert.ok(!/^[=+\-@\t\r]/.test(cell), `no cell starts like a formula: ${JSON.stringify(cell)}`);
  });
});

test('Markdown export: a heading per cluster (largest first, noise last), keywords, every text once', () => {
  const clusters = [{ label: 0, size: 3, keywords: [{ word: 'alpha', score: 1 }, { word: 'beta', score: 0.5 }] }, { label: 1, size: 2, keywords: [] }];
  const md = toMarkdown({ texts, labels, clusters });
  const heads = md.split('\n').filter((l) => l.startsWith('## '));
  assert.deepEqual(heads, ['## Cluster 0 (3 texts)', '## Cluster 1 (2 texts)', '## Noise (2 texts)']);
  assert.match(md, /## Cluster 0 \(3 texts\)\n\nKeywords: alpha, beta\n/);
  const items = md.split('\n').filter((l) => l.startsWith('- '));
  assert.equal(items.length, texts.length);
  assert.ok(items.includes('- two lines'), 'a line break inside a text becomes a space');
  assert.ok(items.includes('- <img src=x onerror=alert(1)>'));
  assert.match(md, /^# Clusters\n\n7 texts in 2 clusters, 2 left as noise/);
  assert.equal(clusterTitle(-1), 'Noise');
  assert.equal(clusterTitle(4), 'Cluster 4');
});
