// The page's export formats (web/app/exports.js) on awkward texts: CSV round-trips through the
// project's own CSV reader, Markdown has one heading per cluster and one list item per text; cluster
// names in every format and in the map file; the Markdown prompt and the reading of its answer
// (web/app/prompt.js); the threshold sweep's cut of a condensed tree (web/app/sweep.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { toCsv, toMarkdown, clusterTitle, neutralizeCell, representatives } from '../../web/app/exports.js';
import { buildPrompt, parseNames, PROMPT_MAX_CHARS } from '../../web/app/prompt.js';
import { treeModel, cutAt, disagreement } from '../../web/app/sweep.js';
import { parseCsv, parseTexts } from '../../web/lib/io.js';
import { createMapFile, parseMapFile } from '../../web/lib/mapfile.js';

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
  assert.deepEqual(rows[0], ['text', 'x', 'y', 'cluster', 'probability', 'cluster_name']);
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
  assert.deepEqual(rows[0], ['text', 'x', 'y', 'cluster', 'probability', 'cluster_name', "'=head", 'num']);
  rows.slice(1).forEach((r, i) => {
    assert.equal(r[0], neutralizeCell(all[i]));
    assert.equal(r[6], neutralizeCell(all[i]));
    assert.equal(r[7], String(-i), 'numbers are numbers, not neutralised');
    assert.equal(r[1], '-1.5', 'coordinates stay numbers');
    for (const cell of [r[0], r[6]]) assert.ok(!/^[=+\-@\t\r]/.test(cell), `no cell starts like a formula: ${JSON.stringify(cell)}`);
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

test('names: CSV cluster_name, Markdown headings and descriptions, kept and checked in the map file', () => {
  const clusters = [{ label: 0, size: 3, keywords: [], name: 'Words, "quoted"', description: 'Two\nlines.' }, { label: 1, size: 2, keywords: [] }];
  const rows = parseCsv(toCsv({ texts, xy, labels, probabilities, clusters }));
  assert.deepEqual(rows.slice(1).map((r) => r[5]), labels.map((l) => (l === 0 ? 'Words, "quoted"' : '')));
  const md = toMarkdown({ texts, labels, clusters });
  assert.match(md, /^## Cluster 0: Words, "quoted" \(3 texts\)\n\nTwo lines\.\n/m);
  assert.match(md, /^## Cluster 1 \(2 texts\)$/m);
  assert.equal(clusterTitle(0, 'Words'), 'Words');
  const m = createMapFile({ texts, xy, labels, probabilities, clusters });
  assert.deepEqual(parseMapFile(JSON.stringify(m)).clusters.map((c) => c.name), ['Words, "quoted"', undefined]);
  for (const [k, v] of [['name', 3], ['description', { a: 1 }]]) {
    const bad = JSON.parse(JSON.stringify(m));
    bad.clusters[1][k] = v;
    assert.throws(() => parseMapFile(bad), new RegExp(`clusters\\[1\\]\\.${k} must be a string`));
  }
});

test('representatives: highest membership first, then the lowest outlier score, noise left out', () => {
  const r = representatives({ labels: [0, 0, 0, -1, 1], probabilities: [0.5, 1, 1, 0, 1], outlierScores: [0, 0.3, 0.1, 1, 0] }, 2);
  assert.deepEqual([...r], [[0, [2, 1]], [1, [4]]]);
});

test('the Markdown prompt: size-bounded, every cluster numbered; the answer read back in its usual forms', () => {
  const many = Array.from({ length: 3000 }, (_, i) => `text number ${i} ${'about something '.repeat(8)}`);
  const lab = many.map((_, i) => (i % 40 === 39 ? -1 : i % 37));
  const cl = Array.from({ length: 37 }, (_, l) => ({ label: l, size: lab.filter((x) => x === l).length, keywords: [{ word: `w${l}`, score: 1 }] }));
  const p = buildPrompt({ texts: many, labels: lab, clusters: cl });
  assert.ok(p.text.length <= PROMPT_MAX_CHARS, `${p.text.length} characters`);
  assert.equal(p.clusters + p.left, 37);
  const small = buildPrompt({ texts, labels, probabilities, clusters: [{ label: 0, size: 3, keywords: [{ word: 'alpha' }] }, { label: 1, size: 2 }] });
  assert.match(small.text, /^### Cluster 0 \(3 texts\)\n\nKeywords: alpha\n\n- plain text\n- =1\+2 looks like a formula\n- a "quoted" word, and a comma\n/m);
  assert.match(small.text, /- two lines\n/);
  assert.equal(small.left, 0);
  // the model's answer, in the forms language models write
  const answer = [
    '## 0: Weather talk', 'People talking about rain and sun.', '',
    '### Cluster 1 — **Football**', '', 'Matches and goals.',
    '## Cluster 2 (12 texts)', // an echo of the prompt, not a name
    '3: Cooking — recipes and ovens',
    '- 4: "Space"',
    '5. not a name line',
  ].join('\n');
  const names = parseNames(answer);
  assert.deepEqual([...names], [
    [0, { name: 'Weather talk', description: 'People talking about rain and sun.' }],
    [1, { name: 'Football', description: 'Matches and goals.' }],
    [3, { name: 'Cooking', description: 'recipes and ovens' }],
    [4, { name: 'Space', description: '' }],
  ]);
  // the prompt's own example heading reads back as a name: the format it asks for is the one parsed
  assert.deepEqual(parseNames(small.text).get(0), { name: 'Short name', description: 'One sentence about the cluster.' });
});

test('the threshold sweep: a cut of a condensed tree at λ, and where two clusterings disagree', () => {
  // root 5 splits at λ 1 into clusters 6 {0,1} and 7 {2,3}; point 4 leaves the root at λ 0.5; 0 leaves 6 at λ 3
  const ct = { parent: [5, 5, 5, 6, 6, 7, 7], child: [4, 6, 7, 0, 1, 2, 3], lambda: [0.5, 1, 1, 3, 4, 2, 2], childSize: [1, 2, 2, 1, 1, 1, 1], clusterNodes: [6, 7], clusterStabilities: [5, 2] };
  const m = treeModel(ct, 5);
  assert.deepEqual(Array.from(cutAt(m, 0.2)), [5, 5, 5, 5, 5]);
  assert.deepEqual(Array.from(cutAt(m, 0.7)), [5, 5, 5, 5, -1]);
  assert.deepEqual(Array.from(cutAt(m, 1.5)), [6, 6, 7, 7, -1]);
  assert.deepEqual(Array.from(cutAt(m, 3)), [-1, 6, -1, -1, -1]);
  assert.equal(m.nodes.get(6).label, 0);
  assert.equal(m.nodes.get(7).stability, 2);
  const d = disagreement([0, 0, 1, 1, -1, 2], [5, 5, 6, -1, -1, 6]);
  assert.deepEqual(Array.from(d.disagree), [3, 5]);
});
